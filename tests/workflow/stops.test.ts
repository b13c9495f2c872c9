/**
 * Synthetic stops on the fast layer: the advanced engine keeps stop orders in the run (execution.stops
 * synthetic), and the run fires them on the marks of later ticks of real ETH/BTC candles.
 */
import type { AuditEvent } from '../../domain/run/state';
import { Dec } from '../../domain/money';
import { runAudit } from '../../temporal/runs-client';
import { differences, result } from '../helpers/runs';
import { workflowSuite } from '../helpers/workflow-harness';

const suite = workflowSuite('stops', ['ETH/BTC']);
const stamp = Date.now().toString(36);

const events = (audit: AuditEvent[], kind: string) => audit.filter((e) => e.kind === kind);

describe('GIVEN order-cycle entering with buy stops above the mark and exiting with stop-loss sells below it', () => {
  it('WHEN the marks cross them THEN each armed stop fires once (STOP_TRIGGERED) as a market order, none is shown to the venue, and the portfolio equals the venue', async () => {
    // Every 6 bars: flat → a buy stop 15 bps above the mark; long → a sell stop 15 bps below it.
    const input = suite.input({
      runId: `wf-stops-${stamp}`,
      symbols: ['ETH/BTC'],
      engine: 'advanced',
      strategy: { name: 'order-cycle', params: { everyBars: 6, orderType: 'stop_market', offsetBps: 15, orderPct: 20 } },
      execution: { stops: 'synthetic' },
      stop: { maxTicks: 80, endOfData: true },
    });
    const runId = await suite.start(input);
    const summary = await result(suite.client, runId);
    const audit = await runAudit(suite.client, runId);

    const registered = new Map(events(audit, 'STOP_REGISTERED').map((e) => [e.clientOrderId, e]));
    const fired = events(audit, 'STOP_TRIGGERED');
    expect(fired.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fired.map((e) => e.clientOrderId)).size).toBe(fired.length);
    expect(summary.execution?.counters).toMatchObject({ stopsRegistered: registered.size, stopsTriggered: fired.length });
    let stopLosses = 0;
    for (const t of fired) {
      const armed = registered.get(t.clientOrderId)!;
      expect(armed.seq).toBeLessThan(t.seq);
      // The mark that fired it crossed its trigger: a sell stop sits under the mark it was armed at.
      const sell = new Dec(armed.numbers!.trigger).lt(armed.numbers!.mark);
      if (sell) stopLosses += 1;
      expect(sell ? new Dec(t.numbers!.mark).lte(t.numbers!.trigger) : new Dec(t.numbers!.mark).gte(t.numbers!.trigger)).toBe(true);
    }
    expect(stopLosses).toBeGreaterThanOrEqual(1);

    const venue = await suite.account(input.accountId);
    expect(venue.orders.length).toBeGreaterThan(0);
    expect(venue.orders.length).toBeLessThanOrEqual(fired.length);
    expect(new Set(venue.orders.map((o) => o.type))).toEqual(new Set(['market']));
    expect(venue.orders.some((o) => registered.has(o.clientOrderId))).toBe(false);
    expect(summary.orders.placed).toBe(venue.orders.length);
    expect(differences(summary, venue)).toEqual([]);
  });
});
