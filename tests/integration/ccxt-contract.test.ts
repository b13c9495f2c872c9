/**
 * The ccxt contract of the local exchange: the real, unchanged ccxt binance client over real HTTP
 * against the Binance-protocol front of the paper venue, replaying real ETH/BTC 5-minute candles
 * (each served as one 1 s bar). The replay clock is driven by hand, so which orders fill is decided by
 * the recorded data; the expected numbers are computed from the same candles with decimal math.
 */
import * as ccxt from 'ccxt';
import { Dec } from '../../domain/money';
import { ORDER_TYPES } from '../../simulators/binance-exchange/protocol';
import { bookFromCandle } from '../../simulators/paper-venue/book';
import type { SyntheticBook } from '../../simulators/paper-venue/book';
import type { Market } from '../../simulators/paper-venue/market-data';
import { startLocalExchange, totals } from '../helpers/local-exchange';
import type { LocalExchange } from '../helpers/local-exchange';

const SYMBOL = 'ETH/BTC';
const TICK = '0.000001';
let lx: LocalExchange;
let ex: ccxt.binance;
let market: Readonly<Market>;

/** Index of the last closed recorded bar right now. */
function current(): number {
  return lx.server.exchange.clock.closedCount(SYMBOL) - 1;
}
function bookNow(): SyntheticBook {
  return bookFromCandle(market.candles[current()], market.instrument);
}
/** Lowest low / highest high of the next n bars (the ones that will close as the clock moves). */
function nextLow(n: number): Dec {
  return Dec.min(...market.candles.slice(current() + 1, current() + 1 + n).map((c) => new Dec(String(c.low))));
}
function nextHigh(n: number): Dec {
  return Dec.max(...market.candles.slice(current() + 1, current() + 1 + n).map((c) => new Dec(String(c.high))));
}
const ceilTick = (d: Dec) => d.div(TICK).ceil().times(TICK);
const floorTick = (d: Dec) => d.div(TICK).floor().times(TICK);

beforeAll(async () => {
  lx = await startLocalExchange({ balances: { BTC: '10', ETH: '20' } });
  ex = lx.client();
  market = lx.server.venue.marketData(SYMBOL);
  await ex.loadMarkets();
});
afterAll(async () => {
  await lx.close();
});

describe('GIVEN the local exchange replaying ETH/BTC and the real ccxt binance client', () => {
  it("WHEN ccxt loads the markets THEN ETH/BTC is an active spot market with the venue's tick, step, minimums, fees and order types", () => {
    const m = ex.market(SYMBOL);
    expect(m).toMatchObject({
      id: 'ETHBTC',
      spot: true,
      active: true,
      base: 'ETH',
      quote: 'BTC',
      maker: 0.001,
      taker: 0.001,
    });
    expect(m.precision).toMatchObject({ amount: 0.0001, price: 0.000001 });
    expect(m.limits.amount?.min).toBe(0.0001);
    expect(m.limits.cost?.min).toBe(0.0001);
    expect((m.info as { orderTypes: string[] }).orderTypes).toEqual(ORDER_TYPES);
    expect(Object.keys(ex.currencies)).toEqual(expect.arrayContaining(['BTC', 'ETH']));
  });

  it('WHEN ccxt fetches candles, ticker and book THEN they are the recorded bars served at 1 s, and three more close after three seconds', async () => {
    const bars = await ex.fetchOHLCV(SYMBOL, '1s');
    expect(bars).toHaveLength(500);
    for (let i = 1; i < bars.length; i++) expect(bars[i][0]! - bars[i - 1][0]!).toBe(1000);
    const last = market.candles[current()];
    expect(bars[499].slice(1)).toEqual([last.open, last.high, last.low, last.close, last.volume]);
    expect(bars[499][0]! + 1000).toBeLessThanOrEqual(lx.clock.now());

    const ticker = await ex.fetchTicker(SYMBOL);
    expect(ticker.last).toBe(last.close);
    const book = await ex.fetchOrderBook(SYMBOL);
    const expected = bookNow();
    expect(book.bids[0]).toEqual([Number(expected.bid), Number(expected.bids[0][1])]);
    expect(book.asks[0]).toEqual([Number(expected.ask), Number(expected.asks[0][1])]);
    expect(book.asks).toHaveLength(10);

    lx.clock.bars(3);
    const later = await ex.fetchOHLCV(SYMBOL, '1s', undefined, 5);
    expect(later).toHaveLength(5);
    expect(later[4][0]).toBe(bars[499][0]! + 3000);
    expect(later[4][4]).toBe(market.candles[current()].close);
  });

  it("WHEN ccxt fetches the balance THEN it is the account's opening balance", async () => {
    const b = await ex.fetchBalance();
    expect(b.BTC).toMatchObject({ free: 10, used: 0, total: 10 });
    expect(b.ETH).toMatchObject({ free: 20, used: 0, total: 20 });
  });

  it('WHEN ccxt buys at market THEN it walks the book as taker, pays 0.1 % of the cost in BTC, and the balance moves by exactly that', async () => {
    const before = totals(await ex.fetchBalance());
    const book = bookNow();
    const o = await ex.createOrder(SYMBOL, 'market', 'buy', 1);
    expect(o).toMatchObject({ status: 'closed', type: 'market', side: 'buy', filled: 1, remaining: 0 });
    const fills = (
      o.info as { fills: Array<{ price: string; qty: string; commission: string; commissionAsset: string }> }
    ).fills;
    expect(fills[0].price).toBe(new Dec(book.ask).toFixed(8));
    let cost = new Dec(0);
    let fee = new Dec(0);
    for (const f of fills) {
      expect(f.commissionAsset).toBe('BTC');
      expect(new Dec(f.commission).eq(new Dec(f.qty).times(f.price).times('0.001'))).toBe(true);
      cost = cost.plus(new Dec(f.qty).times(f.price));
      fee = fee.plus(f.commission);
    }
    const after = totals(await ex.fetchBalance());
    expect(after.BTC.eq(before.BTC.minus(cost).minus(fee))).toBe(true);
    expect(after.ETH.eq(before.ETH.plus(1))).toBe(true);
  });

  it('WHEN a GTC limit buy is larger than the touch THEN it fills the touch and rests the rest (partially filled, open)', async () => {
    const book = bookNow();
    const qty = new Dec(book.asks[0][1]).plus(1).toNumber();
    const o = await ex.createOrder(SYMBOL, 'limit', 'buy', qty, Number(book.ask), {
      timeInForce: 'GTC',
      clientOrderId: 'contract-gtc',
    });
    expect(o).toMatchObject({ status: 'open', timeInForce: 'GTC', filled: Number(book.asks[0][1]), remaining: 1 });
    expect(o.info).toMatchObject({ status: 'PARTIALLY_FILLED', type: 'LIMIT' });
  });

  it('WHEN limit orders are IOC and FOK for more than the price allows THEN IOC fills what it can and expires, FOK fills nothing and expires', async () => {
    const book = bookNow();
    const qty = new Dec(book.asks[0][1]).plus(1).toNumber();
    const ioc = await ex.createOrder(SYMBOL, 'limit', 'buy', qty, Number(book.ask), { timeInForce: 'IOC' });
    expect(ioc).toMatchObject({ status: 'expired', timeInForce: 'IOC', filled: Number(book.asks[0][1]) });
    const fok = await ex.createOrder(SYMBOL, 'limit', 'buy', qty, Number(book.ask), { timeInForce: 'FOK' });
    expect(fok).toMatchObject({ status: 'expired', timeInForce: 'FOK', filled: 0 });
  });

  it('WHEN ccxt places post-only, stop-loss, stop-loss-limit and take-profit-limit orders THEN they are LIMIT_MAKER, STOP_LOSS, STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT, open and (stops) not working yet', async () => {
    const book = bookNow();
    const maker = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.5, new Dec(book.bid).minus('0.0001').toNumber(), {
      postOnly: true,
      clientOrderId: 'contract-maker',
    });
    expect(maker).toMatchObject({ status: 'open', postOnly: true });
    expect(maker.info).toMatchObject({ type: 'LIMIT_MAKER' });

    const low = nextLow(20);
    const high = nextHigh(20);
    expect(low.lt(book.mid)).toBe(true);
    expect(high.gt(book.mid)).toBe(true);
    const stopLoss = ceilTick(low);
    const stop = await ex.createOrder(SYMBOL, 'market', 'sell', 1, undefined, {
      triggerPrice: stopLoss.toNumber(),
      clientOrderId: 'contract-sl',
    });
    const stopLimit = await ex.createOrder(SYMBOL, 'limit', 'sell', 1, stopLoss.minus('0.0005').toNumber(), {
      stopLossPrice: stopLoss.toNumber(),
      clientOrderId: 'contract-sll',
    });
    const takeProfit = await ex.createOrder(SYMBOL, 'limit', 'sell', 1, floorTick(high).minus('0.0005').toNumber(), {
      takeProfitPrice: floorTick(high).toNumber(),
      clientOrderId: 'contract-tpl',
    });
    expect(stop.info).toMatchObject({ type: 'STOP_LOSS', status: 'NEW' });
    expect(stopLimit.info).toMatchObject({ type: 'STOP_LOSS_LIMIT', status: 'NEW' });
    expect(takeProfit.info).toMatchObject({ type: 'TAKE_PROFIT_LIMIT', status: 'NEW' });
    for (const o of [stop, stopLimit, takeProfit]) {
      const seen = await ex.fetchOrder(o.id!, SYMBOL);
      expect(seen.status).toBe('open');
      expect(seen.info).toMatchObject({ isWorking: false });
    }
    expect((await ex.fetchOrder(stop.id!, SYMBOL)).triggerPrice).toBe(stopLoss.toNumber());
  });

  it('WHEN a limit buy rests below the market and the clock moves THEN it fills at its price as maker once a bar trades through it', async () => {
    const book = bookNow();
    const low = nextLow(10);
    expect(low.lt(book.bid)).toBe(true);
    const price = ceilTick(low.plus(book.bid).div(2));
    const o = await ex.createOrder(SYMBOL, 'limit', 'buy', 1, price.toNumber(), {
      timeInForce: 'GTC',
      clientOrderId: 'contract-rest',
    });
    expect(o).toMatchObject({ status: 'open', filled: 0 });
    lx.clock.bars(10);
    const filled = await ex.fetchOrder(o.id!, SYMBOL);
    expect(filled).toMatchObject({ status: 'closed', filled: 1, average: price.toNumber() });
    const trades = await ex.fetchMyTrades(SYMBOL, undefined, undefined, { orderId: o.id! });
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) {
      expect(t.takerOrMaker).toBe('maker');
      expect(t.price).toBe(price.toNumber());
      expect(
        new Dec((t.info as { commission: string }).commission).eq(new Dec(t.amount!).times(price).times('0.001')),
      ).toBe(true);
    }
  });

  it('WHEN the market trades through the stops THEN they start working and execute', async () => {
    lx.clock.bars(20);
    const stop = await ex.fetchOrder('', SYMBOL, { clientOrderId: 'contract-sl' });
    expect(stop).toMatchObject({ status: 'closed', filled: 1 });
    const stopLimit = await ex.fetchOrder('', SYMBOL, { origClientOrderId: 'contract-sll' });
    expect(stopLimit.info).toMatchObject({ isWorking: true });
    expect(stopLimit.filled).toBeGreaterThan(0);
    const takeProfit = await ex.fetchOrder('', SYMBOL, { clientOrderId: 'contract-tpl' });
    expect(takeProfit.info).toMatchObject({ isWorking: true });
    expect(takeProfit.filled).toBeGreaterThan(0);
  });

  it('WHEN ccxt fetches an order by id and by clientOrderId THEN both give the same order', async () => {
    const byClient = await ex.fetchOrder('', SYMBOL, { origClientOrderId: 'contract-maker' });
    const byId = await ex.fetchOrder(byClient.id!, SYMBOL);
    const byParam = await ex.fetchOrder('', SYMBOL, { clientOrderId: 'contract-maker' });
    expect(byId.clientOrderId).toBe('contract-maker');
    expect(byParam.id).toBe(byId.id);
    expect(byId.id).toMatch(/^\d+$/);
  });

  it('WHEN ccxt lists open orders and cancels them THEN each cancel answers CANCELED and nothing stays locked', async () => {
    const far = floorTick(new Dec(bookNow().bid).times('0.9')).toNumber();
    await ex.createOrder(SYMBOL, 'limit', 'buy', 2, far, { timeInForce: 'GTC', clientOrderId: 'contract-far' });
    const open = await ex.fetchOpenOrders(SYMBOL);
    expect(open.find((o) => o.clientOrderId === 'contract-far')).toMatchObject({
      status: 'open',
      price: far,
      amount: 2,
    });
    expect((await ex.fetchBalance()).BTC.used).toBeGreaterThan(0);
    for (const o of open) {
      const c = await ex.cancelOrder(o.id!, SYMBOL);
      expect(c.status).toBe('canceled');
      expect((c.info as { origClientOrderId: string }).origClientOrderId).toBe(o.clientOrderId);
    }
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
    const b = await ex.fetchBalance();
    expect(b.BTC.used).toBe(0);
    expect(b.ETH.used).toBe(0);
  });

  it('WHEN ccxt fetches all trades THEN balances equal the opening balance ± every fill ± its fee, to the last unit', async () => {
    const trades = await ex.fetchMyTrades(SYMBOL);
    expect(trades.length).toBeGreaterThanOrEqual(5);
    const ids = trades.map((t) => Number(t.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    let btc = new Dec(10);
    let eth = new Dec(20);
    for (const t of trades) {
      const info = t.info as {
        price: string;
        qty: string;
        commission: string;
        commissionAsset: string;
        isBuyer: boolean;
      };
      expect(info.commissionAsset).toBe('BTC');
      const cost = new Dec(info.qty).times(info.price);
      btc = info.isBuyer ? btc.minus(cost) : btc.plus(cost);
      btc = btc.minus(info.commission);
      eth = info.isBuyer ? eth.plus(info.qty) : eth.minus(info.qty);
    }
    const held = totals(await ex.fetchBalance());
    expect(held.BTC.toFixed()).toBe(btc.toFixed());
    expect(held.ETH.toFixed()).toBe(eth.toFixed());
    const ledger = lx.server.venue.balances('testKey1');
    expect(held.BTC.eq(ledger.BTC.total)).toBe(true);
  });
});
