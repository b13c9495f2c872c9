/**
 * A Binance new-order request → the paper venue's PlaceOrder (pure), with Binance's own checks:
 *
 *   MARKET            quantity or quoteOrderQty (exactly one); no price, no timeInForce → market (GTC)
 *   LIMIT             quantity, price, timeInForce GTC | IOC | FOK                      → limit
 *   LIMIT_MAKER       quantity, price; no timeInForce                                   → limit, GTC, postOnly
 *   STOP_LOSS         quantity, stopPrice; no price                                     → stop_market
 *   STOP_LOSS_LIMIT   quantity, price, stopPrice, timeInForce                           → stop_limit
 *   TAKE_PROFIT_LIMIT quantity, price, stopPrice, timeInForce                           → take_profit_limit
 *
 * A stop whose price the market has already crossed (stop-loss buy ≤ last, sell ≥ last; take-profit
 * buy ≥ last, sell ≤ last) is refused with -2010 "Stop price would trigger immediately.", as Binance does.
 * quoteOrderQty (MARKET only) becomes the largest quantity (a multiple of the step) whose walk of the
 * current book costs (buy) or brings (sell) at most that much quote, fees excluded.
 */
import type { Instrument } from '../../domain/market/instrument';
import { Dec, cmp, str } from '../../domain/money';
import type { PlaceOrder } from '../../domain/orders/order';
import { floorTo } from '../paper-venue/book';
import type { SyntheticBook } from '../paper-venue/book';
import { MSG, ORDER_TYPES, binanceError } from './protocol';
import type { BinanceOrderType, NewOrderParams } from './protocol';

type Need = 'required' | 'forbidden' | 'optional';
const SHAPE: Record<BinanceOrderType, { price: Need; stopPrice: Need; timeInForce: Need }> = {
  MARKET: { price: 'forbidden', stopPrice: 'forbidden', timeInForce: 'forbidden' },
  LIMIT: { price: 'required', stopPrice: 'forbidden', timeInForce: 'required' },
  LIMIT_MAKER: { price: 'required', stopPrice: 'forbidden', timeInForce: 'forbidden' },
  STOP_LOSS: { price: 'forbidden', stopPrice: 'required', timeInForce: 'forbidden' },
  STOP_LOSS_LIMIT: { price: 'required', stopPrice: 'required', timeInForce: 'required' },
  TAKE_PROFIT_LIMIT: { price: 'required', stopPrice: 'required', timeInForce: 'required' },
};

const PAPER_TYPE: Record<BinanceOrderType, PlaceOrder['type']> = {
  MARKET: 'market',
  LIMIT: 'limit',
  LIMIT_MAKER: 'limit',
  STOP_LOSS: 'stop_market',
  STOP_LOSS_LIMIT: 'stop_limit',
  TAKE_PROFIT_LIMIT: 'take_profit_limit',
};

/** Largest step-multiple quantity whose book walk is worth at most `quote` (fees excluded). */
export function quantityForQuote(book: SyntheticBook, side: 'buy' | 'sell', quote: string, step: string): string {
  let left = new Dec(quote);
  let qty = new Dec(0);
  for (const [price, size] of side === 'buy' ? book.asks : book.bids) {
    if (left.lte(0)) break;
    const affordable = floorTo(left.div(price), step);
    const q = Dec.min(affordable, new Dec(size));
    if (q.lte(0)) break;
    qty = qty.plus(q);
    left = left.minus(q.times(price));
    if (q.lt(size)) break;
  }
  return str(qty);
}

export interface OrderContext {
  symbol: string;
  instrument: Instrument;
  book: SyntheticBook;
  /** Market time the order is placed at. */
  at: number;
  clientOrderId: string;
}

export function placeOrderFrom(p: NewOrderParams, ctx: OrderContext): PlaceOrder {
  if (p.side !== 'BUY' && p.side !== 'SELL') throw binanceError(400, -1117, MSG.invalidSide);
  if (!(ORDER_TYPES as readonly string[]).includes(p.type)) throw binanceError(400, -1116, MSG.invalidOrderType);
  const type = p.type as BinanceOrderType;
  const side = p.side === 'BUY' ? 'buy' : 'sell';
  const shape = SHAPE[type];
  for (const field of ['price', 'stopPrice', 'timeInForce'] as const) {
    if (shape[field] === 'required' && p[field] === undefined) throw binanceError(400, -1102, MSG.mandatory(field));
    if (shape[field] === 'forbidden' && p[field] !== undefined)
      throw binanceError(400, -1106, field === 'timeInForce' ? MSG.tifNotRequired : MSG.paramNotRequired(field));
  }
  if (p.timeInForce !== undefined && !['GTC', 'IOC', 'FOK'].includes(p.timeInForce))
    throw binanceError(400, -1115, MSG.invalidTif);
  let quantity = p.quantity;
  if (type === 'MARKET') {
    if ((quantity === undefined) === (p.quoteOrderQty === undefined))
      throw binanceError(400, -1102, MSG.quantityOrQuote);
    if (p.quoteOrderQty !== undefined) {
      quantity = quantityForQuote(ctx.book, side, p.quoteOrderQty, ctx.instrument.precision.amount);
      if (cmp(quantity, 0) <= 0) throw binanceError(400, -1013, 'Filter failure: LOT_SIZE');
    }
  } else {
    if (p.quoteOrderQty !== undefined) throw binanceError(400, -1106, MSG.paramNotRequired('quoteOrderQty'));
    if (quantity === undefined) throw binanceError(400, -1102, MSG.mandatory('quantity'));
  }
  if (cmp(quantity!, 0) <= 0) throw binanceError(400, -1013, 'Filter failure: LOT_SIZE');
  if (p.price !== undefined && cmp(p.price, 0) <= 0) throw binanceError(400, -1013, 'Filter failure: PRICE_FILTER');
  if (p.stopPrice !== undefined) {
    if (cmp(p.stopPrice, 0) <= 0) throw binanceError(400, -1013, 'Filter failure: PRICE_FILTER');
    const last = ctx.book.mid;
    const upward = type === 'TAKE_PROFIT_LIMIT' ? side === 'sell' : side === 'buy';
    if (upward ? cmp(p.stopPrice, last) <= 0 : cmp(p.stopPrice, last) >= 0)
      throw binanceError(400, -2010, MSG.stopWouldTrigger);
  }
  return {
    clientOrderId: ctx.clientOrderId as PlaceOrder['clientOrderId'],
    symbol: ctx.symbol,
    side,
    type: PAPER_TYPE[type],
    quantity: str(quantity!),
    ...(p.price !== undefined ? { price: str(p.price) } : {}),
    ...(p.stopPrice !== undefined ? { stopPrice: str(p.stopPrice) } : {}),
    tif: (p.timeInForce ?? 'GTC') as PlaceOrder['tif'],
    postOnly: type === 'LIMIT_MAKER',
    reduceOnly: false,
    at: ctx.at,
  };
}
