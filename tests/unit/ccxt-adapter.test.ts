/**
 * The ccxt adapter with the real ccxt library (no network here): construction, sandbox, capabilities read
 * from ccxt's `features`, the error table, and the mapping of ccxt's unified structures.
 */
import * as ccxt from 'ccxt';
import { CcxtBrokerage } from '../../brokers/ccxt/adapter';
import { envCredentialProvider } from '../../brokers/credentials';
import { CCXT_ERROR_TABLE, mapCcxtError } from '../../brokers/ccxt/errors';
import { capabilitiesFrom, instrumentFromMarket, orderFromCcxt } from '../../brokers/ccxt/mapping';
import { RETRYABLE, TempotradeError } from '../../domain/errors';
import { toApplicationFailure } from '../../activities/failures';

describe('GIVEN the ccxt adapter', () => {
  it('WHEN built for binance with the sandbox flag THEN ccxt points at the testnet, with keys from the environment', async () => {
    const creds = await envCredentialProvider({ TEMPOTRADE_BINANCE_API_KEY: 'k', TEMPOTRADE_BINANCE_SECRET: 's' }).get(
      'binance',
      'acct-1',
    );
    expect(creds).toEqual({ apiKey: 'k', secret: 's' });
    const live = new CcxtBrokerage({ exchangeId: 'binance', ...creds });
    const sandbox = new CcxtBrokerage({ exchangeId: 'binance', sandbox: true, ...creds });
    expect((live.exchange.urls.api as Record<string, string>).public).toContain('api.binance.com');
    expect((sandbox.exchange.urls.api as Record<string, string>).public).toContain('testnet');
    expect(sandbox.exchange.apiKey).toBe('k');
    expect(sandbox.venue).toBe('binance-sandbox');
  });

  it('WHEN one worker trades several accounts of one exchange THEN each account finds its own keys first, and a half-set pair is a CONFIG error', async () => {
    const env = {
      TEMPOTRADE_BINANCE_API_KEY: 'shared',
      TEMPOTRADE_BINANCE_SECRET: 's0',
      TEMPOTRADE_BINANCE_DESK_A_API_KEY: 'ka',
      TEMPOTRADE_BINANCE_DESK_A_SECRET: 'sa',
      TEMPOTRADE_KRAKEN_API_KEY: 'only-key',
    };
    const provider = envCredentialProvider(env);
    expect(await provider.get('binance', 'desk-a')).toEqual({ apiKey: 'ka', secret: 'sa' });
    expect(await provider.get('binance', 'desk-b')).toEqual({ apiKey: 'shared', secret: 's0' });
    expect(await provider.get('okx', 'desk-a')).toBeUndefined();
    await expect(provider.get('kraken', 'x')).rejects.toThrow(/TEMPOTRADE_KRAKEN_\*: secret: /);
  });

  it('WHEN the exchange id is unknown THEN a CONFIG error names venue.exchangeId', () => {
    expect(() => new CcxtBrokerage({ exchangeId: 'nosuchexchange' })).toThrow(
      /venue\.exchangeId: "nosuchexchange" is not a ccxt exchange/,
    );
  });

  it('WHEN capabilities are read from binance features THEN GTC/IOC/FOK, post-only and stops are there, GTD is not', () => {
    const caps = capabilitiesFrom(new ccxt.binance({}));
    expect(caps.timeInForce).toEqual(['GTC', 'IOC', 'FOK']);
    expect(caps).toMatchObject({ postOnly: true, stopMarket: true, stopLimit: true });
  });
});

describe('GIVEN the one ccxt error table', () => {
  it.each([
    [ccxt.InsufficientFunds, 'INSUFFICIENT_FUNDS', false],
    [ccxt.InvalidOrder, 'INVALID_ORDER', false],
    [ccxt.OrderNotFound, 'ORDER_NOT_FOUND', false],
    [ccxt.DuplicateOrderId, 'DUPLICATE_ORDER', false],
    [ccxt.AuthenticationError, 'AUTHENTICATION', false],
    [ccxt.PermissionDenied, 'PERMISSION_DENIED', false],
    [ccxt.AccountSuspended, 'PERMISSION_DENIED', false],
    [ccxt.RateLimitExceeded, 'RATE_LIMITED', true],
    [ccxt.DDoSProtection, 'RATE_LIMITED', true],
    [ccxt.RequestTimeout, 'REQUEST_TIMEOUT', true],
    [ccxt.OnMaintenance, 'EXCHANGE_UNAVAILABLE', true],
    [ccxt.ExchangeNotAvailable, 'EXCHANGE_UNAVAILABLE', true],
    [ccxt.NetworkError, 'NETWORK', true],
    [ccxt.BadSymbol, 'BAD_SYMBOL', false],
    [ccxt.ExchangeError, 'VENUE_REJECTED', false],
  ] as const)(
    'WHEN ccxt throws %p THEN code %s, retryable=%s, as an ApplicationFailure of that type',
    (Cls, code, retryable) => {
      const err = new (Cls as unknown as new (m: string) => Error)(
        'binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}',
      );
      const mapped = mapCcxtError(err, 'binance createOrder');
      expect(mapped).toBeInstanceOf(TempotradeError);
      expect(mapped.code).toBe(code);
      expect(RETRYABLE[mapped.code]).toBe(retryable);
      const failure = toApplicationFailure(err, 'ctx');
      expect([failure.type, failure.nonRetryable]).toEqual([code, !retryable]);
    },
  );

  it('WHEN a subclass would match a broader entry THEN the most specific one wins (table order)', () => {
    const idx = (cls: unknown) => CCXT_ERROR_TABLE.findIndex(([c]) => c === cls);
    expect(idx(ccxt.OrderNotFound)).toBeLessThan(idx(ccxt.InvalidOrder));
    expect(idx(ccxt.PermissionDenied)).toBeLessThan(idx(ccxt.AuthenticationError));
    expect(idx(ccxt.RateLimitExceeded)).toBeLessThan(idx(ccxt.NetworkError));
    expect(idx(ccxt.BaseError)).toBe(CCXT_ERROR_TABLE.length - 1);
  });

  it('WHEN credentials are rejected THEN the message tells the user what to check', () => {
    expect(
      mapCcxtError(
        new ccxt.AuthenticationError('binance {"code":-2015,"msg":"Invalid API-key"}'),
        'binance fetchBalance',
      ).message,
    ).toMatch(/rejected the API credentials: check the key, secret/);
  });
});

describe('GIVEN ccxt unified structures', () => {
  /** An ETH/BTC buy as ccxt reports it; each case adds the fields it is about. */
  const ccxtOrder = (fields: Record<string, unknown>) =>
    ({ symbol: 'ETH/BTC', side: 'buy', ...fields }) as unknown as ccxt.Order;
  it('WHEN a market uses TICK_SIZE precision THEN the instrument keeps the ticks, limits and fees', () => {
    const m = {
      symbol: 'ETH/BTC',
      base: 'ETH',
      quote: 'BTC',
      precision: { amount: 0.0001, price: 0.000001 },
      limits: { amount: { min: 0.0001, max: 100000 }, cost: { min: 0.0001 } },
      maker: 0.001,
      taker: 0.001,
    } as unknown as ccxt.Market;
    expect(instrumentFromMarket(m, 4)).toEqual({
      symbol: 'ETH/BTC',
      base: 'ETH',
      quote: 'BTC',
      precision: { amount: '0.0001', price: '0.000001' },
      limits: { amount: { min: '0.0001', max: '100000' }, cost: { min: '0.0001' } },
      fees: { maker: '0.001', taker: '0.001' },
    });
    const dp = { ...m, precision: { amount: 3, price: 6 } } as unknown as ccxt.Market;
    expect(instrumentFromMarket(dp, 2).precision).toEqual({ amount: '0.001', price: '0.000001' });
  });

  it('WHEN an open order has filled partly THEN it is PARTIALLY_FILLED with its trades as fills', () => {
    const o = ccxtOrder({
      id: '42',
      clientOrderId: 'tt1-1',
      type: 'limit',
      amount: 2,
      price: 0.095,
      filled: 0.5,
      average: 0.095,
      status: 'open',
      timeInForce: 'GTC',
      timestamp: 1000,
      lastTradeTimestamp: 2000,
    });
    const trades = [
      {
        id: 't1',
        symbol: 'ETH/BTC',
        side: 'buy',
        amount: 0.5,
        price: 0.095,
        fee: { cost: 0.0005, currency: 'ETH' },
        takerOrMaker: 'maker',
        timestamp: 2000,
      },
    ] as unknown as ccxt.Trade[];
    const order = orderFromCcxt(o, 'tt1-1', trades);
    expect(order).toMatchObject({
      status: 'PARTIALLY_FILLED',
      filledQuantity: '0.5',
      venueOrderId: '42',
      fee: '0.0005',
    });
    expect(order.fills[0]).toMatchObject({ fillId: 't1', feeCurrency: 'ETH', liquidity: 'maker' });
  });

  it('WHEN the venue reports fills that do not parse THEN a VENUE_STATE error, never a silent NaN', () => {
    const o = ccxtOrder({ id: '1', type: 'market', amount: -1, filled: 0, status: 'closed' });
    expect(() => orderFromCcxt(o, 'tt1-2', [])).toThrow(/does not parse: quantity/);
  });
});
