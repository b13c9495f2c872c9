/**
 * Orders: commands are verbs (PlaceOrder), events past tense (OrderPlaced, OrderFilled).
 * An Order moves NEW → PARTIALLY_FILLED → FILLED, or to CANCELED / REJECTED / EXPIRED, possibly with
 * fills already made (a partially filled order that is then canceled keeps its fills).
 */
import { z } from 'zod';
import { NonNegativeAmount, PositiveAmount, add, cmp } from '../money';
import { ClientOrderId, StrategyId } from '../ids';
import { MarketSymbol } from '../market/instrument';
import { AlgoSpec } from '../execution/algo-spec';

export const OrderSide = z.enum(['buy', 'sell']);
export type OrderSide = z.infer<typeof OrderSide>;
/** What a venue is sent and reports (PlaceOrder, Order). */
export const OrderType = z.enum(['market', 'limit', 'stop_market', 'stop_limit', 'take_profit_limit']);
export type OrderType = z.infer<typeof OrderType>;
/**
 * Stops a strategy may ask for that only the run keeps (synthetic, durable): a market take-profit and a
 * trailing stop (trigger `trailBps` from the best price, never moving back). They are never sent to a
 * venue (ccxt's trailing support varies by venue), so they are not OrderTypes: an engine refuses them.
 */
export const SyntheticOrderType = z.enum(['take_profit', 'trailing_stop']);
export type SyntheticOrderType = z.infer<typeof SyntheticOrderType>;
/** What an intent may ask for: a venue order type, or a stop the run keeps synthetic. */
export const IntentType = z.enum([...OrderType.options, ...SyntheticOrderType.options]);
export type IntentType = z.infer<typeof IntentType>;
export function isSyntheticOnly(type: IntentType): type is SyntheticOrderType {
  return (SyntheticOrderType.options as readonly string[]).includes(type);
}
/** Bounds of a trailing stop's trail, bps (the stop book's too). */
export const TRAIL_BPS_MAX = 5_000;
export const TrailBps = z.number().positive().max(TRAIL_BPS_MAX);
/** Time in force as a strategy asks for it; engines map it to what the venue supports. */
export const TimeInForce = z.enum(['GTC', 'IOC', 'FOK', 'GTD', 'PO']);
export type TimeInForce = z.infer<typeof TimeInForce>;

export const OrderStatus = z.enum(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);
export type OrderStatus = z.infer<typeof OrderStatus>;
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);
export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** What a strategy wants. Not yet risk-checked, not yet quantized. */
export const OrderIntent = z
  .object({
    strategyId: StrategyId,
    symbol: MarketSymbol,
    side: OrderSide,
    type: IntentType.default('market'),
    quantity: PositiveAmount,
    limitPrice: PositiveAmount.optional(),
    stopPrice: PositiveAmount.optional(),
    /** trailing_stop: the trigger's distance from the best price since it was armed, bps (0 < trail ≤ 5000). */
    trailBps: TrailBps.optional(),
    tif: TimeInForce.optional(),
    postOnly: z.boolean().default(false),
    reduceOnly: z.boolean().default(false),
    /** Why the strategy wants it, in words, for the audit trail. */
    reason: z.string().max(500).default(''),
    /** Execute through an algorithm (a child workflow of the run) instead of one order; market orders only. */
    algo: AlgoSpec.optional(),
    /** An entry's protective stop (a bracket's stop-loss): fixed-fractional sizing measures the risk to it. */
    protectiveStop: PositiveAmount.optional(),
    /**
     * A bracket's leg, ordered right after its entry. It is not held to the position when armed (the entry may
     * still be filling, e.g. through a TWAP); it is when it fires.
     */
    bracketLeg: z.enum(['stop-loss', 'take-profit', 'trailing-stop']).optional(),
  })
  .strict()
  .refine((i) => !i.algo || i.type === 'market', {
    message: 'an algo intent is a market order (the algo chooses its child orders)',
    path: ['algo'],
  })
  .refine((i) => i.trailBps === undefined || i.type === 'trailing_stop', {
    message: 'trailBps applies to trailing_stop orders only',
    path: ['trailBps'],
  })
  .refine((i) => i.type !== 'trailing_stop' || i.stopPrice === undefined, {
    message: "a trailing_stop's trigger follows the mark by trailBps: it takes no stopPrice",
    path: ['stopPrice'],
  })
  .refine((i) => !isSyntheticOnly(i.type) || i.limitPrice === undefined, {
    message:
      'take_profit and trailing_stop fire as market orders: they take no limitPrice (use take_profit_limit for a limit)',
    path: ['limitPrice'],
  });
export type OrderIntent = z.infer<typeof OrderIntent>;
export type OrderIntentInput = z.input<typeof OrderIntent>;

/** The command an engine sends to a venue: quantized, with its idempotency key. */
/** What an order is, as placed: shared by the command to the venue and the venue's view of the order. */
const ORDER_TERMS = {
  symbol: MarketSymbol,
  side: OrderSide,
  type: OrderType,
  quantity: PositiveAmount,
  price: PositiveAmount.optional(),
  stopPrice: PositiveAmount.optional(),
  tif: TimeInForce,
  postOnly: z.boolean(),
  reduceOnly: z.boolean(),
};

export const PlaceOrder = z
  .object({
    clientOrderId: ClientOrderId,
    ...ORDER_TERMS,
    /** Market time at which the order is placed (a replay venue fills against this moment). */
    at: z.number().int().nonnegative(),
  })
  .strict();
export type PlaceOrder = z.infer<typeof PlaceOrder>;

export const Fill = z
  .object({
    fillId: z.string().min(1),
    clientOrderId: ClientOrderId,
    symbol: MarketSymbol,
    side: OrderSide,
    quantity: PositiveAmount,
    price: PositiveAmount,
    /** Fee charged for this fill, in `feeCurrency`. */
    fee: NonNegativeAmount,
    feeCurrency: z.string().min(1),
    liquidity: z.enum(['maker', 'taker']),
    ts: z.number().int().nonnegative(),
  })
  .strict();
export type Fill = z.infer<typeof Fill>;

/** The venue's view of an order, normalized. */
export const Order = z
  .object({
    clientOrderId: ClientOrderId,
    venueOrderId: z.string().optional(),
    ...ORDER_TERMS,
    status: OrderStatus,
    filledQuantity: NonNegativeAmount,
    /** Volume-weighted fill price, when anything filled. */
    averagePrice: PositiveAmount.optional(),
    fee: NonNegativeAmount,
    fills: z.array(Fill),
    createdAt: z.number().int().nonnegative(),
    updatedAt: z.number().int().nonnegative(),
    rejectReason: z.string().optional(),
  })
  .strict();
export type Order = z.infer<typeof Order>;

export function remainingQuantity(order: Pick<Order, 'quantity' | 'filledQuantity'>): string {
  return add(order.quantity, `-${order.filledQuantity}`);
}

/** Sanity of a venue report: fills add up to the filled quantity, never above the order quantity. */
export function checkOrderConsistency(order: Order): string | undefined {
  const sum = add(...order.fills.map((f) => f.quantity), '0');
  if (cmp(sum, order.filledQuantity) !== 0) return `fills sum to ${sum} but filledQuantity is ${order.filledQuantity}`;
  if (cmp(order.filledQuantity, order.quantity) > 0)
    return `filled ${order.filledQuantity} exceeds quantity ${order.quantity}`;
  if (order.status === 'FILLED' && cmp(order.filledQuantity, order.quantity) !== 0)
    return `FILLED but filled ${order.filledQuantity} of ${order.quantity}`;
  return undefined;
}
