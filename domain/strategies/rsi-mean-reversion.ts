import { z } from 'zod';
import { cmp } from '../money';
import { defineStrategy } from './sdk/define';
import { rsi } from './sdk/indicators';
import type { StrategyOrder } from './sdk/types';
import { ExecutionParams, executionOrder } from './strategy';

export const RsiMeanReversionParams = ExecutionParams.extend({
  period: z.number().int().min(2).max(500).default(14),
  oversold: z.number().min(0).max(100).default(30),
  overbought: z.number().min(0).max(100).default(70),
})
  .strict()
  .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought', path: ['oversold'] });
export type RsiMeanReversionParams = z.infer<typeof RsiMeanReversionParams>;

/** Buy when RSI falls below `oversold` while flat; sell the position when RSI rises above `overbought`. */
export const rsiMeanReversion = defineStrategy({
  name: 'rsi-mean-reversion',
  version: '1.0.0',
  description: 'Buy when RSI(period) < oversold; sell the position when RSI > overbought.',
  params: RsiMeanReversionParams,
  lookback: (p) => p.period + 1,
  onBar(ctx) {
    const { period, oversold, overbought } = ctx.params;
    const r = rsi(
      ctx.bars.map((b) => b.close),
      period,
      'simple',
    );
    if (r === null) return [];
    const flat = cmp(ctx.position, 0) === 0;
    const out: StrategyOrder[] = [];
    if (r < oversold && flat) out.push(executionOrder(ctx, 'buy', `RSI(${period}) ${r.toFixed(2)} < ${oversold}`));
    if (r > overbought && !flat)
      out.push(executionOrder(ctx, 'sell', `RSI(${period}) ${r.toFixed(2)} > ${overbought}`));
    return out;
  },
});
