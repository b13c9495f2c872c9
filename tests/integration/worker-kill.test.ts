/**
 * Durability: SIGKILL the worker process mid-run, start a new one, and the run completes with exactly
 * the orders an uninterrupted run places on the same inputs. The venue never sees a clientOrderId twice.
 */
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { PaperBrokerage } from '../../brokers/paper/client';
import { runStatus, startRun } from '../../temporal/runs-client';
import { killAllChildren, spawnWorker, type Child } from '../../cli/spawn';
import { serverAddress, NAMESPACE, testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { differences, orderShape, result, runInput, startVenue, venueAccount } from '../helpers/runs';

let client: Client;
let venue: PaperVenueServer;
const stamp = Date.now().toString(36);

beforeAll(async () => {
  client = await testClient();
  venue = await startVenue(['ETH/BTC', 'LTC/BTC']);
});
afterAll(async () => {
  await killAllChildren(); // even when the test timed out mid-way
  await venue?.close();
  await client?.connection.close();
});

const inputFor = (runId: string) =>
  runInput({
    runId,
    venueUrl: venue.url,
    symbols: ['ETH/BTC', 'LTC/BTC'],
    strategy: { name: 'sma-crossover', params: { fast: 3, slow: 8, orderPct: 20 } },
    stop: { maxTicks: 250, endOfData: true },
  });

describe('GIVEN the same strategy, data and capital run twice', () => {
  it('WHEN the worker of the second run is SIGKILLed mid-run and replaced THEN both runs place the same orders, and no order is duplicated', async () => {
    // Reference: uninterrupted, in-process worker.
    const refId = `kill-ref-${stamp}`;
    const refQueue = uniqueQueue('kill-ref');
    const ref = await withWorker(refQueue, async () => {
      await startRun(client, inputFor(refId), { taskQueue: refQueue });
      return result(client, refId);
    });

    // Chaos: a worker in its own process, killed with SIGKILL in the middle of the run.
    const chaosId = `kill-chaos-${stamp}`;
    const chaosQueue = uniqueQueue('kill-chaos');
    const env = { TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE() };
    let worker: Child = await spawnWorker(env, undefined, chaosQueue);
    const kills: number[] = [];
    try {
      await startRun(client, inputFor(chaosId), { taskQueue: chaosQueue });
      for (const atTick of [60, 150]) {
        const s = await waitFor(
          `tick ${atTick}`,
          async () => {
            const st = (await runStatus(client, chaosId)).status;
            return st.tick >= atTick && st;
          },
          120_000,
          20,
        );
        await worker.kill9();
        kills.push(s.tick);
        expect(s.phase).toBe('RUNNING');
        worker = await spawnWorker(env, undefined, chaosQueue);
      }
      const chaos = await result(client, chaosId);

      expect(kills.length).toBe(2);
      expect(chaos.ticks).toBe(ref.ticks);
      expect(chaos.orders).toEqual(ref.orders);
      expect(chaos.fills).toBe(ref.fills);
      expect([chaos.cash, chaos.positions, chaos.feesQuote]).toEqual([ref.cash, ref.positions, ref.feesQuote]);

      const refVenue = await venueAccount(venue.url, inputFor(refId).accountId, 'BTC', '1');
      const chaosVenue = await venueAccount(venue.url, inputFor(chaosId).accountId, 'BTC', '1');
      expect(chaosVenue.orders.map(orderShape)).toEqual(refVenue.orders.map(orderShape));
      expect(chaosVenue.orders.length).toBeGreaterThanOrEqual(6);
      // Exactly-once at the venue: unique ids, none rejected as a duplicate, fills counted once.
      expect(new Set(chaosVenue.orders.map((o) => o.clientOrderId)).size).toBe(chaosVenue.orders.length);
      expect((await new PaperBrokerage({ url: venue.url, account: 'x' }).stats()).duplicateClientOrderIdRejected).toBe(
        0,
      );
      expect(differences(chaos, chaosVenue)).toEqual([]);
    } finally {
      await worker.stop();
    }
  }, 480_000);
});
