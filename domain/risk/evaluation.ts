/**
 * The risk step of a tick: runtime guards first (a breach changes the state the verdicts are made in),
 * then, per intent, the engine's sizing phase and the pre-trade checks. Pure; the `risk.evaluate` local
 * activity and the backtest core both call it.
 */
import type { Candle } from '../market/candles';
import type { Instrument } from '../market/instrument';
import type { OrderIntent } from '../orders/order';
import type { Portfolio } from '../portfolio/portfolio';
import type { TradingState } from '../run/trading-state';
import type { EngineName } from '../execution/engine';
import { ENGINES } from '../execution/selection';
import type { RiskConfig } from './config';
import { assessAllGuards, evaluateIntent, type GuardBreach } from './engine';
import type { RiskFacts } from './facts';
import type { RiskVerdict } from './verdict';

export interface EvaluateInput {
  engine: EngineName;
  intents: OrderIntent[];
  portfolio: Portfolio;
  tradingState: TradingState;
  config: RiskConfig;
  instruments: Record<string, Instrument>;
  /** Closed bars per symbol (the advanced engine's ATR sizing reads them); optional. */
  windows?: Record<string, Candle[]>;
  /** Run-level (or account-level) facts; optional — absent, the engine behaves as before. */
  facts?: RiskFacts;
}

export interface Evaluation {
  guard?: GuardBreach;
  /** Every breached guard, most severe first (present when more than one). */
  guards?: GuardBreach[];
  /** The state the verdicts were made in (after any guard breach). */
  tradingState: TradingState;
  verdicts: RiskVerdict[];
}

/** A bracket's leg protects what risk approved of its entry: it takes the entry's approved quantity. */
export function legOfEntry(leg: OrderIntent, entry: RiskVerdict): OrderIntent {
  return { ...leg, quantity: entry.quantity };
}

/** A bracket's leg whose entry risk denied: nothing to protect, so it is denied too. */
export function legWithoutEntry(intent: OrderIntent, entry: RiskVerdict): RiskVerdict {
  return {
    decision: 'DENIED',
    code: 'BRACKET_ENTRY_DENIED',
    message: `its entry was denied (${entry.code})`,
    intent,
    quantity: '0',
    numbers: { entryCode: entry.code },
    checks: [],
  };
}

/** One intent: the engine sizes it (advanced: dynamic sizing), then risk decides. */
export function decideIntent(intent: OrderIntent, ctx: Omit<EvaluateInput, 'intents'>): RiskVerdict {
  const mark = ctx.portfolio.marks[intent.symbol] ?? '0';
  const sized = ENGINES[ctx.engine].size(intent, {
    config: ctx.config,
    tradingState: ctx.tradingState,
    equity: ctx.portfolio.equity,
    price: intent.limitPrice ?? mark,
    bars: ctx.windows?.[intent.symbol],
  });
  if (!sized.ok) {
    return {
      decision: 'DENIED',
      code: sized.code,
      message: sized.message,
      intent,
      quantity: '0',
      numbers: sized.numbers,
      checks: [{ check: 'dynamic_sizing', outcome: 'DENY', code: sized.code, numbers: sized.numbers }],
    };
  }
  const v = evaluateIntent(sized.intent, {
    tradingState: ctx.tradingState,
    portfolio: ctx.portfolio,
    config: ctx.config,
    mark,
    takerFee: ctx.instruments[intent.symbol]?.fees.taker ?? '0',
    ...(ctx.facts ? { facts: ctx.facts } : {}),
  });
  return Object.keys(sized.numbers).length
    ? {
        ...v,
        checks: [{ check: 'dynamic_sizing', outcome: 'PASS', code: 'SIZED', numbers: sized.numbers }, ...v.checks],
      }
    : v;
}

export function evaluateTick(input: EvaluateInput): Evaluation {
  const guards = assessAllGuards(input.portfolio, input.config, input.facts);
  const guard = guards[0];
  // A guard only escalates here (ACTIVE → REDUCING → HALTED); lifting a temporary breach is the caller's decision.
  const escalates =
    guard && (guard.target === 'HALTED' ? input.tradingState !== 'HALTED' : input.tradingState === 'ACTIVE');
  const tradingState: TradingState = guard && escalates ? guard.target : input.tradingState;
  const verdicts = input.intents.map((intent) => decideIntent(intent, { ...input, tradingState }));
  return { ...(guard ? { guard } : {}), ...(guards.length > 1 ? { guards } : {}), tradingState, verdicts };
}
