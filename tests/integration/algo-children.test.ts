/**
 * Execution algorithms as child workflows of a strategy run, on the real Temporal server, the
 * paper venue and bundled real ETH/BTC data: the order-cycle strategy emits TWAP intents, the run starts
 * each as an `algoOrder` child whose orders are the run's (its clientOrderId prefix, its portfolio).
 */
import type { Client } from '@temporalio/client';
import { workflowBundle } from '../../workers/worker';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { spawnWorker, type Child } from '../../cli/spawn';
import { clientOrderIdPrefix } from '../../domain/ids';
import { add, cmp } from '../../domain/money';
import type { AlgoLink } from '../../domain/run/state';
import { haltSignal, statusQuery } from '../../workflows/definitions';
import { startRun } from '../../temporal/runs-client';
import { serverAddress, NAMESPACE, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { differences, result, runInput, venueAccount, withVenueSuite } from '../helpers/runs';
import { fetchHistories, replayOutcomes } from '../helpers/replay';

let client: Client;
let venue: PaperVenueServer;
const stamp = Date.now().toString(36);
/** Finished runs and their algo children, replayed at the end. */
const recorded: string[] = [];

withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));

/** order-cycle on ETH/BTC (5-minute bars): every 20 bars a TWAP of `slices` slices, one slice a bar. */
function twapRun(runId: string, slices: number, over: { maxTicks?: number; tickInterval?: string } = {}) {
  return runInput({
    runId,
    venueUrl: venue.url,
    symbols: ['ETH/BTC'],
    strategy: {
      name: 'order-cycle',
      params: { everyBars: 20, orderPct: 30, algo: { kind: 'twap', slices, duration: `${slices * 5}m` } },
    },
    risk: { maxMarkStalenessSeconds: 3600 },
    stop: { maxTicks: over.maxTicks ?? 60, endOfData: true },
    ...(over.tickInterval ? { tickInterval: over.tickInterval } : {}),
  });
}

const algosOf = async (runId: string): Promise<AlgoLink[]> =>
  (await client.workflow.getHandle(runId).query(statusQuery)).algos ?? [];

describe('GIVEN an order-cycle run whose orders go through a 5-slice TWAP', () => {
  it("WHEN it runs THEN the child shows in the status, fills exactly each TWAP quantity with the run's order ids, and the portfolio equals the venue to the last unit", async () => {
    const runId = `algo-run-${stamp}`;
    const queue = uniqueQueue('algo-run');
    const input = twapRun(runId, 5, { tickInterval: '150ms' });
    const { summary, seenRunning, status } = await withWorker(queue, async () => {
      await startRun(client, input, { taskQueue: queue });
      const running = await waitFor(
        'a running TWAP child',
        async () => (await algosOf(runId)).find((a) => a.progress.phase === 'RUNNING' && a.progress.orders.length >= 1),
        90_000,
        50,
      );
      const s = await result(client, runId);
      return { summary: s, seenRunning: running, status: await client.workflow.getHandle(runId).query(statusQuery) };
    });
    const algos = status.algos ?? [];
    recorded.push(runId, ...algos.map((a) => a.workflowId));
    const v = await venueAccount(venue.url, input.accountId, 'BTC', '1');
    const prefix = clientOrderIdPrefix(runId);
    console.log(
      `run with TWAP children: ${algos.length} algo(s) ${algos.map((a) => `${a.progress.phase} ${a.progress.filled}/${a.progress.quantity} in ${a.progress.orders.length} orders`).join('; ')}; venue ${v.orders.length} orders, ${v.fills.length} fills; summary placed ${summary.orders.placed}`,
    );
    expect(seenRunning.workflowId).toMatch(new RegExp(`^${runId}-algo-`));
    expect(algos.length).toBeGreaterThanOrEqual(2); // the buy, then the sell of the position
    for (const a of algos.filter((x) => x.progress.phase === 'COMPLETED')) {
      const ids = new Set(a.progress.orders.map((o) => o.clientOrderId));
      const atVenue = v.fills.filter((f) => ids.has(f.clientOrderId));
      expect(cmp(add('0', ...atVenue.map((f) => f.quantity)), a.progress.quantity)).toBe(0);
      expect(a.progress.orders.length).toBe(5);
    }
    expect(algos.filter((x) => x.progress.phase === 'COMPLETED').length).toBeGreaterThanOrEqual(2);
    // A TWAP still running when the run reached its last tick is stopped by the run, not left behind.
    for (const a of algos.filter((x) => x.progress.phase !== 'COMPLETED'))
      expect(a.progress).toMatchObject({ phase: 'CANCELLED', reason: expect.stringMatching(/^the run finished/) });
    expect(algos.every((a) => a.ended)).toBe(true);
    expect(v.orders.every((o) => o.clientOrderId.startsWith(prefix))).toBe(true);
    expect(new Set(v.orders.map((o) => o.clientOrderId)).size).toBe(v.orders.length);
    expect(summary.orders.placed).toBe(v.orders.length);
    expect(differences(summary, v)).toEqual([]);
    expect(status.reconciliation?.ok).toBe(true);
    expect(summary.tradingState).toBe('ACTIVE');
  }, 180_000);

  it('WHEN the run is halted mid-TWAP THEN the child stops HALTED and no order is placed after the halt', async () => {
    const runId = `algo-halt-${stamp}`;
    const queue = uniqueQueue('algo-halt');
    const input = twapRun(runId, 10, { tickInterval: '300ms', maxTicks: 40 });
    await withWorker(queue, async () => {
      await startRun(client, input, { taskQueue: queue });
      await waitFor(
        '2 slices',
        async () => (await algosOf(runId)).some((a) => a.progress.orders.length >= 2),
        90_000,
        50,
      );
      await client.workflow.getHandle(runId).signal(haltSignal, { reason: 'operator halt mid-TWAP' });
      const stopped = await waitFor(
        'the child HALTED',
        async () => (await algosOf(runId)).find((a) => a.ended && a.progress.phase === 'HALTED'),
        30_000,
        50,
      );
      const ordersAtHalt = (await venueAccount(venue.url, input.accountId, 'BTC', '1')).orders.length;
      const summary = await result(client, runId);
      const v = await venueAccount(venue.url, input.accountId, 'BTC', '1');
      console.log(
        `halt mid-TWAP: child ${stopped.progress.phase} after ${stopped.progress.orders.length} of 10 slices (${stopped.progress.filled} of ${stopped.progress.quantity}); venue orders at halt ${ordersAtHalt}, at the end ${v.orders.length}`,
      );
      expect(stopped.progress.orders.length).toBeLessThan(10);
      expect(cmp(stopped.progress.filled, stopped.progress.quantity)).toBeLessThan(0);
      expect(v.orders.length).toBe(ordersAtHalt);
      expect(v.orders.length).toBe(stopped.progress.orders.length);
      expect(summary.tradingState).toBe('HALTED');
      expect(differences(summary, v)).toEqual([]);
    });
  }, 180_000);

  it('WHEN the worker is SIGKILLed mid-TWAP and replaced THEN the TWAP fills exactly its quantity once and the portfolio equals the venue', async () => {
    const runId = `algo-kill-${stamp}`;
    const queue = uniqueQueue('algo-kill');
    const input = twapRun(runId, 10, { tickInterval: '200ms', maxTicks: 36 });
    const env = { TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE() };
    let worker: Child = await spawnWorker(env, undefined, queue);
    try {
      await startRun(client, input, { taskQueue: queue });
      const before = await waitFor(
        'slice 3',
        async () => (await algosOf(runId)).find((a) => a.progress.orders.length >= 3),
        90_000,
        20,
      );
      await worker.kill9();
      worker = await spawnWorker(env, undefined, queue);
      const summary = await result(client, runId);
      const status = await client.workflow.getHandle(runId).query(statusQuery);
      const algo = (status.algos ?? []).find((a) => a.workflowId === before.workflowId)!;
      recorded.push(runId, before.workflowId);
      const v = await venueAccount(venue.url, input.accountId, 'BTC', '1');
      const ids = new Set(algo.progress.orders.map((o) => o.clientOrderId));
      const filledAtVenue = add('0', ...v.fills.filter((f) => ids.has(f.clientOrderId)).map((f) => f.quantity));
      console.log(
        `SIGKILL mid-TWAP: killed at ${before.progress.orders.length} slices; child ${algo.progress.phase} ${algo.progress.filled}/${algo.progress.quantity} in ${algo.progress.orders.length} orders; venue filled ${filledAtVenue} in ${v.orders.length} orders`,
      );
      expect(algo.progress).toMatchObject({ phase: 'COMPLETED', remaining: '0' });
      expect(cmp(filledAtVenue, algo.progress.quantity)).toBe(0);
      expect(algo.progress.orders.length).toBe(10);
      expect(new Set(v.orders.map((o) => o.clientOrderId)).size).toBe(v.orders.length);
      expect(summary.orders.placed).toBe(v.orders.length);
      expect(differences(summary, v)).toEqual([]);
      expect(status.reconciliation?.ok).toBe(true);
    } finally {
      await worker.stop();
    }
  }, 240_000);
});

describe('GIVEN the histories of these runs and their algo children', () => {
  it('WHEN replayed with the current workflow code THEN none is nondeterministic (RECORD_HISTORIES=1 writes them to tests/replay/histories)', async () => {
    expect(recorded.length).toBeGreaterThanOrEqual(4);
    // Full workflow ids: the replay uses the file name as the workflow id, and a child's id derives from the run's.
    const histories = await fetchHistories(client, recorded, (id) => id);
    expect(await replayOutcomes(await workflowBundle(), histories)).toEqual(recorded.map((id) => [id, undefined]));
  }, 120_000);
});
