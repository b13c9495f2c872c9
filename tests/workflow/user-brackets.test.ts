/**
 * A user's strategy ordering what the advanced engine can do, on real ETH/BTC bars through the real workflow:
 * a bracket (stop-loss + take-profit) around an entry, an entry with a trailing stop, and a TWAP with its
 * stop. Each entry is sized fixed-fractionally from its stop, once by the SDK (riskPct) and once by the
 * engine's risk-config sizing (sizing.method fixed-fractional reading the entry's protective stop); the
 * legs follow the entry's size. The test recomputes every size from the equity and mark the strategy saw.
 */
import { Dec, str } from '../../domain/money';
import type { AuditEvent } from '../../domain/run/state';
import { loadStrategies } from '../../domain/strategies/loader';
import { runAudit } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { workflowSuite } from '../helpers/workflow-harness';
import { strategyFolder, strategyModule } from '../helpers/user-strategies';

const RISK_PCT = 0.2;
/** What the strategy orders, by bar: the stop distance of each entry in %, and what comes with it. */
const ENTRIES = { bracket: { bar: 3, stopPct: 2 }, trail: { bar: 10, stopPct: 1.5 }, twap: { bar: 20, stopPct: 2.5 } };

const dir = strategyFolder('tempotrade-user-brackets-', {
  'brackets.ts': strategyModule({
    name: 'user-brackets',
    description: 'a bracket, a trailing stop and a TWAP, each sized from its stop',
    params: "z.object({ sizing: z.enum(['sdk', 'engine']), riskPct: z.number().positive() })",
    countBars: true,
    onBar: `// Engine sizing: the entry's size is the engine's to choose; 1% of equity is only what the SDK needs.
const size = ctx.params.sizing === 'sdk' ? { riskPct: ctx.params.riskPct } : { pctOfEquity: 1 };
const seen = 'equity ' + ctx.equity + ' mark ' + ctx.mark;
if (n === ${ENTRIES.bracket.bar})
  return [ctx.buy({ ...size, stopLoss: { pct: ${ENTRIES.bracket.stopPct} }, takeProfit: { pct: 3 }, reason: 'bracket; ' + seen })];
if (n === ${ENTRIES.trail.bar})
  return [ctx.buy({ ...size, stopLoss: { pct: ${ENTRIES.trail.stopPct} }, trailingStop: { trailBps: 100 }, reason: 'trail; ' + seen })];
if (n === ${ENTRIES.twap.bar})
  return [ctx.buy({ ...size, stopLoss: { pct: ${ENTRIES.twap.stopPct} }, algo: { twap: { slices: 4, duration: '20m' } }, reason: 'twap; ' + seen })];
return [];`,
  }),
});
const registry = loadStrategies([dir]);
const suite = workflowSuite('user-brackets', ['ETH/BTC'], { strategies: registry });

const after = (audit: AuditEvent[], from: AuditEvent, kind: string) =>
  audit.find((e) => e.seq > from.seq && e.kind === kind);

describe('GIVEN a user strategy that orders a bracket, a trailing stop and a TWAP, each with a stop', () => {
  it.each([
    ['the SDK (riskPct)', 'sdk', {}],
    [
      "the engine's risk-config sizing",
      'engine',
      { risk: { enableDynamicPositionSizing: true, sizing: { method: 'fixed-fractional', riskPct: RISK_PCT } } },
    ],
  ] as const)(
    'WHEN %s sizes them on real ETH/BTC bars THEN the audit shows each entry, its legs and the TWAP child, sized equity × risk / stop distance',
    async (_label, sizing, over) => {
      const input = suite.input(`brackets-${sizing}`, {
        engine: 'advanced',
        execution: { stops: 'synthetic' },
        strategy: { name: 'user-brackets', params: { sizing, riskPct: RISK_PCT } },
        ticks: 40,
        ...over,
      });
      const id = await suite.start(input);
      const summary = await result(suite.client, id);
      const audit = await runAudit(suite.client, id);
      const { instruments } = await suite.venue.brokerage(input.accountId).describe(['ETH/BTC']);
      const step = instruments['ETH/BTC'].precision.amount;

      expect(summary.tradingState).toBe('ACTIVE');
      for (const [what, { stopPct }] of Object.entries(ENTRIES)) {
        const signaled = audit.find(
          (e) =>
            e.kind === 'INTENT_SIGNALED' && /^buy .*: \w+; equity/.test(e.message) && e.message.includes(`: ${what};`),
        );
        expect(signaled).toBeDefined();
        const [, equity, mark] = /equity (\S+) mark (\S+)$/.exec(signaled!.message)!;
        // Fixed-fractional from the stop, recomputed here: a stop-out loses RISK_PCT % of the equity at entry.
        const stop = new Dec(mark).times(new Dec(1).minus(new Dec(stopPct).div(100)));
        const size = new Dec(equity).times(RISK_PCT).div(100).div(new Dec(mark).minus(stop));
        const placed = size.div(step).floor().times(step);

        const verdict = after(audit, signaled!, 'RISK_APPROVED')!;
        expect(verdict.numbers?.approvedQuantity).toBe(str(size));
        const legs = audit
          .filter((e) => e.kind === 'STOP_REGISTERED' && e.seq > signaled!.seq)
          .slice(0, what === 'twap' ? 1 : 2);
        if (what === 'twap') {
          const started = after(audit, signaled!, 'ALGO_STARTED')!;
          expect(started.message).toMatch(/^twap buy \S+ ETH\/BTC started as child .* \(4 slices over 1200000 ms\)$/);
          expect(new Dec(started.numbers!.quantity).eq(placed)).toBe(true);
          const finished = audit.find((e) => e.kind === 'ALGO_FINISHED' && e.clientOrderId === started.clientOrderId);
          expect(finished?.numbers).toMatchObject({ filled: started.numbers!.quantity, orders: '4' });
        } else {
          const order = after(audit, signaled!, 'ORDER_PLACED')!;
          expect(order.message).toMatch(/^buy \S+ ETH\/BTC market /);
          expect(new Dec(order.numbers!.quantity).eq(placed)).toBe(true);
        }
        // The legs: armed for the entry's size at the strategy's levels (the TWAP's before its child has filled).
        const kinds =
          what === 'bracket'
            ? ['stop_market', 'take_profit']
            : what === 'trail'
              ? ['stop_market', 'trailing_stop']
              : ['stop_market'];
        expect(legs.map((l) => /synthetic (\w+) sell/.exec(l.message)?.[1])).toEqual(kinds);
        for (const l of legs) expect(l.numbers?.quantity).toBe(str(size));
        expect(legs[0].numbers?.trigger).toBe(str(stop));
        if (what === 'bracket') expect(legs[1].numbers?.trigger).toBe(str(new Dec(mark).times(1.03)));
        if (what === 'trail') expect(legs[1].numbers).toMatchObject({ trailBps: '100', peak: mark });
      }
    },
  );
});
