/**
 * Halt and resume on the fast layer: the real strategyRun on the Temporal test server, its venue the
 * in-process paper venue replaying real ADA/BTC candles. The run is held at fixed ticks (a venue call in
 * flight) while the test signals it, so each step happens at a known market time.
 */
import { haltRun, resumeRun, runAudit, runStatus } from '../../temporal/runs-client';
import { haltSignal, statusQuery } from '../../workflows/definitions';
import { waitFor } from '../helpers/temporal';
import { differences, result } from '../helpers/runs';
import { holdAt, sma, snapshotNo, workflowSuite } from '../helpers/workflow-harness';
import { sharedWorkflowBundle } from '../helpers/workflow-bundle';
import { fetchHistories, replayOutcomes } from '../helpers/replay';

const suite = workflowSuite('halt-resume', ['ADA/BTC']);
const finishedRuns: string[] = [];

describe('GIVEN a replayed run whose strategy trades often', () => {
  it('WHEN halt is processed THEN no new order is placed while halted; WHEN resumed THEN trading continues', async () => {
    const input = suite.input('halt', { strategy: sma(2, 3, 10), ticks: 55 });
    const broker = suite.venue.brokerage(input.accountId);
    // Hold the run at its first tick after its second order, then again 20 ticks later.
    let orders = 0;
    const atHalt = holdAt(suite.venue, (c) => {
      if (c.account !== input.accountId) return false;
      if (c.call === 'placeOrder') orders += 1;
      return orders >= 2 && c.call === 'snapshot';
    });
    const runId = await suite.start(input);
    const heldAt = await atHalt.reached;
    const whileHalted = holdAt(suite.venue, snapshotNo(input.accountId, heldAt.n + 20));
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

    // 20 ticks later the strategy has wanted to trade while halted.
    await whileHalted.reached;
    const later = (await runStatus(suite.client, runId)).status;
    expect(later.tick).toBeGreaterThanOrEqual(halted.tick + 19);
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
    finishedRuns.push(runId);
  });

  it('WHEN a signal arrives with a bad payload THEN it is recorded as rejected and the state does not change', async () => {
    const input = suite.input('badsignal', { ticks: 10 });
    const running = holdAt(suite.venue, snapshotNo(input.accountId, 3));
    const runId = await suite.start(input);
    await running.reached;
    // THEN the client refuses it before sending...
    await expect(haltRun(suite.client, runId, { reason: '' })).rejects.toThrow(/reason: must say why/);
    // ...and a raw bad payload that bypasses the client is refused by the workflow itself.
    await suite.client.workflow.getHandle(runId).signal(haltSignal, { reason: 42 } as unknown as { reason: string });
    const rejected = await waitFor('SIGNAL_REJECTED', async () =>
      (await runAudit(suite.client, runId)).find((e) => e.kind === 'SIGNAL_REJECTED'),
    );
    expect(rejected.message).toContain('reason');
    expect((await suite.client.workflow.getHandle(runId).query(statusQuery)).tradingState).toBe('ACTIVE');
    running.release();
    expect((await result(suite.client, runId)).tradingState).toBe('ACTIVE');
    finishedRuns.push(runId);
  });
});

describe('GIVEN the histories of these runs (signals while an activity was in flight)', () => {
  it('WHEN replayed with the current workflow code THEN there is no nondeterminism', async () => {
    expect(finishedRuns.length).toBe(2);
    const histories = await fetchHistories(suite.client, finishedRuns);
    const outcomes = await replayOutcomes(await sharedWorkflowBundle(), histories);
    expect(outcomes).toEqual(finishedRuns.map((id) => [id, undefined]));
  });
});
