/**
 * Execution monitor. Per order: arrival price (the mid when the order was decided), implementation
 * shortfall in bps (what the fills paid against arrival, signed so that a cost is positive), fee in bps,
 * fill ratio, and time to first and last fill. Per run and per strategy: aggregates (quantity-weighted
 * shortfall, fees, fill ratio) and counters — placed, filled, cancelled, denied by reason, post-only
 * denials, stops registered and triggered. Pure; the workflow keeps it in its state and serves it by query.
 */
import { Dec, cmp, str } from '../money';
import { keepNewest } from '../bounded';
import type { Order } from '../orders/order';
import type { ArmedStop } from './stops';

export interface OrderExecution {
  clientOrderId: string;
  strategyId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  arrivalPrice: string;
  placedAt: number;
  status: Order['status'];
  filledQuantity: string;
  averagePrice?: string;
  /** Fees in quote (fees charged in the base asset are valued at the fill price). */
  feesQuote: string;
  fillRatio: string;
  /** (avg − arrival) / arrival × 10 000, × −1 for a sell: positive = paid more (or got less) than arrival. */
  shortfallBps?: string;
  feeBps?: string;
  timeToFirstFillMs?: number;
  timeToLastFillMs?: number;
}

export interface ExecutionCounters {
  placed: number;
  filled: number;
  partiallyFilled: number;
  cancelled: number;
  rejected: number;
  denied: number;
  deniedByReason: Record<string, number>;
  postOnlyDenials: number;
  stopsRegistered: number;
  stopsTriggered: number;
}

export interface ExecutionAggregate {
  orders: number;
  filledQuantity: string;
  filledNotional: string;
  feesQuote: string;
  /** Filled-quantity-weighted implementation shortfall (bps) over orders with fills. */
  shortfallBps?: string;
  feeBps?: string;
  /** Filled / ordered quantity over all orders. */
  fillRatio?: string;
  avgTimeToFirstFillMs?: number;
}

export interface ExecutionMonitor {
  counters: ExecutionCounters;
  /** The latest orders' measurements (bounded, newest last). */
  orders: OrderExecution[];
  run: ExecutionAggregate;
  byStrategy: Record<string, ExecutionAggregate>;
  /** Running sums behind the aggregates (so the bounded order list loses nothing). */
  sums: Record<
    string,
    {
      orders: number;
      ordered: string;
      filled: string;
      notional: string;
      fees: string;
      arrivalNotional: string;
      signedCost: string;
      firstFillMs: number;
      withFirstFill: number;
    }
  >;
}

export const MAX_MONITORED_ORDERS = 100;

export function emptyMonitor(): ExecutionMonitor {
  return {
    counters: {
      placed: 0,
      filled: 0,
      partiallyFilled: 0,
      cancelled: 0,
      rejected: 0,
      denied: 0,
      deniedByReason: {},
      postOnlyDenials: 0,
      stopsRegistered: 0,
      stopsTriggered: 0,
    },
    orders: [],
    run: { orders: 0, filledQuantity: '0', filledNotional: '0', feesQuote: '0' },
    byStrategy: {},
    sums: {},
  };
}

/** Measure one order against its arrival price. */
export function measureOrder(
  order: Order,
  ctx: { strategyId: string; arrivalPrice: string; placedAt: number },
): OrderExecution {
  const filled = new Dec(order.filledQuantity);
  const fees = order.fills.reduce(
    (acc, f) => acc.plus(f.feeCurrency === order.symbol.split('/')[0] ? new Dec(f.fee).times(f.price) : f.fee),
    new Dec(0),
  );
  const ts = order.fills.map((f) => f.ts).filter((t) => t > 0);
  const base: OrderExecution = {
    clientOrderId: order.clientOrderId,
    strategyId: ctx.strategyId,
    symbol: order.symbol,
    side: order.side,
    quantity: order.quantity,
    arrivalPrice: ctx.arrivalPrice,
    placedAt: ctx.placedAt,
    status: order.status,
    filledQuantity: order.filledQuantity,
    feesQuote: str(fees),
    fillRatio: str(filled.div(order.quantity)),
  };
  if (filled.lte(0)) return base;
  const notional = order.fills.reduce((acc, f) => acc.plus(new Dec(f.quantity).times(f.price)), new Dec(0));
  const avg = notional.div(filled);
  const sign = order.side === 'buy' ? 1 : -1;
  const arrival = new Dec(ctx.arrivalPrice);
  return {
    ...base,
    averagePrice: str(avg),
    shortfallBps: arrival.gt(0) ? str(avg.minus(arrival).div(arrival).times(10_000).times(sign)) : undefined,
    feeBps: notional.gt(0) ? str(fees.div(notional).times(10_000)) : undefined,
    ...(ts.length
      ? {
          timeToFirstFillMs: Math.max(0, Math.min(...ts) - ctx.placedAt),
          timeToLastFillMs: Math.max(0, Math.max(...ts) - ctx.placedAt),
        }
      : {}),
  };
}

function aggregate(s: ExecutionMonitor['sums'][string]): ExecutionAggregate {
  const filled = new Dec(s.filled);
  return {
    orders: s.orders,
    filledQuantity: s.filled,
    filledNotional: s.notional,
    feesQuote: s.fees,
    ...(cmp(s.arrivalNotional, 0) > 0
      ? { shortfallBps: str(new Dec(s.signedCost).div(s.arrivalNotional).times(10_000)) }
      : {}),
    ...(cmp(s.notional, 0) > 0 ? { feeBps: str(new Dec(s.fees).div(s.notional).times(10_000)) } : {}),
    ...(cmp(s.ordered, 0) > 0 ? { fillRatio: str(filled.div(s.ordered)) } : {}),
    ...(s.withFirstFill > 0 ? { avgTimeToFirstFillMs: Math.round(s.firstFillMs / s.withFirstFill) } : {}),
  };
}

/**
 * Record an order once it is terminal (a filled, cancelled, expired or rejected order's measurement does
 * not change any more). Counts it and folds it into the run's and its strategy's aggregates.
 */
export function recordExecution(m: ExecutionMonitor, e: OrderExecution): void {
  if (e.status === 'FILLED') m.counters.filled += 1;
  else if (cmp(e.filledQuantity, 0) > 0) m.counters.partiallyFilled += 1;
  if (e.status === 'CANCELED' || e.status === 'EXPIRED') m.counters.cancelled += 1;
  if (e.status === 'REJECTED') m.counters.rejected += 1;
  m.orders.push(e);
  keepNewest(m.orders, MAX_MONITORED_ORDERS);
  const filled = new Dec(e.filledQuantity);
  const notional = e.averagePrice ? filled.times(e.averagePrice) : new Dec(0);
  const arrivalNotional = filled.times(e.arrivalPrice);
  const sign = e.side === 'buy' ? 1 : -1;
  for (const key of ['*', `strategy:${e.strategyId}`]) {
    const s = (m.sums[key] ??= {
      orders: 0,
      ordered: '0',
      filled: '0',
      notional: '0',
      fees: '0',
      arrivalNotional: '0',
      signedCost: '0',
      firstFillMs: 0,
      withFirstFill: 0,
    });
    s.orders += 1;
    s.ordered = str(new Dec(s.ordered).plus(e.quantity));
    s.filled = str(new Dec(s.filled).plus(filled));
    s.notional = str(new Dec(s.notional).plus(notional));
    s.fees = str(new Dec(s.fees).plus(e.feesQuote));
    if (filled.gt(0)) {
      s.arrivalNotional = str(new Dec(s.arrivalNotional).plus(arrivalNotional));
      s.signedCost = str(new Dec(s.signedCost).plus(notional.minus(arrivalNotional).times(sign)));
    }
    if (e.timeToFirstFillMs !== undefined) {
      s.firstFillMs += e.timeToFirstFillMs;
      s.withFirstFill += 1;
    }
  }
  m.run = aggregate(m.sums['*']);
  m.byStrategy[e.strategyId] = aggregate(m.sums[`strategy:${e.strategyId}`]);
}

/** A denial counted by reason (post-only crossings also counted on their own). */
export function recordDenial(m: ExecutionMonitor, code: string): void {
  m.counters.denied += 1;
  m.counters.deniedByReason[code] = (m.counters.deniedByReason[code] ?? 0) + 1;
  if (code === 'POST_ONLY_WOULD_CROSS') m.counters.postOnlyDenials += 1;
}

/** What a run shows of its execution (status query, run summary, `tempotrade run status`). */
export interface ExecutionView {
  counters: ExecutionCounters;
  run: ExecutionAggregate;
  byStrategy: Record<string, ExecutionAggregate>;
  /** The latest measured orders (newest last, at most 20). */
  recent: OrderExecution[];
  armedStops: ArmedStop[];
}
