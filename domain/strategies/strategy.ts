/**
 * The strategy shapes shared by the registry, the worker's strategy step and the built-ins. Strategies are
 * written with the SDK (./sdk, `tempotrade/strategy`); they run in a local activity, never in the workflow.
 */
import { z } from 'zod';
import { cmp, Dec, str } from '../money';
import type { Candle } from '../market/candles';
import { TimeInForce, type OrderIntentInput } from '../orders/order';
import { rsi as rsiOf, sma as smaOf } from './sdk/indicators';
import type { StrategyContext, StrategyOrder } from './sdk/types';

/** Execution parameters the signal built-ins accept. */
export const ExecutionParams = z.object({
  /** Each entry spends this % of equity (before risk caps). */
  orderPct: z.number().positive().max(100).default(10),
  orderType: z.enum(['market', 'limit']).default('market'),
  /** Limit orders are placed this many bps better than the mark (buy below, sell above). */
  limitOffsetBps: z.number().min(0).max(10_000).default(5),
  tif: TimeInForce.optional(),
  postOnly: z.boolean().default(false),
});
export type ExecutionParams = z.infer<typeof ExecutionParams>;

/**
 * The params of a signal built-in: the execution params and its own (no others), where `lower` must be below
 * `upper` (the error names `lower`).
 */
export function signalParams<S extends z.ZodRawShape>(
  shape: S,
  order: { lower: keyof S & string; upper: keyof S & string; message: string },
) {
  return ExecutionParams.extend(shape)
    .strict()
    .refine((p) => (p as Record<string, number>)[order.lower] < (p as Record<string, number>)[order.upper], {
      message: order.message,
      path: [order.lower],
    });
}

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
  /** The signals for one symbol, with no state (see sdk/run.ts for the full step). */
  signals(input: StrategyInput<P>): Signal[];
}

/**
 * An entry (orderPct of equity) or an exit (the whole position) with the shared execution parameters:
 * a limit order is priced limitOffsetBps better than the mark.
 */
export function executionOrder(
  ctx: StrategyContext<ExecutionParams>,
  side: 'buy' | 'sell',
  reason: string,
): StrategyOrder {
  const p = ctx.params;
  const common = {
    type: p.orderType,
    ...(p.orderType === 'limit' ? { limitPrice: limitPriceOf(ctx.mark, side, p.limitOffsetBps) } : {}),
    ...(p.tif ? { tif: p.tif } : {}),
    postOnly: p.postOnly,
    reason,
  };
  return side === 'buy'
    ? ctx.buy({ ...common, pctOfEquity: p.orderPct })
    : ctx.sell({ ...common, quantity: ctx.position });
}

/** Why a long-only strategy would enter (`buy`) or exit (`sell`) on this bar; absent when it would not. */
export interface LongOnlySignal {
  buy?: string;
  sell?: string;
}

/** A long-only decision: an entry when flat and there is a reason to buy, an exit when held and one to sell. */
export function longOnlyOrders(ctx: StrategyContext<ExecutionParams>, signal: LongOnlySignal): StrategyOrder[] {
  if (signal.buy === undefined && signal.sell === undefined) return [];
  const flat = cmp(ctx.position, 0) === 0;
  const out: StrategyOrder[] = [];
  if (signal.buy !== undefined && flat) out.push(executionOrder(ctx, 'buy', signal.buy));
  if (signal.sell !== undefined && !flat) out.push(executionOrder(ctx, 'sell', signal.sell));
  return out;
}

function limitPriceOf(mark: string, side: 'buy' | 'sell', offsetBps: number): string {
  const offset = new Dec(offsetBps).div(10_000);
  return str(new Dec(mark).times(side === 'buy' ? new Dec(1).minus(offset) : new Dec(1).plus(offset)));
}

export function sma(values: readonly number[], period: number, endExclusive = values.length): number {
  return smaOf(values.slice(0, endExclusive), period) ?? Number.NaN;
}

/** RSI over the last `period` changes ending at endExclusive (simple averages of gains and losses). */
export function rsi(values: readonly number[], period: number, endExclusive = values.length): number {
  return rsiOf(values.slice(0, endExclusive), period, 'simple') ?? Number.NaN;
}
