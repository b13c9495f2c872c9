/** Declarative strategy specs (`*.strategy.yaml|yml|json`, docs/decisions/0013-strategy-spec.md). */
export {
  StrategySpec,
  Condition,
  Indicator,
  Operand,
  INDICATOR_KINDS,
  PRICE_FIELDS,
  MAX_CONDITION_DEPTH,
  specJsonSchema,
} from './schema';
export {
  compileSpec,
  loadSpec,
  lookbackOf,
  paramsSchema,
  parseSpec,
  parseSpecText,
  pathText,
  specOf,
  StrategySpecError,
  type SpecIssue,
} from './compile';
export { describeCondition, explainSpec } from './explain';

/** `x.strategy.yaml` / `.yml` / `.json`: a spec file, and its format; undefined for anything else. */
export function specFormatOf(file: string): 'yaml' | 'json' | undefined {
  if (/\.strategy\.ya?ml$/.test(file)) return 'yaml';
  if (/\.strategy\.json$/.test(file)) return 'json';
  return undefined;
}
