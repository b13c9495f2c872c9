/** Pure mappings from ccxt's unified structures to the domain's. */
import type * as ccxt from 'ccxt';
import { Dec, str, cmp } from '../../domain/money';
import type { Candle } from '../../domain/market/candles';
import type { Instrument } from '../../domain/market/instrument';
import type { VenueCapabilities } from '../../domain/market/venue';
import type { Fill, Order, OrderStatus, OrderType, TimeInForce } from '../../domain/orders/order';
import { Order as OrderSchema } from '../../domain/orders/order';
import { TempotradeError } from '../../domain/errors';

/** A ccxt OHLCV row → a bar (ccxt types every column as possibly missing). */
export function candleFromOhlcv([ts, open, high, low, close, volume]: ccxt.OHLCV): Candle {
  return { ts: ts ?? 0, open: open ?? 0, high: high ?? 0, low: low ?? 0, close: close ?? 0, volume: volume ?? 0 };
}

/** ccxt precision → a tick size, whatever the exchange's precisionMode. */
export function tickFrom(precision: number | undefined, precisionMode: number, what: string, symbol: string): string {
  if (precision === undefined || precision === null)
    throw new TempotradeError('VENUE_STATE', `${symbol}: the venue reports no ${what} precision`);
  const DECIMAL_PLACES = 2;
  const SIGNIFICANT_DIGITS = 3;
  if (precisionMode === DECIMAL_PLACES || precisionMode === SIGNIFICANT_DIGITS) return str(new Dec(10).pow(-precision));
  return str(precision);
}

export function instrumentFromMarket(market: ccxt.Market, precisionMode: number): Instrument {
  const m = market as NonNullable<ccxt.Market>;
  const amountTick = tickFrom(m.precision.amount, precisionMode, 'amount', m.symbol);
  return {
    symbol: m.symbol,
    base: m.base,
    quote: m.quote,
    precision: { amount: amountTick, price: tickFrom(m.precision.price, precisionMode, 'price', m.symbol) },
    limits: {
      amount: {
        min: str(m.limits.amount?.min ?? amountTick),
        ...(m.limits.amount?.max ? { max: str(m.limits.amount.max) } : {}),
      },
      cost: { min: str(m.limits.cost?.min ?? 0) },
    },
    fees: { maker: str(m.maker ?? 0.001), taker: str(m.taker ?? 0.001) },
  };
}

/** Read TIF, post-only and stop support from ccxt's `features` (spot.createOrder), falling back to `has`. */
export function capabilitiesFrom(exchange: Pick<ccxt.Exchange, 'features' | 'has'>): VenueCapabilities {
  const co = (exchange.features as Record<string, Record<string, Record<string, unknown>>> | undefined)?.spot
    ?.createOrder as
    { timeInForce?: Record<string, boolean>; triggerPrice?: boolean; stopLossPrice?: boolean } | undefined;
  const tif: TimeInForce[] = ['GTC'];
  if (co?.timeInForce?.IOC) tif.push('IOC');
  if (co?.timeInForce?.FOK) tif.push('FOK');
  if (co?.timeInForce?.GTD) tif.push('GTD');
  return {
    timeInForce: tif,
    postOnly: Boolean(co?.timeInForce?.PO),
    stopMarket: Boolean(co?.triggerPrice || co?.stopLossPrice),
    stopLimit: Boolean(co?.triggerPrice),
    preview: false,
    feeCurrency: 'received',
  };
}

const STATUS: Record<string, OrderStatus> = {
  open: 'NEW',
  closed: 'FILLED',
  canceled: 'CANCELED',
  cancelled: 'CANCELED',
  expired: 'EXPIRED',
  rejected: 'REJECTED',
};

/** ccxt folds Binance's stop and take-profit types into market/limit + triggerPrice; the venue's own type tells them apart. */
function orderTypeOf(o: ccxt.Order): OrderType {
  const venueType = String((o.info as Record<string, unknown> | undefined)?.type ?? '').toUpperCase();
  if (!o.triggerPrice) return o.type === 'market' ? 'market' : 'limit';
  if (venueType.startsWith('TAKE_PROFIT') && o.type !== 'market') return 'take_profit_limit';
  return o.type === 'market' ? 'stop_market' : 'stop_limit';
}

function timeOrZero(t: number | undefined): number {
  return t !== undefined && Number.isInteger(t) && t > 0 ? t : 0;
}

export function orderFromCcxt(o: ccxt.Order, clientOrderId: string, trades: ccxt.Trade[]): Order {
  const filled = str(o.filled ?? 0);
  let status = STATUS[o.status ?? 'open'] ?? 'NEW';
  if (status === 'NEW' && cmp(filled, 0) > 0) status = 'PARTIALLY_FILLED';
  const fills: Fill[] = trades.map((t) => ({
    fillId: String(t.id),
    clientOrderId: clientOrderId as Fill['clientOrderId'],
    symbol: t.symbol ?? o.symbol ?? '',
    side: (t.side ?? o.side) as Fill['side'],
    quantity: str(t.amount ?? 0),
    price: str(t.price ?? 0),
    fee: str(t.fee?.cost ?? 0),
    feeCurrency: t.fee?.currency ?? (o.symbol ?? '/').split('/')[1],
    liquidity: t.takerOrMaker === 'maker' ? 'maker' : 'taker',
    ts: timeOrZero(t.timestamp ?? o.timestamp),
  }));
  const r = OrderSchema.safeParse({
    clientOrderId,
    venueOrderId: String(o.id),
    symbol: o.symbol,
    side: o.side,
    type: orderTypeOf(o),
    quantity: str(o.amount ?? 0),
    ...(o.price ? { price: str(o.price) } : {}),
    ...(o.triggerPrice ? { stopPrice: str(o.triggerPrice) } : {}),
    tif: (['GTC', 'IOC', 'FOK', 'GTD', 'PO'].includes(String(o.timeInForce)) ? o.timeInForce : 'GTC') as TimeInForce,
    postOnly: Boolean(o.postOnly),
    reduceOnly: Boolean(o.reduceOnly),
    status,
    filledQuantity: filled,
    ...(o.average ? { averagePrice: str(o.average) } : {}),
    fee: str(fills.reduce((acc, f) => acc.plus(f.fee), new Dec(0))),
    fills,
    // Binance answers workingTime -1 for a stop that has not triggered yet: not a time.
    createdAt: timeOrZero(o.timestamp),
    updatedAt: timeOrZero(o.lastUpdateTimestamp ?? o.lastTradeTimestamp ?? o.timestamp),
  });
  if (!r.success)
    throw new TempotradeError(
      'VENUE_STATE',
      `venue order ${o.id} does not parse: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}
