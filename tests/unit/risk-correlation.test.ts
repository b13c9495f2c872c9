/**
 * The correlation limit on REAL data: the 10 bundled BTC pairs, Binance 5 m bars, January 2018.
 * Correlations are measured here (Pearson of log returns), printed, and drive the decisions.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { parseOhlcvCsv, type Candle } from '../../domain/market/candles';
import { evaluateIntent } from '../../domain/risk/engine';
import type { RiskConfigInput } from '../../domain/risk/config';
import { resampleCloses, returnCorrelation } from '../../domain/risk/stats';
import { div, str } from '../../domain/money';
import { intent, portfolio, risk } from '../helpers/fixtures';

const PAIRS = ['ADA', 'DASH', 'ETC', 'ETH', 'LTC', 'NXT', 'TRX', 'XLM', 'XMR', 'ZEC'];
const candles: Record<string, Candle[]> = {};
beforeAll(() => {
  for (const p of PAIRS) {
    const file = path.join(__dirname, '..', '..', 'data', 'market', `${p}_BTC-5m.csv.gz`);
    candles[`${p}/BTC`] = parseOhlcvCsv(gunzipSync(readFileSync(file)).toString('utf8'), file);
  }
});

const HOUR = 3_600_000;
/** Hourly returns over the whole month (≈ 476 returns), |ρ| ≥ 0.5 counts, correlated exposure ≤ 30 % of equity. */
const config: RiskConfigInput = {
  maxCorrelatedExposurePct: 30,
  correlationThreshold: 0.5,
  correlationWindow: 1000,
  correlationResampleMinutes: 60,
  correlationMinObservations: 100,
  maxPositionPctPerSymbol: 100,
};
const rho = (a: string, b: string, hourly = true) => {
  const s = (x: string) => (hourly ? resampleCloses(candles[x], HOUR) : candles[x]);
  return returnCorrelation(s(a), s(b), hourly ? 1000 : 100_000);
};

function decide(symbol: string, notional: string, exposure: Record<string, string>) {
  const bars = candles[symbol];
  const mark = str(bars[bars.length - 1].close);
  const quantity = div(notional, mark);
  return evaluateIntent(intent({ symbol, quantity }), {
    tradingState: 'ACTIVE',
    portfolio: portfolio('10'),
    config: risk(config),
    mark,
    takerFee: '0',
    facts: { candles, exposure },
  });
}

describe('correlation limit on real January 2018 data (10 BTC pairs)', () => {
  it('GIVEN the 10 pairs THEN the measured correlation matrix (5 m and 1 h log returns) is printed', () => {
    const lines = [`${''.padEnd(9)}${PAIRS.map((p) => p.padStart(7)).join('')}`];
    for (const a of PAIRS)
      lines.push(
        `${`${a}/BTC`.padEnd(9)}${PAIRS.map((b) => (rho(`${a}/BTC`, `${b}/BTC`).rho ?? NaN).toFixed(2).padStart(7)).join('')}`,
      );
    console.log(
      `hourly log-return correlations, whole month:\n${lines.join('\n')}\n5 m: ADA~XLM ${rho('ADA/BTC', 'XLM/BTC', false).rho?.toFixed(3)}, ADA~ZEC ${rho('ADA/BTC', 'ZEC/BTC', false).rho?.toFixed(3)}`,
    );
    // The facts the next tests stand on, measured from the data:
    expect(rho('ADA/BTC', 'XLM/BTC').rho).toBeGreaterThanOrEqual(0.5);
    expect(rho('TRX/BTC', 'XLM/BTC').rho).toBeGreaterThanOrEqual(0.5);
    expect(Math.abs(rho('ADA/BTC', 'ZEC/BTC').rho as number)).toBeLessThan(0.5);
    expect(rho('ADA/BTC', 'XLM/BTC').observations).toBeGreaterThan(400);
  });

  it('GIVEN 2 BTC of ADA held WHEN buying 2 BTC of XLM (measured ρ≈0.64 with ADA, hourly) THEN RESIZED to the 1 BTC left under the 3 BTC correlated cap', () => {
    const v = decide('XLM/BTC', '2', { 'ADA/BTC': '2' });
    const c = v.checks.find((x) => x.check === 'correlation');
    console.log('XLM after ADA:', JSON.stringify(c?.numbers));
    expect(v).toMatchObject({ decision: 'RESIZED', code: 'CORRELATION_LIMIT' });
    expect(c?.numbers).toMatchObject({
      correlatedSymbols: 'XLM/BTC,ADA/BTC',
      correlatedExposure: '2',
      cap: '3',
      headroom: '1',
      resampleMinutes: '60',
      threshold: '0.5',
    });
    expect(Number(c?.numbers['rho:ADA/BTC'])).toBeGreaterThanOrEqual(0.5);
    const mark = candles['XLM/BTC'][candles['XLM/BTC'].length - 1].close;
    expect(Number(v.quantity) * mark).toBeCloseTo(1, 10);
  });

  it('GIVEN 2 BTC of ADA and 1.5 BTC of TRX held WHEN buying XLM (correlated with both) THEN DENIED: the correlated exposure is already past the cap', () => {
    const v = decide('XLM/BTC', '0.5', { 'ADA/BTC': '2', 'TRX/BTC': '1.5' });
    expect(v).toMatchObject({
      decision: 'DENIED',
      code: 'CORRELATION_LIMIT',
      numbers: { correlatedExposure: '3.5', cap: '3', headroom: '-0.5', correlatedSymbols: 'XLM/BTC,ADA/BTC,TRX/BTC' },
    });
  });

  it('GIVEN 2 BTC of ADA held WHEN buying 2 BTC of ZEC (weakly correlated) THEN APPROVED, with the measured ρ in the numbers', () => {
    const v = decide('ZEC/BTC', '2', { 'ADA/BTC': '2' });
    const c = v.checks.find((x) => x.check === 'correlation');
    console.log('ZEC after ADA:', JSON.stringify(c?.numbers));
    expect(v.decision).toBe('APPROVED');
    expect(c).toMatchObject({
      outcome: 'PASS',
      code: 'OK',
      numbers: { correlatedSymbols: 'ZEC/BTC', correlatedExposure: '0' },
    });
    expect(Math.abs(Number(c?.numbers['rho:ADA/BTC']))).toBeLessThan(0.5);
  });

  it('GIVEN the same holdings and raw 5 m returns (no resampling) THEN ADA~XLM falls below 0.5 and XLM passes: the timeframe matters, so it is a setting', () => {
    const bars = candles['XLM/BTC'];
    const mark = str(bars[bars.length - 1].close);
    const v = evaluateIntent(intent({ symbol: 'XLM/BTC', quantity: div('2', mark) }), {
      tradingState: 'ACTIVE',
      portfolio: portfolio('10'),
      config: risk({ ...config, correlationResampleMinutes: undefined, correlationWindow: 100_000 }),
      mark,
      takerFee: '0',
      facts: { candles, exposure: { 'ADA/BTC': '2' } },
    });
    expect(v.decision).toBe('APPROVED');
    expect(Number(v.checks.find((x) => x.check === 'correlation')?.numbers['rho:ADA/BTC'])).toBeLessThan(0.5);
  });
});
