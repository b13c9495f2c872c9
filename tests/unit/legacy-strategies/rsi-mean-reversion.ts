// Reference implementation (hand-rolled, pre-SDK) kept as the oracle of tests/unit/builtin-equivalence.test.ts.
import { z } from 'zod';
import { cmp } from '../../../domain/money';
import { ExecutionParams, makeSignal, rsi, type Signal, type StrategyDefinition } from './strategy';

export const RsiMeanReversionParams = ExecutionParams.extend({
  period: z.number().int().min(2).max(500).default(14),
  oversold: z.number().min(0).max(100).default(30),
  overbought: z.number().min(0).max(100).default(70),
})
  .strict()
  .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought', path: ['oversold'] });
export type RsiMeanReversionParams = z.infer<typeof RsiMeanReversionParams>;

/** Buy when RSI falls below `oversold` while flat; sell the position when RSI rises above `overbought`. */
export const rsiMeanReversion: StrategyDefinition<RsiMeanReversionParams> = {
  name: 'rsi-mean-reversion',
  description: 'Buy when RSI(period) < oversold; sell the position when RSI > overbought.',
  params: RsiMeanReversionParams,
  lookback: (p) => p.period + 1,
  signals(input) {
    const closes = input.bars.map((b) => b.close);
    const { period, oversold, overbought } = input.params;
    if (closes.length < period + 1) return [];
    const r = rsi(closes, period);
    const flat = cmp(input.position, 0) === 0;
    const out: Array<Signal | undefined> = [];
    if (r < oversold && flat) out.push(makeSignal(input, 'buy', `RSI(${period}) ${r.toFixed(2)} < ${oversold}`));
    if (r > overbought && !flat) out.push(makeSignal(input, 'sell', `RSI(${period}) ${r.toFixed(2)} > ${overbought}`));
    return out.filter((s): s is Signal => s !== undefined);
  },
};
