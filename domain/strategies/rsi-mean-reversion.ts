import { z } from 'zod';
import { defineStrategy } from './sdk/define';
import { rsi } from './sdk/indicators';
import { longOnlyOrders, signalParams } from './strategy';

export const RsiMeanReversionParams = signalParams(
  {
    period: z.number().int().min(2).max(500).default(14),
    oversold: z.number().min(0).max(100).default(30),
    overbought: z.number().min(0).max(100).default(70),
  },
  { lower: 'oversold', upper: 'overbought', message: 'oversold must be below overbought' },
);
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
    return longOnlyOrders(ctx, {
      ...(r < oversold ? { buy: `RSI(${period}) ${r.toFixed(2)} < ${oversold}` } : {}),
      ...(r > overbought ? { sell: `RSI(${period}) ${r.toFixed(2)} > ${overbought}` } : {}),
    });
  },
});
