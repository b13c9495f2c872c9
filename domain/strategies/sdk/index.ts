/**
 * tempotrade/strategy — the strategy SDK. A strategy module's default export is `defineStrategy({...})`;
 * docs/strategies.md is the guide. Pure: no I/O, safe to evaluate anywhere.
 */
export { z } from 'zod';
export { defineStrategy, isDefinedStrategy, STRATEGY_BRAND, type DefinedStrategy, type StrategySpec } from './define';
export { indicators, ta, sma, ema, rsi, atr, bollinger, macd, highest, lowest, type Indicators } from './indicators';
export { parseTimeframe, resample } from './resample';
export {
  runStrategyStep,
  signalsOf,
  STATE_MAX_BYTES,
  type StrategyStepInput,
  type StrategyStepResult,
  type ResolvedCancel,
} from './run';
export type * from './types';
