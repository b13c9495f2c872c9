/**
 * Risk config: strict schema (field-named errors), RISK_* env vars, precedence defaults < file < env <
 * per-run overrides, and run-time patches that keep the current limits on error.
 */
import {
  RiskConfig,
  RISK_ENV,
  RiskConfigPatch,
  applyRiskPatch,
  loadRiskConfig,
  parseSubmitRate,
  riskConfigFromEnv,
} from '../../domain/risk/config';

describe('risk config: bad values are rejected with field-named errors', () => {
  it.each([
    ['a negative absolute limit', { dailyLossLimit: '-1' }, 'risk.dailyLossLimit', 'greater than 0'],
    ['a negative order notional', { maxOrderNotional: '-0.5' }, 'risk.maxOrderNotional', 'greater than 0'],
    ['a negative percentage', { maxTotalExposurePct: -1 }, 'risk.maxTotalExposurePct', '0 or more'],
    ['a percentage over 100', { maxPositionPctPerSymbol: 150 }, 'risk.maxPositionPctPerSymbol', '100 at most'],
    ['a nested percentage over 100', { volBreaker: { haltPct: 101 } }, 'risk.volBreaker.haltPct', '100 at most'],
    [
      'a per-strategy allocation over 100',
      { strategyAllocations: { sma: 120 } },
      'risk.strategyAllocations.sma',
      '100 at most',
    ],
    ['a negative leverage', { maxLeverage: -2 }, 'risk.maxLeverage', 'greater than 0'],
    [
      'a leverage window hour of 25',
      { leverageWindows: [{ startHourUtc: 25, endHourUtc: 6, maxLeverage: 1 }] },
      'risk.leverageWindows.0.startHourUtc',
      '',
    ],
    ['a bad submit rate', { maxSubmitRate: 'ten per minute' }, 'risk.maxSubmitRate', 'like 10/1m'],
    ['a fractional open-order count', { maxOpenOrders: 2.5 }, 'risk.maxOpenOrders', 'whole number'],
    ['a correlation threshold above 1', { correlationThreshold: 1.2 }, 'risk.correlationThreshold', '1 at most'],
    [
      'vol levels out of order',
      { volBreaker: { reducePct: 5, haltPct: 3 } },
      'risk.volBreaker.reducePct',
      'must not exceed haltPct',
    ],
    [
      'a stale warning above the hard limit',
      { markStaleWarnSeconds: 200 },
      'risk.markStaleWarnSeconds',
      'below maxMarkStalenessSeconds',
    ],
    ['an unknown field', { maxDailyTrades: 3 }, 'risk.maxDailyTrades', 'Unrecognized key'],
    [
      'an unknown nested field',
      { stopoutGuard: { maxStopouts: 3, lookback: 5 } },
      'risk.stopoutGuard.lookback',
      'Unrecognized key',
    ],
  ] as const)('GIVEN %s WHEN loaded THEN rejected naming %s', (_l, overrides, field, words) => {
    const r = loadRiskConfig({ overrides });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.fields).toContain(field);
    expect(r.error).toContain(words);
  });

  it('GIVEN several bad fields THEN every one is named at once', () => {
    const r = loadRiskConfig({ file: { maxPositionPctPerSymbol: 150, dailyLossLimit: '-1', bogus: true } });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.fields).toEqual(
        expect.arrayContaining(['risk.maxPositionPctPerSymbol', 'risk.dailyLossLimit', 'risk.bogus']),
      );
  });

  it('GIVEN {} THEN the defaults are the engine of before: every new limit is off', () => {
    const c = RiskConfig.parse({});
    expect(c).toMatchObject({
      killSwitch: false,
      maxPositionPctPerSymbol: 20,
      maxMarkStalenessSeconds: 180,
      correlationThreshold: 0.7,
      correlationWindow: 288,
    });
    for (const off of [
      'maxTotalExposurePct',
      'maxLeverage',
      'minLiquidationBufferPct',
      'maxSubmitRate',
      'maxOpenOrders',
      'maxTradesPerDay',
      'strategyAllocationPct',
      'maxCorrelatedExposurePct',
      'volBreaker',
      'maxDrawdownPct',
      'maxAccountDrawdownPct',
      'markStaleWarnSeconds',
      'stopoutGuard',
      'performanceMonitor',
    ] as const) {
      expect(c[off]).toBeUndefined();
    }
  });

  it.each([
    ['10/1m', 10, 60_000],
    ['5/s', 5, 1_000],
    ['100/1h', 100, 3_600_000],
    ['3/500ms', 3, 500],
  ] as const)('GIVEN the submit rate %s THEN %s per %s ms', (rate, count, intervalMs) => {
    expect(parseSubmitRate(rate)).toEqual({ count, intervalMs });
  });
});

describe('risk config: RISK_* env vars', () => {
  const env = {
    RISK_KILL_SWITCH_ENABLED: 'true',
    RISK_REDUCE_ONLY_MODE: 'no',
    RISK_MAX_ORDER_NOTIONAL: '0.5',
    RISK_MAX_POSITION_NOTIONAL_PER_SYMBOL: '2',
    RISK_MAX_POSITION_PCT_PER_SYMBOL: '25',
    RISK_MAX_TOTAL_EXPOSURE_PCT: '80',
    RISK_MAX_LEVERAGE: '2',
    RISK_MAX_LEVERAGE_PER_SYMBOL: 'ETH-BTC:1.5,LTC/BTC:1',
    RISK_LEVERAGE_WINDOWS: 'night@22-6:1,day@6-22:2',
    RISK_MIN_LIQUIDATION_BUFFER_PCT: '15',
    RISK_MAX_SUBMIT_RATE: '10/1m',
    RISK_MAX_OPEN_ORDERS: '4',
    RISK_MAX_TRADES_PER_DAY: '20',
    RISK_STRATEGY_ALLOCATION_PCT: '30',
    RISK_STRATEGY_ALLOCATIONS: 'sma-crossover:40,rsi:10',
    RISK_MAX_CORRELATED_EXPOSURE_PCT: '50',
    RISK_CORRELATION_THRESHOLD: '0.6',
    RISK_CORRELATION_WINDOW: '500',
    RISK_CORRELATION_RESAMPLE_MINUTES: '60',
    RISK_CORRELATION_MIN_OBSERVATIONS: '50',
    RISK_VOL_BREAKER_WINDOW: '12',
    RISK_VOL_BREAKER_WARN_PCT: '0.6',
    RISK_VOL_BREAKER_REDUCE_PCT: '1',
    RISK_VOL_BREAKER_HALT_PCT: '1.6',
    RISK_VOL_BREAKER_COOLDOWN_BARS: '6',
    RISK_MAX_ACCOUNT_DRAWDOWN_PCT: '20',
    RISK_MAX_DRAWDOWN_PCT: '15',
    RISK_MAX_MARK_STALENESS_SECONDS: '120',
    RISK_MARK_STALE_WARN_SECONDS: '30',
    RISK_DAILY_LOSS_LIMIT: '0.3',
    RISK_DAILY_LOSS_LIMIT_PCT: '5',
    RISK_STOPOUT_MAX: '3',
    RISK_STOPOUT_LOOKBACK_MINUTES: '90',
    RISK_STOPOUT_COOLDOWN_MINUTES: '45',
    RISK_STOPOUT_PER_SYMBOL: '1',
    RISK_PERF_WINDOW: '30',
    RISK_PERF_MIN_TRADES: '12',
    RISK_PERF_MIN_WIN_RATE_PCT: '35',
    RISK_PERF_MIN_PROFIT_FACTOR: '1.1',
    RISK_PERF_MAX_DRAWDOWN_PCT: '25',
    RISK_SLIPPAGE_GUARD_BPS: '40',
    SLIPPAGE_MULTIPLIERS: 'ETH-BTC:1.5',
    RISK_ENABLE_PREVIEW: 'off',
    RISK_ENABLE_DYNAMIC_POSITION_SIZING: 'true',
    RISK_ENABLE_MARKET_IMPACT_GUARD: 'yes',
    RISK_MAX_MARKET_IMPACT_BPS: '30',
    RISK_IMPACT_VOLUME_FLOOR: '1000',
  };
  it('GIVEN every RISK_* variable THEN each lands in its field (none is ignored)', () => {
    expect(Object.keys(env).sort()).toEqual(Object.keys(RISK_ENV).sort());
    const r = loadRiskConfig({ env });
    if (!r.ok) throw new Error(r.error);
    expect(r.config).toMatchObject({
      killSwitch: true,
      reduceOnlyMode: false,
      maxOrderNotional: '0.5',
      maxPositionNotionalPerSymbol: '2',
      maxPositionPctPerSymbol: 25,
      maxTotalExposurePct: 80,
      maxLeverage: 2,
      maxLeveragePerSymbol: { 'ETH/BTC': 1.5, 'LTC/BTC': 1 },
      leverageWindows: [
        { name: 'night', startHourUtc: 22, endHourUtc: 6, maxLeverage: 1 },
        { name: 'day', startHourUtc: 6, endHourUtc: 22, maxLeverage: 2 },
      ],
      minLiquidationBufferPct: 15,
      maxSubmitRate: '10/1m',
      maxOpenOrders: 4,
      maxTradesPerDay: 20,
      strategyAllocationPct: 30,
      strategyAllocations: { 'sma-crossover': 40, rsi: 10 },
      maxCorrelatedExposurePct: 50,
      correlationThreshold: 0.6,
      correlationWindow: 500,
      correlationResampleMinutes: 60,
      correlationMinObservations: 50,
      volBreaker: { window: 12, warnPct: 0.6, reducePct: 1, haltPct: 1.6, cooldownBars: 6 },
      maxAccountDrawdownPct: 20,
      maxDrawdownPct: 15,
      maxMarkStalenessSeconds: 120,
      markStaleWarnSeconds: 30,
      dailyLossLimit: '0.3',
      dailyLossLimitPct: 5,
      stopoutGuard: { maxStopouts: 3, lookbackMinutes: 90, cooldownMinutes: 45, perSymbol: true },
      performanceMonitor: { window: 30, minTrades: 12, minWinRatePct: 35, minProfitFactor: 1.1, maxDrawdownPct: 25 },
      slippageGuardBps: 40,
      slippageMultipliers: { 'ETH/BTC': 1.5 },
      enablePreview: false,
      enableDynamicPositionSizing: true,
      enableMarketImpactGuard: true,
      maxMarketImpactBps: 30,
      impactVolumeFloor: '1000',
    });
  });
  it.each([
    ['RISK_MAX_POSITION_PCT_PER_SYMBOL', 'lots', 'risk.maxPositionPctPerSymbol'],
    ['RISK_KILL_SWITCH_ENABLED', 'maybe', 'risk.killSwitch'],
    ['RISK_VOL_BREAKER_HALT_PCT', '-3', 'risk.volBreaker.haltPct'],
    ['RISK_LEVERAGE_WINDOWS', 'always', 'risk.leverageWindows.0'],
    ['RISK_MAX_DRAWDOWN_PCT', '101', 'risk.maxDrawdownPct'],
  ])('GIVEN %s=%s THEN rejected naming %s', (name, value, field) => {
    const r = loadRiskConfig({ env: { [name]: value } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields).toContain(field);
  });
  it('GIVEN an empty variable THEN it is ignored', () => {
    expect(riskConfigFromEnv({ RISK_MAX_LEVERAGE: '' })).toEqual({});
  });
});

describe('risk config: precedence defaults < file < env < per-run overrides', () => {
  it('GIVEN the same field at every layer THEN the highest layer wins, and nested objects merge field by field', () => {
    const file = JSON.stringify({
      maxPositionPctPerSymbol: 10,
      maxOpenOrders: 5,
      maxTradesPerDay: 7,
      volBreaker: { haltPct: 4, window: 30 },
    });
    const env = { RISK_MAX_OPEN_ORDERS: '6', RISK_MAX_TRADES_PER_DAY: '8', RISK_VOL_BREAKER_REDUCE_PCT: '2' };
    const r = loadRiskConfig({ file, env, overrides: { maxTradesPerDay: 9, volBreaker: { cooldownBars: 3 } } });
    if (!r.ok) throw new Error(r.error);
    expect(r.config).toMatchObject({
      slippageGuardBps: 50,
      maxPositionPctPerSymbol: 10,
      maxOpenOrders: 6,
      maxTradesPerDay: 9,
      volBreaker: { haltPct: 4, window: 30, reducePct: 2, cooldownBars: 3 },
    });
  });
  it('GIVEN an override of null THEN that optional limit is turned off for the run', () => {
    const r = loadRiskConfig({ file: { maxOpenOrders: 5 }, overrides: { maxOpenOrders: null } });
    expect(r.ok && r.config.maxOpenOrders).toBeUndefined();
  });
  it('GIVEN a file that is not JSON or not an object THEN a clear error and no config', () => {
    expect(loadRiskConfig({ file: '{ nope' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('risk file: not JSON'),
    });
    expect(loadRiskConfig({ file: '[1,2]' })).toMatchObject({ ok: false, error: 'risk file: must be a JSON object' });
  });
});

describe('risk config: run-time patches keep the current limits on error', () => {
  const current = RiskConfig.parse({
    maxOpenOrders: 5,
    dailyLossLimitPct: 5,
    volBreaker: { haltPct: 4, reducePct: 2 },
  });
  it.each([
    ['a negative limit', { dailyLossLimitPct: -1 }, 'risk.dailyLossLimitPct'],
    ['a percentage over 100', { maxTotalExposurePct: 120 }, 'risk.maxTotalExposurePct'],
    ['an unknown field', { maxOpenOrder: 3 }, 'risk.maxOpenOrder'],
    ['a nested value that breaks the level order', { volBreaker: { reducePct: 6 } }, 'risk.volBreaker.reducePct'],
    ['an unknown nested field', { volBreaker: { halt: 3 } }, 'risk.volBreaker.halt'],
  ])(
    'GIVEN a patch with %s THEN rejected naming %s and the current config is returned unchanged',
    (_l, patch, field) => {
      const r = applyRiskPatch(current, patch);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.fields).toContain(field);
      expect(r.config).toBe(current);
    },
  );
  it('GIVEN a valid partial patch THEN only the named fields change (nested merge; null turns a limit off)', () => {
    const r = applyRiskPatch(current, { maxOpenOrders: 2, volBreaker: { haltPct: 3 }, dailyLossLimitPct: null });
    if (!r.ok) throw new Error(r.error);
    expect(r.config).toMatchObject({
      maxOpenOrders: 2,
      volBreaker: { haltPct: 3, reducePct: 2, window: 20 },
      maxPositionPctPerSymbol: 20,
    });
    expect(r.config.dailyLossLimitPct).toBeUndefined();
    expect(r.changed.sort()).toEqual(['dailyLossLimitPct', 'maxOpenOrders', 'volBreaker']);
  });
  it('GIVEN the patch schema alone (an Update validator) THEN it accepts partial nested objects and rejects bad values', () => {
    expect(RiskConfigPatch.safeParse({ volBreaker: { haltPct: 3 } }).success).toBe(true);
    expect(RiskConfigPatch.safeParse({ maxLeverage: 0 }).success).toBe(false);
    expect(RiskConfigPatch.safeParse({}).success).toBe(true);
  });
});
