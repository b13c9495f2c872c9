/**
 * Halt and resume on the fast layer: the real strategyRun on the Temporal test server, its venue the
 * in-process paper venue replaying real ADA/BTC candles. The run is held at fixed ticks (a venue call in
 * flight) while the test signals it, so each step happens at a known market time.
 */
import { haltRun, resumeRun, runAudit, runStatus } from '../../temporal/runs-client';
import { waitFor } from '../helpers/temporal';
import { differences, result } from '../helpers/runs';
import { holdAt, snapshotNo, workflowSuite } from '../helpers/workflow-harness';

const suite = workflowSuite('halt-resume', ['ADA/BTC']);
const stamp = Date.now().toString(36);

describe('GIVEN a replayed run whose strategy trades often', () => {
  it('WHEN halt is processed THEN no new order is placed while halted; WHEN resumed THEN trading continues', async () => {
    const input = suite.input({ runId: `wf-halt-${stamp}`, symbols: ['ADA/BTC'], strategy: { name: 'sma-crossover', params: { fast: 2, slow: 3, orderPct: 10 } }, stop: { maxTicks: 150, endOfData: true } });
    const broker = suite.venue.brokerage(input.accountId);
    const atHalt = holdAt(suite.venue, snapshotNo(input.accountId, 30));
    const whileHalted = holdAt(suite.venue, snapshotNo(input.accountId, 70));
    const runId = await suite.start(input);

    await atHalt.reached;
    const before = (await runStatus(suite.client, runId)).status;
    expect(before.counters!.placed).toBeGreaterThanOrEqual(2);
    await haltRun(suite.client, runId, { reason: 'operator halt in test' });
    const halted = await waitFor('HALTED', async () => {
      const s = (await runStatus(suite.client, runId)).status;
      return s.tradingState === 'HALTED' && s;
    });
    const placedAtHalt = halted.counters!.placed;
    const venueOrdersAtHalt = (await broker.orders()).length;
    atHalt.release();

    // 40 ticks later the strategy has wanted to trade while halted.
    await whileHalted.reached;
    const later = (await runStatus(suite.client, runId)).status;
    expect(later.tick).toBeGreaterThanOrEqual(halted.tick + 39);
    expect(later.counters!.deniedByReason.TRADING_HALTED ?? 0).toBeGreaterThanOrEqual(2);
    expect(later.counters!.placed).toBe(placedAtHalt);
    expect((await broker.orders()).length).toBe(venueOrdersAtHalt);
    expect(later.stateChanges.at(-1)).toMatchObject({ to: 'HALTED', by: 'signal', reason: 'operator halt in test' });

    await resumeRun(suite.client, runId, { reason: 'back on' });
    await waitFor('ACTIVE', async () => (await runStatus(suite.client, runId)).status.tradingState === 'ACTIVE');
    whileHalted.release();
    const summary = await result(suite.client, runId);
    expect(summary.tradingState).toBe('ACTIVE');
    expect(summary.orders.placed).toBeGreaterThan(placedAtHalt);
    const audit = await runAudit(suite.client, runId);
    const resumedAt = audit.filter((e) => e.kind === 'STATE_CHANGED' && e.code === 'ACTIVE').at(-1)!.seq;
    expect(audit.some((e) => e.kind === 'ORDER_PLACED' && e.seq > resumedAt)).toBe(true);
    expect(differences(summary, await suite.account(input.accountId))).toEqual([]);
  });
});
