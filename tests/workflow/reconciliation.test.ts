/**
 * Reconciliation on the fast layer: the venue (in-process paper venue, real ETH/BTC candles) is changed
 * behind a running run's back, or holds something before the run opens; the run stops trading
 * (fail-closed) and names each difference.
 */
import { ClientOrderId } from '../../domain/ids';
import type { PlaceOrder } from '../../domain/orders/order';
import { reconcileRun, resumeRun, runAudit, runStatus } from '../../temporal/runs-client';
import { waitFor } from '../helpers/temporal';
import { result } from '../helpers/runs';
import { holdAt, sma, snapshotNo, workflowSuite } from '../helpers/workflow-harness';

const suite = workflowSuite('reconciliation', ['ETH/BTC']);

/** An order no tempotrade run placed (a person at the venue's UI, say). */
const manual = (
  id: string,
  over: Partial<PlaceOrder> & Pick<PlaceOrder, 'side' | 'type' | 'quantity' | 'at'>,
): PlaceOrder => ({
  clientOrderId: ClientOrderId.parse(id),
  symbol: 'ETH/BTC',
  tif: over.type === 'market' ? 'IOC' : 'GTC',
  postOnly: false,
  reduceOnly: false,
  ...over,
});

describe('GIVEN a running run that owns its account balances', () => {
  it('WHEN someone trades and leaves an order on its account THEN the next reconciliation halts it naming each difference; WHEN the order is gone and the balances adopted THEN it trades again', async () => {
    const input = suite.input('recon', { strategy: sma(2, 3, 10), ticks: 40 });
    const broker = suite.venue.brokerage(input.accountId);
    const behindItsBack = holdAt(suite.venue, snapshotNo(input.accountId, 10));
    const whileHalted = holdAt(suite.venue, snapshotNo(input.accountId, 20));
    const runId = await suite.start(input);

    const at = (await behindItsBack.reached).at!;
    await broker.placeOrder(manual('desk-buy-1', { side: 'buy', type: 'market', quantity: '0.5', at }));
    await broker.placeOrder(manual('desk-bid-1', { side: 'buy', type: 'limit', price: '0.05', quantity: '1', at }));
    await reconcileRun(suite.client, runId, { reason: 'operator check' });
    behindItsBack.release();

    const halted = await waitFor('HALTED by reconciliation', async () => {
      const s = (await runStatus(suite.client, runId)).status;
      return s.tradingState === 'HALTED' && s;
    });
    expect(halted.reconciliation).toMatchObject({ ok: false, trigger: 'operator check' });
    const codes = halted.reconciliation!.differences.map((d) => `${d.code}:${d.asset ?? d.clientOrderId}`).sort();
    expect(codes).toEqual(['BALANCE_MISMATCH:BTC', 'BALANCE_MISMATCH:ETH', 'UNKNOWN_OPEN_ORDER:desk-bid-1']);
    expect(halted.stateChanges.at(-1)).toMatchObject({
      to: 'HALTED',
      by: 'guard',
      reason: expect.stringContaining('reconciliation (operator check) found 3 differences'),
    });
    const audit = await runAudit(suite.client, runId);
    expect(
      audit
        .filter((e) => e.kind === 'RECONCILIATION_FAILED')
        .map((e) => e.code)
        .sort(),
    ).toEqual(['BALANCE_MISMATCH', 'BALANCE_MISMATCH', 'UNKNOWN_OPEN_ORDER']);

    // Still halted ten ticks on: nothing was sent meanwhile.
    await whileHalted.reached;
    const later = (await runStatus(suite.client, runId)).status;
    expect(later.tradingState).toBe('HALTED');
    expect(later.counters!.placed).toBe(halted.counters!.placed);
    // The operator removes the order at the venue and takes its balances as right.
    await broker.cancelOrder('ETH/BTC', ClientOrderId.parse('desk-bid-1'));
    await resumeRun(suite.client, runId, { reason: 'desk trade booked', adoptVenueBalances: true });
    whileHalted.release();

    const summary = await result(suite.client, runId);
    const end = await runAudit(suite.client, runId);
    expect(
      end
        .filter((e) => e.kind === 'BALANCES_ADOPTED')
        .map((e) => e.message.split(':')[0])
        .sort(),
    ).toEqual(['BTC', 'ETH']);
    expect(end.filter((e) => e.kind === 'RECONCILED').at(-1)?.message).toContain('venue agrees (resume)');
    expect(summary.tradingState).toBe('ACTIVE');
    expect(summary.orders.placed).toBeGreaterThan(later.counters!.placed);
  });
});

describe('GIVEN an account that already holds a position and an order no run knows of', () => {
  it('WHEN a run opens on it THEN it starts HALTED with UNEXPECTED_POSITION and UNKNOWN_OPEN_ORDER, and places nothing', async () => {
    const input = suite.input('recon-open', { strategy: sma(2, 3, 10), ticks: 20 });
    suite.venue.openAccount(input.accountId, { BTC: '1', ETH: '2' });
    const broker = suite.venue.brokerage(input.accountId);
    const { clock } = await broker.describe(['ETH/BTC']);
    await broker.placeOrder(
      manual('old-ask-1', {
        side: 'sell',
        type: 'limit',
        price: '0.5',
        quantity: '1',
        at: clock.kind === 'replay' ? clock.start + 300_000 : 0,
      }),
    );
    const runId = await suite.start(input);

    const summary = await result(suite.client, runId);
    const { status } = await runStatus(suite.client, runId);
    expect(summary.tradingState).toBe('HALTED');
    expect(status.reconciliation?.trigger).toBe('opening');
    expect(status.reconciliation!.differences.map((d) => d.code).sort()).toEqual([
      'UNEXPECTED_POSITION',
      'UNKNOWN_OPEN_ORDER',
    ]);
    expect(summary.orders.placed).toBe(0);
    expect((await broker.orders()).map((o) => o.clientOrderId)).toEqual(['old-ask-1']);
  });
});
