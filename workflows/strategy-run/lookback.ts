/**
 * The warm-up of the built-in strategies, as data: a run input from before the client sent the lookback names
 * a built-in, and the workflow must not import strategy code to learn it. Each formula mirrors its strategy's
 * `lookback` with its params' defaults (domain/strategies/*.ts); a test compares them.
 */
type Params = Record<string, unknown>;

const num = (p: Params, key: string, fallback: number): number => {
  const v = p[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
};

export const BUILTIN_LOOKBACKS: Readonly<Record<string, (p: Params) => number>> = {
  'sma-crossover': (p) => num(p, 'slow', 30) + 1,
  'rsi-mean-reversion': (p) => num(p, 'period', 14) + 1,
  'order-cycle': () => 2,
};

/** The input's lookback, else a built-in's from the table; undefined for a user strategy without one. */
export function runLookback(strategy: { name: string; params: Params; lookback?: number }): number | undefined {
  if (strategy.lookback !== undefined) return strategy.lookback;
  return BUILTIN_LOOKBACKS[strategy.name]?.(strategy.params);
}
