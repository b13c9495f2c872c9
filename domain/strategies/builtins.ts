/** The strategies that ship with tempotrade, written on the SDK like any user strategy. */
import type { DefinedStrategy } from './sdk/define';
import { smaCrossover } from './sma-crossover';
import { rsiMeanReversion } from './rsi-mean-reversion';
import { orderCycle } from './order-cycle';

export const BUILTIN_STRATEGIES: readonly DefinedStrategy<never>[] = [
  smaCrossover,
  rsiMeanReversion,
  orderCycle,
] as unknown as DefinedStrategy<never>[];
