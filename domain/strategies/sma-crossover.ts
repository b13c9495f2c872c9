import { z } from 'zod';
import { defineStrategy } from './sdk/define';
import { sma } from './sdk/indicators';
import { longOnlyOrders, signalParams, type LongOnlySignal } from './strategy';

export const SmaCrossoverParams = signalParams(
  {
    fast: z.number().int().min(1).max(500).default(10),
    slow: z.number().int().min(2).max(2000).default(30),
  },
  { lower: 'fast', upper: 'slow', message: 'fast must be shorter than slow' },
);
export type SmaCrossoverParams = z.infer<typeof SmaCrossoverParams>;

/**
 * Buy when SMA(fast) crosses above SMA(slow) on the last close, sell when it crosses below; nothing before
 * there are slow + 1 closes. Also the logic of the strategy-step bench's user module.
 */
export function smaCrossSignal(closes: readonly number[], fast: number, slow: number): LongOnlySignal {
  if (closes.length < slow + 1) return {};
  const prev = closes.slice(0, -1);
  const [fNow, sNow, fPrev, sPrev] = [sma(closes, fast)!, sma(closes, slow)!, sma(prev, fast)!, sma(prev, slow)!];
  const f = `SMA(${fast}) ${fNow.toPrecision(6)}`;
  const s = `SMA(${slow}) ${sNow.toPrecision(6)}`;
  return {
    ...(fPrev <= sPrev && fNow > sNow ? { buy: `${f} crossed above ${s}` } : {}),
    ...(fPrev >= sPrev && fNow < sNow ? { sell: `${f} crossed below ${s}` } : {}),
  };
}

/** Long when the fast SMA crosses above the slow one; flat when it crosses below. */
export const smaCrossover = defineStrategy({
  name: 'sma-crossover',
  version: '1.0.0',
  description: 'Buy when SMA(fast) crosses above SMA(slow); sell the position when it crosses below.',
  params: SmaCrossoverParams,
  lookback: (p) => p.slow + 1,
  onBar(ctx) {
    const closes = ctx.bars.map((b) => b.close);
    return longOnlyOrders(ctx, smaCrossSignal(closes, ctx.params.fast, ctx.params.slow));
  },
});
