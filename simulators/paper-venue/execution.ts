/**
 * Applying the fill model to accounts: executions move balances and build fills, resting and held
 * orders lock funds, terminal orders release them, and each newly closed bar is matched against the
 * resting and stop orders of its symbol. The decisions come from matching.ts; this module books them.
 *
 * Locks: a resting or held buy locks quantity × price × (1 + max(maker, taker)) of the quote (a held
 * stop_market buy: × stopPrice); a sell locks its base quantity. A maker fill of q releases q's share
 * of the lock and books cost and fee; a triggered stop releases its whole lock and is re-checked
 * against the free balance (a stop_market buy that can no longer afford its walk EXPIRES with the
 * insufficient-balance message as rejectReason).
 */
import type { Candle } from '../../domain/market/candles';
import { add, cmp, max, mul, sub } from '../../domain/money';
import { isTerminal, remainingQuantity } from '../../domain/orders/order';
import type { Order, PlaceOrder } from '../../domain/orders/order';
import { bookFromCandle } from './book';
import type { SyntheticBook } from './book';
import type { Ledger } from './ledger';
import { iso } from './market-data';
import type { Market } from './market-data';
import {
  averagePrice,
  executeArrival,
  isStopType,
  matchRestingOnBar,
  statusAfter,
  stopTriggered,
  triggeredKind,
} from './matching';
import type { Arrival, ArrivalOutcome, Execution } from './matching';
import type { VenueOrderState } from './state';

export const INSUFFICIENT_BALANCE_MESSAGE = 'Account has insufficient balance for requested action.';

export interface Account {
  ledger: Ledger;
  orders: Map<string, VenueOrderState>;
  /** Ids of the deposits already applied. */
  deposits: Set<string>;
}

export interface OpenOrder {
  acct: Account;
  vo: VenueOrderState;
}

/** Books executions and bar matches; fill ids come from the venue's counter. */
export class OrderBooks {
  constructor(private readonly nextFillId: () => string) {}

  processBar(m: Market, bar: Candle, closeTs: number, open: readonly OpenOrder[]): void {
    const live = open.filter((e) => !isTerminal(e.vo.order.status));
    const resting = live.filter((e) => e.vo.triggered && e.vo.order.price !== undefined);
    const bySeq = new Map(resting.map((e) => [String(e.vo.seq), e]));
    const makerFills = matchRestingOnBar(
      resting.map(({ vo }) => ({
        ref: String(vo.seq),
        side: vo.order.side,
        price: vo.order.price!,
        remaining: remainingQuantity(vo.order),
        seq: vo.seq,
      })),
      bar,
      m.instrument.precision.amount,
      m.instrument.fees,
    );
    for (const f of makerFills) {
      const { acct, vo } = bySeq.get(f.ref)!;
      this.makerFill(acct, vo, m, f.execution, closeTs);
    }
    let book: SyntheticBook | undefined;
    for (const { acct, vo } of live) {
      const o = vo.order;
      if (
        vo.triggered ||
        !isStopType(o.type) ||
        o.stopPrice === undefined ||
        !stopTriggered(o.type, o.side, o.stopPrice, bar)
      )
        continue;
      // A live market's stops walk the exchange's real book (the one fed with this bar).
      book ??= m.live?.book ?? bookFromCandle(bar, m.instrument);
      vo.triggered = true;
      this.unlock(acct, vo, vo.lock.amount);
      const plan = executeArrival(arrivalOf(o, triggeredKind(o.type)), book, m.instrument.fees);
      if (plan.kind === 'rejected') {
        o.rejectReason = plan.message;
        this.end(acct, vo, 'EXPIRED', closeTs);
        continue;
      }
      const need = requirement(m, o, plan);
      const free = acct.ledger.free(need.asset);
      if (cmp(need.amount, free) > 0) {
        o.rejectReason = `${INSUFFICIENT_BALANCE_MESSAGE} (triggered at ${iso(closeTs)}: needs ${need.amount} ${need.asset}, free ${free})`;
        this.end(acct, vo, 'EXPIRED', closeTs);
        continue;
      }
      this.applyArrival(acct, vo, m, plan, closeTs);
    }
  }

  /** A maker execution of a resting order: releases that quantity's share of the lock, books it, FILLED or PARTIALLY_FILLED. */
  makerFill(acct: Account, vo: VenueOrderState, m: Market, e: Execution, ts: number): void {
    this.unlock(acct, vo, vo.order.side === 'buy' ? buyLock(m, e.quantity, e.price) : e.quantity);
    this.execute(acct, vo, m, e, ts);
    if (cmp(remainingQuantity(vo.order), 0) === 0) this.end(acct, vo, 'FILLED', ts);
    else vo.order.status = 'PARTIALLY_FILLED';
  }

  /** Apply an arrival's taker executions, then rest (and lock) the remainder or end the order. */
  applyArrival(
    acct: Account,
    vo: VenueOrderState,
    m: Market,
    plan: Extract<ArrivalOutcome, { kind: 'executed' }>,
    ts: number,
  ): void {
    for (const e of plan.executions) this.execute(acct, vo, m, e, ts);
    const status = statusAfter(plan.filled, plan.remaining, plan.rests);
    vo.order.updatedAt = ts;
    if (status === 'NEW' || status === 'PARTIALLY_FILLED') {
      vo.order.status = status;
      this.lock(acct, vo, vo.order.side === 'buy' ? buyLock(m, plan.remaining, vo.order.price!) : plan.remaining);
    } else {
      this.end(acct, vo, status, ts);
    }
  }

  /** Book one execution: balances, the fill, the order's totals. */
  execute(acct: Account, vo: VenueOrderState, m: Market, e: Execution, ts: number): void {
    const { base, quote } = m.instrument;
    const cost = mul(e.quantity, e.price);
    if (vo.order.side === 'buy') {
      acct.ledger.debit(quote, add(cost, e.fee));
      acct.ledger.credit(base, e.quantity);
    } else {
      acct.ledger.debit(base, e.quantity);
      acct.ledger.credit(quote, sub(cost, e.fee));
    }
    const o = vo.order;
    o.fills.push({
      fillId: this.nextFillId(),
      clientOrderId: o.clientOrderId,
      symbol: o.symbol,
      side: o.side,
      quantity: e.quantity,
      price: e.price,
      fee: e.fee,
      feeCurrency: quote,
      liquidity: e.liquidity,
      ts,
    });
    o.filledQuantity = add(o.filledQuantity, e.quantity);
    o.fee = add(o.fee, e.fee);
    const avg = averagePrice(o.fills);
    if (avg !== undefined) o.averagePrice = avg;
    o.updatedAt = ts;
  }

  /** Terminal status; whatever the order still locks goes back to free. */
  end(acct: Account, vo: VenueOrderState, status: 'FILLED' | 'CANCELED' | 'EXPIRED', ts: number): void {
    this.unlock(acct, vo, vo.lock.amount);
    vo.order.status = status;
    vo.order.updatedAt = ts;
  }

  lock(acct: Account, vo: VenueOrderState, amount: string): void {
    acct.ledger.lock(vo.lock.asset, amount);
    vo.lock.amount = add(vo.lock.amount, amount);
  }

  unlock(acct: Account, vo: VenueOrderState, amount: string): void {
    if (cmp(amount, 0) === 0) return;
    acct.ledger.unlock(vo.lock.asset, amount);
    vo.lock.amount = sub(vo.lock.amount, amount);
  }
}

export type OrderLike = Pick<Order, 'side' | 'type' | 'quantity' | 'price' | 'stopPrice' | 'tif' | 'postOnly'> & {
  filledQuantity?: string;
};

export function arrivalOf(o: OrderLike, kind: 'market' | 'limit'): Arrival {
  const quantity = o.filledQuantity !== undefined ? sub(o.quantity, o.filledQuantity) : o.quantity;
  return {
    side: o.side,
    kind,
    quantity,
    ...(kind === 'limit' ? { price: o.price } : {}),
    tif: o.tif as Arrival['tif'],
    postOnly: o.postOnly,
  };
}

/** Quote a resting buy of `quantity` at `price` holds: quantity × price × (1 + max fee rate). */
export function buyLock(m: Market, quantity: string, price: string): string {
  return mul(mul(quantity, price), add(1, max(m.instrument.fees.maker, m.instrument.fees.taker)));
}

/**
 * What the account must have free to place `o`: a sell needs its base quantity; a market buy the
 * cost and fees of its walk; any other buy its lock (limit price, or stop price for a stop_market).
 */
export function requirement(
  m: Market,
  o: OrderLike,
  plan: ArrivalOutcome | undefined,
): { asset: string; amount: string } {
  const remaining = o.filledQuantity !== undefined ? sub(o.quantity, o.filledQuantity) : o.quantity;
  if (o.side === 'sell') return { asset: m.instrument.base, amount: remaining };
  const quote = m.instrument.quote;
  if (o.type === 'market' || (o.type === 'stop_market' && plan?.kind === 'executed')) {
    const executions = plan?.kind === 'executed' ? plan.executions : [];
    return { asset: quote, amount: add('0', ...executions.map((e) => add(mul(e.quantity, e.price), e.fee))) };
  }
  return { asset: quote, amount: buyLock(m, remaining, o.price ?? o.stopPrice!) };
}

/** A freshly accepted order: NEW, nothing filled, nothing locked yet; venueOrderId `P<seq>`. */
export function newVenueOrder(
  cmd: PlaceOrder,
  seq: number,
  o: { triggered: boolean; lockAsset: string; now: number },
): VenueOrderState {
  return {
    seq,
    triggered: o.triggered,
    lock: { asset: o.lockAsset, amount: '0' },
    order: {
      clientOrderId: cmd.clientOrderId,
      venueOrderId: `P${seq}`,
      symbol: cmd.symbol,
      side: cmd.side,
      type: cmd.type,
      quantity: cmd.quantity,
      ...(cmd.price !== undefined ? { price: cmd.price } : {}),
      ...(cmd.stopPrice !== undefined ? { stopPrice: cmd.stopPrice } : {}),
      tif: cmd.tif,
      postOnly: cmd.postOnly,
      reduceOnly: cmd.reduceOnly,
      status: 'NEW',
      filledQuantity: '0',
      fee: '0',
      fills: [],
      createdAt: o.now,
      updatedAt: o.now,
    },
  };
}
