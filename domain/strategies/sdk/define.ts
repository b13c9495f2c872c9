/** defineStrategy: how a strategy is written (docs/strategies.md). */
import type { z } from 'zod';
import type { StrategyDefinition, StrategyInput, Signal } from '../strategy';
import type { StrategyContext, StrategyOutput } from './types';
import { signalsOf } from './run';

/** Marks a value made by defineStrategy (Symbol.for: the same mark across copies of this module). */
export const STRATEGY_BRAND: unique symbol = Symbol.for('tempotrade.strategy') as never;

export interface StrategySpec<S extends z.ZodType> {
  /** kebab-case, unique among the loaded strategies. */
  name: string;
  /** semver, recorded in every run. */
  version: string;
  description: string;
  /** zod schema of the parameters, with defaults: `run start --params` is parsed by it. */
  params: S;
  /** Closed bars needed before onBar is called. */
  lookback(params: z.output<S>): number;
  /** Decide on the last closed bar of ctx.symbol: a list of orders made with ctx.buy / ctx.sell / ctx.cancel. */
  onBar(ctx: StrategyContext<z.output<S>>): readonly StrategyOutput[];
}

export interface DefinedStrategy<P = Record<string, unknown>> extends StrategyDefinition<P> {
  readonly [STRATEGY_BRAND]: true;
  version: string;
  onBar(ctx: StrategyContext<P>): readonly StrategyOutput[];
}

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function fail(field: string, message: string): never {
  throw new Error(`defineStrategy: ${field}: ${message}`);
}

export function defineStrategy<S extends z.ZodType>(spec: StrategySpec<S>): DefinedStrategy<z.output<S>> {
  if (typeof spec !== 'object' || spec === null) fail('(root)', 'expected an object');
  if (typeof spec.name !== 'string' || !NAME.test(spec.name) || spec.name.length > 64) {
    fail('name', `"${String(spec.name)}" must be kebab-case (a-z, 0-9, -), at most 64 characters`);
  }
  if (typeof spec.version !== 'string' || !SEMVER.test(spec.version))
    fail('version', `"${String(spec.version)}" must be semver (1.0.0)`);
  if (typeof spec.description !== 'string') fail('description', 'must be a string');
  if (!spec.params || typeof (spec.params as { safeParse?: unknown }).safeParse !== 'function')
    fail('params', 'must be a zod schema');
  if (typeof spec.lookback !== 'function') fail('lookback', 'must be a function of the parsed params');
  if (typeof spec.onBar !== 'function') fail('onBar', 'must be a function');
  type P = z.output<S>;
  const def: DefinedStrategy<P> = {
    [STRATEGY_BRAND]: true,
    name: spec.name,
    version: spec.version,
    description: spec.description,
    params: spec.params as unknown as StrategyDefinition<P>['params'],
    lookback: (p: P) => spec.lookback(p),
    onBar: (ctx: StrategyContext<P>) => spec.onBar(ctx),
    signals: (input: StrategyInput<P>): Signal[] => signalsOf(def, input),
  };
  return Object.freeze(def);
}

export function isDefinedStrategy(value: unknown): value is DefinedStrategy<never> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STRATEGY_BRAND] === true;
}
