/**
 * Execution algorithms, the pure half: the input of an algo order (zod), the TWAP schedule and the
 * iceberg's next visible clip. The workflow (workflows/algo-order/) runs them durably.
 *  - TWAP: N slices over a duration. Slice i brings the filled total to ⌊total × i / N⌋ (quantized), the
 *    last slice to the total, so what one slice misses the next one catches up; it fills exactly the total.
 *  - Iceberg: only `visibleQuantity` shows at a time; when the clip fills, the next one is placed.
 */
import { z } from 'zod';
import { Dec, PositiveAmount, cmp, str, type DecLike } from '../money';
import { AccountId } from '../ids';
import type { Instrument } from '../market/instrument';
import { MarketSymbol } from '../market/instrument';
import { Order, OrderSide } from '../orders/order';
import { RiskConfig } from '../risk/config';
import { VenueSpec } from '../run/input';
import { AlgoSpec } from './algo-spec';
export { AlgoSpec };
import { TradingState } from '../run/trading-state';

export const AlgoOrderInput = z
  .object({
    venue: VenueSpec,
    accountId: AccountId,
    strategyId: z.string().min(1).default('algo'),
    symbol: MarketSymbol,
    side: OrderSide,
    quantity: PositiveAmount,
    algo: AlgoSpec,
    reduceOnly: z.boolean().default(false),
    /** The parent's trading state when the algo starts (later changes arrive by signal). */
    tradingState: TradingState.default('ACTIVE'),
    risk: RiskConfig.default(RiskConfig.parse({})),
    /** Replay venue: market time of the first slice (default: the data start + one bar). Each slice moves it one bar on. */
    startTime: z.number().int().positive().optional(),
    /**
     * Started by a strategy run (a child workflow): its orders are the run's (clientOrderIds of the run's
     * workflow id from sequence `firstSeq`, at most `maxOrders`), it acts only on the run's `algoTick`
     * signals at the run's market time, and reports every order to the run by signal (docs/execution.md).
     */
    parent: z
      .object({ workflowId: z.string().min(1), firstSeq: z.number().int().min(1), maxOrders: z.number().int().min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type AlgoOrderInput = z.infer<typeof AlgoOrderInput>;
export type AlgoOrderInputRaw = z.input<typeof AlgoOrderInput>;

export const CancelAlgo = z.object({ reason: z.string().trim().min(1, 'must say why').max(500) }).strict();
export const AlgoTradingState = z
  .object({ tradingState: TradingState, reason: z.string().max(500).default('') })
  .strict();

export const AlgoTick = z.object({ at: z.number().int().nonnegative(), tradingState: TradingState }).strict();

export type AlgoPhase = 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'HALTED' | 'STOPPED_REDUCING' | 'FAILED';

export interface AlgoProgress {
  kind: 'twap' | 'iceberg';
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  filled: string;
  remaining: string;
  /** TWAP: slices done of slices; iceberg: clips placed. */
  step: number;
  steps?: number;
  phase: AlgoPhase;
  reason: string;
  orders: Array<{ clientOrderId: string; quantity: string; filled: string; status: string; averagePrice?: string }>;
  fees: string;
}

/** Floor to the market's amount step (decimal-exact; the venue call rounds again with ccxt's helper). */
export function floorToStep(q: DecLike, step: string): string {
  return str(new Dec(q).div(step).floor().times(step));
}

/** The quantity slice `i` (1-based) of `n` should bring the filled total to. */
export function twapTarget(total: string, i: number, n: number, instrument: Instrument): string {
  if (i >= n) return total;
  return floorToStep(new Dec(total).times(i).div(n), instrument.precision.amount);
}

/** What slice `i` sends: target − filled, on the step; 0 when below the market's minimum (caught up by a later slice). */
export function twapSliceQuantity(total: string, filled: string, i: number, n: number, instrument: Instrument): string {
  const want = floorToStep(new Dec(twapTarget(total, i, n, instrument)).minus(filled), instrument.precision.amount);
  return cmp(want, instrument.limits.amount.min) < 0 || cmp(want, 0) <= 0 ? '0' : want;
}

/** The next iceberg clip: the visible size, or what is left when less. */
export function icebergClip(total: string, filled: string, visible: string, instrument: Instrument): string {
  const clip = floorToStep(Dec.min(new Dec(total).minus(filled), visible), instrument.precision.amount);
  return cmp(clip, instrument.limits.amount.min) < 0 || cmp(clip, 0) <= 0 ? '0' : clip;
}

/** What an algo child tells its parent run after each tick (and once more when it ends). */
export const AlgoReport = z
  .object({
    workflowId: z.string().min(1),
    /** The parent's tick (market time) this report answers; the last tick seen in the final report. */
    at: z.number().int().nonnegative(),
    orders: z.array(Order),
    progress: z.custom<AlgoProgress>(
      (v) => typeof v === 'object' && v !== null && typeof (v as AlgoProgress).phase === 'string',
      'must be an algo progress',
    ),
    final: z.boolean(),
  })
  .strict();
export type AlgoReport = z.infer<typeof AlgoReport>;
