/**
 * Durability of a user strategy's state: a strategy that counts bars in ctx.state runs in a worker process
 * loaded from a folder outside the repo; the worker is SIGKILLed mid-run and replaced. The resumed run
 * decides and orders exactly as an uninterrupted run of the same strategy on the same data.
 */
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { spawnWorker, type Child } from '../../cli/spawn';
import { loadStrategies } from '../../domain/strategies/loader';
import { runAudit, runStatus, startRun } from '../../temporal/runs-client';
import { NAMESPACE, serverAddress, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { differences, orderShape, result, runInput, venueAccount, withVenueSuite } from '../helpers/runs';
import { strategyFolder, strategyModule } from '../helpers/user-strategies';

let client: Client;
let venue: PaperVenueServer;
withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));
const stamp = Date.now().toString(36);
// The SDK by path: the reference worker runs in jest, whose module registry does not resolve 'tempotrade/strategy'
// (user-strategy-worker.test.ts covers that import); both workers must load the same bytes, so the same pin.
const dir = strategyFolder('tempotrade-kill-strategy-', {
  /** Its rhythm lives only in ctx.state: a resumed run that lost the state would restart its count. */
  'counter.ts': strategyModule({
    name: 'user-state-counter',
    description: 'buys every 9th bar when flat, sells 4 bars later; the count is in ctx.state',
    lookback: '() => 1',
    countBars: true,
    onBar: `ctx.state.last = ctx.mark;
if (Number(ctx.position) === 0 && n % 9 === 1) return [ctx.buy({ pctOfEquity: 15, reason: 'bar ' + n })];
if (Number(ctx.position) > 0 && n % 9 === 5) return [ctx.sell({ quantity: ctx.position, reason: 'bar ' + n })];
return [];`,
  }),
});
const strategies = loadStrategies([dir]);

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
