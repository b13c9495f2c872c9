/**
 * RiskFacts: everything a check needs beyond the portfolio and the config. All optional; a check whose
 * facts are absent passes and is listed with code NOT_APPLICABLE (and what was missing). Plain JSON, so
 * facts travel through a local activity or an Update.
 *
 * The same evaluateIntent runs twice with different facts:
 *   - in the strategy run: `runRiskFacts(...)` — the run's equity, exposure, open orders, submit times;
 *   - in the account supervisor: `accountRiskFacts(...)` + `accountPortfolio(...)` — the account's equity,
 *     exposure of ALL runs plus pending reservations, open orders of all runs, account submit times.
 */
import { z } from 'zod';
import { Amount, NonNegativeAmount, add, cmp, mul } from '../money';
import type { Portfolio } from '../portfolio/portfolio';
import { utcDate } from '../portfolio/portfolio';
import { DrawdownState, PerformanceState, StopoutHistory, VolBreakerState, updateDrawdown } from './guards';

export const DerivativesContext = z
  .object({
    /** Leverage the position is (or will be) held at, e.g. "10". */
    leverage: z.string().regex(/^\d+(\.\d+)?$/),
    /** Maintenance margin rate as a fraction, e.g. "0.005". */
    maintenanceMarginRate: z.string().regex(/^\d+(\.\d+)?$/),
    /** The venue's current liquidation price of the position, when one is open. */
    liquidationPrice: z.string().optional(),
    /** Open position quantity and entry price (default: the portfolio's). */
    positionQuantity: z.string().optional(),
    entryPrice: z.string().optional(),
  })
  .strict();
export type DerivativesContext = z.infer<typeof DerivativesContext>;

const ClosePoints = z.array(z.object({ ts: z.number(), close: z.number() }).passthrough());

export const RiskFacts = z
  .object({
    /** Who evaluates: a strategy run or the account supervisor (labels numbers; picks drawdown limits). */
    scope: z.enum(['run', 'account']).optional(),
    /** Decision time, ms (workflow time or market time; never Date.now in domain). */
    now: z.number().int().nonnegative().optional(),
    /** Time of each symbol's mark, ms. */
    markTime: z.record(z.string(), z.number().int().nonnegative()).optional(),
    /** Equity the %-of-equity limits use (default: the portfolio's). */
    equity: Amount.optional(),
    /** Notional by symbol INCLUDING pending reservations (default: positions × marks). */
    exposure: z.record(z.string(), NonNegativeAmount).optional(),
    /** Orders open now (at the venue or in flight). */
    openOrders: z.number().int().nonnegative().optional(),
    /** Times of recent order submissions, ms. */
    submitTimes: z.array(z.number().int().nonnegative()).optional(),
    /** Opening trades placed in the current trading day. */
    tradesToday: z.number().int().nonnegative().optional(),
    /** The strategy's own exposure and its allocation base (for the per-strategy allocation %). */
    strategy: z.object({ id: z.string(), exposure: NonNegativeAmount, allocationBase: Amount }).strict().optional(),
    /** Recent bars per symbol, for the rolling correlation (aligned on ts). */
    candles: z.record(z.string(), ClosePoints).optional(),
    /** Derivatives context per symbol; absent = spot. */
    derivatives: z.record(z.string(), DerivativesContext).optional(),
    volBreaker: VolBreakerState.optional(),
    drawdown: z.object({ account: DrawdownState.optional(), strategy: DrawdownState.optional() }).strict().optional(),
    stopouts: StopoutHistory.optional(),
    performance: PerformanceState.optional(),
  })
  .strict();
export type RiskFacts = z.infer<typeof RiskFacts>;

/** Positions × marks (avg price when unmarked), plus reservations (quote notional by symbol). */
export function exposureFromPortfolio(p: Portfolio, reservations: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pos of Object.values(p.positions)) {
    if (cmp(pos.quantity, 0) <= 0) continue;
    out[pos.symbol] = mul(pos.quantity, p.marks[pos.symbol] ?? pos.avgPrice);
  }
  for (const [s, n] of Object.entries(reservations)) out[s] = add(out[s] ?? '0', n);
  return out;
}

/** Facts of a strategy run: its portfolio, its open orders and submissions, its carried guard states. */
export function runRiskFacts(args: {
  now: number;
  portfolio: Portfolio;
  strategyId: string;
  markTime?: Record<string, number>;
  openOrders?: number;
  /** Quote notional of the run's open buy orders by symbol (counted as exposure). */
  reservations?: Record<string, string>;
  submitTimes?: number[];
  tradesToday?: number;
  candles?: RiskFacts['candles'];
  derivatives?: RiskFacts['derivatives'];
  volBreaker?: VolBreakerState;
  accountDrawdown?: DrawdownState;
  stopouts?: StopoutHistory;
  performance?: PerformanceState;
}): RiskFacts {
  const exposure = exposureFromPortfolio(args.portfolio, args.reservations);
  const total = Object.values(exposure).reduce((s, n) => add(s, n), '0');
  return strip({
    scope: 'run',
    now: args.now,
    markTime:
      args.markTime ?? Object.fromEntries(Object.keys(args.portfolio.marks).map((s) => [s, args.portfolio.markedAt])),
    equity: args.portfolio.equity,
    exposure,
    openOrders: args.openOrders,
    submitTimes: args.submitTimes,
    tradesToday: args.tradesToday,
    strategy: { id: args.strategyId, exposure: total, allocationBase: args.portfolio.equity },
    candles: args.candles,
    derivatives: args.derivatives,
    volBreaker: args.volBreaker,
    drawdown: args.accountDrawdown ? { account: args.accountDrawdown } : undefined,
    stopouts: args.stopouts,
    performance: args.performance,
  });
}

/** Facts of the account supervisor: account equity, exposure of ALL runs + reservations, all open orders. */
export function accountRiskFacts(args: {
  now: number;
  equity: string;
  /** Filled exposure of all runs by symbol plus the reservations approved but not yet filled or released. */
  exposure: Record<string, string>;
  openOrders?: number;
  submitTimes?: number[];
  tradesToday?: number;
  markTime?: Record<string, number>;
  /** The requesting strategy's exposure and allocation base (e.g. account equity). */
  strategy?: { id: string; exposure: string; allocationBase: string };
  candles?: RiskFacts['candles'];
  derivatives?: RiskFacts['derivatives'];
  volBreaker?: VolBreakerState;
  drawdown?: DrawdownState;
  stopouts?: StopoutHistory;
}): RiskFacts {
  return strip({
    scope: 'account',
    now: args.now,
    markTime: args.markTime,
    equity: args.equity,
    exposure: args.exposure,
    openOrders: args.openOrders,
    submitTimes: args.submitTimes,
    tradesToday: args.tradesToday,
    strategy: args.strategy,
    candles: args.candles,
    derivatives: args.derivatives,
    volBreaker: args.volBreaker,
    drawdown: args.drawdown ? { account: args.drawdown } : undefined,
    stopouts: args.stopouts,
  });
}

/**
 * A Portfolio-shaped view of the account for evaluateIntent in the supervisor: cash (buying power),
 * equity, day start equity (daily loss), high-water mark, held quantities (for sells) and marks.
 */
export function accountPortfolio(args: {
  quote: string;
  cash: string;
  equity: string;
  dayStartEquity: string;
  highWaterMark?: string;
  now: number;
  positions?: Record<string, { base: string; quantity: string; avgPrice?: string }>;
  marks?: Record<string, string>;
}): Portfolio {
  const dd = updateDrawdown(
    args.highWaterMark
      ? { highWaterMark: args.highWaterMark, equity: args.highWaterMark, drawdownPct: '0', maxDrawdownPct: '0' }
      : undefined,
    args.equity,
  );
  const positions: Portfolio['positions'] = {};
  for (const [symbol, p] of Object.entries(args.positions ?? {}))
    positions[symbol] = { symbol, base: p.base, quantity: p.quantity, avgPrice: p.avgPrice ?? '0', realizedPnl: '0' };
  return {
    quote: args.quote,
    startingCapital: args.dayStartEquity,
    cash: args.cash,
    positions,
    realizedPnl: '0',
    fees: {},
    feesQuote: '0',
    marks: args.marks ?? {},
    markedAt: args.now,
    equity: args.equity,
    unrealizedPnl: '0',
    highWaterMark: dd.highWaterMark,
    drawdownPct: dd.drawdownPct,
    maxDrawdownPct: dd.maxDrawdownPct,
    day: { date: utcDate(args.now), startEquity: args.dayStartEquity },
    fillCount: 0,
  };
}

function strip(f: Record<string, unknown>): RiskFacts {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as RiskFacts;
}
