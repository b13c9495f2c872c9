/**
 * Pure decision steps run as LOCAL activities: no I/O, but each result is recorded in the workflow's
 * history as a marker, so the Temporal UI shows the signals, the verdicts with their numbers and the
 * portfolio after every fill. A faulty strategy fails this step, visibly and retried, not the workflow.
 */
import type { Candle } from '../domain/market/candles';
import type { Instrument } from '../domain/market/instrument';
import type { Fill, OrderIntent } from '../domain/orders/order';
import { OrderIntent as OrderIntentSchema } from '../domain/orders/order';
import { applyFill, type Portfolio } from '../domain/portfolio/portfolio';
import type { RiskConfig } from '../domain/risk/config';
import { assessGuards, evaluateIntent, type GuardBreach } from '../domain/risk/engine';
import type { RiskVerdict } from '../domain/risk/verdict';
import type { TradingState } from '../domain/run/trading-state';
import type { EngineName } from '../domain/execution/engine';
import { ENGINES } from '../domain/execution/selection';
import { getStrategy, parseStrategyParams } from '../domain/strategies';
import { TempotradeError } from '../domain/errors';

export interface SignalsInput {
  strategyId: string;
  strategy: string;
  params: Record<string, unknown>;
  windows: Record<string, Candle[]>;
  positions: Record<string, string>;
  marks: Record<string, string>;
  equity: string;
}

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

export function createDecisionActivities() {
  return {
    async 'strategy.signals'(input: SignalsInput): Promise<OrderIntent[]> {
      const def = getStrategy(input.strategy);
      const params = parseStrategyParams(input.strategy, input.params);
      if (!params.ok) throw new TempotradeError('VALIDATION', params.error);
      const out: OrderIntent[] = [];
      for (const [symbol, bars] of Object.entries(input.windows)) {
        const mark = input.marks[symbol];
        if (!mark) continue;
        const signals = def.signals({ symbol, bars, params: params.params as never, position: input.positions[symbol] ?? '0', equity: input.equity, mark });
        for (const s of signals) out.push(OrderIntentSchema.parse({ ...s, strategyId: input.strategyId }));
      }
      return out;
    },

    async 'risk.evaluate'(input: EvaluateInput): Promise<Evaluation> {
      const guard = assessGuards(input.portfolio, input.config);
      const tradingState: TradingState = guard && input.tradingState !== 'HALTED' ? guard.target : input.tradingState;
      const engine = ENGINES[input.engine];
      const verdicts = input.intents.map((intent) => {
        const mark = input.portfolio.marks[intent.symbol] ?? '0';
        const sized = engine.size(intent, { config: input.config, tradingState, equity: input.portfolio.equity, price: intent.limitPrice ?? mark });
        if (!sized.ok) {
          return { decision: 'DENIED', code: sized.code, message: sized.message, intent, quantity: '0', numbers: sized.numbers, checks: [{ check: 'dynamic_sizing', outcome: 'DENY', code: sized.code, numbers: sized.numbers }] } satisfies RiskVerdict;
        }
        const v = evaluateIntent(sized.intent, { tradingState, portfolio: input.portfolio, config: input.config, mark, takerFee: input.instruments[intent.symbol]?.fees.taker ?? '0' });
        return Object.keys(sized.numbers).length ? { ...v, checks: [{ check: 'dynamic_sizing', outcome: 'PASS' as const, code: 'SIZED', numbers: sized.numbers }, ...v.checks] } : v;
      });
      return { ...(guard ? { guard } : {}), tradingState, verdicts };
    },

    async 'portfolio.applyFills'(input: { portfolio: Portfolio; fills: Fill[] }): Promise<Portfolio> {
      return input.fills.reduce(applyFill, input.portfolio);
    },
  };
}
