// Reference implementation (hand-rolled, pre-SDK) kept as the oracle of tests/unit/builtin-equivalence.test.ts.
/**
 * A strategy is a pure function from a window of closed bars (and the current position) to order
 * intents. Parameters are zod-validated. Strategies run in a local activity, so a faulty strategy
 * fails that step (visible, retried) rather than the workflow.
 */
import { z } from 'zod';
import { Dec, str, cmp } from '../../../domain/money';
import type { Candle } from '../../../domain/market/candles';
import { TimeInForce, type OrderIntentInput } from '../../../domain/orders/order';

/** Execution parameters every strategy accepts. */
export const ExecutionParams = z.object({
  /** Each entry spends this % of equity (before risk caps). */
  orderPct: z.number().positive().max(100).default(10),
  orderType: z.enum(['market', 'limit']).default('market'),
  /** Limit orders are placed this many bps better than the mark (buy below, sell above). */
  limitOffsetBps: z.number().min(0).max(10_000).default(5),
  tif: TimeInForce.optional(),
  postOnly: z.boolean().default(false),
});

export interface StrategyInput<P> {
  symbol: string;
  bars: readonly Candle[];
  params: P;
  position: string;
  equity: string;
  mark: string;
}

export type Signal = Omit<OrderIntentInput, 'strategyId'>;

export interface StrategyDefinition<P = z.infer<typeof ExecutionParams>> {
  name: string;
  description: string;
  params: z.ZodType<P, z.input<z.ZodType<P>>>;
  /** Bars needed before the first signal. */
  lookback(params: P): number;
  signals(input: StrategyInput<P>): Signal[];
}

/** Build an entry or exit intent with the shared execution parameters. */
export function makeSignal(
  input: StrategyInput<z.infer<typeof ExecutionParams>>,
  side: 'buy' | 'sell',
  reason: string,
): Signal | undefined {
  const p = input.params;
  const quantity =
    side === 'sell' ? input.position : str(new Dec(input.equity).times(p.orderPct).div(100).div(input.mark));
  if (cmp(quantity, 0) <= 0) return undefined;
  const offset = new Dec(p.limitOffsetBps).div(10_000);
  const limitPrice =
    p.orderType === 'limit'
      ? str(new Dec(input.mark).times(side === 'buy' ? new Dec(1).minus(offset) : new Dec(1).plus(offset)))
      : undefined;
  return {
    symbol: input.symbol,
    side,
    type: p.orderType,
    quantity,
    ...(limitPrice ? { limitPrice } : {}),
    ...(p.tif ? { tif: p.tif } : {}),
    postOnly: p.postOnly,
    reduceOnly: side === 'sell',
    reason,
  };
}

export function sma(values: readonly number[], period: number, endExclusive = values.length): number {
  let s = 0;
  for (let i = endExclusive - period; i < endExclusive; i++) s += values[i];
  return s / period;
}

/** Wilder's RSI over the last `period` changes ending at endExclusive. */
export function rsi(values: readonly number[], period: number, endExclusive = values.length): number {
  let gain = 0;
  let loss = 0;
  for (let i = endExclusive - period; i < endExclusive; i++) {
    const d = values[i] - values[i - 1];
    if (d > 0) gain += d;
    else loss -= d;
  }
  if (loss === 0) return gain === 0 ? 50 : 100;
  const rs = gain / period / (loss / period);
  return 100 - 100 / (1 + rs);
}
