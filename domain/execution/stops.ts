/**
 * Synthetic stops, the pure half: a book of armed triggers that a workflow keeps in its state (so it
 * survives worker restarts and continue-as-new) and checks against each market snapshot.
 *  - stop_market / stop_limit: a sell triggers at price ≤ trigger, a buy at price ≥ trigger;
 *  - take_profit / take_profit_limit: a sell triggers at price ≥ trigger, a buy at price ≤ trigger;
 *  - trailing_stop: the trigger follows the best price by trailBps (a sell's trigger rises with the peak,
 *    a buy's falls with the trough) and never moves back.
 * A stop without a trigger price (or a trailing stop without a trail) is denied STOP_PRICE_REQUIRED. Each
 * stop triggers once: it leaves the armed set as it triggers, and the triggered order is returned for the
 * caller to place and audit. A stop whose placement fails is removed (its trigger with it).
 */
import { z } from 'zod';
import { Dec, PositiveAmount, str } from '../money';
import { MarketSymbol } from '../market/instrument';
import { OrderSide, type OrderIntent } from '../orders/order';

export const StopKind = z.enum(['stop_market', 'stop_limit', 'take_profit', 'take_profit_limit', 'trailing_stop']);
export type StopKind = z.infer<typeof StopKind>;

export const StopSpec = z
  .object({
    id: z.string().min(1).max(64),
    strategyId: z.string().min(1),
    symbol: MarketSymbol,
    side: OrderSide,
    kind: StopKind,
    quantity: PositiveAmount,
    triggerPrice: PositiveAmount.optional(),
    limitPrice: PositiveAmount.optional(),
    /** trailing_stop: distance from the best price, bps. */
    trailBps: z.number().positive().max(5_000).optional(),
    reduceOnly: z.boolean().default(true),
  })
  .strict();
export type StopSpec = z.infer<typeof StopSpec>;
export type StopSpecInput = z.input<typeof StopSpec>;

export interface ArmedStop extends StopSpec {
  registeredAt: number;
  /** Current trigger (moves for a trailing stop). */
  trigger: string;
  /** Best price seen since registration (trailing stops). */
  extreme?: string;
}

export interface TriggeredStop {
  stop: ArmedStop;
  price: string;
  at: number;
  intent: OrderIntent;
}

export interface StopBook {
  armed: Record<string, ArmedStop>;
  registered: number;
  triggered: number;
  removed: number;
}

export function emptyStopBook(): StopBook {
  return { armed: {}, registered: 0, triggered: 0, removed: 0 };
}

export type Registration =
  { ok: true; stop: ArmedStop } | { ok: false; code: string; message: string; numbers: Record<string, string> };

/** Arm a stop. A trailing stop's first trigger is `price` moved by the trail. */
export function registerStop(book: StopBook, raw: StopSpecInput, ctx: { at: number; price: string }): Registration {
  const parsed = StopSpec.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      code: 'INVALID_STOP',
      message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      numbers: {},
    };
  const s = parsed.data;
  if (book.armed[s.id])
    return { ok: false, code: 'DUPLICATE_STOP', message: `stop ${s.id} is already armed`, numbers: {} };
  let trigger: string;
  if (s.kind === 'trailing_stop') {
    if (!s.trailBps)
      return {
        ok: false,
        code: 'STOP_PRICE_REQUIRED',
        message: 'a trailing stop needs trailBps',
        numbers: { kind: s.kind },
      };
    trigger = trailFrom(s.side, ctx.price, s.trailBps);
  } else {
    if (!s.triggerPrice)
      return {
        ok: false,
        code: 'STOP_PRICE_REQUIRED',
        message: `a ${s.kind} needs a triggerPrice`,
        numbers: { kind: s.kind },
      };
    if ((s.kind === 'stop_limit' || s.kind === 'take_profit_limit') && !s.limitPrice)
      return {
        ok: false,
        code: 'LIMIT_PRICE_REQUIRED',
        message: `a ${s.kind} needs a limitPrice`,
        numbers: { kind: s.kind },
      };
    trigger = s.triggerPrice;
  }
  const stop: ArmedStop = {
    ...s,
    registeredAt: ctx.at,
    trigger,
    ...(s.kind === 'trailing_stop' ? { extreme: ctx.price } : {}),
  };
  book.armed[s.id] = stop;
  book.registered += 1;
  return { ok: true, stop };
}

function trailFrom(side: 'buy' | 'sell', price: string, trailBps: number): string {
  const f = new Dec(trailBps).div(10_000);
  return str(new Dec(price).times(side === 'sell' ? new Dec(1).minus(f) : new Dec(1).plus(f)));
}

/** Does `price` fire this stop? */
export function fires(stop: ArmedStop, price: string): boolean {
  const p = new Dec(price);
  const protective = stop.kind === 'stop_market' || stop.kind === 'stop_limit' || stop.kind === 'trailing_stop';
  const below = p.lte(stop.trigger);
  const above = p.gte(stop.trigger);
  if (protective) return stop.side === 'sell' ? below : above;
  return stop.side === 'sell' ? above : below;
}

/** The order a triggered stop sends: market for stop/take-profit/trailing, limit for the *_limit kinds. */
export function triggeredIntent(stop: ArmedStop, price: string): OrderIntent {
  const limit = stop.kind === 'stop_limit' || stop.kind === 'take_profit_limit';
  return {
    strategyId: stop.strategyId as OrderIntent['strategyId'],
    symbol: stop.symbol,
    side: stop.side,
    type: limit ? 'limit' : 'market',
    quantity: stop.quantity,
    ...(limit && stop.limitPrice ? { limitPrice: stop.limitPrice } : {}),
    postOnly: false,
    reduceOnly: stop.reduceOnly,
    reason: `synthetic ${stop.kind} ${stop.id} triggered at ${price} (trigger ${stop.trigger})`,
  };
}

/**
 * Check every armed stop of `symbol` against `price` at market time `at`: trailing triggers move first,
 * then every stop the price fires is disarmed and returned (each fires once).
 */
export function checkStops(book: StopBook, symbol: string, price: string, at: number): TriggeredStop[] {
  const out: TriggeredStop[] = [];
  for (const stop of Object.values(book.armed)) {
    if (stop.symbol !== symbol) continue;
    if (stop.kind === 'trailing_stop' && stop.trailBps && stop.extreme) {
      const better = stop.side === 'sell' ? new Dec(price).gt(stop.extreme) : new Dec(price).lt(stop.extreme);
      if (better) {
        stop.extreme = price;
        stop.trigger = trailFrom(stop.side, price, stop.trailBps);
      }
    }
    if (fires(stop, price)) {
      delete book.armed[stop.id];
      book.triggered += 1;
      out.push({ stop, price, at, intent: triggeredIntent(stop, price) });
    }
  }
  return out;
}

/** Remove a stop (cancelled, or its placement failed): its trigger goes with it. */
export function removeStop(book: StopBook, id: string): boolean {
  if (!book.armed[id]) return false;
  delete book.armed[id];
  book.removed += 1;
  return true;
}

/**
 * Place a stop: arm the trigger, then hand it to the venue when it has native stops (`placeNative`).
 * A native placement that fails removes the trigger again, so nothing is left armed that the venue
 * does not hold either. Without native support the trigger stays armed (synthetic).
 */
export async function placeStop(
  book: StopBook,
  raw: StopSpecInput,
  ctx: {
    at: number;
    price: string;
    native: boolean;
    placeNative: (s: ArmedStop) => Promise<{ ok: boolean; code?: string }>;
  },
): Promise<Registration & { mode?: 'native' | 'synthetic' }> {
  const r = registerStop(book, raw, ctx);
  if (!r.ok || !ctx.native) return r.ok ? { ...r, mode: 'synthetic' } : r;
  let placed: { ok: boolean; code?: string };
  try {
    placed = await ctx.placeNative(r.stop);
  } catch (e) {
    placed = { ok: false, code: e instanceof Error ? e.message : String(e) };
  }
  if (!placed.ok) {
    removeStop(book, r.stop.id);
    return {
      ok: false,
      code: 'STOP_PLACEMENT_FAILED',
      message: `native placement of ${r.stop.id} failed (${placed.code ?? 'unknown'}): trigger removed`,
      numbers: { trigger: r.stop.trigger },
    };
  }
  // Native: the venue holds it; the book does not watch it.
  delete book.armed[r.stop.id];
  return { ...r, mode: 'native' };
}
