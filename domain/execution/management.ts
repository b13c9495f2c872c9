/**
 * Order management, the pure half (the venue half is activities/engines/order-management.ts):
 *  - the replacement of an order keeps its side, type, TIF and flags (GPT-Trader pinned a side flip in a
 *    test; that was a bug: a replace changes price and/or quantity, never direction);
 *  - closing a position is a reduce-only market order on the opposite side for the whole quantity;
 *  - bounded retries with exponential backoff;
 *  - normalization of a submit: a clientOrderId the venue already knows is that order, not a new one.
 */
import { z } from 'zod';
import { Dec, PositiveAmount, cmp, str } from '../money';
import type { ClientOrderId } from '../ids';
import { MarketSymbol } from '../market/instrument';
import { isTerminal, remainingQuantity, type Order, type OrderIntent, type PlaceOrder } from '../orders/order';

/** What may change in a replace: the price and/or the total quantity. Nothing else. */
export const ReplaceChanges = z
  .object({
    price: PositiveAmount.optional(),
    stopPrice: PositiveAmount.optional(),
    /** New total quantity; the replacement carries it minus what the old order already filled. */
    quantity: PositiveAmount.optional(),
  })
  .strict()
  .refine((c) => c.price !== undefined || c.quantity !== undefined || c.stopPrice !== undefined, {
    message: 'a replace changes price, stopPrice or quantity',
  });
export type ReplaceChanges = z.infer<typeof ReplaceChanges>;

export type Replacement =
  { ok: true; order: PlaceOrder } | { ok: false; code: string; message: string; numbers: Record<string, string> };

/**
 * The replacement of `canceled` (as the venue reported it after the cancel): same side, type, TIF and
 * flags; the new price; the quantity still wanted (new total, else the old one, minus what filled).
 */
export function replacementFor(
  canceled: Order,
  changes: ReplaceChanges,
  clientOrderId: ClientOrderId,
  at: number,
): Replacement {
  const total = changes.quantity ?? canceled.quantity;
  const left = str(new Dec(total).minus(canceled.filledQuantity));
  const numbers = { quantity: canceled.quantity, filled: canceled.filledQuantity, newTotal: total, remaining: left };
  if (cmp(left, 0) <= 0)
    return {
      ok: false,
      code: 'NOTHING_TO_REPLACE',
      message: `${canceled.clientOrderId} already filled ${canceled.filledQuantity} of the ${total} wanted`,
      numbers,
    };
  const price = changes.price ?? canceled.price;
  const stopPrice = changes.stopPrice ?? canceled.stopPrice;
  return {
    ok: true,
    order: {
      clientOrderId,
      symbol: canceled.symbol,
      side: canceled.side,
      type: canceled.type,
      quantity: left,
      ...(price ? { price } : {}),
      ...(stopPrice ? { stopPrice } : {}),
      tif: canceled.tif,
      postOnly: canceled.postOnly,
      reduceOnly: canceled.reduceOnly,
      at,
    },
  };
}

/** The order still needs replacing only while it is open with something left to fill. */
export function canReplace(order: Order): boolean {
  return !isTerminal(order.status) && cmp(remainingQuantity(order), 0) > 0;
}

export const ClosePosition = z
  .object({
    strategyId: z.string().min(1),
    symbol: MarketSymbol,
    quantity: z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a signed decimal'),
  })
  .strict();

/**
 * Close a position: a long (quantity > 0) is sold, a short (< 0) bought back, all of it, reduce-only,
 * at market. Flat → undefined (nothing to do).
 */
export function closePositionIntent(p: z.infer<typeof ClosePosition>): OrderIntent | undefined {
  const q = new Dec(p.quantity);
  if (q.isZero()) return undefined;
  return {
    strategyId: p.strategyId as OrderIntent['strategyId'],
    symbol: p.symbol,
    side: q.gt(0) ? 'sell' : 'buy',
    type: 'market',
    quantity: str(q.abs()),
    postOnly: false,
    reduceOnly: true,
    reason: `close ${q.gt(0) ? 'long' : 'short'} ${str(q.abs())} ${p.symbol}`,
  };
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialBackoffMs: number;
  backoffCoefficient: number;
  maxBackoffMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  initialBackoffMs: 250,
  backoffCoefficient: 2,
  maxBackoffMs: 5_000,
};

/** The wait before attempt `n` (n ≥ 2): initial × coefficient^(n−2), capped. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.backoffCoefficient ** Math.max(0, attempt - 2));
}

/** Normalization of a submit: the order the venue already holds under this clientOrderId, if any. */
export function existingOrder(known: readonly Order[], clientOrderId: string): Order | undefined {
  return known.find((o) => o.clientOrderId === clientOrderId);
}
