/**
 * Trailing stops asked for by a strategy (order-cycle, orderType trailing_stop) on the real Temporal server
 * and real ETH/BTC candles: the advanced engine keeps them synthetic (never sent to the venue), the run
 * arms them, their triggers follow the mark, each fires once as a market order, and the portfolio equals
 * what the venue holds.
 */
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { Dec } from '../../domain/money';
import type { AuditEvent } from '../../domain/run/state';
import { runAudit, startRun } from '../../temporal/runs-client';
import { uniqueQueue, withWorker } from '../helpers/temporal';
import { differences, result, runInput, venueAccount, withVenueSuite } from '../helpers/runs';

let client: Client;
let venue: PaperVenueServer;
const stamp = Date.now().toString(36);
const TRAIL_BPS = 80;

withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));

const byId = (audit: AuditEvent[], kind: string) => new Map(audit.filter((e) => e.kind === kind).map((e) => [e.clientOrderId ?? '', e]));

describe('GIVEN order-cycle asking for trailing stops (80 bps) under the advanced engine, on a venue with native stops', () => {
  it('WHEN it runs 150 ticks of real ETH/BTC candles THEN the stops are armed, trail the mark, fire once each as market orders, and the portfolio equals the venue', async () => {
    const runId = `trail-${stamp}`;
    const queue = uniqueQueue('trail');
    const input = runInput({
      runId,
      venueUrl: venue.url,
      symbols: ['ETH/BTC'],
      engine: 'advanced',
      // Every 6 bars: flat → a trailing buy stop (enters when the mark rises 80 bps off its trough);
      // long → a reduce-only trailing sell stop (exits when the mark falls 80 bps off its peak).
      strategy: { name: 'order-cycle', params: { everyBars: 6, orderType: 'trailing_stop', trailBps: TRAIL_BPS, orderPct: 20 } },
      stop: { maxTicks: 150, endOfData: true },
    });
    const [run, audit] = await withWorker(queue, async () => {
      await startRun(client, input, { taskQueue: queue });
      return [await result(client, runId), await runAudit(client, runId)] as const;
    });
    expect(audit[0].kind).toBe('RUN_STARTED'); // the whole trail is in the audit (nothing trimmed)

    const registered = byId(audit, 'STOP_REGISTERED');
    const triggered = byId(audit, 'STOP_TRIGGERED');
    const firedIds = audit.filter((e) => e.kind === 'STOP_TRIGGERED').map((e) => e.clientOrderId);
    // Each stop fires once, and only a stop the run armed fires.
    expect(new Set(firedIds).size).toBe(firedIds.length);
    expect([...triggered.keys()].every((id) => registered.has(id))).toBe(true);
    expect(run.execution?.counters).toMatchObject({ stopsRegistered: registered.size, stopsTriggered: triggered.size });
    expect(registered.size).toBeGreaterThanOrEqual(4);
    expect(triggered.size).toBeGreaterThanOrEqual(2);

    // Every trigger sits exactly the trail from the best price seen; the fire mark crossed it.
    const f = new Dec(TRAIL_BPS).div(10_000);
    let trailed = 0;
    const sides = new Set<string>();
    for (const [id, t] of triggered) {
      const n = t.numbers ?? {};
      const r = registered.get(id)!.numbers ?? {};
      const sell = n.peak !== undefined;
      sides.add(sell ? 'sell' : 'buy');
      const best = new Dec(sell ? n.peak : n.trough);
      expect(new Dec(n.trigger).eq(best.times(sell ? new Dec(1).minus(f) : new Dec(1).plus(f)))).toBe(true);
      expect(sell ? new Dec(n.mark).lte(n.trigger) : new Dec(n.mark).gte(n.trigger)).toBe(true);
      // The trigger never moves back: the best price is at least as good as the mark it was armed at.
      expect(sell ? best.gte(r.mark) : best.lte(r.mark)).toBe(true);
      if (!new Dec(n.trigger).eq(r.trigger)) trailed += 1;
    }
    expect(trailed).toBeGreaterThanOrEqual(1);
    expect(sides).toEqual(new Set(['buy', 'sell']));

    // Nothing went to the venue as a stop: every venue order is a market order placed by a fired stop (a
    // fired stop that risk then denies, e.g. a sell whose position an earlier stop already sold, places nothing).
    const acct = await venueAccount(venue.url, input.accountId, 'BTC', '1');
    expect(acct.orders.length).toBeGreaterThan(0);
    expect(acct.orders.length).toBeLessThanOrEqual(triggered.size);
    expect(new Set(acct.orders.map((o) => o.type))).toEqual(new Set(['market']));
    expect(acct.orders.some((o) => registered.has(o.clientOrderId))).toBe(false);
    expect(run.orders.placed).toBe(acct.orders.length);
    const placedAfter = audit
      .filter((e) => e.kind === 'ORDER_PLACED')
      .map((p) => audit.filter((e) => e.seq < p.seq && (e.kind === 'STOP_TRIGGERED' || e.kind === 'INTENT_SIGNALED')).pop()?.kind);
    expect(placedAfter).toEqual(acct.orders.map(() => 'STOP_TRIGGERED'));
    expect(differences(run, acct)).toEqual([]);
    console.log(`trailing stops: ${registered.size} armed, ${triggered.size} fired (${trailed} after trailing), ${acct.orders.length} market orders at the venue; cash ${run.cash}, positions ${JSON.stringify(run.positions)}`);
  }, 300_000);
});
