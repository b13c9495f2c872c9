/**
 * Pure decision steps run as LOCAL activities: no I/O, but each result is recorded in the workflow's
 * history as a marker, so the Temporal UI shows the signals, the verdicts with their numbers and the
 * portfolio after every fill. The strategy step runs the strategy's code (a built-in or a user's module from
 * the worker's StrategyRegistry): a faulty strategy fails it with STRATEGY_FAILED, not retried (it is pure).
 */
import type { Candle } from '../domain/market/candles';
import type { Fill, OrderIntent } from '../domain/orders/order';
import { applyFill, type Portfolio } from '../domain/portfolio/portfolio';
import { evaluateTick, type EvaluateInput, type Evaluation } from '../domain/risk/evaluation';
import { StrategyRegistry } from '../domain/strategies/registry';
import { runStrategyStep, type StrategyStepResult } from '../domain/strategies/sdk/run';
import type { JsonObject, OpenOrderView } from '../domain/strategies/sdk/types';
import { TempotradeError } from '../domain/errors';
import { guarded } from './failures';

export interface SignalsInput {
  strategyId: string;
  strategy: string;
  params: Record<string, unknown>;
  windows: Record<string, Candle[]>;
  positions: Record<string, string>;
  marks: Record<string, string>;
  equity: string;
}

/** The full strategy step: state in and out, the open orders a strategy may cancel, and the pin to check. */
export interface StrategyStepActivityInput extends SignalsInput {
  state?: JsonObject;
  openOrders?: OpenOrderView[];
  barMs?: number;
  /** The hash the run recorded at its start: a worker whose module differs fails STRATEGY_CHANGED. */
  expectedHash?: string;
}

export interface StrategyStepOutput extends StrategyStepResult {
  strategy: { name: string; version: string; hash: string };
}

export interface DecisionDeps {
  /** The strategies this worker runs (default: the built-ins). */
  strategies?: StrategyRegistry;
}

export function createDecisionActivities(deps: DecisionDeps = {}) {
  const registry = deps.strategies ?? StrategyRegistry.builtins();

  function step(input: StrategyStepActivityInput): StrategyStepOutput {
    const entry = registry.get(input.strategy);
    if (!entry) {
      throw new TempotradeError(
        'STRATEGY_NOT_FOUND',
        `this worker has no strategy "${input.strategy}" (it has ${registry.names().join(', ')}; start it with --strategies DIR)`,
        { strategy: input.strategy },
      );
    }
    if (input.expectedHash !== undefined && input.expectedHash !== entry.hash) {
      throw new TempotradeError(
        'STRATEGY_CHANGED',
        `strategy ${entry.name}: the run is pinned to module hash ${input.expectedHash}, this worker has ${entry.hash} (${entry.source}); adopt it with run upgrade-strategy`,
        {
          strategy: entry.name,
          expectedHash: input.expectedHash,
          actualHash: entry.hash,
          version: entry.version,
        },
      );
    }
    const params = registry.parseParams(input.strategy, input.params);
    if (!params.ok) throw new TempotradeError('VALIDATION', params.error);
    const r = runStrategyStep(entry.definition, {
      strategyId: input.strategyId,
      windows: input.windows,
      positions: input.positions,
      marks: input.marks,
      equity: input.equity,
      params: params.params,
      ...(input.state ? { state: input.state } : {}),
      ...(input.openOrders ? { openOrders: input.openOrders } : {}),
      ...(input.barMs ? { barMs: input.barMs } : {}),
    });
    return { ...r, strategy: { name: entry.name, version: entry.version, hash: entry.hash } };
  }

  return {
    /** The order intents of one tick (no state carried, cancels dropped). */
    async 'strategy.signals'(input: SignalsInput): Promise<OrderIntent[]> {
      return guarded('strategy.signals', async () => step(input).intents);
    },

    /** One tick of the strategy with its state, cancels and pin check. */
    async 'strategy.step'(input: StrategyStepActivityInput): Promise<StrategyStepOutput> {
      return guarded('strategy.step', async () => step(input));
    },

    async 'risk.evaluate'(input: EvaluateInput): Promise<Evaluation> {
      return evaluateTick(input);
    },

    async 'portfolio.applyFills'(input: { portfolio: Portfolio; fills: Fill[] }): Promise<Portfolio> {
      return input.fills.reduce(applyFill, input.portfolio);
    },
  };
}
