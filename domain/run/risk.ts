/**
 * The risk state a strategy run carries across ticks and continue-as-new, and the facts it gives the
 * risk engine (domain/risk/facts.ts) each tick: close series for the correlation limit and the vol
 * breaker, submission times for the rate limit, trades per day, closed round trips for the stop-out
 * guard and the performance monitor. Pure: the workflow calls these with market time.
 */
import type { Candle } from '../market/candles';
import { keepNewest } from '../bounded';
import { add, cmp, mul } from '../money';
import type { Order } from '../orders/order';
import type { Portfolio } from '../portfolio/portfolio';
import { utcDate } from '../portfolio/portfolio';
import type { RiskConfig } from '../risk/config';
import { parseSubmitRate } from '../risk/config';
import { runRiskFacts, type RiskFacts } from '../risk/facts';
import {
  advanceVolBreaker,
  recordClosedTrade,
  recordTradeResult,
  trackFill,
  volBySymbol,
  type ClosedTrade,
  type GuardBreach,
  type PerformanceState,
  type StopoutHistory,
  type TradeTracker,
  type VolBreakerState,
} from '../risk/guards';
import type { TradingState } from './trading-state';

export type ClosePoint = { ts: number; close: number } & Record<string, unknown>;

export interface RunRiskState {
  /** Close series per symbol, resampled as the correlation limit wants, bounded to what the checks use. */
  closes: Record<string, ClosePoint[]>;
  submitTimes: number[];
  tradesToday: { date: string; count: number };
  volBreaker?: VolBreakerState;
  stopouts?: StopoutHistory;
  performance?: PerformanceState;
  trades?: TradeTracker;
  /** A temporary guard (vol breaker, stop-out cooldown) holds the run in this state until it lifts. */
  hold?: { code: string; state: TradingState; until?: number };
  closedTrades: number;
}

export function initialRunRisk(): RunRiskState {
  return { closes: {}, submitTimes: [], tradesToday: { date: '', count: 0 }, closedTrades: 0 };
}

/** Bars of `barMs` that fill a window of `window` returns, resampled to `resampleMinutes` when given. */
function barsForWindow(window: number, resampleMinutes: number | undefined, barMs: number): number {
  return (window + 1) * (resampleMinutes && barMs > 0 ? Math.ceil((resampleMinutes * 60_000) / barMs) : 1);
}

/** Append bars' closes to a series (on the `everyMs` grid, the last close of each bucket), keeping the last `keep`. */
function appendCloses(series: ClosePoint[], bars: readonly Candle[], everyMs: number | undefined, keep: number): void {
  const last = series.length ? series[series.length - 1].ts : -Infinity;
  for (const b of bars) {
    const ts = everyMs ? Math.floor(b.ts / everyMs) * everyMs : b.ts;
    if (series.length && series[series.length - 1].ts === ts) series[series.length - 1] = { ts, close: b.close };
    else if (ts > last) series.push({ ts, close: b.close });
  }
  keepNewest(series, keep);
}

/** Bars of history the risk checks need before they can measure (asked for on the run's first tick). */
export function riskHistoryBars(config: RiskConfig, barMs: number): number {
  const corr =
    config.maxCorrelatedExposurePct !== undefined
      ? barsForWindow(config.correlationWindow, config.correlationResampleMinutes, barMs)
      : 0;
  const vol = config.volBreaker ? config.volBreaker.window + 1 : 0;
  return Math.min(5_000, Math.max(corr, vol));
}

/** Whether the run's risk series are still empty (its first tick: ask for history). */
export function needsHistory(risk: RunRiskState, config: RiskConfig): boolean {
  return riskHistoryBars(config, 1) > 0 && Object.keys(risk.closes).length === 0;
}

/** Append new bars: `vol:` keeps the vol window of raw closes; `corr:` the (resampled) correlation window. */
export function observeBars(risk: RunRiskState, symbol: string, bars: readonly Candle[], config: RiskConfig): void {
  if (config.maxCorrelatedExposurePct !== undefined)
    appendCloses(
      (risk.closes[`corr:${symbol}`] ??= []),
      bars,
      config.correlationResampleMinutes ? config.correlationResampleMinutes * 60_000 : undefined,
      config.correlationWindow + 1,
    );
  if (config.volBreaker)
    appendCloses((risk.closes[`vol:${symbol}`] ??= []), bars, undefined, config.volBreaker.window + 1);
}

/** Bars of history the account's correlation limit needs (asked for on the run's first tick). */
export function accountHistoryBars(need: { window: number; resampleMinutes?: number }, barMs: number): number {
  return Math.min(5_000, barsForWindow(need.window, need.resampleMinutes, barMs));
}

/** The account's correlation limit: keep the series it asked for (sent to the supervisor with reports). */
export function observeAccountBars(
  risk: RunRiskState,
  symbol: string,
  bars: readonly Candle[],
  need: { window: number; resampleMinutes?: number },
): void {
  appendCloses(
    (risk.closes[`acct:${symbol}`] ??= []),
    bars,
    need.resampleMinutes ? need.resampleMinutes * 60_000 : undefined,
    need.window + 1,
  );
}

/** The account series that gained a point since `sent` (symbol → last ts sent); updates `sent`. */
export function accountClosesToSend(
  risk: RunRiskState,
  sent: Record<string, number>,
): Record<string, Array<{ ts: number; close: number }>> | undefined {
  const out: Record<string, Array<{ ts: number; close: number }>> = {};
  for (const [k, series] of Object.entries(risk.closes)) {
    if (!k.startsWith('acct:') || series.length === 0) continue;
    const symbol = k.slice(5);
    const lastTs = series[series.length - 1].ts;
    if (sent[symbol] === lastTs) continue;
    out[symbol] = series.map((p) => ({ ts: p.ts, close: p.close }));
  }
  return Object.keys(out).length ? out : undefined;
}

function seriesOf(risk: RunRiskState, kind: 'corr' | 'vol'): Record<string, ClosePoint[]> {
  const out: Record<string, ClosePoint[]> = {};
  for (const [k, v] of Object.entries(risk.closes)) if (k.startsWith(`${kind}:`)) out[k.slice(kind.length + 1)] = v;
  return out;
}

/** Advance the vol breaker by one tick (market time `at`). */
export function advanceRunVolBreaker(risk: RunRiskState, config: RiskConfig, at: number): void {
  if (!config.volBreaker) return;
  risk.volBreaker = advanceVolBreaker(
    risk.volBreaker,
    { at, volPctBySymbol: volBySymbol(seriesOf(risk, 'vol'), config.volBreaker.window) },
    config.volBreaker,
  );
}

/** An order was submitted (counted for the submit rate, and as a trade of the day when it opens a position). */
export function recordSubmit(risk: RunRiskState, at: number, opening: boolean, config: RiskConfig): void {
  risk.submitTimes.push(at);
  const windowMs = config.maxSubmitRate ? parseSubmitRate(config.maxSubmitRate).intervalMs : 0;
  risk.submitTimes = risk.submitTimes.filter((t) => t > at - windowMs);
  const day = utcDate(at);
  if (risk.tradesToday.date !== day) risk.tradesToday = { date: day, count: 0 };
  if (opening) risk.tradesToday.count += 1;
}

/** Fills of one order were applied (before → after): closed round trips feed the stop-out guard and the performance monitor. */
export function recordFills(
  risk: RunRiskState,
  before: Portfolio,
  after: Portfolio,
  symbol: string,
  at: number,
  config: RiskConfig,
): ClosedTrade | undefined {
  const t = trackFill(risk.trades, before, after, { symbol, ts: at });
  risk.trades = t.tracker;
  if (!t.closed) return undefined;
  risk.closedTrades += 1;
  if (config.stopoutGuard)
    risk.stopouts = recordClosedTrade(risk.stopouts, { at, symbol, pnl: t.closed.pnl }, config.stopoutGuard);
  if (config.performanceMonitor)
    risk.performance = recordTradeResult(
      risk.performance,
      { at, pnl: t.closed.pnl },
      config.performanceMonitor,
      after.startingCapital,
    );
  return t.closed;
}

/** The facts the risk engine decides with this tick. */
export function runFacts(args: {
  risk: RunRiskState;
  portfolio: Portfolio;
  strategyId: string;
  now: number;
  markTime: Record<string, number>;
  openOrders: Order[];
  config: RiskConfig;
}): RiskFacts {
  const { risk, portfolio, config } = args;
  const reservations: Record<string, string> = {};
  for (const o of args.openOrders) {
    if (o.side !== 'buy') continue;
    const left = add(o.quantity, `-${o.filledQuantity}`);
    const price = o.price ?? portfolio.marks[o.symbol] ?? '0';
    if (cmp(left, 0) > 0) reservations[o.symbol] = add(reservations[o.symbol] ?? '0', mul(left, price));
  }
  const day = utcDate(args.now);
  return runRiskFacts({
    now: args.now,
    portfolio,
    strategyId: args.strategyId,
    markTime: args.markTime,
    openOrders: args.openOrders.length,
    reservations,
    submitTimes: risk.submitTimes,
    tradesToday: risk.tradesToday.date === day ? risk.tradesToday.count : 0,
    ...(config.maxCorrelatedExposurePct !== undefined ? { candles: seriesOf(risk, 'corr') } : {}),
    ...(risk.volBreaker ? { volBreaker: risk.volBreaker } : {}),
    ...(risk.stopouts ? { stopouts: risk.stopouts } : {}),
    ...(risk.performance ? { performance: risk.performance } : {}),
  });
}

const SEVERITY: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/**
 * A temporary breach (vol breaker, stop-out cooldown) that moved the run is remembered as a hold. While it
 * holds, the run follows the guard down a level (HALTED → REDUCING as the breaker cools); when no breach
 * is active any more, the hold ends and the run returns to ACTIVE. Only a state the hold itself set is
 * changed: if a person, the account or a permanent guard changed it meanwhile, it stays.
 */
export function holdAfter(
  risk: RunRiskState,
  guard: GuardBreach | undefined,
  stateNow: TradingState,
): { to?: TradingState; reason?: string } {
  const held = risk.hold;
  if (guard?.temporary) {
    risk.hold = { code: guard.code, state: guard.target, ...(guard.until !== undefined ? { until: guard.until } : {}) };
    if (held && stateNow === held.state && SEVERITY[guard.target] < SEVERITY[held.state])
      return { to: guard.target, reason: `${guard.code}: the guard stepped down to ${guard.target}` };
    return {};
  }
  if (!held) return {};
  risk.hold = undefined;
  if (!guard && stateNow === held.state)
    return { to: 'ACTIVE', reason: `${held.code} lifted: the temporary risk guard's cooldown is over` };
  return {};
}
