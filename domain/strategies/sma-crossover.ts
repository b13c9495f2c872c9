import { z } from 'zod';
import { cmp } from '../money';
import { defineStrategy } from './sdk/define';
import { sma } from './sdk/indicators';
import type { StrategyOrder } from './sdk/types';
import { ExecutionParams, executionOrder } from './strategy';

export const SmaCrossoverParams = ExecutionParams.extend({
  fast: z.number().int().min(1).max(500).default(10),
  slow: z.number().int().min(2).max(2000).default(30),
})
  .strict()
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });
export type SmaCrossoverParams = z.infer<typeof SmaCrossoverParams>;

/** Long when the fast SMA crosses above the slow one; flat when it crosses below. */
export const smaCrossover = defineStrategy({
  name: 'sma-crossover',
  version: '1.0.0',
  description: 'Buy when SMA(fast) crosses above SMA(slow); sell the position when it crosses below.',
  params: SmaCrossoverParams,
  lookback: (p) => p.slow + 1,
  onBar(ctx) {
    const closes = ctx.bars.map((b) => b.close);
    const { fast, slow } = ctx.params;
    if (closes.length < slow + 1) return [];
    const prev = closes.slice(0, -1);
    const [fNow, sNow, fPrev, sPrev] = [sma(closes, fast)!, sma(closes, slow)!, sma(prev, fast)!, sma(prev, slow)!];
    const flat = cmp(ctx.position, 0) === 0;
    const out: StrategyOrder[] = [];
    const f = `SMA(${fast}) ${fNow.toPrecision(6)}`;
    const s = `SMA(${slow}) ${sNow.toPrecision(6)}`;
    if (fPrev <= sPrev && fNow > sNow && flat) out.push(executionOrder(ctx, 'buy', `${f} crossed above ${s}`));
    if (fPrev >= sPrev && fNow < sNow && !flat) out.push(executionOrder(ctx, 'sell', `${f} crossed below ${s}`));
    return out;
  },
});
