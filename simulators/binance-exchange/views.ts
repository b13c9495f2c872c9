/**
 * Binance JSON shapes of the paper venue's objects (pure). Amounts are decimal strings with at least
 * 8 decimals, as Binance prints them, never rounded: a fee of 0.0000000944338 BTC prints in full, so
 * `account` balances are exactly the ledger's. Times are wall-clock (the replay clock maps market time
 * back: `wall(T)`); ids are numbers: orderId = the order's arrival number, trade id = the fill number.
 */
import type { Instrument } from '../../domain/market/instrument';
import { Dec, add, mul } from '../../domain/money';
import type { Fill, Order } from '../../domain/orders/order';
import type { SyntheticBook } from '../paper-venue/book';
import type { VenueOrderRecord } from '../paper-venue/venue';
import type { BinanceOrderType } from './protocol';

/** Binance number formatting: at least 8 decimals, all of the value's decimals, no exponent. */
export function bn(v: string | number | undefined): string {
  const d = new Dec(v ?? 0);
  return d.toFixed(Math.max(8, d.decimalPlaces()));
}

export function symbolId(symbol: string): string {
  return symbol.replace('/', '');
}

export function fillNumber(f: Pick<Fill, 'fillId'>): number {
  return Number(f.fillId.replace(/^\D+/, ''));
}

export function binanceType(o: Pick<Order, 'type' | 'postOnly'>): BinanceOrderType {
  switch (o.type) {
    case 'market':
      return 'MARKET';
    case 'limit':
      return o.postOnly ? 'LIMIT_MAKER' : 'LIMIT';
    case 'stop_market':
      return 'STOP_LOSS';
    case 'stop_limit':
      return 'STOP_LOSS_LIMIT';
    case 'take_profit_limit':
      return 'TAKE_PROFIT_LIMIT';
  }
}

const STOP_TYPES = new Set(['stop_market', 'stop_limit', 'take_profit_limit']);

/** Maps market time to wall time for one symbol. */
export type WallOf = (marketTime: number) => number;

function quoteQty(fills: readonly Fill[]): string {
  return add('0', ...fills.map((f) => mul(f.quantity, f.price)));
}

/** Fields every order answer shares. */
function core(rec: VenueOrderRecord) {
  const o = rec.order;
  return {
    symbol: symbolId(o.symbol),
    orderId: rec.seq,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: bn(o.price),
    origQty: bn(o.quantity),
    executedQty: bn(o.filledQuantity),
    cummulativeQuoteQty: bn(quoteQty(o.fills)),
    status: o.status,
    timeInForce: o.tif,
    type: binanceType(o),
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    ...(STOP_TYPES.has(o.type) ? { stopPrice: bn(o.stopPrice) } : {}),
  };
}

/** GET /api/v3/order, openOrders, allOrders. */
export function orderView(rec: VenueOrderRecord, wallOf: WallOf) {
  const o = rec.order;
  const time = wallOf(o.createdAt);
  return {
    ...core(rec),
    stopPrice: bn(o.stopPrice),
    icebergQty: bn(0),
    time,
    updateTime: wallOf(o.updatedAt),
    isWorking: rec.triggered,
    workingTime: rec.triggered ? time : -1,
    origQuoteOrderQty: bn(0),
    selfTradePreventionMode: 'NONE',
  };
}

/** POST /api/v3/order, by newOrderRespType (ccxt asks for FULL). */
export function newOrderView(
  rec: VenueOrderRecord,
  wallOf: WallOf,
  respType: 'ACK' | 'RESULT' | 'FULL',
  quoteAsset: string,
) {
  const o = rec.order;
  const transactTime = wallOf(o.createdAt);
  const ack = {
    symbol: symbolId(o.symbol),
    orderId: rec.seq,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime,
  };
  if (respType === 'ACK') return ack;
  const result = {
    ...core(rec),
    transactTime,
    workingTime: rec.triggered ? transactTime : -1,
    origQuoteOrderQty: bn(0),
    selfTradePreventionMode: 'NONE',
  };
  if (respType === 'RESULT') return result;
  return {
    ...result,
    fills: o.fills.map((f) => ({
      price: bn(f.price),
      qty: bn(f.quantity),
      commission: bn(f.fee),
      commissionAsset: f.feeCurrency || quoteAsset,
      tradeId: fillNumber(f),
    })),
  };
}

/** DELETE /api/v3/order: the order as canceled, with the cancel request's own clientOrderId. */
export function canceledView(rec: VenueOrderRecord, wallOf: WallOf, cancelClientOrderId: string) {
  const base = core(rec);
  return {
    ...base,
    origClientOrderId: rec.order.clientOrderId,
    clientOrderId: cancelClientOrderId,
    transactTime: wallOf(rec.order.updatedAt),
    selfTradePreventionMode: 'NONE',
  };
}

/** GET /api/v3/myTrades. */
export function tradeView(f: Fill, orderId: number, wallOf: WallOf) {
  return {
    symbol: symbolId(f.symbol),
    id: fillNumber(f),
    orderId,
    orderListId: -1,
    price: bn(f.price),
    qty: bn(f.quantity),
    quoteQty: bn(mul(f.quantity, f.price)),
    commission: bn(f.fee),
    commissionAsset: f.feeCurrency,
    time: wallOf(f.ts),
    isBuyer: f.side === 'buy',
    isMaker: f.liquidity === 'maker',
    isBestMatch: true,
  };
}

/** One symbol of GET /api/v3/exchangeInfo. */
export function symbolInfo(inst: Instrument, orderTypes: readonly string[]) {
  return {
    symbol: symbolId(inst.symbol),
    status: 'TRADING',
    baseAsset: inst.base,
    baseAssetPrecision: 8,
    quoteAsset: inst.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: [...orderTypes],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: bn(inst.precision.price),
        maxPrice: bn(0),
        tickSize: bn(inst.precision.price),
      },
      {
        filterType: 'LOT_SIZE',
        minQty: bn(inst.limits.amount.min),
        maxQty: bn(inst.limits.amount.max ?? '9000000000'),
        stepSize: bn(inst.precision.amount),
      },
      {
        filterType: 'NOTIONAL',
        minNotional: bn(inst.limits.cost.min),
        applyMinToMarket: true,
        maxNotional: bn('9000000000'),
        applyMaxToMarket: false,
        avgPriceMins: 0,
      },
    ],
    permissions: ['SPOT'],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'NONE',
    allowedSelfTradePreventionModes: ['NONE'],
  };
}

/** GET /api/v3/depth. */
export function depthView(book: SyntheticBook, limit: number, lastUpdateId: number) {
  const side = (levels: SyntheticBook['bids']) => levels.slice(0, limit).map(([p, q]) => [bn(p), bn(q)]);
  return { lastUpdateId, bids: side(book.bids), asks: side(book.asks) };
}

/** GET /sapi/v1/capital/config/getall: one entry per asset, deposits and withdrawals disabled. */
export function coinView(asset: string, free: string, locked: string) {
  return {
    coin: asset,
    depositAllEnable: false,
    withdrawAllEnable: false,
    name: asset,
    free: bn(free),
    locked: bn(locked),
    freeze: bn(0),
    withdrawing: bn(0),
    ipoing: bn(0),
    ipoable: bn(0),
    storage: bn(0),
    isLegalMoney: false,
    trading: true,
    networkList: [
      {
        network: asset,
        coin: asset,
        withdrawIntegerMultiple: bn('0.00000001'),
        isDefault: true,
        depositEnable: false,
        withdrawEnable: false,
        depositDesc: 'Deposits are not available on the local exchange',
        withdrawDesc: 'Withdrawals are not available on the local exchange',
        specialTips: '',
        name: asset,
        resetAddressStatus: false,
        addressRegex: '',
        memoRegex: '',
        withdrawFee: bn(0),
        withdrawMin: bn(0),
        withdrawMax: bn(0),
        minConfirm: 1,
        unLockConfirm: 0,
        sameAddress: false,
        estimatedArrivalTime: 0,
        busy: false,
      },
    ],
  };
}
