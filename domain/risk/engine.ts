/**
 * The pre-trade risk engine. Pure and deterministic; it never talks to a venue. Each check either
 * passes, resizes the quantity down, or denies — with an UPPER_SNAKE code and the numbers that decided.
 * Checks run in a fixed order (CHECKS); the first denial wins, resizes compound.
 *
 * Two callers, one engine:
 *   evaluateIntent(intent, { tradingState, portfolio, config, mark, takerFee, facts })
 *   - strategy run:      facts = runRiskFacts({ now, portfolio, strategyId, openOrders, submitTimes, … })
 *   - account supervisor: portfolio = accountPortfolio({...}), facts = accountRiskFacts({ equity,
 *     exposure of all runs + reservations, openOrders of all runs, account submitTimes, … })
 * `facts` is optional: without it the checks that need facts are left out of the check list; with it, a
 * configured check whose facts are missing passes with code NOT_APPLICABLE.
 * A limit absent from the config is off (its check is left out of the list).
 *
 * Runtime guards (state machines over time, checked every tick): assessGuards / assessAllGuards, with
 * the carried states and their updaters in ./guards.
 */
import { Dec, str, mul, div, sub, cmp, add, display, min as dmin } from '../money';
import type { OrderIntent } from '../orders/order';
import type { Portfolio } from '../portfolio/portfolio';
import type { TradingState } from '../run/trading-state';
import { parseSubmitRate, type RiskConfig } from './config';
import { exposureFromPortfolio, type RiskFacts } from './facts';
import {
  drawdownBreach,
  performanceBreach,
  stopoutBreach,
  stopoutLock,
  volBreakerBreach,
  volNumbers,
  type DrawdownState,
  type GuardBreach,
} from './guards';
import { returnCorrelation, resampleCloses, fmt } from './stats';
import type { CheckResult, RiskVerdict } from './verdict';
import { dailyLossReached } from './breach';
import type { ReasonCode } from '../vocabulary';

export type { GuardBreach } from './guards';

export interface RiskContext {
  tradingState: TradingState;
  portfolio: Portfolio;
  config: RiskConfig;
  /** Price used to value the order when it has no limit price. */
  mark: string;
  /** Taker fee rate of the instrument, to reserve cash for fees. */
  takerFee: string;
  /** Run-level or account-level facts (see facts.ts). Optional: without them the checks that need them are left out. */
  facts?: RiskFacts;
}

type Numbers = Record<string, string>;
/** Codes come from the catalogue (REASON_CODES in domain/vocabulary.ts). */
export type Step =
  | { outcome: 'PASS'; code?: ReasonCode; numbers?: Numbers }
  | { outcome: 'SKIP' }
  | { outcome: 'RESIZE'; quantity: string; code: ReasonCode; numbers: Numbers }
  | { outcome: 'DENY'; code: ReasonCode; message: string; numbers: Numbers };

export interface Check {
  name: string;
  /** Runs for orders that open or add to a position (opening) or for all orders. */
  appliesTo: 'all' | 'opening';
  run(intent: OrderIntent, qty: string, ctx: RiskContext): Step;
}

/** Spot, long-only: a sell reduces the position; a buy opens or adds. */
export function isReducing(intent: Pick<OrderIntent, 'side'>): boolean {
  return intent.side === 'sell';
}

/** HALTED allows no new order; REDUCING (or reduce-only mode) allows only orders that reduce a position. */
export function tradingStateDenial(
  intent: Pick<OrderIntent, 'side'>,
  tradingState: TradingState,
  config: Pick<RiskConfig, 'reduceOnlyMode'>,
): { code: ReasonCode; message: string; numbers: Record<string, string> } | undefined {
  if (tradingState === 'HALTED')
    return {
      code: 'TRADING_HALTED',
      message: 'trading is HALTED: only cancels are allowed',
      numbers: { tradingState: 'HALTED' },
    };
  if ((tradingState === 'REDUCING' || config.reduceOnlyMode) && !isReducing(intent))
    return {
      code: 'REDUCE_ONLY',
      message: 'trading is REDUCING: only orders that reduce a position are allowed',
      numbers: { tradingState, reduceOnlyMode: String(config.reduceOnlyMode) },
    };
  return undefined;
}

function orderPrice(intent: OrderIntent, ctx: RiskContext): string {
  return str(intent.limitPrice ?? ctx.mark);
}

/** Quantity that spends at most `notional` quote at `price`. */
function qtyFor(notional: string, price: string): string {
  return cmp(price, 0) > 0 ? div(notional, price) : '0';
}

const PASS: Step = { outcome: 'PASS' };
const SKIP: Step = { outcome: 'SKIP' };
/** A configured check whose facts are missing: listed as NOT_APPLICABLE when facts were given, left out otherwise. */
function notApplicable(ctx: RiskContext, missing: string): Step {
  return ctx.facts ? { outcome: 'PASS', code: 'NOT_APPLICABLE', numbers: { missing } } : SKIP;
}
const pctOf = (whole: string, p: number): string => mul(whole, str(new Dec(p).div(100)));

/** Equity the %-of-equity limits use: the facts' (account equity in the supervisor) or the portfolio's. */
export function riskEquity(ctx: Pick<RiskContext, 'portfolio' | 'facts'>): string {
  return ctx.facts?.equity ?? ctx.portfolio.equity;
}

/** Exposure by symbol (quote notional, with reservations): the facts', or positions × marks. */
export function riskExposure(ctx: Pick<RiskContext, 'portfolio' | 'facts'>): Record<string, string> {
  return ctx.facts?.exposure ?? exposureFromPortfolio(ctx.portfolio);
}

const sumOf = (r: Record<string, string>): string => Object.values(r).reduce((s, n) => add(s, n), '0');

/**
 * The common shape of a cap on notional: PASS when the order fits the headroom, RESIZE to the headroom,
 * DENY when there is none.
 */
function capStep(
  code: ReasonCode,
  what: string,
  qty: string,
  price: string,
  cap: string,
  current: string,
  numbers: Numbers,
): Step {
  const orderNotional = mul(qty, price);
  const headroom = sub(cap, current);
  const n = { ...numbers, orderNotional, cap, headroom };
  if (cmp(headroom, 0) <= 0) return { outcome: 'DENY', code, message: `${what} is already at its cap`, numbers: n };
  if (cmp(orderNotional, headroom) <= 0) return { outcome: 'PASS', code: 'OK', numbers: n };
  return { outcome: 'RESIZE', quantity: qtyFor(headroom, price), code, numbers: n };
}

type LeverageCap = { code: ReasonCode; cap: number; scope: 'gross' | 'symbol'; window?: string };

/** Leverage caps that apply now: global, per symbol, and the UTC-hour windows containing `now`. */
export function leverageCaps(config: RiskConfig, symbol: string, now: number | undefined): LeverageCap[] {
  const caps: LeverageCap[] = [];
  if (config.maxLeverage !== undefined) caps.push({ code: 'LEVERAGE_LIMIT', cap: config.maxLeverage, scope: 'gross' });
  const perSymbol = config.maxLeveragePerSymbol[symbol];
  if (perSymbol !== undefined) caps.push({ code: 'SYMBOL_LEVERAGE_LIMIT', cap: perSymbol, scope: 'symbol' });
  if (now !== undefined) {
    const hour = new Date(now).getUTCHours();
    for (const w of config.leverageWindows) {
      const inside =
        w.startHourUtc <= w.endHourUtc
          ? hour >= w.startHourUtc && hour < w.endHourUtc
          : hour >= w.startHourUtc || hour < w.endHourUtc;
      if (inside) caps.push({ code: 'LEVERAGE_WINDOW_LIMIT', cap: w.maxLeverage, scope: 'gross', window: w.name });
    }
  }
  return caps;
}

/** Long liquidation price of an isolated linear position: entry × (1 − 1/leverage + maintenance margin rate). */
export function longLiquidationPrice(entryPrice: string, leverage: string, maintenanceMarginRate: string): string {
  return str(new Dec(entryPrice).times(new Dec(1).minus(new Dec(1).div(leverage)).plus(maintenanceMarginRate)));
}

/** Distance from the mark down to the liquidation price, % of the mark. */
export function liquidationBufferPct(mark: string, liquidationPrice: string): string {
  return cmp(mark, 0) > 0 ? str(new Dec(mark).minus(liquidationPrice).div(mark).times(100)) : '0';
}

/** All drawdown breaches the facts and portfolio show (run scope: the portfolio is the strategy's series). */
function drawdownBreaches(p: Portfolio, config: RiskConfig, facts: RiskFacts | undefined): GuardBreach[] {
  const out: GuardBreach[] = [];
  const own: DrawdownState = {
    highWaterMark: p.highWaterMark,
    equity: p.equity,
    drawdownPct: p.drawdownPct,
    maxDrawdownPct: p.maxDrawdownPct,
  };
  if (facts?.scope === 'account') {
    const b = drawdownBreach(facts.drawdown?.account ?? own, config.maxAccountDrawdownPct, 'account');
    if (b) out.push(b);
    if (facts.drawdown?.strategy) {
      const s = drawdownBreach(facts.drawdown.strategy, config.maxDrawdownPct, 'strategy');
      if (s) out.push(s);
    }
    return out;
  }
  const a = facts?.drawdown?.account
    ? drawdownBreach(facts.drawdown.account, config.maxAccountDrawdownPct, 'account')
    : undefined;
  if (a) out.push(a);
  const s = drawdownBreach(facts?.drawdown?.strategy ?? own, config.maxDrawdownPct, 'strategy');
  if (s) out.push(s);
  return out;
}

/** Limits on a count among the facts: DENY once the count reaches the limit ("<count> <what> (limit <limit>)"). */
const COUNT_LIMITS = {
  open_orders: { limit: 'maxOpenOrders', fact: 'openOrders', code: 'MAX_OPEN_ORDERS', what: 'orders open' },
  trades_per_day: { limit: 'maxTradesPerDay', fact: 'tradesToday', code: 'MAX_TRADES_PER_DAY', what: 'trades today' },
} as const satisfies Record<string, { limit: keyof RiskConfig; fact: keyof RiskFacts; code: ReasonCode; what: string }>;

function countLimitCheck(name: keyof typeof COUNT_LIMITS, appliesTo: Check['appliesTo']): Check {
  const spec = COUNT_LIMITS[name];
  return {
    name,
    appliesTo,
    run: (_i, _q, ctx): Step => {
      const limit = ctx.config[spec.limit];
      if (limit === undefined) return SKIP;
      const count = ctx.facts?.[spec.fact];
      if (count === undefined) return notApplicable(ctx, spec.fact);
      const numbers = { [spec.fact]: String(count), limit: String(limit) };
      if (count >= limit)
        return { outcome: 'DENY', code: spec.code, message: `${count} ${spec.what} (limit ${limit})`, numbers };
      return { outcome: 'PASS', code: 'OK', numbers };
    },
  };
}

export const CHECKS: readonly Check[] = [
  {
    name: 'kill_switch',
    appliesTo: 'all',
    run: (_i, _q, ctx): Step =>
      ctx.config.killSwitch
        ? {
            outcome: 'DENY',
            code: 'KILL_SWITCH_ENGAGED',
            message: 'the kill switch is engaged',
            numbers: { killSwitch: 'true' },
          }
        : PASS,
  },
  {
    name: 'trading_state',
    appliesTo: 'all',
    run: (intent, _q, ctx): Step => {
      const denial = tradingStateDenial(intent, ctx.tradingState, ctx.config);
      return denial ? { outcome: 'DENY', ...denial } : PASS;
    },
  },
  {
    name: 'strategy_enabled',
    appliesTo: 'opening',
    run: (_i, _q, ctx): Step => {
      const disabled = ctx.facts?.performance?.disabled;
      if (disabled)
        return {
          outcome: 'DENY',
          code: 'STRATEGY_DISABLED',
          message: `the strategy is disabled by the performance monitor: ${disabled.message}`,
          numbers: { reason: disabled.code, disabledAt: String(disabled.at), ...disabled.numbers },
        };
      if (!ctx.config.performanceMonitor) return SKIP;
      return ctx.facts?.performance
        ? { outcome: 'PASS', code: 'OK', numbers: { trades: String(ctx.facts.performance.trades.length) } }
        : notApplicable(ctx, 'performance');
    },
  },
  {
    name: 'position_available',
    appliesTo: 'all',
    run: (intent, qty, ctx): Step => {
      // A bracket's leg is armed before its entry may have filled (a TWAP fills over time); it is held to the
      // position when it fires, as the intent the fired stop becomes (without bracketLeg).
      if (intent.side !== 'sell' || intent.bracketLeg) return PASS;
      const held = ctx.portfolio.positions[intent.symbol]?.quantity ?? '0';
      if (cmp(held, 0) <= 0)
        return {
          outcome: 'DENY',
          code: 'NO_POSITION',
          message: `nothing to sell: no ${intent.symbol} position (spot, long-only)`,
          numbers: { requested: qty, position: held },
        };
      if (cmp(qty, held) > 0)
        return {
          outcome: 'RESIZE',
          quantity: held,
          code: 'SELL_EXCEEDS_POSITION',
          numbers: { requested: qty, position: held },
        };
      return PASS;
    },
  },
  {
    name: 'stale_mark',
    appliesTo: 'all',
    run: (intent, _q, ctx): Step => {
      if (!ctx.facts) return SKIP;
      const at = ctx.facts.markTime?.[intent.symbol];
      if (ctx.facts.now === undefined || at === undefined) return notApplicable(ctx, 'now,markTime');
      const ageSeconds = str(new Dec(ctx.facts.now - at).div(1000));
      const numbers = {
        markAgeSeconds: ageSeconds,
        limitSeconds: String(ctx.config.maxMarkStalenessSeconds),
        ...(ctx.config.markStaleWarnSeconds !== undefined
          ? { warnSeconds: String(ctx.config.markStaleWarnSeconds) }
          : {}),
        markTime: String(at),
        now: String(ctx.facts.now),
      };
      if (cmp(ageSeconds, ctx.config.maxMarkStalenessSeconds) > 0)
        return {
          outcome: 'DENY',
          code: 'STALE_MARK',
          message: `${intent.symbol} mark is ${ageSeconds} s old (limit ${ctx.config.maxMarkStalenessSeconds} s)`,
          numbers,
        };
      if (ctx.config.markStaleWarnSeconds !== undefined && cmp(ageSeconds, ctx.config.markStaleWarnSeconds) > 0)
        return { outcome: 'PASS', code: 'STALE_MARK_WARN', numbers };
      return { outcome: 'PASS', code: 'OK', numbers };
    },
  },
  {
    name: 'submit_rate',
    appliesTo: 'all',
    run: (_i, _q, ctx): Step => {
      if (!ctx.config.maxSubmitRate) return SKIP;
      const f = ctx.facts;
      if (f?.now === undefined || !f.submitTimes) return notApplicable(ctx, 'now,submitTimes');
      const { count, intervalMs } = parseSubmitRate(ctx.config.maxSubmitRate);
      const now = f.now;
      const recent = f.submitTimes.filter((t) => t > now - intervalMs && t <= now).sort((a, b) => a - b);
      const numbers = {
        submitted: String(recent.length),
        limit: String(count),
        intervalMs: String(intervalMs),
        rate: ctx.config.maxSubmitRate,
      };
      if (recent.length >= count)
        return {
          outcome: 'DENY',
          code: 'ORDER_RATE_LIMIT',
          message: `${recent.length} orders submitted in the last ${intervalMs / 1000} s (limit ${ctx.config.maxSubmitRate})`,
          numbers: { ...numbers, retryAfterMs: String(recent[recent.length - count] + intervalMs - now) },
        };
      return { outcome: 'PASS', code: 'OK', numbers };
    },
  },
  countLimitCheck('open_orders', 'all'),
  {
    name: 'daily_loss',
    appliesTo: 'opening',
    run: (_i, _q, ctx): Step => {
      const breach = dailyLossBreach(ctx.portfolio, ctx.config);
      return breach ? { outcome: 'DENY', code: breach.code, message: breach.message, numbers: breach.numbers } : PASS;
    },
  },
  {
    name: 'drawdown',
    appliesTo: 'opening',
    run: (_i, _q, ctx): Step => {
      if (ctx.config.maxDrawdownPct === undefined && ctx.config.maxAccountDrawdownPct === undefined) return SKIP;
      const [b] = drawdownBreaches(ctx.portfolio, ctx.config, ctx.facts);
      if (b) return { outcome: 'DENY', code: b.code, message: b.message, numbers: b.numbers };
      return {
        outcome: 'PASS',
        code: 'OK',
        numbers: { drawdownPct: ctx.portfolio.drawdownPct, highWaterMark: ctx.portfolio.highWaterMark },
      };
    },
  },
  {
    name: 'vol_breaker',
    appliesTo: 'all',
    run: (intent, _q, ctx): Step => {
      const cfg = ctx.config.volBreaker;
      if (!cfg) return SKIP;
      const st = ctx.facts?.volBreaker;
      if (!st) return notApplicable(ctx, 'volBreaker');
      const numbers = volNumbers(st, cfg);
      if (st.level === 'HALTED')
        return {
          outcome: 'DENY',
          code: 'VOL_BREAKER_HALTED',
          message: `volatility circuit breaker HALTED (${st.volPct ?? '?'}% on ${st.symbol ?? '?'})`,
          numbers,
        };
      if (st.level === 'REDUCING' && !isReducing(intent))
        return {
          outcome: 'DENY',
          code: 'VOL_BREAKER_REDUCING',
          message: `volatility circuit breaker REDUCING (${st.volPct ?? '?'}% on ${st.symbol ?? '?'}): only reducing orders`,
          numbers,
        };
      return { outcome: 'PASS', code: st.level === 'WARNING' ? 'VOL_BREAKER_WARNING' : 'OK', numbers };
    },
  },
  {
    name: 'stopout_cooldown',
    appliesTo: 'opening',
    run: (intent, _q, ctx): Step => {
      const cfg = ctx.config.stopoutGuard;
      if (!cfg) return SKIP;
      const h = ctx.facts?.stopouts;
      const now = ctx.facts?.now;
      if (!h || now === undefined) return notApplicable(ctx, 'now,stopouts');
      const lock = stopoutLock(h, now, intent.symbol);
      const numbers = {
        recentStopouts: String(h.stopouts.length),
        maxStopouts: String(cfg.maxStopouts),
        lookbackMinutes: String(cfg.lookbackMinutes),
        cooldownMinutes: String(cfg.cooldownMinutes),
      };
      if (lock)
        return {
          outcome: 'DENY',
          code: 'STOPOUT_COOLDOWN',
          message: `entries locked (${lock.scope}) after ${cfg.maxStopouts} stop-outs until ${new Date(lock.until).toISOString()}`,
          numbers: {
            ...numbers,
            lockScope: lock.scope,
            until: String(lock.until),
            remainingSeconds: str(new Dec(lock.until - now).div(1000)),
          },
        };
      return { outcome: 'PASS', code: 'OK', numbers };
    },
  },
  countLimitCheck('trades_per_day', 'opening'),
  {
    name: 'max_order_notional',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const limit = ctx.config.maxOrderNotional;
      if (!limit) return PASS;
      const price = orderPrice(intent, ctx);
      const notional = mul(qty, price);
      if (cmp(notional, limit) <= 0) return PASS;
      return {
        outcome: 'RESIZE',
        quantity: qtyFor(limit, price),
        code: 'MAX_ORDER_NOTIONAL',
        numbers: { notional, limit, price },
      };
    },
  },
  {
    name: 'position_cap',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const price = orderPrice(intent, ctx);
      const equity = riskEquity(ctx);
      const held = ctx.portfolio.positions[intent.symbol]?.quantity ?? '0';
      const current = ctx.facts?.exposure ? (ctx.facts.exposure[intent.symbol] ?? '0') : mul(held, ctx.mark);
      const pctCap = pctOf(equity, ctx.config.maxPositionPctPerSymbol);
      const cap = ctx.config.maxPositionNotionalPerSymbol
        ? dmin(pctCap, ctx.config.maxPositionNotionalPerSymbol)
        : pctCap;
      const headroom = sub(cap, current);
      const numbers = {
        positionNotional: current,
        orderNotional: mul(qty, price),
        cap,
        pctOfEquity: String(ctx.config.maxPositionPctPerSymbol),
        equity,
      };
      if (cmp(headroom, 0) <= 0)
        return {
          outcome: 'DENY',
          code: 'POSITION_LIMIT_EXCEEDED',
          message: `${intent.symbol} position is already at its cap`,
          numbers,
        };
      if (cmp(mul(qty, price), headroom) <= 0) return PASS;
      return {
        outcome: 'RESIZE',
        quantity: qtyFor(headroom, price),
        code: 'POSITION_LIMIT_EXCEEDED',
        numbers: { ...numbers, headroom },
      };
    },
  },
  {
    name: 'total_exposure',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const limitPct = ctx.config.maxTotalExposurePct;
      if (limitPct === undefined) return SKIP;
      const equity = riskEquity(ctx);
      const total = sumOf(riskExposure(ctx));
      return capStep(
        'TOTAL_EXPOSURE_LIMIT',
        'total exposure',
        qty,
        orderPrice(intent, ctx),
        pctOf(equity, limitPct),
        total,
        { totalExposure: total, limitPct: String(limitPct), equity },
      );
    },
  },
  {
    name: 'strategy_allocation',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const limitPct = ctx.config.strategyAllocations[intent.strategyId] ?? ctx.config.strategyAllocationPct;
      if (limitPct === undefined) return SKIP;
      const s =
        ctx.facts?.strategy ??
        (ctx.facts?.scope === 'account'
          ? undefined
          : { id: intent.strategyId, exposure: sumOf(riskExposure(ctx)), allocationBase: riskEquity(ctx) });
      if (!s) return notApplicable(ctx, 'strategy');
      return capStep(
        'STRATEGY_ALLOCATION_EXCEEDED',
        `strategy ${intent.strategyId}`,
        qty,
        orderPrice(intent, ctx),
        pctOf(s.allocationBase, limitPct),
        s.exposure,
        {
          strategy: intent.strategyId,
          strategyExposure: s.exposure,
          allocationBase: s.allocationBase,
          limitPct: String(limitPct),
        },
      );
    },
  },
  {
    name: 'correlation',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const limitPct = ctx.config.maxCorrelatedExposurePct;
      if (limitPct === undefined) return SKIP;
      const candles = ctx.facts?.candles;
      const {
        correlationThreshold: threshold,
        correlationWindow: window,
        correlationMinObservations: minObs,
        correlationResampleMinutes: every,
      } = ctx.config;
      const series = (s: string) => (candles?.[s] && every ? resampleCloses(candles[s], every * 60_000) : candles?.[s]);
      const own = series(intent.symbol);
      if (!candles || !own) return notApplicable(ctx, `candles[${intent.symbol}]`);
      const exposure = riskExposure(ctx);
      const equity = riskEquity(ctx);
      let correlated = exposure[intent.symbol] ?? '0';
      const numbers: Numbers = {
        threshold: String(threshold),
        window: String(window),
        ...(every ? { resampleMinutes: String(every) } : {}),
        limitPct: String(limitPct),
        equity,
        [`exposure:${intent.symbol}`]: correlated,
      };
      const included: string[] = [intent.symbol];
      for (const [symbol, notional] of Object.entries(exposure).sort(([a], [b]) => a.localeCompare(b))) {
        if (symbol === intent.symbol || cmp(notional, 0) <= 0) continue;
        const other = series(symbol);
        const c = other ? returnCorrelation(own, other, window) : { rho: undefined, observations: 0 };
        const known = c.rho !== undefined && c.observations >= minObs;
        numbers[`rho:${symbol}`] = known ? fmt(c.rho as number, 4) : `unknown(${c.observations} obs)`;
        // Fail-closed: a pair without enough data counts as correlated.
        if (!known || Math.abs(c.rho as number) >= threshold) {
          correlated = add(correlated, notional);
          numbers[`exposure:${symbol}`] = notional;
          included.push(symbol);
        }
      }
      numbers.correlatedSymbols = included.join(',');
      numbers.correlatedExposure = correlated;
      return capStep(
        'CORRELATION_LIMIT',
        `correlated exposure of ${intent.symbol}`,
        qty,
        orderPrice(intent, ctx),
        pctOf(equity, limitPct),
        correlated,
        numbers,
      );
    },
  },
  {
    name: 'leverage',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const caps = leverageCaps(ctx.config, intent.symbol, ctx.facts?.now);
      if (caps.length === 0) return ctx.config.leverageWindows.length > 0 ? notApplicable(ctx, 'now') : SKIP;
      const equity = riskEquity(ctx);
      if (cmp(equity, 0) <= 0)
        return { outcome: 'DENY', code: 'LEVERAGE_LIMIT', message: 'no equity to lever', numbers: { equity } };
      const price = orderPrice(intent, ctx);
      const exposure = riskExposure(ctx);
      const gross = sumOf(exposure);
      const sym = exposure[intent.symbol] ?? '0';
      const venueLeverage = ctx.facts?.derivatives?.[intent.symbol]?.leverage;
      // The most binding cap decides.
      let best: { step: Step; headroom: string } | undefined;
      for (const c of caps) {
        const current = c.scope === 'gross' ? gross : sym;
        const orderNotional = mul(qty, price);
        const numbers: Numbers = {
          leverageAfter: str(new Dec(add(current, orderNotional)).div(equity)),
          maxLeverage: String(c.cap),
          scope: c.scope,
          exposure: current,
          equity,
          ...(c.window ? { window: c.window, hourUtc: String(new Date(ctx.facts?.now ?? 0).getUTCHours()) } : {}),
        };
        if (venueLeverage !== undefined && cmp(venueLeverage, c.cap) > 0)
          return {
            outcome: 'DENY',
            code: c.code,
            message: `the position's leverage ${venueLeverage}× is above the cap ${c.cap}×`,
            numbers: { ...numbers, venueLeverage },
          };
        const step = capStep(c.code, `${c.scope} leverage`, qty, price, mul(equity, c.cap), current, numbers);
        const headroom = sub(mul(equity, c.cap), current);
        if (!best || cmp(headroom, best.headroom) < 0) best = { step, headroom };
      }
      return (best as { step: Step }).step;
    },
  },
  {
    name: 'liquidation',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const minPct = ctx.config.minLiquidationBufferPct;
      if (minPct === undefined) return SKIP;
      const d = ctx.facts?.derivatives?.[intent.symbol];
      if (!d) return { outcome: 'PASS', code: 'SPOT_NO_LIQUIDATION', numbers: { minBufferPct: String(minPct) } };
      const mark = ctx.mark;
      const numbers: Numbers = {
        mark,
        leverage: d.leverage,
        maintenanceMarginRate: d.maintenanceMarginRate,
        minBufferPct: String(minPct),
      };
      if (d.liquidationPrice !== undefined) {
        const now = liquidationBufferPct(mark, d.liquidationPrice);
        numbers.liquidationPrice = d.liquidationPrice;
        numbers.bufferPct = now;
        if (cmp(now, minPct) < 0)
          return {
            outcome: 'DENY',
            code: 'LIQUIDATION_BUFFER',
            message: `mark is ${now}% above the liquidation price (minimum ${minPct}%)`,
            numbers,
          };
      }
      const pos = ctx.portfolio.positions[intent.symbol];
      const heldQty = d.positionQuantity ?? pos?.quantity ?? '0';
      const entry = d.entryPrice ?? pos?.avgPrice ?? '0';
      const price = orderPrice(intent, ctx);
      const newQty = add(heldQty, qty);
      const newEntry = div(add(mul(heldQty, entry), mul(qty, price)), newQty);
      const projected = longLiquidationPrice(newEntry, d.leverage, d.maintenanceMarginRate);
      const after = liquidationBufferPct(mark, projected);
      const n = {
        ...numbers,
        projectedEntry: newEntry,
        projectedLiquidationPrice: projected,
        projectedBufferPct: after,
      };
      if (cmp(after, minPct) < 0)
        return {
          outcome: 'DENY',
          code: 'LIQUIDATION_PROJECTION',
          message: `after the trade the mark would be ${after}% above liquidation (minimum ${minPct}%)`,
          numbers: n,
        };
      return { outcome: 'PASS', code: 'OK', numbers: n };
    },
  },
  {
    name: 'buying_power',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      if (intent.side !== 'buy') return PASS;
      const price = orderPrice(intent, ctx);
      const perUnit = mul(price, add('1', ctx.takerFee));
      const cost = mul(qty, perUnit);
      const cash = ctx.portfolio.cash;
      const numbers = { cost, cash, price, takerFee: ctx.takerFee };
      if (cmp(cash, 0) <= 0)
        return { outcome: 'DENY', code: 'INSUFFICIENT_BUYING_POWER', message: 'no cash left', numbers };
      if (cmp(cost, cash) <= 0) return PASS;
      return { outcome: 'RESIZE', quantity: qtyFor(cash, perUnit), code: 'INSUFFICIENT_BUYING_POWER', numbers };
    },
  },
];

export function evaluateIntent(intent: OrderIntent, ctx: RiskContext): RiskVerdict {
  let qty = intent.quantity;
  const checks: CheckResult[] = [];
  const opening = !isReducing(intent);
  let resizedBy: string | undefined;
  let resizeNumbers: Record<string, string> = {};
  for (const check of CHECKS) {
    if (check.appliesTo === 'opening' && !opening) continue;
    const step = check.run(intent, qty, ctx);
    if (step.outcome === 'SKIP') continue;
    if (step.outcome === 'PASS') {
      checks.push({ check: check.name, outcome: 'PASS', code: step.code ?? 'OK', numbers: step.numbers ?? {} });
      continue;
    }
    if (step.outcome === 'DENY') {
      checks.push({ check: check.name, outcome: 'DENY', code: step.code, numbers: step.numbers });
      return {
        decision: 'DENIED',
        code: step.code,
        message: step.message,
        intent,
        quantity: '0',
        numbers: step.numbers,
        checks,
      };
    }
    checks.push({
      check: check.name,
      outcome: 'RESIZE',
      code: step.code,
      numbers: { ...step.numbers, from: qty, to: step.quantity },
    });
    if (cmp(step.quantity, 0) <= 0) {
      return {
        decision: 'DENIED',
        code: step.code,
        message: `${check.name} leaves no quantity`,
        intent,
        quantity: '0',
        numbers: step.numbers,
        checks,
      };
    }
    resizedBy = step.code;
    resizeNumbers = { ...step.numbers, from: qty, to: step.quantity };
    qty = step.quantity;
  }
  if (resizedBy)
    return {
      decision: 'RESIZED',
      code: resizedBy,
      message: `resized from ${display(intent.quantity)} to ${display(qty)}`,
      intent,
      quantity: qty,
      numbers: resizeNumbers,
      checks,
    };
  return {
    decision: 'APPROVED',
    code: 'APPROVED',
    message: 'all checks passed',
    intent,
    quantity: qty,
    numbers: {},
    checks,
  };
}

/** Daily loss limit, absolute and %: a breach halts the run by itself. */
export function dailyLossBreach(p: Portfolio, config: RiskConfig): GuardBreach | undefined {
  const equity = p.equity;
  const dayStartEquity = p.day.startEquity;
  const limits = { limit: config.dailyLossLimit, limitPct: config.dailyLossLimitPct };
  const r = dailyLossReached({ equity, dayStartEquity, ...limits });
  if (!r) return undefined;
  const day = { dayStartEquity, equity, day: p.day.date };
  if (r.by === 'amount') {
    const message = `daily loss ${r.loss} ${p.quote} reached the limit of ${r.limit}`;
    const numbers = { dailyLoss: r.loss, limit: r.limit, ...day };
    return { code: 'DAILY_LOSS_LIMIT', message, numbers, target: 'HALTED' };
  }
  const numbers = { dailyLossPct: r.pct, limitPct: String(r.limitPct), dailyLoss: r.loss, ...day };
  const message = `daily loss ${r.pct}% reached the limit of ${r.limitPct}%`;
  return { code: 'DAILY_LOSS_LIMIT_PCT', message, numbers, target: 'HALTED' };
}

const SEVERITY: Record<TradingState, number> = { HALTED: 2, REDUCING: 1, ACTIVE: 0 };

/**
 * Every runtime guard that is breached now, most severe first: daily loss, drawdown (strategy and
 * account), volatility breaker, stop-out cooldown, performance monitor. Guards whose state is not in
 * `facts` are not assessed.
 */
export function assessAllGuards(p: Portfolio, config: RiskConfig, facts?: RiskFacts): GuardBreach[] {
  const out: GuardBreach[] = [];
  const daily = dailyLossBreach(p, config);
  if (daily) out.push(daily);
  out.push(...drawdownBreaches(p, config, facts));
  if (facts?.volBreaker) {
    const v = volBreakerBreach(facts.volBreaker, config.volBreaker);
    if (v) out.push(v);
  }
  if (facts?.stopouts && facts.now !== undefined) {
    const s = stopoutBreach(facts.stopouts, facts.now, config.stopoutGuard);
    if (s) out.push(s);
  }
  if (facts?.performance) {
    const b = performanceBreach(facts.performance);
    if (b) out.push(b);
  }
  return out.sort((a, b) => SEVERITY[b.target] - SEVERITY[a.target]);
}

/** Runtime guards checked every tick after marking to market: the most severe breach, if any. */
export function assessGuards(p: Portfolio, config: RiskConfig, facts?: RiskFacts): GuardBreach | undefined {
  return assessAllGuards(p, config, facts)[0];
}
