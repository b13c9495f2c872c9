// Reference implementation (hand-rolled, pre-SDK) kept as the oracle of tests/unit/builtin-equivalence.test.ts.
import { z } from 'zod';
import { cmp } from '../../../domain/money';
import { ExecutionParams, makeSignal, sma, type Signal, type StrategyDefinition } from './strategy';

export const SmaCrossoverParams = ExecutionParams.extend({
  fast: z.number().int().min(1).max(500).default(10),
  slow: z.number().int().min(2).max(2000).default(30),
})
  .strict()
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });
export type SmaCrossoverParams = z.infer<typeof SmaCrossoverParams>;

/** Long when the fast SMA crosses above the slow one; flat when it crosses below. */
export const smaCrossover: StrategyDefinition<SmaCrossoverParams> = {
  name: 'sma-crossover',
  description: 'Buy when SMA(fast) crosses above SMA(slow); sell the position when it crosses below.',
  params: SmaCrossoverParams,
  lookback: (p) => p.slow + 1,
  signals(input) {
    const closes = input.bars.map((b) => b.close);
    const { fast, slow } = input.params;
    if (closes.length < slow + 1) return [];
    const fNow = sma(closes, fast);
    const sNow = sma(closes, slow);
    const fPrev = sma(closes, fast, closes.length - 1);
    const sPrev = sma(closes, slow, closes.length - 1);
    const out: Array<Signal | undefined> = [];
    const flat = cmp(input.position, 0) === 0;
    if (fPrev <= sPrev && fNow > sNow && flat)
      out.push(
        makeSignal(
          input,
          'buy',
          `SMA(${fast}) ${fNow.toPrecision(6)} crossed above SMA(${slow}) ${sNow.toPrecision(6)}`,
        ),
      );
    if (fPrev >= sPrev && fNow < sNow && !flat)
      out.push(
        makeSignal(
          input,
          'sell',
          `SMA(${fast}) ${fNow.toPrecision(6)} crossed below SMA(${slow}) ${sNow.toPrecision(6)}`,
        ),
      );
    return out.filter((s): s is Signal => s !== undefined);
  },
};
