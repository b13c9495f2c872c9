/**
 * The pre-trade risk engine. Pure and deterministic; it never talks to a venue. Each check either
 * passes, resizes the quantity down, or denies — with an UPPER_SNAKE code and the numbers that decided.
 * Checks run in a fixed order; the first denial wins, resizes compound.
 */
import { Dec, str, mul, div, sub, cmp, add, min as dmin } from '../money';
import type { OrderIntent } from '../orders/order';
import type { Portfolio } from '../portfolio/portfolio';
import { dailyPnl } from '../portfolio/portfolio';
import type { TradingState } from '../run/trading-state';
import type { RiskConfig } from './config';
import type { CheckResult, RiskVerdict } from './verdict';

export interface RiskContext {
  tradingState: TradingState;
  portfolio: Portfolio;
  config: RiskConfig;
  /** Price used to value the order when it has no limit price. */
  mark: string;
  /** Taker fee rate of the instrument, to reserve cash for fees. */
  takerFee: string;
}

type Step = { outcome: 'PASS' } | { outcome: 'RESIZE'; quantity: string; code: string; numbers: Record<string, string> } | { outcome: 'DENY'; code: string; message: string; numbers: Record<string, string> };

interface Check {
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
export function tradingStateDenial(intent: Pick<OrderIntent, 'side'>, tradingState: TradingState, config: Pick<RiskConfig, 'reduceOnlyMode'>): { code: string; message: string; numbers: Record<string, string> } | undefined {
  if (tradingState === 'HALTED') return { code: 'TRADING_HALTED', message: 'trading is HALTED: only cancels are allowed', numbers: { tradingState: 'HALTED' } };
  if ((tradingState === 'REDUCING' || config.reduceOnlyMode) && !isReducing(intent))
    return { code: 'REDUCE_ONLY', message: 'trading is REDUCING: only orders that reduce a position are allowed', numbers: { tradingState, reduceOnlyMode: String(config.reduceOnlyMode) } };
  return undefined;
}

function orderPrice(intent: OrderIntent, ctx: RiskContext): string {
  return str(intent.limitPrice ?? ctx.mark);
}

/** Quantity that spends at most `notional` quote at `price`. */
function qtyFor(notional: string, price: string): string {
  return cmp(price, 0) > 0 ? div(notional, price) : '0';
}

export const CHECKS: readonly Check[] = [
  {
    name: 'kill_switch',
    appliesTo: 'all',
    run: (_i, _q, ctx): Step =>
      ctx.config.killSwitch ? { outcome: 'DENY', code: 'KILL_SWITCH_ENGAGED', message: 'the kill switch is engaged', numbers: { killSwitch: 'true' } } : { outcome: 'PASS' },
  },
  {
    name: 'trading_state',
    appliesTo: 'all',
    run: (intent, _q, ctx): Step => {
      const denial = tradingStateDenial(intent, ctx.tradingState, ctx.config);
      return denial ? { outcome: 'DENY', ...denial } : { outcome: 'PASS' };
    },
  },
  {
    name: 'position_available',
    appliesTo: 'all',
    run: (intent, qty, ctx): Step => {
      if (intent.side !== 'sell') return { outcome: 'PASS' };
      const held = ctx.portfolio.positions[intent.symbol]?.quantity ?? '0';
      if (cmp(held, 0) <= 0) return { outcome: 'DENY', code: 'NO_POSITION', message: `nothing to sell: no ${intent.symbol} position (spot, long-only)`, numbers: { requested: qty, position: held } };
      if (cmp(qty, held) > 0) return { outcome: 'RESIZE', quantity: held, code: 'SELL_EXCEEDS_POSITION', numbers: { requested: qty, position: held } };
      return { outcome: 'PASS' };
    },
  },
  {
    name: 'daily_loss',
    appliesTo: 'opening',
    run: (_i, _q, ctx): Step => {
      const breach = dailyLossBreach(ctx.portfolio, ctx.config);
      return breach ? { outcome: 'DENY', code: breach.code, message: breach.message, numbers: breach.numbers } : { outcome: 'PASS' };
    },
  },
  {
    name: 'max_order_notional',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const limit = ctx.config.maxOrderNotional;
      if (!limit) return { outcome: 'PASS' };
      const price = orderPrice(intent, ctx);
      const notional = mul(qty, price);
      if (cmp(notional, limit) <= 0) return { outcome: 'PASS' };
      return { outcome: 'RESIZE', quantity: qtyFor(limit, price), code: 'MAX_ORDER_NOTIONAL', numbers: { notional, limit, price } };
    },
  },
  {
    name: 'position_cap',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      const price = orderPrice(intent, ctx);
      const held = ctx.portfolio.positions[intent.symbol]?.quantity ?? '0';
      const current = mul(held, ctx.mark);
      const pctCap = mul(ctx.portfolio.equity, str(new Dec(ctx.config.maxPositionPctPerSymbol).div(100)));
      const cap = ctx.config.maxPositionNotionalPerSymbol ? dmin(pctCap, ctx.config.maxPositionNotionalPerSymbol) : pctCap;
      const headroom = sub(cap, current);
      const numbers = { positionNotional: current, orderNotional: mul(qty, price), cap, pctOfEquity: String(ctx.config.maxPositionPctPerSymbol), equity: ctx.portfolio.equity };
      if (cmp(headroom, 0) <= 0) return { outcome: 'DENY', code: 'POSITION_LIMIT_EXCEEDED', message: `${intent.symbol} position is already at its cap`, numbers };
      if (cmp(mul(qty, price), headroom) <= 0) return { outcome: 'PASS' };
      return { outcome: 'RESIZE', quantity: qtyFor(headroom, price), code: 'POSITION_LIMIT_EXCEEDED', numbers: { ...numbers, headroom } };
    },
  },
  {
    name: 'buying_power',
    appliesTo: 'opening',
    run: (intent, qty, ctx): Step => {
      if (intent.side !== 'buy') return { outcome: 'PASS' };
      const price = orderPrice(intent, ctx);
      const perUnit = mul(price, add('1', ctx.takerFee));
      const cost = mul(qty, perUnit);
      const cash = ctx.portfolio.cash;
      const numbers = { cost, cash, price, takerFee: ctx.takerFee };
      if (cmp(cash, 0) <= 0) return { outcome: 'DENY', code: 'INSUFFICIENT_BUYING_POWER', message: 'no cash left', numbers };
      if (cmp(cost, cash) <= 0) return { outcome: 'PASS' };
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
    if (step.outcome === 'PASS') {
      checks.push({ check: check.name, outcome: 'PASS', code: 'OK', numbers: {} });
      continue;
    }
    if (step.outcome === 'DENY') {
      checks.push({ check: check.name, outcome: 'DENY', code: step.code, numbers: step.numbers });
      return { decision: 'DENIED', code: step.code, message: step.message, intent, quantity: '0', numbers: step.numbers, checks };
    }
    checks.push({ check: check.name, outcome: 'RESIZE', code: step.code, numbers: { ...step.numbers, from: qty, to: step.quantity } });
    if (cmp(step.quantity, 0) <= 0) {
      return { decision: 'DENIED', code: step.code, message: `${check.name} leaves no quantity`, intent, quantity: '0', numbers: step.numbers, checks };
    }
    resizedBy = step.code;
    resizeNumbers = { ...step.numbers, from: qty, to: step.quantity };
    qty = step.quantity;
  }
  if (resizedBy) return { decision: 'RESIZED', code: resizedBy, message: `resized from ${intent.quantity} to ${qty}`, intent, quantity: qty, numbers: resizeNumbers, checks };
  return { decision: 'APPROVED', code: 'APPROVED', message: 'all checks passed', intent, quantity: qty, numbers: {}, checks };
}

export interface GuardBreach {
  code: string;
  message: string;
  numbers: Record<string, string>;
  /** The state the run must move to. */
  target: TradingState;
}

/** Daily loss limit, absolute and %: a breach halts the run by itself. */
export function dailyLossBreach(p: Portfolio, config: RiskConfig): GuardBreach | undefined {
  const pnl = dailyPnl(p);
  const loss = cmp(pnl, 0) < 0 ? str(new Dec(pnl).neg()) : '0';
  if (config.dailyLossLimit && cmp(loss, config.dailyLossLimit) >= 0) {
    return { code: 'DAILY_LOSS_LIMIT', message: `daily loss ${loss} ${p.quote} reached the limit of ${config.dailyLossLimit}`, numbers: { dailyLoss: loss, limit: config.dailyLossLimit, dayStartEquity: p.day.startEquity, equity: p.equity, day: p.day.date }, target: 'HALTED' };
  }
  if (config.dailyLossLimitPct !== undefined && cmp(p.day.startEquity, 0) > 0) {
    const pct = str(new Dec(loss).div(p.day.startEquity).times(100));
    if (cmp(pct, config.dailyLossLimitPct) >= 0) {
      return { code: 'DAILY_LOSS_LIMIT_PCT', message: `daily loss ${pct}% reached the limit of ${config.dailyLossLimitPct}%`, numbers: { dailyLossPct: pct, limitPct: String(config.dailyLossLimitPct), dailyLoss: loss, dayStartEquity: p.day.startEquity, equity: p.equity, day: p.day.date }, target: 'HALTED' };
    }
  }
  return undefined;
}

/** Runtime guards checked every tick after marking to market, in the seed's order (slice: daily loss). */
export function assessGuards(p: Portfolio, config: RiskConfig): GuardBreach | undefined {
  return dailyLossBreach(p, config);
}
