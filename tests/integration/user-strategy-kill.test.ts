/**
 * Durability of a user strategy's state: a strategy that counts bars in ctx.state runs in a worker process
 * loaded from a folder outside the repo; the worker is SIGKILLed mid-run and replaced. The resumed run
 * decides and orders exactly as an uninterrupted run of the same strategy on the same data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { killAllChildren, spawnWorker, type Child } from '../../cli/spawn';
import { loadStrategies } from '../../domain/strategies/loader';
import { runAudit, runStatus, startRun } from '../../temporal/runs-client';
import { NAMESPACE, serverAddress, testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { differences, orderShape, result, runInput, startVenue, venueAccount } from '../helpers/runs';
import { SDK } from '../helpers/user-strategies';

// The SDK by path: the reference worker runs in jest, whose module registry does not resolve 'tempotrade/strategy'
// (user-strategy-worker.test.ts covers that import); both workers must load the same bytes, so the same pin.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-kill-strategy-'));
/** Its rhythm lives only in ctx.state: a resumed run that lost the state would restart its count. */
fs.writeFileSync(
  path.join(dir, 'counter.ts'),
  `import { defineStrategy, z } from ${JSON.stringify(SDK)};
export default defineStrategy({
  name: 'user-state-counter',
  version: '1.0.0',
  description: 'buys every 9th bar when flat, sells 4 bars later; the count is in ctx.state',
  params: z.object({}),
  lookback: () => 1,
  onBar(ctx) {
    const n = (typeof ctx.state.n === 'number' ? ctx.state.n : 0) + 1;
    ctx.state.n = n;
    ctx.state.last = ctx.mark;
    if (Number(ctx.position) === 0 && n % 9 === 1) return [ctx.buy({ pctOfEquity: 15, reason: 'bar ' + n })];
    if (Number(ctx.position) > 0 && n % 9 === 5) return [ctx.sell({ quantity: ctx.position, reason: 'bar ' + n })];
    return [];
  },
});
`,
);
const strategies = loadStrategies([dir]);

let client: Client;
let venue: PaperVenueServer;
const stamp = Date.now().toString(36);

beforeAll(async () => {
  client = await testClient();
  venue = await startVenue(['ETH/BTC']);
});
afterAll(async () => {
  await killAllChildren();
  await venue?.close();
  await client?.connection.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const inputFor = (runId: string) =>
  runInput({
    runId,
    venueUrl: venue.url,
    symbols: ['ETH/BTC'],
    strategy: { name: 'user-state-counter', params: {} },
    stop: { maxTicks: 120, endOfData: true },
  });
const decisions = async (runId: string) =>
  (await runAudit(client, runId)).filter((e) => e.kind === 'INTENT_SIGNALED').map((e) => [e.tick, e.message]);

describe('GIVEN a user strategy that keeps its bar count in ctx.state', () => {
  it('WHEN its worker process is SIGKILLed mid-run and replaced THEN the resumed run orders exactly as an uninterrupted run', async () => {
    const refId = `kill-user-ref-${stamp}`;
    const refQueue = uniqueQueue('kill-user-ref');
    const [ref, refDecisions] = await withWorker(
      refQueue,
      async () => {
        await startRun(client, inputFor(refId), { taskQueue: refQueue, strategies });
        return [await result(client, refId), await decisions(refId)] as const;
      },
      { strategies },
    );

    const chaosId = `kill-user-chaos-${stamp}`;
    const queue = uniqueQueue('kill-user-chaos');
    const env = { TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE(), TEMPOTRADE_STRATEGIES: dir };
    let worker: Child = await spawnWorker(env, undefined, queue);
    try {
      await startRun(client, inputFor(chaosId), { taskQueue: queue, strategies });
      const at = await waitFor(
        'tick 50',
        async () => {
          const st = (await runStatus(client, chaosId)).status;
          return st.tick >= 50 && st;
        },
        120_000,
        20,
      );
      await worker.kill9();
      expect(at.phase).toBe('RUNNING');
      expect(at.tick).toBeLessThan(120);
      worker = await spawnWorker(env, undefined, queue);
      const chaos = await result(client, chaosId);

      expect(ref.orders.placed).toBeGreaterThanOrEqual(8);
      expect(chaos.ticks).toBe(ref.ticks);
      expect(await decisions(chaosId)).toEqual(refDecisions);
      expect(chaos.orders).toEqual(ref.orders);
      expect([chaos.cash, chaos.positions, chaos.feesQuote]).toEqual([ref.cash, ref.positions, ref.feesQuote]);
      const refVenue = await venueAccount(venue.url, inputFor(refId).accountId, 'BTC', '1');
      const chaosVenue = await venueAccount(venue.url, inputFor(chaosId).accountId, 'BTC', '1');
      expect(chaosVenue.orders.map(orderShape)).toEqual(refVenue.orders.map(orderShape));
      expect(differences(chaos, chaosVenue)).toEqual([]);
    } finally {
      await worker.stop();
    }
  }, 360_000);
});
