/**
 * The account supervisor on the fast layer: runs of the in-process paper venue (real candles) ask their
 * account's supervisor (a real accountSupervisor workflow on the same worker) before every opening order,
 * and follow its halts.
 */
import { cmp, mul } from '../../domain/money';
import { accountStatus, haltAccount, updateAccountLimits } from '../../temporal/accounts-client';
import { runAudit, runStatus } from '../../temporal/runs-client';
import { waitFor } from '../helpers/temporal';
import { differences, result } from '../helpers/runs';
import { holdAt, workflowSuite } from '../helpers/workflow-harness';

const suite = workflowSuite('account', ['ETH/BTC', 'LTC/BTC']);

describe('GIVEN an account whose gross exposure cap is 0.1 BTC', () => {
  it('WHEN its run keeps bidding 0.3 BTC THEN the account resizes the first bid to the cap and denies the next ones: ACCOUNT_DENIED in the audit, one order at the venue', async () => {
    const account = suite.id('cap');
    await updateAccountLimits(suite.client, account, { maxGrossExposure: '0.1' }, { taskQueue: suite.queue });
    // A bid 10 % under the mark every 3 bars, left working: it does not fill, so the run stays flat and bids again.
    const input = suite.input('cap', {
      accountId: account,
      symbols: ['ETH/BTC'],
      strategy: { name: 'order-cycle', params: { everyBars: 3, orderType: 'limit', offsetBps: 1000, orderPct: 30 } },
      risk: { maxPositionPctPerSymbol: 100 },
      cancelAfterTicks: 1000,
      ticks: 20,
    });
    const runId = await suite.start(input);
    const summary = await result(suite.client, runId);

    const audit = await runAudit(suite.client, runId);
    const resized = audit.filter((e) => e.kind === 'ACCOUNT_RESIZED');
    const denied = audit.filter((e) => e.kind === 'ACCOUNT_DENIED');
    expect(resized.map((e) => e.code)).toEqual(['ACCOUNT_EXPOSURE_LIMIT']);
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect(denied.every((e) => e.code === 'ACCOUNT_EXPOSURE_LIMIT' && e.numbers?.headroom === '0')).toBe(true);
    expect(summary.orders.placed).toBe(1);
    const venue = await suite.account(account);
    expect(venue.orders.map((o) => [o.side, o.type])).toEqual([['buy', 'limit']]);
    expect(cmp(mul(venue.orders[0].quantity, venue.orders[0].price!), '0.1')).toBeLessThanOrEqual(0);
    // The run canceled its bid at the end and left the account's books.
    expect(venue.orders[0].status).toBe('CANCELED');
    const s = await waitFor('the run to leave the account', async () => {
      const st = await accountStatus(suite.client, account);
      return st.runs.length === 0 && st;
    });
    expect(s.counters.denied).toBe(denied.length);
    expect(cmp(s.peakCommitted, '0.1')).toBeLessThanOrEqual(0);
    expect(s.reservations).toBe(0);
  });
});

describe('GIVEN a run holding a position', () => {
  it('WHEN its account is halted with policy flatten THEN the run halts and closes the position with a reduce-only market sell', async () => {
    const account = suite.id('flat');
    const input = suite.input('flat', {
      accountId: account,
      symbols: ['LTC/BTC'],
      strategy: { name: 'order-cycle', params: { everyBars: 20, orderPct: 40 } },
      risk: { maxPositionPctPerSymbol: 100 },
      ticks: 40,
    });
    // Hold the run at its first tick after its buy: it holds LTC then.
    let bought = false;
    const holding = holdAt(suite.venue, (c) => {
      if (c.account === input.accountId && c.call === 'placeOrder') bought = true;
      return bought && c.account === input.accountId && c.call === 'snapshot';
    });
    const runId = await suite.start(input);
    await holding.reached;
    const before = await runStatus(suite.client, runId);
    expect(cmp(before.portfolio?.positions['LTC/BTC']?.quantity ?? '0', 0)).toBeGreaterThan(0);

    const fan = await haltAccount(
      suite.client,
      account,
      { reason: 'desk flattening', policy: 'flatten' },
      { taskQueue: suite.queue },
    );
    expect(fan.signalled).toEqual([runId]);
    await waitFor(
      'the run HALTED',
      async () => (await runStatus(suite.client, runId)).status.tradingState === 'HALTED',
    );
    holding.release();
    const summary = await result(suite.client, runId);

    expect(summary.tradingState).toBe('HALTED');
    expect(cmp(summary.positions['LTC/BTC'] ?? '0', 0)).toBe(0);
    const audit = await runAudit(suite.client, runId);
    expect(audit.some((e) => e.kind === 'HALT_POLICY_APPLIED' && e.code === 'FLATTEN')).toBe(true);
    expect(audit.some((e) => e.kind === 'ORDER_PLACED' && /^sell .* market .* reduce-only/.test(e.message))).toBe(true);
    const venue = await suite.account(input.accountId);
    const last = venue.orders.at(-1)!;
    expect([last.side, last.type, last.reduceOnly, last.status]).toEqual(['sell', 'market', true, 'FILLED']);
    expect(venue.balances.LTC?.total ?? '0').toBe('0');
    expect(differences(summary, venue)).toEqual([]);
    const s = await accountStatus(suite.client, account);
    expect(s).toMatchObject({ tradingState: 'HALTED', haltPolicy: 'flatten', stateReason: 'desk flattening' });
    expect(s.fanOuts.at(-1)?.signalled).toEqual([runId]);
  });
});
