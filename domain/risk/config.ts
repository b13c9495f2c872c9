/**
 * Risk configuration: one zod schema, every field with a default or documented as off when absent.
 * Percentages are 0–100. Field names map to RISK_* environment variables (see loadRiskConfigFromEnv);
 * where the GPT-Trader seed had a name, its env var is kept (RISK_ENABLE_DYNAMIC_POSITION_SIZING …).
 */
import { z } from 'zod';
import { PositiveAmount } from '../money';
import { MarketSymbol } from '../market/instrument';

const Pct = z.number().min(0, 'must be 0 or more').max(100, 'is a percentage: 100 at most');

export const SizingConfig = z
  .object({
    /** The seed's fallback: notional = equity × targetLeverage × multiplier. */
    method: z.literal('equity-leverage').default('equity-leverage'),
    targetLeverage: z.number().positive().max(100).default(1),
    multiplier: z.number().positive().max(10).default(0.1),
  })
  .strict();

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
    /** Daily loss (quote) that halts the run by itself (seed: daily_loss_limit). Off when absent. */
    dailyLossLimit: PositiveAmount.optional(),
    /** Daily loss as % of the day's starting equity that halts the run. Off when absent. */
    dailyLossLimitPct: Pct.optional(),
    /** Marks older than this are stale: orders are denied (seed: 180 s). */
    maxMarkStalenessSeconds: z.number().positive().default(180),
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
    sizing: SizingConfig.default({ method: 'equity-leverage', targetLeverage: 1, multiplier: 0.1 }),
  })
  .strict();
export type RiskConfig = z.infer<typeof RiskConfig>;
export type RiskConfigInput = z.input<typeof RiskConfig>;

/** RISK_* environment variables → partial config (validated with the same schema by the caller). */
export const RISK_ENV: Readonly<Record<string, { field: keyof RiskConfig; kind: 'bool' | 'number' | 'amount' | 'multipliers' }>> = {
  RISK_KILL_SWITCH_ENABLED: { field: 'killSwitch', kind: 'bool' },
  RISK_REDUCE_ONLY_MODE: { field: 'reduceOnlyMode', kind: 'bool' },
  RISK_MAX_ORDER_NOTIONAL: { field: 'maxOrderNotional', kind: 'amount' },
  RISK_MAX_POSITION_NOTIONAL_PER_SYMBOL: { field: 'maxPositionNotionalPerSymbol', kind: 'amount' },
  RISK_MAX_POSITION_PCT_PER_SYMBOL: { field: 'maxPositionPctPerSymbol', kind: 'number' },
  RISK_DAILY_LOSS_LIMIT: { field: 'dailyLossLimit', kind: 'amount' },
  RISK_DAILY_LOSS_LIMIT_PCT: { field: 'dailyLossLimitPct', kind: 'number' },
  RISK_MAX_MARK_STALENESS_SECONDS: { field: 'maxMarkStalenessSeconds', kind: 'number' },
  RISK_SLIPPAGE_GUARD_BPS: { field: 'slippageGuardBps', kind: 'number' },
  SLIPPAGE_MULTIPLIERS: { field: 'slippageMultipliers', kind: 'multipliers' },
  RISK_ENABLE_PREVIEW: { field: 'enablePreview', kind: 'bool' },
  RISK_ENABLE_DYNAMIC_POSITION_SIZING: { field: 'enableDynamicPositionSizing', kind: 'bool' },
  RISK_ENABLE_MARKET_IMPACT_GUARD: { field: 'enableMarketImpactGuard', kind: 'bool' },
  RISK_MAX_MARKET_IMPACT_BPS: { field: 'maxMarketImpactBps', kind: 'number' },
};

/**
 * Read RISK_* variables into a raw partial config. Values are parsed leniently here and validated
 * strictly by RiskConfig, so a bad value is reported with its field name.
 */
export function riskConfigFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(RISK_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    switch (spec.kind) {
      case 'bool':
        out[spec.field] = /^(1|true|yes|on)$/i.test(raw) ? true : /^(0|false|no|off)$/i.test(raw) ? false : raw;
        break;
      case 'number':
        out[spec.field] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
        break;
      case 'amount':
        out[spec.field] = raw;
        break;
      case 'multipliers':
        // "BTC-USD:1.5,ETH/BTC:2.0" — the seed wrote BTC-USD; we accept '-' or '/' between base and quote.
        out[spec.field] = Object.fromEntries(
          raw.split(',').filter(Boolean).map((kv) => {
            const [k, v] = kv.split(':');
            return [k.trim().replace('-', '/'), Number(v)];
          }),
        );
        break;
    }
  }
  return out;
}
