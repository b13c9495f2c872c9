import { applyFill, markToMarket, openPortfolio } from '../../domain/portfolio/portfolio';
import { deriveClientOrderId, ClientOrderId } from '../../domain/ids';
import type { Fill } from '../../domain/orders/order';
import { T0 } from '../helpers/fixtures';

const fill = (over: Partial<Fill>): Fill => ({
  fillId: 'f',
  clientOrderId: 'c' as Fill['clientOrderId'],
  symbol: 'ADA/BTC',
  side: 'buy',
  quantity: '1000',
  price: '0.00005329',
  fee: '0.00005329',
  feeCurrency: 'BTC',
  liquidity: 'taker',
  ts: T0,
  ...over,
});

describe('portfolio accounting is decimal-exact', () => {
  it('GIVEN 3 buys and 2 sells at tiny ADA/BTC prices THEN cash, position and realized PnL equal the exact decimal sums', () => {
    let p = openPortfolio({ quote: 'BTC', cash: '1', at: T0, symbols: [{ symbol: 'ADA/BTC', base: 'ADA' }] });
    p = applyFill(p, fill({ fillId: '1', quantity: '1000', price: '0.00005329', fee: '0.00005329' }));
    p = applyFill(p, fill({ fillId: '2', quantity: '333', price: '0.00005331', fee: '0.00001775223' }));
    p = applyFill(p, fill({ fillId: '3', quantity: '7', price: '0.00005300', fee: '0.000000371' }));
    p = applyFill(p, fill({ fillId: '4', side: 'sell', quantity: '340', price: '0.00005400', fee: '0.00001836' }));
    p = applyFill(p, fill({ fillId: '5', side: 'sell', quantity: '1000', price: '0.00005350', fee: '0.0000535' }));
    // cash = 1 − 0.07141323 (buys) − 0.00007141323 (fees) + 0.07186 (sells) − 0.00007186 (fees)
    expect(p.cash).toBe('1.00030349677');
    expect(p.positions['ADA/BTC'].quantity).toBe('0');
    expect(p.positions['ADA/BTC'].avgPrice).toBe('0');
    expect(p.feesQuote).toBe('0.00014327323');
    expect(p.fillCount).toBe(5);
    // With no position left, equity is cash and net PnL = realized − fees.
    expect(Number(p.realizedPnl) - Number(p.feesQuote)).toBeCloseTo(Number(p.cash) - 1, 15);
  });

  it('GIVEN a fee charged in the base currency THEN it reduces the position, not cash', () => {
    let p = openPortfolio({ quote: 'BTC', cash: '1', at: T0, symbols: [{ symbol: 'ADA/BTC', base: 'ADA' }] });
    p = applyFill(p, fill({ fee: '1', feeCurrency: 'ADA' }));
    expect(p.positions['ADA/BTC'].quantity).toBe('999');
    expect(p.cash).toBe('0.94671');
  });

  it('GIVEN a mark drop THEN equity, unrealized PnL, high-water mark and drawdown follow', () => {
    let p = openPortfolio({ quote: 'BTC', cash: '1', at: T0, symbols: [{ symbol: 'ADA/BTC', base: 'ADA' }] });
    p = applyFill(p, fill({ quantity: '10000', price: '0.00005', fee: '0' }));
    p = markToMarket(p, { 'ADA/BTC': '0.00006' }, T0);
    expect(p.equity).toBe('1.1');
    expect(p.highWaterMark).toBe('1.1');
    p = markToMarket(p, { 'ADA/BTC': '0.000045' }, T0 + 1);
    expect(p.equity).toBe('0.95');
    expect(p.unrealizedPnl).toBe('-0.05');
    expect(Number(p.drawdownPct)).toBeCloseTo(13.636363636, 8);
    expect(p.maxDrawdownPct).toBe(p.drawdownPct);
  });

  it('GIVEN a sell larger than the position THEN it throws instead of going short silently', () => {
    const p = openPortfolio({ quote: 'BTC', cash: '1', at: T0, symbols: [{ symbol: 'ADA/BTC', base: 'ADA' }] });
    expect(() => applyFill(p, fill({ side: 'sell' }))).toThrow(/position holds 0/);
  });
});

describe('clientOrderId derivation', () => {
  it('GIVEN the same workflow id and sequence THEN the same id; different ones THEN different ids; always venue-valid', () => {
    const a = deriveClientOrderId('demo-sma-live-abc', 1);
    expect(deriveClientOrderId('demo-sma-live-abc', 1)).toBe(a);
    expect(deriveClientOrderId('demo-sma-live-abc', 2)).not.toBe(a);
    expect(deriveClientOrderId('demo-sma-live-abd', 1)).not.toBe(a);
    const long = deriveClientOrderId('x'.repeat(200), 36 ** 8);
    expect(ClientOrderId.safeParse(long).success).toBe(true);
    expect(long.length).toBeLessThanOrEqual(36);
  });
  it('GIVEN 100k sequences of one run THEN no collisions', () => {
    const ids = new Set(Array.from({ length: 100_000 }, (_, i) => deriveClientOrderId('run-1', i + 1)));
    expect(ids.size).toBe(100_000);
  });
});
