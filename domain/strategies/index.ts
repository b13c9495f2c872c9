/**
 * The built-in strategies by name. The workflow bundle imports this module (for a run's lookback), so it stays
 * free of I/O and of user code: the loader (./loader.ts) and the registry (./registry.ts) are imported apart.
 */
import { z } from 'zod';
import { formatZodIssues } from '../errors';
import type { StrategyDefinition } from './strategy';
import { smaCrossover } from './sma-crossover';
import { rsiMeanReversion } from './rsi-mean-reversion';
import { orderCycle } from './order-cycle';
import { BUILTIN_STRATEGIES } from './builtins';

export * from './strategy';
export { smaCrossover, rsiMeanReversion, orderCycle, BUILTIN_STRATEGIES };

export const STRATEGIES: Readonly<Record<string, StrategyDefinition<never>>> = Object.fromEntries(
  BUILTIN_STRATEGIES.map((s) => [s.name, s as StrategyDefinition<never>]),
);
export const STRATEGY_NAMES = Object.keys(STRATEGIES);

function find(name: string): StrategyDefinition<never> | undefined {
  return STRATEGIES[name];
}

export function getStrategy(name: string): StrategyDefinition<never> {
  const s = find(name);
  if (!s) throw new Error(`unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})`);
  return s;
}

/** Validate parameters against the strategy's schema; returns the parsed params or an error naming fields. */
export function parseStrategyParams(
  name: string,
  params: unknown,
): { ok: true; params: Record<string, unknown> } | { ok: false; error: string } {
  const s = find(name);
  if (!s)
    return {
      ok: false,
      error: `strategy.name: unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')}; a user strategy needs --strategies DIR)`,
    };
  const r = (s.params as unknown as z.ZodType).safeParse(params ?? {});
  if (!r.success) return { ok: false, error: formatZodIssues(r.error, 'strategy.params') };
  return { ok: true, params: r.data as Record<string, unknown> };
}
