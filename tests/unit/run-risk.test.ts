/** The risk state a run carries (domain/run/risk.ts): history, facts, and temporary holds. */
import { RiskConfig } from '../../domain/risk/config';
import type { GuardBreach } from '../../domain/risk/guards';
import { holdAfter, initialRunRisk, needsHistory, observeBars, riskHistoryBars } from '../../domain/run/risk';

const vol = (target: 'REDUCING' | 'HALTED'): GuardBreach => ({
  code: `VOL_BREAKER_${target}`,
  message: 'vol',
  numbers: {},
  target,
  temporary: true,
});
const daily: GuardBreach = { code: 'DAILY_LOSS_LIMIT', message: 'loss', numbers: {}, target: 'HALTED' };

describe('GIVEN a run held by the vol breaker', () => {
  it('WHEN the breaker steps down and then clears THEN the run follows it down to REDUCING, then back to ACTIVE', () => {
    const r = initialRunRisk();
    expect(holdAfter(r, vol('HALTED'), 'ACTIVE')).toEqual({}); // the breach itself moves the run (evaluateTick)
    expect(holdAfter(r, vol('HALTED'), 'HALTED')).toEqual({});
    expect(holdAfter(r, vol('REDUCING'), 'HALTED')).toMatchObject({ to: 'REDUCING' });
    expect(holdAfter(r, undefined, 'REDUCING')).toMatchObject({
      to: 'ACTIVE',
      reason: expect.stringContaining('VOL_BREAKER_REDUCING lifted'),
    });
    expect(r.hold).toBeUndefined();
  });

  it('WHEN a person halted the run meanwhile THEN the end of the hold leaves it HALTED', () => {
    const r = initialRunRisk();
    holdAfter(r, vol('REDUCING'), 'ACTIVE');
    expect(holdAfter(r, undefined, 'HALTED')).toEqual({});
  });

  it('WHEN a permanent guard breaches during the hold THEN the hold ends without lifting anything', () => {
    const r = initialRunRisk();
    holdAfter(r, vol('REDUCING'), 'ACTIVE');
    expect(holdAfter(r, daily, 'REDUCING')).toEqual({});
    expect(r.hold).toBeUndefined();
  });
});

describe('GIVEN a correlation limit on hourly returns over 48 hours', () => {
  const config = RiskConfig.parse({
    maxCorrelatedExposurePct: 20,
    correlationResampleMinutes: 60,
    correlationWindow: 48,
  });
  it('THEN the first tick asks for 49 hours of 5-minute bars, and the series keeps 49 hourly closes', () => {
    const r = initialRunRisk();
    expect(riskHistoryBars(config, 300_000)).toBe(49 * 12);
    expect(needsHistory(r, config)).toBe(true);
    const t0 = Date.UTC(2018, 0, 10);
    const bars = Array.from({ length: 60 * 12 }, (_, i) => ({
      ts: t0 + i * 300_000,
      open: 1,
      high: 1 + i,
      low: 1,
      close: 1 + i,
      volume: 1,
    }));
    observeBars(r, 'ETH/BTC', bars, config);
    expect(needsHistory(r, config)).toBe(false);
    const series = r.closes['corr:ETH/BTC'];
    expect(series).toHaveLength(49);
    // each point is the last close of its hour
    expect(series[series.length - 1]).toEqual({ ts: t0 + 59 * 3_600_000, close: 1 + 60 * 12 - 1 });
  });
});
