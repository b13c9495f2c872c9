/**
 * The paper venue's fill model. Pure: no I/O, no clock reads, no state; the venue (venue.ts) applies
 * what these functions decide to its orders and balances, and a Binance-protocol front can reuse them.
 *
 * Taking liquidity (a market order, or the marketable part of a limit order, on arrival or when a stop
 * triggers) walks the synthetic book of the current bar (book.ts) on the opposite side, best level
 * first, never past the limit price: one execution per level touched, each a TAKER execution at that
 * level's price. What the walk cannot fill:
 *   market (any TIF) → EXPIRED;  limit IOC → EXPIRED;  limit GTC → rests at its limit price;
 *   FOK (market or limit) → all or nothing: when the whole quantity cannot fill, no executions, EXPIRED.
 * Every taking order sees the full book of the current bar (takers do not deplete it for each other).
 *
 * Post-only: a limit buy at or above the ask, or a sell at or below the bid, is rejected with
 * "Order would immediately match and take." (Binance's text); one that does not cross rests whole.
 *
 * Resting orders are matched against each bar that closes after they started resting, in price-time
 * priority: a buy at P fills when bar.low ≤ P, a sell when bar.high ≥ P, always at P and as MAKER.
 * All resting orders of a symbol share 10 % of that bar's volume (floored to the amount step), so large
 * orders fill partially over several bars. Priority: the order the bar traded deeper through (in bps of
 * its price) first, which within one side is simply the better price; ties go to the earlier order.
 *
 * Stops are held untriggered until a bar that closes after their placement trades through the stop
 * price, then behave as market (stop_market) or limit (stop_limit, take_profit_limit) orders against
 * the book of that bar:
 *   stop_market / stop_limit:  buy when bar.high ≥ stop, sell when bar.low ≤ stop;
 *   take_profit_limit:         sell when bar.high ≥ stop, buy when bar.low ≤ stop (Binance semantics).
 *
 * Fees: rate × quantity × price, charged in the QUOTE currency for both sides (Binance charges a buyer
 * in the base asset it receives; the paper venue always charges quote), exact decimals, never rounded.
 * The rate is the instrument's maker rate for maker executions and its taker rate for taker ones.
 */
import type { Candle } from '../../domain/market/candles';
import type { OrderSide, OrderStatus, OrderType } from '../../domain/orders/order';
import { Dec, add, cmp, div, mul, str, sub } from '../../domain/money';
import { decOf, floorTo } from './book';
import type { Level, SyntheticBook } from './book';

export const POST_ONLY_REJECT_MESSAGE = 'Order would immediately match and take.';
/** Share of a bar's volume that all resting orders of its symbol can fill on that bar, together. */
export const RESTING_VOLUME_SHARE = '0.1';

export type Liquidity = 'maker' | 'taker';
export interface FeeRates {
  maker: string;
  taker: string;
}
export interface Execution {
  price: string;
  quantity: string;
  /** In the quote currency. */
  fee: string;
  liquidity: Liquidity;
}

export function feeFor(rate: string, quantity: string, price: string): string {
  return mul(mul(rate, quantity), price);
}

/** Σ quantity × price / Σ quantity, or undefined when nothing executed. */
export function averagePrice(executions: ReadonlyArray<Pick<Execution, 'price' | 'quantity'>>): string | undefined {
  const qty = add('0', ...executions.map((e) => e.quantity));
  if (cmp(qty, 0) === 0) return undefined;
  return div(add('0', ...executions.map((e) => mul(e.quantity, e.price))), qty);
}

export interface Walk {
  legs: Array<{ price: string; quantity: string }>;
  filled: string;
  remaining: string;
}

/**
 * Walk `levels` (the side opposite to `side`, best first) for up to `quantity`, never past
 * `limitPrice` (a buy takes levels priced ≤ limit, a sell levels priced ≥ limit).
 */
export function walkBook(levels: readonly Level[], side: OrderSide, quantity: string, limitPrice?: string): Walk {
  const legs: Walk['legs'] = [];
  let remaining = quantity;
  for (const [price, size] of levels) {
    if (cmp(remaining, 0) <= 0) break;
    if (limitPrice !== undefined && (side === 'buy' ? cmp(price, limitPrice) > 0 : cmp(price, limitPrice) < 0)) break;
    if (cmp(size, 0) <= 0) continue;
    const q = cmp(size, remaining) < 0 ? size : remaining;
    legs.push({ price, quantity: q });
    remaining = sub(remaining, q);
  }
  return { legs, filled: sub(quantity, remaining), remaining };
}

/** Would a limit order at `price` take liquidity now (buy ≥ ask, sell ≤ bid)? */
export function wouldTake(side: OrderSide, price: string, book: Pick<SyntheticBook, 'bid' | 'ask'>): boolean {
  return side === 'buy' ? cmp(price, book.ask) >= 0 : cmp(price, book.bid) <= 0;
}

export interface Arrival {
  side: OrderSide;
  kind: 'market' | 'limit';
  quantity: string;
  /** Limit price (kind limit). */
  price?: string;
  tif: 'GTC' | 'IOC' | 'FOK';
  postOnly: boolean;
}

export type ArrivalOutcome =
  | { kind: 'rejected'; message: string }
  | {
      kind: 'executed';
      executions: Execution[];
      filled: string;
      remaining: string;
      /** true: the remaining quantity rests at the limit price; false: it expired (or nothing remains). */
      rests: boolean;
    };

/** An order meeting the book: a market order, a new limit order, or a stop that just triggered. */
export function executeArrival(order: Arrival, book: SyntheticBook, fees: FeeRates): ArrivalOutcome {
  if (order.kind === 'limit' && order.price === undefined) throw new Error('a limit arrival needs a price');
  if (order.postOnly) {
    if (order.kind !== 'limit' || order.price === undefined) throw new Error('post-only applies to limit orders only');
    if (wouldTake(order.side, order.price, book)) return { kind: 'rejected', message: POST_ONLY_REJECT_MESSAGE };
    return { kind: 'executed', executions: [], filled: '0', remaining: order.quantity, rests: true };
  }
  const levels = order.side === 'buy' ? book.asks : book.bids;
  const walk = walkBook(levels, order.side, order.quantity, order.kind === 'limit' ? order.price : undefined);
  const complete = cmp(walk.remaining, 0) === 0;
  if (order.tif === 'FOK' && !complete) {
    return { kind: 'executed', executions: [], filled: '0', remaining: order.quantity, rests: false };
  }
  const executions = walk.legs.map((l) => ({
    ...l,
    fee: feeFor(fees.taker, l.quantity, l.price),
    liquidity: 'taker' as const,
  }));
  const rests = !complete && order.kind === 'limit' && order.tif === 'GTC';
  return { kind: 'executed', executions, filled: walk.filled, remaining: walk.remaining, rests };
}

/** The status an order has after its arrival (or trigger) executions. */
export function statusAfter(
  filled: string,
  remaining: string,
  rests: boolean,
): Extract<OrderStatus, 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'EXPIRED'> {
  if (cmp(remaining, 0) === 0) return 'FILLED';
  if (!rests) return 'EXPIRED';
  return cmp(filled, 0) > 0 ? 'PARTIALLY_FILLED' : 'NEW';
}

export type StopType = 'stop_market' | 'stop_limit' | 'take_profit_limit';

export function isStopType(type: OrderType): type is StopType {
  return type === 'stop_market' || type === 'stop_limit' || type === 'take_profit_limit';
}

/** What a triggered stop becomes. */
export function triggeredKind(type: StopType): 'market' | 'limit' {
  return type === 'stop_market' ? 'market' : 'limit';
}

/** Did `bar` trade through the stop price? */
export function stopTriggered(type: StopType, side: OrderSide, stopPrice: string, bar: Candle): boolean {
  const upward = type === 'take_profit_limit' ? side === 'sell' : side === 'buy';
  return upward ? cmp(decOf(bar.high), stopPrice) >= 0 : cmp(decOf(bar.low), stopPrice) <= 0;
}

export interface RestingOrder {
  /** The caller's handle for the order. */
  ref: string;
  side: OrderSide;
  price: string;
  remaining: string;
  /** Arrival sequence (time priority). */
  seq: number;
}

export interface MakerFill {
  ref: string;
  execution: Execution;
}

/** Base quantity that all resting orders of the bar's symbol may fill on it together. */
export function restingBudget(bar: Candle, amountStep: string): string {
  return str(floorTo(decOf(bar.volume).times(RESTING_VOLUME_SHARE), amountStep));
}

/** How far (relative to its price) the bar traded through a resting order; negative: not reached. */
function penetration(o: RestingOrder, bar: Candle): Dec {
  const through = o.side === 'buy' ? new Dec(o.price).minus(decOf(bar.low)) : decOf(bar.high).minus(o.price);
  return through.div(o.price);
}

/** Maker fills of resting orders on one newly closed bar, in priority order. */
export function matchRestingOnBar(
  resting: readonly RestingOrder[],
  bar: Candle,
  amountStep: string,
  fees: FeeRates,
): MakerFill[] {
  const ranked = resting
    .map((o) => ({ o, depth: penetration(o, bar) }))
    .filter(({ o, depth }) => depth.gte(0) && cmp(o.remaining, 0) > 0)
    .sort((a, b) => b.depth.cmp(a.depth) || a.o.seq - b.o.seq);
  let budget = restingBudget(bar, amountStep);
  const out: MakerFill[] = [];
  for (const { o } of ranked) {
    if (cmp(budget, 0) <= 0) break;
    const q = cmp(o.remaining, budget) <= 0 ? o.remaining : budget;
    out.push({
      ref: o.ref,
      execution: { price: o.price, quantity: q, fee: feeFor(fees.maker, q, o.price), liquidity: 'maker' },
    });
    budget = sub(budget, q);
  }
  return out;
}
