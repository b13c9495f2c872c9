/** The strategy registry: name → definition. */
import { z } from 'zod';
import { formatZodIssues } from '../errors';
import type { StrategyDefinition } from './strategy';
import { smaCrossover } from './sma-crossover';
import { rsiMeanReversion } from './rsi-mean-reversion';
import { orderCycle } from './order-cycle';

export * from './strategy';
export { smaCrossover, rsiMeanReversion, orderCycle };

export const STRATEGIES: Readonly<Record<string, StrategyDefinition<never>>> = {
  [smaCrossover.name]: smaCrossover as unknown as StrategyDefinition<never>,
  [rsiMeanReversion.name]: rsiMeanReversion as unknown as StrategyDefinition<never>,
  [orderCycle.name]: orderCycle as unknown as StrategyDefinition<never>,
};
export const STRATEGY_NAMES = Object.keys(STRATEGIES);

export function getStrategy(name: string): StrategyDefinition<never> {
  const s = STRATEGIES[name];
  if (!s) throw new Error(`unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})`);
  return s;
}

/** Validate parameters against the strategy's schema; returns the parsed params or an error naming fields. */
export function parseStrategyParams(
  name: string,
  params: unknown,
): { ok: true; params: Record<string, unknown> } | { ok: false; error: string } {
  const s = STRATEGIES[name];
  if (!s)
    return { ok: false, error: `strategy.name: unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})` };
  const r = (s.params as unknown as z.ZodType).safeParse(params ?? {});
  if (!r.success) return { ok: false, error: formatZodIssues(r.error, 'strategy.params') };
  return { ok: true, params: r.data as Record<string, unknown> };
}
