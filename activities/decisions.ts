/**
 * Pure decision steps run as LOCAL activities: no I/O, but each result is recorded in the workflow's
 * history as a marker, so the Temporal UI shows the signals, the verdicts with their numbers and the
 * portfolio after every fill. A faulty strategy fails this step, visibly and retried, not the workflow.
 */
import type { Candle } from '../domain/market/candles';
import type { Fill, OrderIntent } from '../domain/orders/order';
import { OrderIntent as OrderIntentSchema } from '../domain/orders/order';
import { applyFill, type Portfolio } from '../domain/portfolio/portfolio';
import { evaluateTick, type EvaluateInput, type Evaluation } from '../domain/risk/evaluation';
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
        const signals = def.signals({
          symbol,
          bars,
          params: params.params as never,
          position: input.positions[symbol] ?? '0',
          equity: input.equity,
          mark,
        });
        for (const s of signals) out.push(OrderIntentSchema.parse({ ...s, strategyId: input.strategyId }));
      }
      return out;
    },

    async 'risk.evaluate'(input: EvaluateInput): Promise<Evaluation> {
      return evaluateTick(input);
    },

    async 'portfolio.applyFills'(input: { portfolio: Portfolio; fills: Fill[] }): Promise<Portfolio> {
      return input.fills.reduce(applyFill, input.portfolio);
    },
  };
}
