/**
 * Real data (the 10 bundled BTC pairs, January 2018): two strategies on every pair share one account
 * portfolio; the pure strategy → sizing → risk → portfolio loop shows the correlation limit and the
 * drawdown limit acting. (The workflow-level version, with the account supervisor and `run audit`,
 * builds on these same checks.)
 */
import { PAIRS, simulate, type SimResult } from '../helpers/risk-sim';
import type { RiskConfigInput } from '../../domain/risk/config';

const strategies = [
  { name: 'sma-crossover', params: { fast: 10, slow: 30 }, symbols: PAIRS },
  { name: 'rsi-mean-reversion', params: {}, symbols: PAIRS },
];
const risk: RiskConfigInput = {
  enableDynamicPositionSizing: true,
  sizing: { multiplier: 0.1 },
  maxPositionPctPerSymbol: 100,
  maxCorrelatedExposurePct: 25,
  correlationThreshold: 0.5,
  correlationResampleMinutes: 60,
  correlationWindow: 168,
  correlationMinObservations: 24,
};

let freeRun: SimResult | undefined;
const free = (): SimResult => (freeRun ??= simulate({ capital: '1', strategies, risk }));

describe('risk on real January 2018 data: several strategies across the 10 BTC pairs', () => {
  it('GIVEN a 25% correlated-exposure limit (|ρ| ≥ 0.5 of hourly returns over a week) THEN orders are resized or denied by MEASURED correlations, and orders on weakly correlated pairs pass', () => {
    const r = free();
    const measured = r.correlation.filter((v) =>
      Object.entries(v.numbers).some(
        ([k, x]) =>
          k.startsWith('rho:') &&
          !x.startsWith('unknown') &&
          Math.abs(Number(x)) >= 0.5 &&
          v.numbers.correlatedSymbols.split(',').includes(k.slice(4)),
      ),
    );
    const sample = measured[0];
    console.log(
      `${r.bars} bars, ${r.intents} intents, ${r.fills} fills; verdicts ${JSON.stringify(r.verdicts)}; correlation-limited ${r.correlation.length} (by measured ρ ≥ 0.5: ${measured.length})\nexample: ${sample.intent.side} ${sample.intent.symbol} ${sample.decision} ${JSON.stringify(sample.numbers)}`,
    );
    expect(measured.length).toBeGreaterThan(0);
    // Weakly correlated held symbols were measured and left out of the correlated exposure.
    const weakLeftOut = measured.filter((v) =>
      Object.entries(v.numbers).some(
        ([k, x]) =>
          k.startsWith('rho:') &&
          !x.startsWith('unknown') &&
          Math.abs(Number(x)) < 0.5 &&
          !v.numbers.correlatedSymbols.split(',').includes(k.slice(4)),
      ),
    );
    expect(weakLeftOut.length).toBeGreaterThan(0);
    expect(r.verdicts['RESIZED:CORRELATION_LIMIT'] ?? 0).toBeGreaterThan(0);
    expect(r.verdicts['APPROVED:APPROVED']).toBeGreaterThan(0);
    // Every correlation decision kept the correlated exposure within the cap.
    for (const v of r.correlation.filter((x) => x.decision === 'RESIZED')) {
      expect(
        Number(v.numbers.correlatedExposure) +
          (Number(v.quantity) * Number(v.numbers.orderNotional)) / Number(v.numbers.from),
      ).toBeLessThanOrEqual(Number(v.numbers.cap) * (1 + 1e-12));
    }
    expect(r.guard).toBeUndefined();
  });

  it('GIVEN a 10% drawdown limit from the high-water mark THEN the account halts with STRATEGY_DRAWDOWN_LIMIT and no fill follows; without it the drawdown goes deeper', () => {
    const unlimited = free();
    const halted = simulate({ capital: '1', strategies, risk: { ...risk, maxDrawdownPct: 10 } });
    console.log(
      `without a limit: max drawdown ${Number(unlimited.portfolio.maxDrawdownPct).toFixed(2)}%; with 10%: ${halted.guard?.breach.code} at ${new Date(halted.guard?.at ?? 0).toISOString()} ${JSON.stringify(halted.guard?.breach.numbers)}`,
    );
    expect(Number(unlimited.portfolio.maxDrawdownPct)).toBeGreaterThan(10);
    expect(halted.guard?.breach).toMatchObject({
      code: 'STRATEGY_DRAWDOWN_LIMIT',
      target: 'HALTED',
      numbers: { limitPct: '10', scope: 'strategy' },
    });
    expect(Number(halted.guard?.breach.numbers.drawdownPct)).toBeGreaterThanOrEqual(10);
    expect(halted.fillsAfterGuard).toBe(0);
    expect(halted.fills).toBeLessThan(unlimited.fills);
  });
});
