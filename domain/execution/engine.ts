/**
 * The ExecutionEngine interface. An engine is a pure pipeline in two phases:
 *  - `size`: before risk (the advanced engine's dynamic sizing; identity for live);
 *  - `plan`: after risk — turns an approved intent into a quantized PlaceOrder, or denies it with a
 *    reason code and its numbers.
 * The I/O half of each engine (preview, submit, follow) lives in activities/engines, registered as
 * distinct activity sets `live.*` and `advanced.*`.
 */
import { z } from 'zod';
import type { Instrument, Quantizer } from '../market/instrument';
import type { MarketSnapshot } from '../market/snapshot';
import type { VenueCapabilities } from '../market/venue';
import { isSyntheticOnly, type OrderIntent, type PlaceOrder, type SyntheticOrderType } from '../orders/order';
import type { RiskConfig } from '../risk/config';
import type { TradingState } from '../run/trading-state';
import type { SizeContext } from './sizing';

export const EngineName = z.enum(['live', 'advanced']);
export type EngineName = z.infer<typeof EngineName>;

export interface PlanContext {
  instrument: Instrument;
  snapshot: MarketSnapshot;
  /** Market time now (ms). */
  now: number;
  config: RiskConfig;
  tradingState: TradingState;
  capabilities: VenueCapabilities;
  quantizer: Quantizer;
  equity: string;
}

export type OrderSpec = Omit<PlaceOrder, 'clientOrderId' | 'at'>;

export type PlanResult =
  | {
      ok: true;
      order: OrderSpec;
      expectedPrice: string;
      expectedSlippageBps: string;
      numbers: Record<string, string>;
      notes: string[];
    }
  | { ok: false; code: string; message: string; numbers: Record<string, string>; suggestedQuantity?: string };

export type SizeResult =
  | { ok: true; intent: OrderIntent; numbers: Record<string, string> }
  | { ok: false; code: string; message: string; numbers: Record<string, string> };

export interface ExecutionEngine {
  readonly name: EngineName;
  size(intent: OrderIntent, ctx: SizeContext): SizeResult;
  plan(intent: OrderIntent, ctx: PlanContext): PlanResult;
}

/** A plan under construction, passed through the steps of a pipeline. */
export interface Draft {
  intent: OrderIntent;
  order: OrderSpec;
  /** Price used for notional and slippage: limit, else mark. */
  price: string;
  expectedPrice: string;
  expectedSlippageBps: string;
  numbers: Record<string, string>;
  notes: string[];
}
export type Deny = Extract<PlanResult, { ok: false }>;
export type PlanStep = (draft: Draft, ctx: PlanContext) => Draft | Deny;

/**
 * A take_profit or trailing_stop intent is kept by the run (synthetic) and never becomes a venue order:
 * any plan for one is refused, so no venue path can send it (the workflow arms it instead).
 */
export function syntheticOnlyDenial(type: SyntheticOrderType, trailBps: number | undefined, engine: EngineName): Deny {
  const numbers = { type, engine, ...(trailBps !== undefined ? { trailBps: String(trailBps) } : {}) };
  if (engine === 'live')
    return {
      ok: false,
      code: 'ENGINE_UNSUPPORTED',
      message: `the live engine places market and limit orders only, not ${type}; run with engine "advanced", which keeps ${type} synthetic`,
      numbers,
    };
  return {
    ok: false,
    code: 'SYNTHETIC_STOP_ONLY',
    message: `a ${type} is kept by the run as a synthetic stop and never sent to a venue (ccxt trailing / market take-profit support varies by venue)`,
    numbers,
  };
}

export function runPipeline(
  intent: OrderIntent,
  ctx: PlanContext,
  steps: readonly PlanStep[],
  initialTif: OrderSpec['tif'],
  engine: EngineName,
): PlanResult {
  if (isSyntheticOnly(intent.type)) return syntheticOnlyDenial(intent.type, intent.trailBps, engine);
  let draft: Draft = {
    intent,
    order: {
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      quantity: intent.quantity,
      price: intent.limitPrice,
      stopPrice: intent.stopPrice,
      tif: initialTif,
      postOnly: intent.postOnly,
      reduceOnly: intent.reduceOnly,
    },
    price: intent.limitPrice ?? ctx.snapshot.mark,
    expectedPrice: intent.limitPrice ?? ctx.snapshot.mark,
    expectedSlippageBps: '0',
    numbers: {},
    notes: [],
  };
  for (const step of steps) {
    const r = step(draft, ctx);
    if ('ok' in r) return r;
    draft = r;
  }
  return {
    ok: true,
    order: draft.order,
    expectedPrice: draft.expectedPrice,
    expectedSlippageBps: draft.expectedSlippageBps,
    numbers: draft.numbers,
    notes: draft.notes,
  };
}
