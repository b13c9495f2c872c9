/**
 * The workflow's table of the built-ins' warm-ups (for inputs recorded without a lookback) against the
 * strategies' own lookback, with default and with given params.
 */
import { StrategyRegistry } from '../../domain/strategies/registry';
import { BUILTIN_LOOKBACKS, runLookback } from '../../workflows/strategy-run/lookback';

const registry = StrategyRegistry.builtins();

describe('GIVEN a run input of a built-in strategy without a lookback', () => {
  it.each([
    ['sma-crossover', {}],
    ['sma-crossover', { fast: 5, slow: 55 }],
    ['rsi-mean-reversion', {}],
    ['rsi-mean-reversion', { period: 21 }],
    ['order-cycle', {}],
    ['order-cycle', { everyBars: 7 }],
  ])('WHEN %s with %j is started THEN the workflow warms up as the strategy says', (name, params) => {
    const r = registry.resolve(name, params);
    if (!r.ok) throw new Error(r.error);
    expect(runLookback({ name, params })).toBe(r.strategy.lookback);
  });

  it('WHEN the table is read THEN it names every built-in and only them', () => {
    expect(Object.keys(BUILTIN_LOOKBACKS).sort()).toEqual(registry.names().sort());
  });

  it('WHEN the input carries a lookback or names a user strategy THEN that lookback is used, or none', () => {
    expect(runLookback({ name: 'sma-crossover', params: {}, lookback: 5 })).toBe(5);
    expect(runLookback({ name: 'user-thing', params: {} })).toBeUndefined();
  });
});
