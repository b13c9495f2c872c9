/**
 * Runtime guards: state machines over time, advanced by pure updaters and checked every tick (not per
 * intent). Every carried state is a plain JSON object, so a workflow can keep it across continue-as-new:
 *
 *   DrawdownState   — high-water mark and drawdown of one equity series (account or strategy): updateDrawdown
 *   VolBreakerState — volatility circuit breaker NORMAL → WARNING → REDUCING → HALTED with cooldown: advanceVolBreaker
 *   StopoutHistory  — losing closed trades and cooldown locks (Freqtrade StoplossGuard): recordClosedTrade
 *   PerformanceState— rolling closed-trade results and the auto-disable verdict: recordTradeResult
 *
 * Each has a breach function returning a GuardBreach { code, message, numbers, target } or undefined.
 */
import { z } from 'zod';
import { Dec, str, sub, cmp, add } from '../money';
import type { TradingState } from '../run/trading-state';
import type { PerformanceMonitorConfig, StopoutGuardConfig, VolBreakerConfig } from './config';
import { realizedVolPct, fmt, type ClosePoint } from './stats';
import type { ReasonCode } from '../vocabulary';

export interface GuardBreach {
  code: ReasonCode;
  message: string;
  numbers: Record<string, string>;
  /** The state the run (or account) must move to. */
  target: TradingState;
  /** The breach lifts by itself (vol breaker cooling down, stop-out cooldown expiring). */
  temporary?: boolean;
  /** When a temporary breach lifts (ms), when known. */
  until?: number;
  /** Performance monitor: the strategy is disabled (no new entries) until a person re-enables it. */
  disableStrategy?: boolean;
}

const pct = (part: string, whole: string): string =>
  cmp(whole, 0) > 0 ? str(new Dec(part).div(whole).times(100)) : '0';

// ───────────────────────────── drawdown from the high-water mark ─────────────────────────────

export const DrawdownState = z
  .object({ highWaterMark: z.string(), equity: z.string(), drawdownPct: z.string(), maxDrawdownPct: z.string() })
  .strict();
export type DrawdownState = z.infer<typeof DrawdownState>;

/** Advance a drawdown state with a new equity reading (the same function for the account and a strategy). */
export function updateDrawdown(state: DrawdownState | undefined, equity: string): DrawdownState {
  const hwm = state && cmp(state.highWaterMark, equity) >= 0 ? state.highWaterMark : str(equity);
  const dd = cmp(hwm, 0) > 0 ? str(Dec.max(0, new Dec(hwm).minus(equity).div(hwm).times(100))) : '0';
  const maxDd = state && cmp(state.maxDrawdownPct, dd) > 0 ? state.maxDrawdownPct : dd;
  return { highWaterMark: hwm, equity: str(equity), drawdownPct: dd, maxDrawdownPct: maxDd };
}

/** Drawdown at or past the limit → HALTED. `scope` names the series in the code: ACCOUNT_/STRATEGY_DRAWDOWN_LIMIT. */
export function drawdownBreach(
  state: DrawdownState,
  limitPct: number | undefined,
  scope: 'account' | 'strategy',
): GuardBreach | undefined {
  if (limitPct === undefined) return undefined;
  if (cmp(state.drawdownPct, limitPct) < 0) return undefined;
  const code = scope === 'account' ? 'ACCOUNT_DRAWDOWN_LIMIT' : 'STRATEGY_DRAWDOWN_LIMIT';
  return {
    code,
    message: `${scope} drawdown ${state.drawdownPct}% from the high-water mark ${state.highWaterMark} reached the limit of ${limitPct}%`,
    numbers: {
      scope,
      drawdownPct: state.drawdownPct,
      limitPct: String(limitPct),
      highWaterMark: state.highWaterMark,
      equity: state.equity,
    },
    target: 'HALTED',
  };
}

// ───────────────────────────── volatility circuit breaker ─────────────────────────────

export const VolLevel = z.enum(['NORMAL', 'WARNING', 'REDUCING', 'HALTED']);
export type VolLevel = z.infer<typeof VolLevel>;
const RANK: Record<VolLevel, number> = { NORMAL: 0, WARNING: 1, REDUCING: 2, HALTED: 3 };

export const VolBreakerState = z
  .object({
    level: VolLevel,
    /** Bars in a row measured below the current level. */
    calmBars: z.number().int().nonnegative(),
    /** Last measured realized vol (% per bar) and the symbol it came from (the most volatile). */
    volPct: z.string().optional(),
    symbol: z.string().optional(),
    at: z.number().int().nonnegative().optional(),
    /** When the current level was entered. */
    since: z.number().int().nonnegative().optional(),
  })
  .strict();
export type VolBreakerState = z.infer<typeof VolBreakerState>;

export const VOL_BREAKER_INITIAL: VolBreakerState = { level: 'NORMAL', calmBars: 0 };

/** The level a realized volatility maps to. */
export function volLevel(volPct: number, cfg: VolBreakerConfig): VolLevel {
  if (volPct >= cfg.haltPct) return 'HALTED';
  if (cfg.reducePct !== undefined && volPct >= cfg.reducePct) return 'REDUCING';
  if (cfg.warnPct !== undefined && volPct >= cfg.warnPct) return 'WARNING';
  return 'NORMAL';
}

/** Realized vol (% per bar) of each symbol's last `window` returns. */
export function volBySymbol(
  candles: Record<string, readonly ClosePoint[]>,
  window: number,
): Record<string, number | undefined> {
  return Object.fromEntries(
    Object.entries(candles).map(([s, bars]) => [
      s,
      realizedVolPct(
        bars.map((b) => b.close),
        window,
      ),
    ]),
  );
}

/**
 * Advance the breaker by one bar. The measured level is that of the most volatile symbol. A level at or
 * above the current one takes effect at once (and resets the calm count); a lower level takes effect
 * only after `cooldownBars` bars in a row below the current level, and then the breaker steps down to
 * the level measured on that bar.
 */
export function advanceVolBreaker(
  state: VolBreakerState | undefined,
  bar: { at: number; volPctBySymbol: Record<string, number | undefined> },
  cfg: VolBreakerConfig,
): VolBreakerState {
  const cur = state ?? VOL_BREAKER_INITIAL;
  let top: { symbol: string; vol: number } | undefined;
  for (const [symbol, vol] of Object.entries(bar.volPctBySymbol)) {
    if (vol !== undefined && (!top || vol > top.vol)) top = { symbol, vol };
  }
  if (!top) return { ...cur, at: bar.at };
  const measured = volLevel(top.vol, cfg);
  const seen = { volPct: fmt(top.vol), symbol: top.symbol, at: bar.at };
  if (RANK[measured] >= RANK[cur.level])
    return { ...seen, level: measured, calmBars: 0, since: measured === cur.level ? (cur.since ?? bar.at) : bar.at };
  const calmBars = cur.calmBars + 1;
  if (calmBars >= cfg.cooldownBars) return { ...seen, level: measured, calmBars: 0, since: bar.at };
  return { ...seen, level: cur.level, calmBars, ...(cur.since !== undefined ? { since: cur.since } : {}) };
}

/** REDUCING or HALTED levels are breaches (temporary: they lift after the cooldown). WARNING is not. */
export function volBreakerBreach(state: VolBreakerState, cfg: VolBreakerConfig | undefined): GuardBreach | undefined {
  if (!cfg || (state.level !== 'REDUCING' && state.level !== 'HALTED')) return undefined;
  const limit = state.level === 'HALTED' ? cfg.haltPct : (cfg.reducePct ?? cfg.haltPct);
  return {
    code: state.level === 'HALTED' ? 'VOL_BREAKER_HALTED' : 'VOL_BREAKER_REDUCING',
    message: `volatility circuit breaker at ${state.level}: realized vol ${state.volPct ?? '?'}% per bar on ${state.symbol ?? '?'} (level ${limit}%)`,
    numbers: volNumbers(state, cfg),
    target: state.level,
    temporary: true,
  };
}

export function volNumbers(state: VolBreakerState, cfg: VolBreakerConfig): Record<string, string> {
  return {
    level: state.level,
    ...(state.volPct !== undefined ? { volPct: state.volPct } : {}),
    ...(state.symbol !== undefined ? { symbol: state.symbol } : {}),
    ...(cfg.warnPct !== undefined ? { warnPct: String(cfg.warnPct) } : {}),
    ...(cfg.reducePct !== undefined ? { reducePct: String(cfg.reducePct) } : {}),
    haltPct: String(cfg.haltPct),
    calmBars: String(state.calmBars),
    cooldownBars: String(cfg.cooldownBars),
    window: String(cfg.window),
  };
}

// ───────────────────────────── stop-out cooldown (StoplossGuard) ─────────────────────────────

export const StopoutHistory = z
  .object({
    /** Losing closed trades still inside the lookback. */
    stopouts: z.array(z.object({ at: z.number().int().nonnegative(), symbol: z.string(), pnl: z.string() }).strict()),
    /** Lock of all entries until this time (ms). */
    lockedUntil: z.number().int().nonnegative().optional(),
    /** Per-symbol locks (perSymbol mode). */
    symbolLocks: z.record(z.string(), z.number().int().nonnegative()).default({}),
  })
  .strict();
export type StopoutHistory = z.infer<typeof StopoutHistory>;
export const STOPOUT_INITIAL: StopoutHistory = { stopouts: [], symbolLocks: {} };

/**
 * Record a closed trade. A stop-out is a closed trade with a loss (pnl < 0). When the stop-outs within
 * the lookback (of the symbol, in perSymbol mode) reach maxStopouts, entries are locked for the
 * cooldown and the counted stop-outs are consumed (so the lock is not re-armed by the same trades).
 */
export function recordClosedTrade(
  h: StopoutHistory | undefined,
  trade: { at: number; symbol: string; pnl: string },
  cfg: StopoutGuardConfig,
): StopoutHistory {
  const cur = h ?? STOPOUT_INITIAL;
  const from = trade.at - cfg.lookbackMinutes * 60_000;
  let stopouts = cur.stopouts.filter((s) => s.at > from);
  if (cmp(trade.pnl, 0) >= 0) return { ...cur, stopouts };
  stopouts = [...stopouts, { at: trade.at, symbol: trade.symbol, pnl: str(trade.pnl) }];
  const counted = cfg.perSymbol ? stopouts.filter((s) => s.symbol === trade.symbol) : stopouts;
  if (counted.length < cfg.maxStopouts) return { ...cur, stopouts };
  const until = trade.at + cfg.cooldownMinutes * 60_000;
  const rest = stopouts.filter((s) => !counted.includes(s));
  if (cfg.perSymbol) return { ...cur, stopouts: rest, symbolLocks: { ...cur.symbolLocks, [trade.symbol]: until } };
  return { ...cur, stopouts: rest, lockedUntil: until };
}

/** The lock that applies to `symbol` at `now`, if any. */
export function stopoutLock(
  h: StopoutHistory,
  now: number,
  symbol: string | undefined,
): { until: number; scope: string } | undefined {
  if (h.lockedUntil !== undefined && now < h.lockedUntil) return { until: h.lockedUntil, scope: 'all' };
  const s = symbol !== undefined ? h.symbolLocks[symbol] : undefined;
  if (s !== undefined && now < s) return { until: s, scope: symbol as string };
  return undefined;
}

/** A lock of all entries → REDUCING until it expires (per-symbol locks only deny that symbol's entries). */
export function stopoutBreach(
  h: StopoutHistory,
  now: number,
  cfg: StopoutGuardConfig | undefined,
): GuardBreach | undefined {
  if (!cfg) return undefined;
  const lock = stopoutLock(h, now, undefined);
  if (!lock) return undefined;
  return {
    code: 'STOPOUT_COOLDOWN',
    message: `${cfg.maxStopouts} stop-outs within ${cfg.lookbackMinutes} min: no new entries until ${new Date(lock.until).toISOString()}`,
    numbers: {
      maxStopouts: String(cfg.maxStopouts),
      lookbackMinutes: String(cfg.lookbackMinutes),
      cooldownMinutes: String(cfg.cooldownMinutes),
      until: String(lock.until),
      remainingSeconds: String((lock.until - now) / 1000),
    },
    target: 'REDUCING',
    temporary: true,
    until: lock.until,
  };
}

// ───────────────────────────── strategy performance monitor ─────────────────────────────

export const PerformanceState = z
  .object({
    trades: z.array(z.object({ at: z.number().int().nonnegative(), pnl: z.string() }).strict()),
    disabled: z
      .object({
        code: z.string(),
        at: z.number().int().nonnegative(),
        message: z.string(),
        numbers: z.record(z.string(), z.string()),
      })
      .strict()
      .optional(),
  })
  .strict();
export type PerformanceState = z.infer<typeof PerformanceState>;
export const PERFORMANCE_INITIAL: PerformanceState = { trades: [] };

export interface PerformanceStats {
  trades: number;
  wins: number;
  winRatePct: string;
  grossProfit: string;
  grossLoss: string;
  /** grossProfit / grossLoss; 'inf' when there is no loss. */
  profitFactor: string;
  /** Peak-to-trough of cumulative PnL, % of (allocation base + peak). */
  drawdownPct: string;
}

export function performanceStats(trades: ReadonlyArray<{ pnl: string }>, allocationBase: string): PerformanceStats {
  let wins = 0;
  let gp = '0';
  let gl = '0';
  let cum = '0';
  let peak = '0';
  let dd = '0';
  for (const t of trades) {
    if (cmp(t.pnl, 0) > 0) {
      wins++;
      gp = add(gp, t.pnl);
    } else if (cmp(t.pnl, 0) < 0) gl = sub(gl, t.pnl);
    cum = add(cum, t.pnl);
    if (cmp(cum, peak) > 0) peak = cum;
    const d = pct(sub(peak, cum), add(allocationBase, peak));
    if (cmp(d, dd) > 0) dd = d;
  }
  return {
    trades: trades.length,
    wins,
    winRatePct: trades.length ? str(new Dec(wins).div(trades.length).times(100)) : '0',
    grossProfit: gp,
    grossLoss: gl,
    profitFactor: cmp(gl, 0) > 0 ? str(new Dec(gp).div(gl)) : 'inf',
    drawdownPct: dd,
  };
}

/** The monitor's verdict over the rolling window: a reason to disable, or undefined. */
export function performanceVerdict(
  state: PerformanceState,
  cfg: PerformanceMonitorConfig,
  allocationBase: string,
): { code: ReasonCode; message: string; numbers: Record<string, string> } | undefined {
  const trades = state.trades.slice(-cfg.window);
  if (trades.length < cfg.minTrades) return undefined;
  const s = performanceStats(trades, allocationBase);
  const numbers: Record<string, string> = {
    trades: String(s.trades),
    wins: String(s.wins),
    winRatePct: s.winRatePct,
    profitFactor: s.profitFactor,
    grossProfit: s.grossProfit,
    grossLoss: s.grossLoss,
    drawdownPct: s.drawdownPct,
    window: String(cfg.window),
    allocationBase,
  };
  if (cfg.minWinRatePct !== undefined && cmp(s.winRatePct, cfg.minWinRatePct) < 0)
    return {
      code: 'STRATEGY_WIN_RATE_LOW',
      message: `rolling win rate ${s.winRatePct}% over ${s.trades} trades is below ${cfg.minWinRatePct}%`,
      numbers: { ...numbers, minWinRatePct: String(cfg.minWinRatePct) },
    };
  if (cfg.minProfitFactor !== undefined && s.profitFactor !== 'inf' && cmp(s.profitFactor, cfg.minProfitFactor) < 0)
    return {
      code: 'STRATEGY_PROFIT_FACTOR_LOW',
      message: `rolling profit factor ${s.profitFactor} over ${s.trades} trades is below ${cfg.minProfitFactor}`,
      numbers: { ...numbers, minProfitFactor: String(cfg.minProfitFactor) },
    };
  if (cfg.maxDrawdownPct !== undefined && cmp(s.drawdownPct, cfg.maxDrawdownPct) >= 0)
    return {
      code: 'STRATEGY_DRAWDOWN',
      message: `rolling drawdown ${s.drawdownPct}% over ${s.trades} trades reached ${cfg.maxDrawdownPct}%`,
      numbers: { ...numbers, maxDrawdownPct: String(cfg.maxDrawdownPct) },
    };
  return undefined;
}

/** Record a closed trade's PnL; keeps the last `window` trades; disables the strategy on a breach (sticky). */
export function recordTradeResult(
  state: PerformanceState | undefined,
  trade: { at: number; pnl: string },
  cfg: PerformanceMonitorConfig,
  allocationBase: string,
): PerformanceState {
  const cur = state ?? PERFORMANCE_INITIAL;
  const next: PerformanceState = {
    ...cur,
    trades: [...cur.trades, { at: trade.at, pnl: str(trade.pnl) }].slice(-cfg.window),
  };
  if (next.disabled) return next;
  const v = performanceVerdict(next, cfg, allocationBase);
  return v ? { ...next, disabled: { ...v, at: trade.at } } : next;
}

/** A person re-enables a disabled strategy: the verdict and the window are cleared. */
export function reenableStrategy(): PerformanceState {
  return { trades: [] };
}

export function performanceBreach(state: PerformanceState): GuardBreach | undefined {
  if (!state.disabled) return undefined;
  // The monitor stored one of its own codes (performanceVerdict) when it disabled the strategy.
  return {
    code: state.disabled.code as ReasonCode,
    message: `strategy disabled: ${state.disabled.message}`,
    numbers: state.disabled.numbers,
    target: 'REDUCING',
    disableStrategy: true,
  };
}

// ───────────────────────────── closed trades (input of stop-outs and the performance monitor) ─────────────────────────────

export const TradeTracker = z
  .object({
    /** Open round trips by symbol: when opened, realized PnL of the symbol at that moment, fees paid since (quote). */
    open: z.record(
      z.string(),
      z.object({ openedAt: z.number().int().nonnegative(), realizedAtOpen: z.string(), fees: z.string() }).strict(),
    ),
  })
  .strict();
export type TradeTracker = z.infer<typeof TradeTracker>;
export const TRADE_TRACKER_INITIAL: TradeTracker = { open: {} };

export interface ClosedTrade {
  symbol: string;
  openedAt: number;
  at: number;
  /** Realized PnL of the round trip net of every fee paid on it (quote). */
  pnl: string;
}

/**
 * Follow one fill: a round trip opens when a flat position is bought and closes when the position is back
 * to 0. `before` / `after` are the portfolio around applyFill(before, fill); the fill's fee in quote is
 * after.feesQuote − before.feesQuote. Returns the closed trade, if the fill closed one — feed it to
 * recordClosedTrade and recordTradeResult.
 */
export function trackFill(
  tracker: TradeTracker | undefined,
  before: { positions: Record<string, { quantity: string; realizedPnl: string }>; feesQuote: string },
  after: { positions: Record<string, { quantity: string; realizedPnl: string }>; feesQuote: string },
  fill: { symbol: string; ts: number },
): { tracker: TradeTracker; closed?: ClosedTrade } {
  const cur = tracker ?? TRADE_TRACKER_INITIAL;
  const fee = sub(after.feesQuote, before.feesQuote);
  const prevQty = before.positions[fill.symbol]?.quantity ?? '0';
  const nextQty = after.positions[fill.symbol]?.quantity ?? '0';
  const open =
    cur.open[fill.symbol] ??
    (cmp(prevQty, 0) === 0 && cmp(nextQty, 0) > 0
      ? { openedAt: fill.ts, realizedAtOpen: before.positions[fill.symbol]?.realizedPnl ?? '0', fees: '0' }
      : undefined);
  if (!open) return { tracker: cur };
  const withFee = { ...open, fees: add(open.fees, fee) };
  if (cmp(nextQty, 0) > 0) return { tracker: { open: { ...cur.open, [fill.symbol]: withFee } } };
  const rest = { ...cur.open };
  delete rest[fill.symbol];
  const realized = sub(after.positions[fill.symbol]?.realizedPnl ?? '0', withFee.realizedAtOpen);
  return {
    tracker: { open: rest },
    closed: { symbol: fill.symbol, openedAt: withFee.openedAt, at: fill.ts, pnl: sub(realized, withFee.fees) },
  };
}
