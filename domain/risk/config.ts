/**
 * Risk configuration: one zod schema, every field with a default or documented as off when absent.
 * Percentages are 0–100; negative limits and unknown fields are rejected, naming the field.
 * Field names map to RISK_* environment variables (RISK_ENV); where the GPT-Trader seed had a name,
 * its env var is kept (RISK_ENABLE_DYNAMIC_POSITION_SIZING …).
 *
 * Loading (pure — the caller reads the file): `loadRiskConfig({ file, env, overrides })` with
 * precedence defaults < file < env < per-run overrides. Run-time changes: `applyRiskPatch(current, patch)`
 * keeps the current config when the patch is invalid. Every field is documented in docs/risk.md.
 */
import { z } from 'zod';
import { PositiveAmount } from '../money';
import { MarketSymbol } from '../market/instrument';
import { formatZodIssues } from '../errors';

const Pct = z.number().min(0, 'must be 0 or more').max(100, 'is a percentage: 100 at most');
const PositiveInt = z.number().int('must be a whole number').positive('must be greater than 0');
const Leverage = z.number().positive('must be greater than 0').max(125, 'is a leverage: 125 at most');

/** "N/interval": at most N order submissions per interval, e.g. "10/1m", "100/1h", "5/s". */
export const SubmitRate = z
  .string()
  .regex(/^[1-9]\d*\/\d*(ms|s|m|h|d)$/, 'must be like 10/1m, 100/1h or 5/s (N per interval)');
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Parse "10/1m" → { count: 10, intervalMs: 60000 }. */
export function parseSubmitRate(rate: string): { count: number; intervalMs: number } {
  const m = /^(\d+)\/(\d*)(ms|s|m|h|d)$/.exec(rate);
  if (!m) throw new Error(`bad submit rate ${rate}`);
  return { count: Number(m[1]), intervalMs: (m[2] === '' ? 1 : Number(m[2])) * UNIT_MS[m[3]] };
}

// ---- advanced execution engine (issue #5): sizing methods and the market-impact guard ----
// A separate block so that risk-engine changes elsewhere in this file merge cleanly.

/** Sizing methods of the advanced engine (domain/execution/sizing.ts explains each formula). */
export const SizingMethod = z.enum([
  'equity-leverage',
  'fixed-quote',
  'pct-equity',
  'fixed-fractional',
  'atr-target',
  'kelly',
]);
export type SizingMethod = z.infer<typeof SizingMethod>;

/** The sizing fields without the per-method check (for partial patches); SizingConfig adds the check. */
export const SizingConfigShape = z
  .object({
    /** equity-leverage (the seed's fallback): notional = equity × targetLeverage × multiplier. */
    method: SizingMethod.default('equity-leverage'),
    targetLeverage: z.number().positive().max(100).default(1),
    multiplier: z.number().positive().max(10).default(0.1),
    /** fixed-quote: the notional of every entry, in quote. */
    quoteAmount: PositiveAmount.optional(),
    /** pct-equity: the notional of every entry as % of equity. */
    equityPct: Pct.optional(),
    /** fixed-fractional / atr-target: % of equity put at risk per trade. */
    riskPct: Pct.optional(),
    /** atr-target: ATR period (bars) and the stop distance in ATRs. */
    atrPeriod: z.number().int().min(1).max(500).default(14),
    atrMultiple: z.number().positive().max(50).default(2),
    /** kelly: the strategy's win rate (0–1) and payoff ratio (average win / average loss). */
    winRate: z.number().min(0).max(1).optional(),
    payoffRatio: z.number().positive().optional(),
    /** kelly: fraction of full Kelly used (half Kelly by default) and the cap, % of equity. */
    kellyFraction: z.number().positive().max(1).default(0.5),
    kellyCapPct: Pct.default(25),
  })
  .strict();
export const SizingConfig = SizingConfigShape.superRefine((s, ctx) => {
  const need: Partial<Record<SizingMethod, Array<keyof typeof s>>> = {
    'fixed-quote': ['quoteAmount'],
    'pct-equity': ['equityPct'],
    'fixed-fractional': ['riskPct'],
    'atr-target': ['riskPct'],
    kelly: ['winRate', 'payoffRatio'],
  };
  for (const field of need[s.method] ?? []) {
    if (s[field] === undefined)
      ctx.addIssue({ code: 'custom', path: [field], message: `is required by sizing method ${s.method}` });
  }
});

/** Market-impact estimator, guard action and impact-aware sizing mode (domain/execution/impact.ts). */
export const ImpactConfig = z
  .object({
    /** seed: the LiquidityService model; sqrt: square-root (Almgren-style) law; book: a walk of the order book. */
    model: z.enum(['seed', 'sqrt', 'book']).default('seed'),
    /** deny: an order above maxMarketImpactBps is denied; resize: it is sized down to fit (by `sizing`). */
    action: z.enum(['deny', 'resize']).default('deny'),
    /** CONSERVATIVE: largest size that fits; STRICT: 0 unless the full size fits; AGGRESSIVE: full size if within the visible depth. */
    sizing: z.enum(['CONSERVATIVE', 'STRICT', 'AGGRESSIVE']).default('CONSERVATIVE'),
    /** sqrt model: impact = coefficient × volatility × sqrt(quantity / volume) (in bps with volatility in bps). */
    sqrtCoefficient: z.number().positive().max(10).default(1),
  })
  .strict();
export type ImpactConfig = z.infer<typeof ImpactConfig>;
// ---- end of the advanced execution block ----

/** A leverage cap for a window of UTC hours [startHourUtc, endHourUtc); wraps past midnight when start > end. */
export const LeverageWindow = z
  .object({
    name: z.string().min(1).max(40).default('window'),
    startHourUtc: z.number().int().min(0).max(23),
    endHourUtc: z.number().int().min(0).max(24),
    maxLeverage: Leverage,
  })
  .strict();
export type LeverageWindow = z.infer<typeof LeverageWindow>;

/** Volatility circuit breaker: realized volatility (stdev of log returns over `window` bars, in % per bar). */
const VolBreakerShape = z
  .object({
    window: z.number().int().min(2, 'needs at least 2 bars').max(10_000).default(20),
    /** At or above: WARNING (orders pass, with a VOL_BREAKER_WARNING note). Off when absent. */
    warnPct: Pct.optional(),
    /** At or above: REDUCING. Off when absent. */
    reducePct: Pct.optional(),
    /** At or above: HALTED. */
    haltPct: Pct,
    /** Bars in a row below a level before the breaker steps down. */
    cooldownBars: z.number().int().min(0).max(100_000).default(12),
  })
  .strict();
export const VolBreakerConfig = VolBreakerShape.refine(
  (v) => v.warnPct === undefined || v.warnPct <= (v.reducePct ?? v.haltPct),
  { message: 'warnPct must not exceed reducePct/haltPct', path: ['warnPct'] },
).refine((v) => v.reducePct === undefined || v.reducePct <= v.haltPct, {
  message: 'reducePct must not exceed haltPct',
  path: ['reducePct'],
});
export type VolBreakerConfig = z.infer<typeof VolBreakerConfig>;

/** Freqtrade's StoplossGuard: after N losing closed trades within the lookback, no new entries for the cooldown. */
export const StopoutGuardConfig = z
  .object({
    maxStopouts: PositiveInt,
    lookbackMinutes: PositiveInt.default(60),
    cooldownMinutes: PositiveInt.default(60),
    /** Lock only the symbol that stopped out N times (Freqtrade only_per_pair). */
    perSymbol: z.boolean().default(false),
  })
  .strict();
export type StopoutGuardConfig = z.infer<typeof StopoutGuardConfig>;

/** Auto-disable a strategy whose rolling performance over its last `window` closed trades crosses a threshold. */
export const PerformanceMonitorConfig = z
  .object({
    window: z.number().int().min(1).max(10_000).default(20),
    /** No verdict before this many closed trades in the window. */
    minTrades: PositiveInt.default(10),
    minWinRatePct: Pct.optional(),
    minProfitFactor: z.number().min(0, 'must be 0 or more').max(1000).optional(),
    /** Peak-to-trough of the window's cumulative PnL, as % of (allocation base + peak). */
    maxDrawdownPct: Pct.optional(),
  })
  .strict();
export type PerformanceMonitorConfig = z.infer<typeof PerformanceMonitorConfig>;

export const RiskConfig = z
  .object({
    /** Deny every new order. */
    killSwitch: z.boolean().default(false),
    /** Treat the run as REDUCING: only position-reducing orders, all orders forced reduce-only. */
    reduceOnlyMode: z.boolean().default(false),
    /** Largest notional (quote) of a single order; larger orders are resized down. Off when absent. */
    maxOrderNotional: PositiveAmount.optional(),
    /** Largest position notional (quote) per symbol. Off when absent. */
    maxPositionNotionalPerSymbol: PositiveAmount.optional(),
    /** Largest position per symbol as % of equity (seed: max_position_pct_per_symbol 0.2). */
    maxPositionPctPerSymbol: Pct.default(20),
    /** Sum of all positions' notional (with reservations) plus the order, as % of equity. Off when absent. */
    maxTotalExposurePct: Pct.optional(),
    /** Gross leverage after the trade: Σ exposure / equity. Off when absent. */
    maxLeverage: Leverage.optional(),
    /** Per-symbol leverage after the trade: symbol exposure / equity. */
    maxLeveragePerSymbol: z.record(MarketSymbol, Leverage).default({}),
    /** Gross leverage caps by UTC hour (day/night). The tightest applicable cap wins. */
    leverageWindows: z.array(LeverageWindow).max(24).default([]),
    /** Derivatives: least distance between mark and liquidation price, % of mark (now and projected after the trade). Off when absent. */
    minLiquidationBufferPct: Pct.optional(),
    /** At most N order submissions per interval, e.g. "10/1m". Off when absent. */
    maxSubmitRate: SubmitRate.optional(),
    /** At most this many open orders at once. Off when absent. */
    maxOpenOrders: PositiveInt.optional(),
    /** At most this many opening trades (orders placed) per trading day. Off when absent. */
    maxTradesPerDay: PositiveInt.optional(),
    /** Capital allocated to each strategy, % of its allocation base (equity). Off when absent. */
    strategyAllocationPct: Pct.optional(),
    /** Per-strategy allocation %, overriding strategyAllocationPct. */
    strategyAllocations: z.record(z.string().min(1).max(64), Pct).default({}),
    /** Correlated exposure (see docs/risk.md) as % of equity. Off when absent. */
    maxCorrelatedExposurePct: Pct.optional(),
    /** |ρ| at or above which two symbols count as correlated. */
    correlationThreshold: z.number().min(0).max(1, 'is a correlation: 1 at most').default(0.7),
    /** Number of log returns in the rolling correlation window (288 × 5 m = one day). */
    correlationWindow: z.number().int().min(3, 'needs at least 3 returns').max(100_000).default(288),
    /** Resample bars to this many minutes (last close per bucket) before taking returns. Off (bars as given) when absent. */
    correlationResampleMinutes: PositiveInt.max(10_080).optional(),
    /** Pairs with fewer overlapping returns than this count as correlated (fail-closed). */
    correlationMinObservations: z.number().int().min(3).max(100_000).default(30),
    /** Volatility circuit breaker. Off when absent. */
    volBreaker: VolBreakerConfig.optional(),
    /** Drawdown from the high-water mark that halts the account (account-level facts). Off when absent. */
    maxAccountDrawdownPct: Pct.optional(),
    /** Drawdown from the high-water mark that halts a strategy run. Off when absent. */
    maxDrawdownPct: Pct.optional(),
    /** Marks older than this are stale: orders are denied (seed: 180 s). */
    maxMarkStalenessSeconds: z.number().positive().default(180),
    /** Marks older than this (but fresh enough) pass with a STALE_MARK_WARN note. Off when absent. */
    markStaleWarnSeconds: z.number().positive().optional(),
    /** Daily loss (quote) that halts the run by itself (seed: daily_loss_limit). Off when absent. */
    dailyLossLimit: PositiveAmount.optional(),
    /** Daily loss as % of the day's starting equity that halts the run. Off when absent. */
    dailyLossLimitPct: Pct.optional(),
    /** Cooldown after N stop-outs within a lookback. Off when absent. */
    stopoutGuard: StopoutGuardConfig.optional(),
    /** Strategy performance monitor. Off when absent. */
    performanceMonitor: PerformanceMonitorConfig.optional(),
    /** Expected slippage above this is denied (seed: 50 bps). */
    slippageGuardBps: z.number().positive().default(50),
    /** Per-symbol multipliers applied to expected slippage and price (seed env SLIPPAGE_MULTIPLIERS). */
    slippageMultipliers: z.record(MarketSymbol, z.number().positive().max(100)).default({}),
    /** Ask the venue for an order preview before submitting (never blocks). */
    enablePreview: z.boolean().default(true),
    /** Advanced engine: size orders from equity (seed flag). */
    enableDynamicPositionSizing: z.boolean().default(false),
    /** Advanced engine: deny orders whose estimated impact exceeds maxMarketImpactBps (seed flag). */
    enableMarketImpactGuard: z.boolean().default(false),
    maxMarketImpactBps: z.number().positive().default(50),
    /** Floor on 15-minute volume (quote) in the impact model; the seed used 1000 (USD). Off when absent. */
    impactVolumeFloor: PositiveAmount.optional(),
    sizing: SizingConfig.default({
      method: 'equity-leverage',
      targetLeverage: 1,
      multiplier: 0.1,
      atrPeriod: 14,
      atrMultiple: 2,
      kellyFraction: 0.5,
      kellyCapPct: 25,
    }),
    /** Advanced engine: impact model, guard action and impact-aware sizing (issue #5). */
    impact: ImpactConfig.default({ model: 'seed', action: 'deny', sizing: 'CONSERVATIVE', sqrtCoefficient: 1 }),
  })
  .strict()
  .refine((c) => c.markStaleWarnSeconds === undefined || c.markStaleWarnSeconds < c.maxMarkStalenessSeconds, {
    message: 'must be below maxMarkStalenessSeconds',
    path: ['markStaleWarnSeconds'],
  });
export type RiskConfig = z.infer<typeof RiskConfig>;
export type RiskConfigInput = z.input<typeof RiskConfig>;

type EnvKind =
  'bool' | 'number' | 'amount' | 'multipliers' | 'string' | 'symbolNumbers' | 'strategyNumbers' | 'windows';
type FieldPath = keyof RiskConfig | `${keyof RiskConfig}.${string}`;

/** RISK_* environment variables → [config field, or outer.inner for a nested one; how the value is read]. */
const RISK_ENV_ROWS: Readonly<Record<string, readonly [FieldPath, EnvKind]>> = {
  RISK_KILL_SWITCH_ENABLED: ['killSwitch', 'bool'],
  RISK_REDUCE_ONLY_MODE: ['reduceOnlyMode', 'bool'],
  RISK_MAX_ORDER_NOTIONAL: ['maxOrderNotional', 'amount'],
  RISK_MAX_POSITION_NOTIONAL_PER_SYMBOL: ['maxPositionNotionalPerSymbol', 'amount'],
  RISK_MAX_POSITION_PCT_PER_SYMBOL: ['maxPositionPctPerSymbol', 'number'],
  RISK_MAX_TOTAL_EXPOSURE_PCT: ['maxTotalExposurePct', 'number'],
  RISK_MAX_LEVERAGE: ['maxLeverage', 'number'],
  RISK_MAX_LEVERAGE_PER_SYMBOL: ['maxLeveragePerSymbol', 'symbolNumbers'],
  RISK_LEVERAGE_WINDOWS: ['leverageWindows', 'windows'],
  RISK_MIN_LIQUIDATION_BUFFER_PCT: ['minLiquidationBufferPct', 'number'],
  RISK_MAX_SUBMIT_RATE: ['maxSubmitRate', 'string'],
  RISK_MAX_OPEN_ORDERS: ['maxOpenOrders', 'number'],
  RISK_MAX_TRADES_PER_DAY: ['maxTradesPerDay', 'number'],
  RISK_STRATEGY_ALLOCATION_PCT: ['strategyAllocationPct', 'number'],
  RISK_STRATEGY_ALLOCATIONS: ['strategyAllocations', 'strategyNumbers'],
  RISK_MAX_CORRELATED_EXPOSURE_PCT: ['maxCorrelatedExposurePct', 'number'],
  RISK_CORRELATION_THRESHOLD: ['correlationThreshold', 'number'],
  RISK_CORRELATION_WINDOW: ['correlationWindow', 'number'],
  RISK_CORRELATION_RESAMPLE_MINUTES: ['correlationResampleMinutes', 'number'],
  RISK_CORRELATION_MIN_OBSERVATIONS: ['correlationMinObservations', 'number'],
  RISK_VOL_BREAKER_WINDOW: ['volBreaker.window', 'number'],
  RISK_VOL_BREAKER_WARN_PCT: ['volBreaker.warnPct', 'number'],
  RISK_VOL_BREAKER_REDUCE_PCT: ['volBreaker.reducePct', 'number'],
  RISK_VOL_BREAKER_HALT_PCT: ['volBreaker.haltPct', 'number'],
  RISK_VOL_BREAKER_COOLDOWN_BARS: ['volBreaker.cooldownBars', 'number'],
  RISK_MAX_ACCOUNT_DRAWDOWN_PCT: ['maxAccountDrawdownPct', 'number'],
  RISK_MAX_DRAWDOWN_PCT: ['maxDrawdownPct', 'number'],
  RISK_MAX_MARK_STALENESS_SECONDS: ['maxMarkStalenessSeconds', 'number'],
  RISK_MARK_STALE_WARN_SECONDS: ['markStaleWarnSeconds', 'number'],
  RISK_DAILY_LOSS_LIMIT: ['dailyLossLimit', 'amount'],
  RISK_DAILY_LOSS_LIMIT_PCT: ['dailyLossLimitPct', 'number'],
  RISK_STOPOUT_MAX: ['stopoutGuard.maxStopouts', 'number'],
  RISK_STOPOUT_LOOKBACK_MINUTES: ['stopoutGuard.lookbackMinutes', 'number'],
  RISK_STOPOUT_COOLDOWN_MINUTES: ['stopoutGuard.cooldownMinutes', 'number'],
  RISK_STOPOUT_PER_SYMBOL: ['stopoutGuard.perSymbol', 'bool'],
  RISK_PERF_WINDOW: ['performanceMonitor.window', 'number'],
  RISK_PERF_MIN_TRADES: ['performanceMonitor.minTrades', 'number'],
  RISK_PERF_MIN_WIN_RATE_PCT: ['performanceMonitor.minWinRatePct', 'number'],
  RISK_PERF_MIN_PROFIT_FACTOR: ['performanceMonitor.minProfitFactor', 'number'],
  RISK_PERF_MAX_DRAWDOWN_PCT: ['performanceMonitor.maxDrawdownPct', 'number'],
  RISK_SLIPPAGE_GUARD_BPS: ['slippageGuardBps', 'number'],
  SLIPPAGE_MULTIPLIERS: ['slippageMultipliers', 'multipliers'],
  RISK_ENABLE_PREVIEW: ['enablePreview', 'bool'],
  RISK_ENABLE_DYNAMIC_POSITION_SIZING: ['enableDynamicPositionSizing', 'bool'],
  RISK_ENABLE_MARKET_IMPACT_GUARD: ['enableMarketImpactGuard', 'bool'],
  RISK_MAX_MARKET_IMPACT_BPS: ['maxMarketImpactBps', 'number'],
  RISK_IMPACT_VOLUME_FLOOR: ['impactVolumeFloor', 'amount'],
};

/** RISK_* environment variables → config fields (a nested field has a `path`). */
export const RISK_ENV: Readonly<Record<string, { field: keyof RiskConfig; kind: EnvKind; path?: readonly string[] }>> =
  Object.fromEntries(
    Object.entries(RISK_ENV_ROWS).map(([name, [fieldPath, kind]]) => {
      const path = fieldPath.split('.');
      return [name, { field: path[0] as keyof RiskConfig, kind, ...(path.length > 1 ? { path } : {}) }];
    }),
  );

function pairs(raw: string, key: (k: string) => string): Record<string, unknown> {
  return Object.fromEntries(
    raw
      .split(',')
      .filter((kv) => kv.trim() !== '')
      .map((kv) => {
        const i = kv.lastIndexOf(':');
        const v = kv.slice(i + 1).trim();
        return [key(kv.slice(0, i).trim()), Number.isFinite(Number(v)) && v !== '' ? Number(v) : v];
      }),
  );
}

function parseEnvValue(kind: EnvKind, raw: string): unknown {
  switch (kind) {
    case 'bool':
      return /^(1|true|yes|on)$/i.test(raw) ? true : /^(0|false|no|off)$/i.test(raw) ? false : raw;
    case 'number':
      return Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'amount':
    case 'string':
      return raw;
    case 'multipliers':
    case 'symbolNumbers':
      // "BTC-USD:1.5,ETH/BTC:2.0" — the seed wrote BTC-USD; we accept '-' or '/' between base and quote.
      return pairs(raw, (k) => k.replace('-', '/'));
    case 'strategyNumbers':
      return pairs(raw, (k) => k);
    case 'windows':
      // "night@22-6:1,day@6-22:3" (name optional): UTC hours [start, end) and the leverage cap.
      return raw
        .split(',')
        .filter((w) => w.trim() !== '')
        .map((w) => {
          const m = /^(?:([^@]+)@)?(\d{1,2})-(\d{1,2}):([\d.]+)$/.exec(w.trim());
          if (!m) return w.trim();
          return {
            ...(m[1] ? { name: m[1] } : {}),
            startHourUtc: Number(m[2]),
            endHourUtc: Number(m[3]),
            maxLeverage: Number(m[4]),
          };
        });
  }
}

/**
 * Read RISK_* variables into a raw partial config. Values are parsed leniently here and validated
 * strictly by RiskConfig, so a bad value is reported with its field name.
 */
export function riskConfigFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(RISK_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = parseEnvValue(spec.kind, raw);
    if (spec.path) {
      const [outer, inner] = spec.path;
      out[outer] = { ...((out[outer] as Record<string, unknown> | undefined) ?? {}), [inner]: value };
    } else {
      out[spec.field] = value;
    }
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep-merge `over` onto `base`: plain objects merge key by key, everything else (arrays, scalars)
 * replaces. A `null` in `over` removes the key (turns an optional limit off).
 */
export function mergeRiskLayers(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) out[k] = mergeRiskLayers(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

/** Dotted field names of every issue (unknown keys named one by one). */
export function issueFields(error: z.ZodError, prefix = 'risk'): string[] {
  return error.issues.flatMap((i) => {
    const base = [prefix, ...i.path.map(String)];
    return i.code === 'unrecognized_keys' ? i.keys.map((k) => [...base, k].join('.')) : [base.join('.')];
  });
}

/** A failed parse: `<what>: <issues>`, and the fields they name. */
function parseFailure(what: string, error: z.ZodError): { ok: false; error: string; fields: string[] } {
  return { ok: false, error: `${what}: ${formatZodIssues(error, 'risk')}`, fields: issueFields(error) };
}

export type RiskConfigResult = { ok: true; config: RiskConfig } | { ok: false; error: string; fields: string[] };

function layer(
  name: string,
  value: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  if (value === undefined) return { ok: true, value: {} };
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch (e) {
      return { ok: false, error: `${name}: not JSON (${(e as Error).message})` };
    }
  }
  if (!isPlainObject(v)) return { ok: false, error: `${name}: must be a JSON object` };
  return { ok: true, value: v };
}

/**
 * Load the risk config: defaults < file < RISK_* env < per-run overrides. Pure: `file` is the file's
 * contents (a JSON string or an already-parsed object); the caller reads it. Errors name every field.
 */
export function loadRiskConfig(
  args: { file?: unknown; env?: Record<string, string | undefined>; overrides?: unknown } = {},
): RiskConfigResult {
  const file = layer('risk file', args.file);
  if (!file.ok) return { ok: false, error: file.error, fields: [] };
  const overrides = layer('risk overrides', args.overrides);
  if (!overrides.ok) return { ok: false, error: overrides.error, fields: [] };
  const merged = mergeRiskLayers(mergeRiskLayers(file.value, riskConfigFromEnv(args.env ?? {})), overrides.value);
  const r = RiskConfig.safeParse(merged);
  if (!r.success) return parseFailure('risk config', r.error);
  return { ok: true, config: r.data };
}

/**
 * A run-time change to the limits: any subset of RiskConfig's fields; nested objects merge; `null`
 * turns an optional limit off. Each given field is validated like the full config (same bounds,
 * unknown fields rejected); the merged result is validated again by applyRiskPatch.
 */
type Nullable<T> = { [K in keyof T]?: T[K] | null };
export type RiskConfigPatch = Nullable<RiskConfigInput>;
const NESTED_PATCH: Record<string, z.ZodType> = {
  volBreaker: VolBreakerShape.partial(),
  stopoutGuard: StopoutGuardConfig.partial(),
  performanceMonitor: PerformanceMonitorConfig.partial(),
  sizing: SizingConfigShape.partial(),
  impact: ImpactConfig.partial(),
};
const patchShape = Object.fromEntries(
  Object.entries(RiskConfig.shape).map(([k, s]) => {
    let inner: z.ZodType = NESTED_PATCH[k] ?? (s as z.ZodType);
    // Strip a default or an optional wrapper so an absent field stays absent (never reset to its default).
    for (let i = 0; i < 2; i++) {
      if (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
    }
    return [k, inner.nullable().optional()];
  }),
);
export const RiskConfigPatch = z.object(patchShape).strict() as unknown as z.ZodType<RiskConfigPatch>;

/** Apply a patch; on any error the current config is kept (returned unchanged beside the error). */
export function applyRiskPatch(
  current: RiskConfig,
  patch: unknown,
):
  | { ok: true; config: RiskConfig; changed: string[] }
  | { ok: false; error: string; fields: string[]; config: RiskConfig } {
  if (!isPlainObject(patch)) return { ok: false, error: 'risk patch: must be an object', fields: [], config: current };
  const shape = RiskConfigPatch.safeParse(patch);
  if (!shape.success) return { ...parseFailure('risk patch', shape.error), config: current };
  const merged = mergeRiskLayers(current as unknown as Record<string, unknown>, patch);
  const r = RiskConfig.safeParse(merged);
  if (!r.success) return { ...parseFailure('risk patch', r.error), config: current };
  const changed = Object.keys(patch).filter(
    (k) =>
      JSON.stringify((current as Record<string, unknown>)[k]) !==
      JSON.stringify((r.data as Record<string, unknown>)[k]),
  );
  return { ok: true, config: r.data, changed };
}
