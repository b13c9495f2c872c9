/**
 * Binance's error answers of the local exchange, seen through the real ccxt client: each answer's
 * code and text make ccxt raise the class a trading program handles (auth, funds, filters, unknown
 * orders, rate limits, outages). Raw endpoints (ccxt's implicit API methods, still signed and
 * error-mapped by ccxt) send what the unified methods would refuse to send.
 */
import * as ccxt from 'ccxt';
import { Dec } from '../../domain/money';
import { KEY, failure, startLocalExchange } from '../helpers/local-exchange';
import type { LocalExchange } from '../helpers/local-exchange';

const SYMBOL = 'ETH/BTC';
let lx: LocalExchange;
let ex: ccxt.binance;
let bid: number;
let ask: number;

beforeAll(async () => {
  lx = await startLocalExchange({ balances: { BTC: '1', ETH: '1' } });
  ex = lx.client();
  await ex.loadMarkets();
  const book = await ex.fetchOrderBook(SYMBOL);
  bid = book.bids[0][0]!;
  ask = book.asks[0][0]!;
});
afterAll(() => lx.close());

/** ccxt quotes the whole body when it maps by code, and only the text when it maps by message. */
function expectBinance(e: Error, cls: new (...a: never[]) => Error, code: number, msg: string): void {
  expect(e).toBeInstanceOf(cls);
  expect(e.message).toContain(msg);
  if (e.message.includes('"code"')) expect(e.message).toContain(`"code":${code}`);
}

/** A header of ccxt's last answer (ccxt capitalizes the names). */
function header(c: ccxt.Exchange, name: string): string | undefined {
  const h = (c.last_response_headers ?? {}) as Record<string, string>;
  return Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
}

describe('GIVEN the local exchange and the real ccxt binance client', () => {
  it.each([
    [
      'the secret is wrong',
      '-1022 "Signature for this request is not valid."',
      { secret: 'not-the-secret' },
      -1022,
      'Signature for this request is not valid.',
    ],
    [
      'the API key is unknown',
      '-2015',
      { apiKey: 'unknownKey' },
      -2015,
      'Invalid API-key, IP, or permissions for action.',
    ],
    [
      'the API key is malformed',
      '-2014 "API-key format invalid."',
      { apiKey: 'not a key!' },
      -2014,
      'API-key format invalid.',
    ],
  ])('WHEN %s THEN %s is an AuthenticationError', async (_when, _then, credentials, code, msg) => {
    const bad = lx.client(credentials);
    expectBinance(await failure(bad.fetchBalance()), ccxt.AuthenticationError, code, msg);
  });

  it('WHEN the client clock is 70 s behind THEN -1021 (outside the recvWindow) is an InvalidNonce', async () => {
    const skewed = lx.client();
    await skewed.loadMarkets();
    const balanceFails = async (cls: new (...a: never[]) => Error, code: number, msg: string) =>
      expectBinance(await failure(skewed.fetchBalance()), cls, code, msg);
    skewed.options.timeDifference = 70_000;
    await balanceFails(ccxt.InvalidNonce, -1021, 'Timestamp for this request is outside of the recvWindow.');
    skewed.options.timeDifference = 0;
    skewed.options.recvWindow = 60_001;
    await balanceFails(ccxt.ExchangeError, -1131, 'recvWindow must be less than 60000');
  });

  it('WHEN an order breaks LOT_SIZE, PRICE_FILTER or NOTIONAL THEN -1013 "Filter failure: …" (InvalidOrder for LOT_SIZE and PRICE_FILTER; ccxt maps NOTIONAL to BadRequest)', async () => {
    // The raw endpoint: the unified createOrder would not send these off-filter values as they are.
    const rawBuy = (quantity: string, price: string) =>
      ex.privatePostOrder({ symbol: 'ETHBTC', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity, price });
    const lot = await failure(rawBuy('0.00015', String(bid)));
    expectBinance(lot, ccxt.InvalidOrder, -1013, 'Filter failure: LOT_SIZE');
    const price = await failure(rawBuy('0.1', new Dec(bid).plus('0.0000005').toFixed()));
    expectBinance(price, ccxt.InvalidOrder, -1013, 'Filter failure: PRICE_FILTER');
    const notional = await failure(ex.createOrder(SYMBOL, 'limit', 'buy', 0.0001, bid));
    expectBinance(notional, ccxt.BadRequest, -1013, 'Filter failure: NOTIONAL');
    expect(notional).not.toBeInstanceOf(ccxt.InvalidOrder);
  });

  // -2010 is Binance's "new order rejected": ccxt picks the class from the text.
  it.each([
    [
      'the account cannot pay',
      'Account has insufficient balance for requested action.',
      'InsufficientFunds',
      () => ex.createOrder(SYMBOL, 'limit', 'buy', 100, bid),
      ccxt.InsufficientFunds,
    ],
    [
      'a post-only buy would cross',
      'Order would immediately match and take.',
      'OrderImmediatelyFillable',
      () => ex.createOrder(SYMBOL, 'limit', 'buy', 0.1, ask, { postOnly: true }),
      ccxt.OrderImmediatelyFillable,
    ],
    [
      'a stop would trigger immediately',
      'Stop price would trigger immediately.',
      'an InvalidOrder',
      () => ex.createOrder(SYMBOL, 'market', 'sell', 0.1, undefined, { triggerPrice: ask }),
      ccxt.InvalidOrder,
    ],
  ])('WHEN %s THEN -2010 "%s" is %s', async (_when, msg, _cls, place, cls) => {
    expectBinance(await failure(place()), cls, -2010, msg);
  });

  it('WHEN a clientOrderId is reused THEN -2010 "Duplicate order sent." is an InvalidOrder and is counted', async () => {
    const price = new Dec(bid).times('0.9').toDecimalPlaces(6, Dec.ROUND_DOWN).toNumber();
    await ex.createOrder(SYMBOL, 'limit', 'buy', 0.1, price, { clientOrderId: 'dup-1' });
    expectBinance(
      await failure(ex.createOrder(SYMBOL, 'limit', 'buy', 0.1, price, { clientOrderId: 'dup-1' })),
      ccxt.InvalidOrder,
      -2010,
      'Duplicate order sent.',
    );
    expect(lx.server.exchange.stats().duplicatesRejected).toBe(1);
  });

  it('WHEN an order is unknown THEN GET answers -2013 "Order does not exist." and DELETE -2011 "Unknown order sent.", both OrderNotFound', async () => {
    expectBinance(await failure(ex.fetchOrder('999999', SYMBOL)), ccxt.OrderNotFound, -2013, 'Order does not exist.');
    expectBinance(await failure(ex.cancelOrder('999999', SYMBOL)), ccxt.OrderNotFound, -2011, 'Unknown order sent.');
  });

  it('WHEN the symbol is unknown THEN -1121 "Invalid symbol." is BadSymbol; WHEN klines are asked at another interval THEN -1120 "Invalid interval."', async () => {
    expectBinance(await failure(ex.publicGetDepth({ symbol: 'FOOBAR' })), ccxt.BadSymbol, -1121, 'Invalid symbol.');
    expectBinance(await failure(ex.fetchOHLCV(SYMBOL, '1m')), ccxt.BadRequest, -1120, 'Invalid interval.');
  });

  it('WHEN a mandatory parameter is missing THEN -1102 names it', async () => {
    expectBinance(
      await failure(
        ex.privatePostOrder({ symbol: 'ETHBTC', side: 'BUY', type: 'LIMIT', quantity: '0.1', price: String(bid) }),
      ),
      ccxt.BadRequest,
      -1102,
      "Mandatory parameter 'timeInForce'",
    );
  });

  it('WHEN a client uses more request weight than the limit THEN 429 -1003 with Retry-After is DDoSProtection, counted as weight-limit 429s (none injected)', async () => {
    const small = await startLocalExchange({ exchange: { weightLimit: 60 } });
    try {
      const c = small.client();
      await c.loadMarkets(); // exchangeInfo 20 + capital/config/getall 10
      await c.fetchOrderBook(SYMBOL); // 5
      expect(Number(header(c, 'x-mbx-used-weight-1m'))).toBe(35);
      let e: Error | undefined;
      for (let i = 0; i < 10 && !e; i++)
        e = await c.fetchOrderBook(SYMBOL).then(
          () => undefined,
          (x: Error) => x,
        );
      expect(e).toBeInstanceOf(ccxt.DDoSProtection);
      expect(e!.message).toContain('-1003');
      expect(Number(header(c, 'retry-after'))).toBeGreaterThanOrEqual(1);
      expect(small.server.exchange.stats().rateLimited).toEqual({ injected: 0, weightLimit: 1 });
    } finally {
      await small.close();
    }
  });

  it('WHEN the venue answers 503 or 504 THEN ccxt raises ExchangeNotAvailable and RequestTimeout', async () => {
    const flaky = await startLocalExchange({ exchange: { faults: 'depth:error=503,ticker/bookTicker:error=504' } });
    try {
      const c = flaky.client();
      await c.loadMarkets();
      expect(await failure(c.fetchOrderBook(SYMBOL))).toBeInstanceOf(ccxt.ExchangeNotAvailable);
      expect(await failure(c.publicGetTickerBookTicker({ symbol: 'ETHBTC' }))).toBeInstanceOf(ccxt.RequestTimeout);
      expect(flaky.server.exchange.stats().faults.byKind.error).toBe(2);
    } finally {
      await flaky.close();
    }
  });

  it('THEN every answer carries X-MBX-USED-WEIGHT-1M and requests are counted per API key', async () => {
    await ex.fetchTime();
    expect(header(ex, 'x-mbx-used-weight-1m')).toMatch(/^\d+$/);
    expect(lx.server.exchange.stats().requestsByApiKey[KEY]).toBeGreaterThan(5);
  });
});
