/**
 * Synthetic stops on the fast layer: the advanced engine keeps stop orders in the run (execution.stops
 * synthetic, and trailing stops always), and the run fires them on the marks of later ticks of real
 * ETH/BTC candles.
 */
import type { AuditEvent, RunSummary } from '../../domain/run/state';
import { Dec } from '../../domain/money';
import { runAudit } from '../../temporal/runs-client';
import { differences, result } from '../helpers/runs';
import { workflowSuite, type RunOptions } from '../helpers/workflow-harness';

const suite = workflowSuite('stops', ['ETH/BTC']);

const events = (audit: AuditEvent[], kind: string) => audit.filter((e) => e.kind === kind);
const byId = (audit: AuditEvent[], kind: string) =>
  new Map(audit.filter((e) => e.kind === kind).map((e) => [e.clientOrderId ?? '', e]));
const TRAIL_BPS = 80;

/** order-cycle on the advanced engine, every 6 bars an order of 20% of equity, typed by `order`; run to its end. */
async function runCycle(run: string, ticks: number, order: Record<string, unknown>, over: RunOptions = {}) {
  const input = suite.input(run, {
    engine: 'advanced',
    strategy: { name: 'order-cycle', params: { everyBars: 6, orderPct: 20, ...order } },
    ticks,
    ...over,
  });
  const runId = await suite.start(input);
  return { input, summary: await result(suite.client, runId), audit: await runAudit(suite.client, runId) };
}

/**
 * No stop was shown to the venue: its orders are all market orders, no more than the stops that fired, none
 * under an armed stop's id; they are the run's orders, and its portfolio equals the venue's. The venue's account.
 */
async function expectNoStopAtVenue(
  accountId: string,
  summary: RunSummary,
  armed: { has(clientOrderId: string): boolean },
  fired: number,
) {
  const venue = await suite.account(accountId);
  expect(venue.orders.length).toBeGreaterThan(0);
  expect(venue.orders.length).toBeLessThanOrEqual(fired);
  expect(new Set(venue.orders.map((o) => o.type))).toEqual(new Set(['market']));
  expect(venue.orders.some((o) => armed.has(o.clientOrderId))).toBe(false);
  expect(summary.orders.placed).toBe(venue.orders.length);
  expect(differences(summary, venue)).toEqual([]);
  return venue;
}

describe('GIVEN order-cycle entering with buy stops above the mark and exiting with stop-loss sells below it', () => {
  it('WHEN the marks cross them THEN each armed stop fires once (STOP_TRIGGERED) as a market order, none is shown to the venue, and the portfolio equals the venue', async () => {
    // Every 6 bars: flat → a buy stop 15 bps above the mark; long → a sell stop 15 bps below it.
    const { input, summary, audit } = await runCycle(
      'stops',
      80,
      { orderType: 'stop_market', offsetBps: 15 },
      { execution: { stops: 'synthetic' } },
    );

    const registered = new Map(events(audit, 'STOP_REGISTERED').map((e) => [e.clientOrderId, e]));
    const fired = events(audit, 'STOP_TRIGGERED');
    expect(fired.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fired.map((e) => e.clientOrderId)).size).toBe(fired.length);
    expect(summary.execution?.counters).toMatchObject({
      stopsRegistered: registered.size,
      stopsTriggered: fired.length,
    });
    let stopLosses = 0;
    for (const t of fired) {
      const armed = registered.get(t.clientOrderId)!;
      expect(armed.seq).toBeLessThan(t.seq);
      // The mark that fired it crossed its trigger: a sell stop sits under the mark it was armed at.
      const sell = new Dec(armed.numbers!.trigger).lt(armed.numbers!.mark);
      if (sell) stopLosses += 1;
      expect(
        sell ? new Dec(t.numbers!.mark).lte(t.numbers!.trigger) : new Dec(t.numbers!.mark).gte(t.numbers!.trigger),
      ).toBe(true);
    }
    expect(stopLosses).toBeGreaterThanOrEqual(1);

    await expectNoStopAtVenue(input.accountId, summary, registered, fired.length);
  });
});

describe('GIVEN order-cycle asking for trailing stops (80 bps) under the advanced engine, on a venue with native stops', () => {
  it('WHEN it runs 150 ticks of real ETH/BTC candles THEN the stops are armed, trail the mark, fire once each as market orders, and the portfolio equals the venue', async () => {
    // Every 6 bars: flat → a trailing buy stop (enters when the mark rises 80 bps off its trough);
    // long → a reduce-only trailing sell stop (exits when the mark falls 80 bps off its peak).
    const {
      input,
      summary: run,
      audit,
    } = await runCycle('trail', 150, { orderType: 'trailing_stop', trailBps: TRAIL_BPS });
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
    const acct = await expectNoStopAtVenue(input.accountId, run, registered, triggered.size);
    const placedAfter = audit
      .filter((e) => e.kind === 'ORDER_PLACED')
      .map(
        (p) =>
          audit.filter((e) => e.seq < p.seq && (e.kind === 'STOP_TRIGGERED' || e.kind === 'INTENT_SIGNALED')).pop()
            ?.kind,
      );
    expect(placedAfter).toEqual(acct.orders.map(() => 'STOP_TRIGGERED'));
  });
});
