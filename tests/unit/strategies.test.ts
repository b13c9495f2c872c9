import { smaCrossover, rsiMeanReversion, rsi, sma, parseStrategyParams } from '../../domain/strategies';
import type { Candle } from '../../domain/market/candles';

const bars = (closes: number[]): Candle[] =>
  closes.map((c, i) => ({ ts: i * 300_000, open: c, high: c, low: c, close: c, volume: 100 }));
const input = <P>(closes: number[], params: P, position = '0') => ({
  symbol: 'ETH/BTC',
  bars: bars(closes),
  params,
  position,
  equity: '1',
  mark: String(closes[closes.length - 1]),
});

describe('GIVEN the SMA crossover strategy (fast 2, slow 4)', () => {
  const p = smaCrossover.params.parse({ fast: 2, slow: 4, orderPct: 10 });
  it('WHEN the fast SMA crosses above the slow one while flat THEN one buy of 10% of equity at the mark', () => {
    const s = smaCrossover.signals(input([10, 10, 10, 10, 9, 12], p));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ side: 'buy', type: 'market' });
    expect(Number(s[0].quantity)).toBeCloseTo(0.1 / 12, 15);
    expect(s[0].reason).toMatch(/crossed above/);
  });
  it('WHEN it crosses below while long THEN sell the whole position, reduce-only', () => {
    const s = smaCrossover.signals(input([10, 10, 10, 10, 11, 8], p, '3.5'));
    expect(s).toEqual([expect.objectContaining({ side: 'sell', quantity: '3.5', reduceOnly: true })]);
  });
  it('WHEN there are fewer bars than slow + 1 THEN nothing', () => {
    expect(smaCrossover.signals(input([10, 9, 12], p))).toEqual([]);
  });
  it('WHEN fast ≥ slow THEN the params are rejected naming fast', () => {
    expect(parseStrategyParams('sma-crossover', { fast: 5, slow: 5 })).toEqual({
      ok: false,
      error: expect.stringContaining('strategy.params.fast'),
    });
  });
});

describe('GIVEN the RSI mean-reversion strategy', () => {
  const p = rsiMeanReversion.params.parse({
    period: 3,
    oversold: 30,
    overbought: 70,
    orderType: 'limit',
    limitOffsetBps: 10,
  });
  it('WHEN RSI is below oversold while flat THEN a limit buy 10 bps under the mark', () => {
    const s = rsiMeanReversion.signals(input([10, 9, 8, 7], p));
    expect(s).toEqual([expect.objectContaining({ side: 'buy', type: 'limit', limitPrice: '6.993' })]);
  });
  it('WHEN RSI is above overbought while long THEN a limit sell above the mark', () => {
    expect(rsiMeanReversion.signals(input([7, 8, 9, 10], p, '2'))).toEqual([
      expect.objectContaining({ side: 'sell', quantity: '2', limitPrice: '10.01' }),
    ]);
  });
  it('THEN the indicators compute the textbook values', () => {
    expect(sma([1, 2, 3, 4], 2)).toBe(3.5);
    expect(rsi([10, 11, 10, 11, 12], 4)).toBeCloseTo(75, 10);
    expect(rsi([5, 5, 5], 2)).toBe(50);
  });
});
