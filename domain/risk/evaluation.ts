/**
 * The risk step of a tick: runtime guards first (a breach changes the state the verdicts are made in),
 * then, per intent, the engine's sizing phase and the pre-trade checks. Pure; the `risk.evaluate` local
 * activity and the backtest core both call it.
 */
import type { Instrument } from '../market/instrument';
import type { OrderIntent } from '../orders/order';
import type { Portfolio } from '../portfolio/portfolio';
import type { TradingState } from '../run/trading-state';
import type { EngineName } from '../execution/engine';
import { ENGINES } from '../execution/selection';
import type { RiskConfig } from './config';
import { assessGuards, evaluateIntent, type GuardBreach } from './engine';
import type { RiskVerdict } from './verdict';

export interface EvaluateInput {
  engine: EngineName;
  intents: OrderIntent[];
  portfolio: Portfolio;
  tradingState: TradingState;
  config: RiskConfig;
  instruments: Record<string, Instrument>;
}

export interface Evaluation {
  guard?: GuardBreach;
  /** The state the verdicts were made in (after any guard breach). */
  tradingState: TradingState;
  verdicts: RiskVerdict[];
}

/** One intent: the engine sizes it (advanced: dynamic sizing), then risk decides. */
export function decideIntent(intent: OrderIntent, ctx: Omit<EvaluateInput, 'intents'>): RiskVerdict {
  const mark = ctx.portfolio.marks[intent.symbol] ?? '0';
  const sized = ENGINES[ctx.engine].size(intent, { config: ctx.config, tradingState: ctx.tradingState, equity: ctx.portfolio.equity, price: intent.limitPrice ?? mark });
  if (!sized.ok) {
    return { decision: 'DENIED', code: sized.code, message: sized.message, intent, quantity: '0', numbers: sized.numbers, checks: [{ check: 'dynamic_sizing', outcome: 'DENY', code: sized.code, numbers: sized.numbers }] };
  }
  const v = evaluateIntent(sized.intent, { tradingState: ctx.tradingState, portfolio: ctx.portfolio, config: ctx.config, mark, takerFee: ctx.instruments[intent.symbol]?.fees.taker ?? '0' });
  return Object.keys(sized.numbers).length ? { ...v, checks: [{ check: 'dynamic_sizing', outcome: 'PASS', code: 'SIZED', numbers: sized.numbers }, ...v.checks] } : v;
}

export function evaluateTick(input: EvaluateInput): Evaluation {
  const guard = assessGuards(input.portfolio, input.config);
  const tradingState: TradingState = guard && input.tradingState !== 'HALTED' ? guard.target : input.tradingState;
  const verdicts = input.intents.map((intent) => decideIntent(intent, { ...input, tradingState }));
  return { ...(guard ? { guard } : {}), tradingState, verdicts };
}
