/** Pipeline steps shared by both engines. Each is pure; a denial carries its code and numbers. */
import { Dec, str, mul, div, sub, add, cmp } from '../money';
import type { Deny, Draft, PlanContext, PlanStep } from './engine';

export function deny(code: string, message: string, numbers: Record<string, string>, suggestedQuantity?: string): Deny {
  return { ok: false, code, message, numbers, ...(suggestedQuantity ? { suggestedQuantity } : {}) };
}

const NEEDS_LIMIT = new Set(['limit', 'stop_limit', 'take_profit_limit']);
const NEEDS_STOP = new Set(['stop_market', 'stop_limit', 'take_profit_limit']);

/** Stop orders need a trigger price; limit-type orders need a limit price. */
export const requirePrices: PlanStep = (d) => {
  if (NEEDS_STOP.has(d.order.type) && !d.order.stopPrice)
    return deny('STOP_PRICE_REQUIRED', `a ${d.order.type} order needs a stopPrice`, { type: d.order.type });
  if (NEEDS_LIMIT.has(d.order.type) && !d.order.price)
    return deny('LIMIT_PRICE_REQUIRED', `a ${d.order.type} order needs a limitPrice`, { type: d.order.type });
  return d;
};

/**
 * Spec validation with the market's precision and limits: quantity floored to the step, prices rounded
 * by side, min size and min notional checked. Too small → denied with a suggested quantity (we never
 * raise a quantity above what risk approved).
 */
export const validateSpec: PlanStep = (d, ctx) => {
  const inst = ctx.instrument;
  const qty = ctx.quantizer.amount(inst, d.order.quantity);
  const price = d.order.price ? ctx.quantizer.price(inst, d.order.price, d.order.side) : undefined;
  const stopPrice = d.order.stopPrice
    ? ctx.quantizer.price(inst, d.order.stopPrice, d.order.side === 'buy' ? 'sell' : 'buy')
    : undefined;
  const refPrice = price ?? d.price;
  const numbers = {
    requested: d.order.quantity,
    quantized: qty,
    step: inst.precision.amount,
    minAmount: inst.limits.amount.min,
    minNotional: inst.limits.cost.min,
    price: refPrice,
  };
  const stepUp = (q: string) => {
    const steps = new Dec(q).div(inst.precision.amount).ceil();
    return str(steps.times(inst.precision.amount));
  };
  if (cmp(qty, 0) <= 0 || cmp(qty, inst.limits.amount.min) < 0) {
    return deny(
      'SPEC_MIN_SIZE',
      `quantity ${qty} is below the minimum ${inst.limits.amount.min} ${inst.base}`,
      numbers,
      stepUp(Dec.max(inst.limits.amount.min, inst.precision.amount).toString()),
    );
  }
  if (inst.limits.amount.max && cmp(qty, inst.limits.amount.max) > 0) {
    return deny(
      'SPEC_MAX_SIZE',
      `quantity ${qty} is above the maximum ${inst.limits.amount.max}`,
      numbers,
      inst.limits.amount.max,
    );
  }
  const notional = mul(qty, refPrice);
  if (cmp(notional, inst.limits.cost.min) < 0) {
    return deny(
      'SPEC_MIN_NOTIONAL',
      `notional ${notional} ${inst.quote} is below the minimum ${inst.limits.cost.min}`,
      { ...numbers, notional },
      stepUp(div(inst.limits.cost.min, refPrice)),
    );
  }
  return {
    ...d,
    order: { ...d.order, quantity: qty, price, stopPrice },
    price: refPrice,
    numbers: { ...d.numbers, quantity: qty, notional, ...(price ? { limitPrice: price } : {}) },
    notes:
      qty !== d.order.quantity
        ? [...d.notes, `quantity floored to step ${inst.precision.amount}: ${d.order.quantity} → ${qty}`]
        : d.notes,
  };
};

/** Stale mark → deny. */
export const staleMarkGuard: PlanStep = (d, ctx) => {
  const ageMs = ctx.now - ctx.snapshot.markTs;
  const maxMs = ctx.config.maxMarkStalenessSeconds * 1000;
  if (ageMs > maxMs)
    return deny(
      'STALE_MARK',
      `mark is ${Math.round(ageMs / 1000)} s old (limit ${ctx.config.maxMarkStalenessSeconds} s)`,
      {
        markAgeSeconds: String(ageMs / 1000),
        limitSeconds: String(ctx.config.maxMarkStalenessSeconds),
        markTs: String(ctx.snapshot.markTs),
        now: String(ctx.now),
      },
    );
  return { ...d, numbers: { ...d.numbers, markAgeSeconds: String(ageMs / 1000) } };
};

/** Is the order marketable against the current book (it takes liquidity)? */
export function isMarketable(d: Draft, ctx: PlanContext): boolean {
  if (d.order.type === 'market') return true;
  if (d.order.type !== 'limit' || !d.order.price) return false;
  return d.order.side === 'buy' ? cmp(d.order.price, ctx.snapshot.ask) >= 0 : cmp(d.order.price, ctx.snapshot.bid) <= 0;
}

/**
 * Walk book levels for `quantity` (base): volume-weighted price of what the book holds, and whether
 * the levels ran out before the quantity was filled.
 */
export function walkBook(
  levels: ReadonlyArray<readonly [string, string]>,
  quantity: string,
): { vwap: string; fillable: string; exhausted: boolean } {
  let left = new Dec(quantity);
  let cost = new Dec(0);
  let got = new Dec(0);
  for (const [p, sz] of levels) {
    if (left.lte(0)) break;
    const take = Dec.min(left, sz);
    cost = cost.plus(take.times(p));
    got = got.plus(take);
    left = left.minus(take);
  }
  return { vwap: got.gt(0) ? str(cost.div(got)) : '0', fillable: str(got), exhausted: left.gt(0) };
}

/**
 * Slippage guard. Expected slippage, in bps against mid, times the symbol's slippage multiplier:
 *  - with book levels: a walk of the opposite side (VWAP vs mid) — what the order would really pay;
 *    an order larger than the whole visible book is denied outright;
 *  - with L1 only: GPT-Trader's proxy, spread_bps + 10000 × (notional / L1 notional) × 0.5.
 * GPT-Trader's proxy alone overstates small orders (2.5% of L1 → 125 bps), so it is the fallback only
 * (docs/decisions/0002-slippage-estimate.md). Applies to orders that take liquidity; a resting limit
 * has no slippage. The expected price moves against us by the expected slippage.
 */
export const slippageGuard: PlanStep = (d, ctx) => {
  if (!isMarketable(d, ctx)) return d;
  const s = ctx.snapshot;
  const mid = div(add(s.bid, s.ask), 2);
  const spreadBps = mul(div(sub(s.ask, s.bid), mid), 10_000);
  const side = d.order.side === 'buy' ? s.asks : s.bids;
  const multiplier = String(ctx.config.slippageMultipliers[d.order.symbol] ?? 1);
  const notional = mul(d.order.quantity, d.price);
  let baseBps: string;
  let numbers: Record<string, string>;
  if (side.length > 1) {
    const walk = walkBook(side, d.order.quantity);
    if (walk.exhausted)
      return deny('SLIPPAGE_GUARD', `the visible book holds ${walk.fillable} of ${d.order.quantity}: too thin`, {
        quantity: d.order.quantity,
        fillable: walk.fillable,
        levels: String(side.length),
      });
    baseBps = str(new Dec(walk.vwap).minus(mid).abs().div(mid).times(10_000));
    numbers = { method: 'book-walk', mid, vwap: walk.vwap, spreadBps, notional };
  } else {
    const l1Notional = mul(side[0][0], side[0][1]);
    const depthBps = cmp(l1Notional, 0) > 0 ? mul(mul(div(notional, l1Notional), 10_000), '0.5') : '1000000';
    baseBps = add(spreadBps, depthBps);
    numbers = { method: 'seed-l1-proxy', spreadBps, l1Notional, notional };
  }
  const expectedBps = mul(baseBps, multiplier);
  numbers = { ...numbers, multiplier, expectedSlippageBps: expectedBps, limitBps: String(ctx.config.slippageGuardBps) };
  if (cmp(expectedBps, ctx.config.slippageGuardBps) > 0)
    return deny(
      'SLIPPAGE_GUARD',
      `expected slippage ${new Dec(expectedBps).toFixed(2)} bps exceeds ${ctx.config.slippageGuardBps} bps`,
      numbers,
    );
  const sign = d.order.side === 'buy' ? 1 : -1;
  const expectedPrice = str(new Dec(d.price).times(new Dec(1).plus(new Dec(expectedBps).times(sign).div(10_000))));
  return {
    ...d,
    expectedPrice,
    expectedSlippageBps: expectedBps,
    numbers: { ...d.numbers, ...numbers, expectedPrice },
  };
};

/** Reduce-only forced when the run is REDUCING or risk is in reduce-only mode. */
export const forceReduceOnly: PlanStep = (d, ctx) => {
  if ((ctx.tradingState === 'REDUCING' || ctx.config.reduceOnlyMode) && !d.order.reduceOnly) {
    return {
      ...d,
      order: { ...d.order, reduceOnly: true },
      notes: [...d.notes, 'reduce-only forced: run is REDUCING or risk reduceOnlyMode is on'],
    };
  }
  return d;
};
