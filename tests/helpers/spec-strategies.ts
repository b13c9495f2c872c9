/**
 * One strategy written twice, as a user would: a declarative spec file (*.strategy.yaml) and its twin, a module
 * written by hand with the SDK. Both must order exactly the same, bar by bar (tests/unit/strategy-spec.test.ts)
 * and through Temporal (tests/workflow/user-spec.test.ts).
 */
import { strategyModule } from './user-strategies';

/** The spec's lookback: rsi(14) on 1h bars, with its partial first and unfinished last bucket: (15 + 2) × 12. */
export const TWIN_LOOKBACK = 204;

export const TWIN_SPEC_YAML = `# ema crosses, an hourly RSI filter, three ways to size, and exits
name: spec-twin
version: 1.0.0
description: EMA cross entries filtered by the hourly RSI, or an oversold RSI; exit on the cross back or a stretch above the upper band.
symbols: [ETH/BTC]
params:
  fast: { type: integer, default: 5, min: 2, max: 50 }
  slow: { type: integer, default: 13, min: 3, max: 100 }
  risk: { type: number, default: 1, min: 0.1, max: 5 }
indicators:
  fast: { ema: { period: $fast } }
  slow: { ema: { period: $slow } }
  rsi: { rsi: { period: 14 } }
  hourlyRsi: { rsi: { period: 14, timeframe: 1h } }
entries:
  - when:
      and:
        - { cross: { left: fast, right: slow, direction: above } }
        - { compare: { left: hourlyRsi, op: '<', right: 70 } }
    size: { riskPct: $risk }
    stopLoss: { pct: 1.5 }
    takeProfit: { pct: 3 }
    reason: golden cross
  - when: { compare: { left: rsi, op: '<', right: 25 } }
    size: { pctOfEquity: 10 }
    trailingStop: { trailBps: 100 }
    reason: oversold
exits:
  - when:
      or:
        - { cross: { left: fast, right: slow, direction: below } }
        - { compare: { left: { highest: { period: 3, source: high } }, op: '>', right: { bollinger: { period: 20, band: upper } } } }
    reason: cross back or stretched
`;

/** The same logic with defineStrategy and ctx.indicators, the previous bar's values computed on bars minus the last. */
export const TWIN_SDK_MODULE = strategyModule({
  name: 'sdk-twin',
  description: 'the spec-twin spec written by hand with the SDK',
  params:
    'z.object({ fast: z.number().int().min(2).max(50).default(5), slow: z.number().int().min(3).max(100).default(13), risk: z.number().min(0.1).max(5).default(1) })',
  lookback: `() => ${TWIN_LOOKBACK}`,
  onBar: `if (ctx.symbol !== 'ETH/BTC') return [];
const { ema, rsi, highest, bollinger } = ctx.indicators;
const closes = ctx.bars.map((b) => b.close);
const prev = closes.slice(0, -1);
const [f, s, pf, ps] = [ema(closes, ctx.params.fast), ema(closes, ctx.params.slow), ema(prev, ctx.params.fast), ema(prev, ctx.params.slow)];
const known = f !== null && s !== null && pf !== null && ps !== null;
const r = rsi(closes, 14);
const hr = rsi(ctx.barsOf(ctx.symbol, '1h').map((b) => b.close), 14);
if (Number(ctx.position) === 0) {
  if (known && pf <= ps && f > s && hr !== null && hr < 70)
    return [ctx.buy({ riskPct: ctx.params.risk, stopLoss: { pct: 1.5 }, takeProfit: { pct: 3 }, reason: 'golden cross' })];
  if (r !== null && r < 25) return [ctx.buy({ pctOfEquity: 10, trailingStop: { trailBps: 100 }, reason: 'oversold' })];
  return [];
}
const hi = highest(ctx.bars.map((b) => b.high), 3);
const band = bollinger(closes, 20);
if ((known && pf >= ps && f < s) || (hi !== null && band !== null && hi > band.upper))
  return [ctx.sell({ quantity: ctx.position, reason: 'cross back or stretched' })];
return [];`,
});
