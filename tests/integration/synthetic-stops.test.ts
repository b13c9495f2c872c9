/**
 * Synthetic durable stops (advanced engine, run input execution.stops = synthetic): the stops live in the
 * workflow's state, fire on the marks of later ticks, and survive a SIGKILL of the worker process: the
 * chaos run arms and fires exactly the stops an uninterrupted run does, each stop fires once, and the
 * venue sees each triggered order once.
 */
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { runAudit, runStatus, startRun } from '../../temporal/runs-client';
import { spawnWorker, type Child } from '../../cli/spawn';
import type { AuditEvent } from '../../domain/run/state';
import { serverAddress, NAMESPACE, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { differences, orderShape, result, runInput, venueAccount, withVenueSuite } from '../helpers/runs';

let client: Client;
let venue: PaperVenueServer;
const stamp = Date.now().toString(36);

withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));

// Every 6 bars: flat → a buy stop 15 bps above the mark; long → a sell stop 15 bps below it.
const inputFor = (runId: string) =>
  runInput({
    runId,
    venueUrl: venue.url,
    symbols: ['ETH/BTC'],
    engine: 'advanced',
    strategy: { name: 'order-cycle', params: { everyBars: 6, orderType: 'stop_market', offsetBps: 15, orderPct: 20 } },
    execution: { stops: 'synthetic' },
    continueAsNewAfterTicks: 60,
    stop: { maxTicks: 200, endOfData: true },
  });

function stopEvents(audit: AuditEvent[], kind: 'STOP_REGISTERED' | 'STOP_TRIGGERED'): string[] {
  return audit.filter((e) => e.kind === kind).map((e) => e.clientOrderId ?? '');
}

describe('GIVEN a strategy whose entries and exits are synthetic stops', () => {
  it('WHEN its worker is SIGKILLed twice while stops are armed THEN the same stops fire as in an uninterrupted run, each once, and the venue sees each order once', async () => {
    const refId = `stops-ref-${stamp}`;
    const refQueue = uniqueQueue('stops-ref');
    const [ref, refAudit] = await withWorker(refQueue, async () => {
      await startRun(client, inputFor(refId), { taskQueue: refQueue });
      return [await result(client, refId), await runAudit(client, refId)] as const;
    });
    const refFired = stopEvents(refAudit, 'STOP_TRIGGERED');
    expect(new Set(refFired).size).toBe(refFired.length);
    // Armed across continue-as-new: a stop registered before a hand-over fires after it.
    const seqOf = (kind: string, id: string) =>
      refAudit.find((e) => e.kind === kind && e.clientOrderId === id)?.seq ?? -1;
    const handovers = refAudit.filter((e) => e.kind === 'CONTINUED_AS_NEW').map((e) => e.seq);
    const across = refFired.filter((id) =>
      handovers.some(
        (h) => seqOf('STOP_REGISTERED', id) >= 0 && seqOf('STOP_REGISTERED', id) < h && h < seqOf('STOP_TRIGGERED', id),
      ),
    );
    expect(handovers.length).toBeGreaterThanOrEqual(1);
    expect(across.length).toBeGreaterThanOrEqual(1);
    expect(ref.execution?.counters.stopsRegistered).toBeGreaterThanOrEqual(5);
    expect(ref.execution?.counters.stopsTriggered).toBeGreaterThanOrEqual(3);
    // Every order comes from a fired stop (none goes to the venue as a stop); a fired stop that risk then
    // denies (e.g. a sell stop whose position an earlier stop already sold) places nothing.
    expect(ref.orders.placed).toBeGreaterThan(0);
    expect(ref.orders.placed).toBeLessThanOrEqual(ref.execution?.counters.stopsTriggered ?? 0);

    const chaosId = `stops-chaos-${stamp}`;
    const chaosQueue = uniqueQueue('stops-chaos');
    const env = { TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE() };
    let worker: Child = await spawnWorker(env, undefined, chaosQueue);
    const killedWithArmed: number[] = [];
    try {
      await startRun(client, inputFor(chaosId), { taskQueue: chaosQueue });
      for (const atTick of [40, 110]) {
        const s = await waitFor(
          `tick ${atTick} with a stop armed`,
          async () => {
            const st = (await runStatus(client, chaosId)).status;
            return st.tick >= atTick && (st.execution?.armedStops.length ?? 0) > 0 && st;
          },
          120_000,
          10,
        );
        await worker.kill9();
        killedWithArmed.push(s.execution?.armedStops.length ?? 0);
        worker = await spawnWorker(env, undefined, chaosQueue);
      }
      const chaos = await result(client, chaosId);
      const chaosAudit = await runAudit(client, chaosId); // the worker still runs: a closed run answers queries

      console.log(
        `synthetic stops: ${across.length} fired after a continue-as-new that carried them; killed with ${killedWithArmed.join(' and ')} stop(s) armed; counters ${JSON.stringify(chaos.execution?.counters)}`,
      );
      expect(killedWithArmed.every((n) => n > 0)).toBe(true);
      expect(chaos.execution?.counters).toEqual(ref.execution?.counters);
      expect(chaos.orders).toEqual(ref.orders);
      expect([chaos.cash, chaos.positions]).toEqual([ref.cash, ref.positions]);
      // Each stop fires once (a stop id is triggered at most once), and the same stops as the reference.
      const fired = stopEvents(chaosAudit, 'STOP_TRIGGERED');
      expect(new Set(fired).size).toBe(fired.length);
      const chaosVenue = await venueAccount(venue.url, inputFor(chaosId).accountId, 'BTC', '1');
      const refVenue = await venueAccount(venue.url, inputFor(refId).accountId, 'BTC', '1');
      expect(chaosVenue.orders.map(orderShape)).toEqual(refVenue.orders.map(orderShape));
      expect(new Set(chaosVenue.orders.map((o) => o.clientOrderId)).size).toBe(chaosVenue.orders.length);
      expect(differences(chaos, chaosVenue)).toEqual([]);
    } finally {
      await worker.stop();
    }
  }, 480_000);
});
