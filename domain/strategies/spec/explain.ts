/** A spec in plain words: what `tempotrade strategy explain` prints, and the default reason of an order. */
import type { Condition, Entry, Exit, Indicator, Operand, StrategySpec } from './schema';

type Params = Record<string, number | boolean>;

/** `$fast` → its value in `params`, else its default (explain lists the params and says so). */
function num(v: number | string | undefined, spec: StrategySpec, params?: Params): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return String(v);
  const name = v.slice(1);
  return String(params ? params[name] : spec.params?.[name]?.default);
}

function indicatorWords(i: Indicator, spec: StrategySpec, params?: Params): string {
  const [kind, a] = Object.entries(i)[0] as [string, Record<string, number | string | undefined>];
  const n = (f: string) => num(a[f], spec, params);
  let head: string;
  if (kind === 'macd') {
    const args = [a.fast, a.slow, a.signal].some((x) => x !== undefined)
      ? `(${[n('fast') || '12', n('slow') || '26', n('signal') || '9'].join(', ')})`
      : '(12, 26, 9)';
    head = `${a.line && a.line !== 'macd' ? `the ${String(a.line)} of ` : ''}macd${args}`;
  } else if (kind === 'bollinger') {
    head = `the ${String(a.band)} bollinger band(${n('period')}, ${n('deviations') || '2'})`;
  } else head = `${kind}(${n('period')}${a.smoothing === 'simple' ? ', simple' : ''})`;
  const source = a.source && a.source !== 'close' ? ` of the ${String(a.source)}` : '';
  const tf = a.timeframe ? ` on ${String(a.timeframe)} bars` : '';
  return `${head}${source}${tf}`;
}

export function operandWords(o: Operand, spec: StrategySpec, params?: Params): string {
  if (typeof o === 'number') return String(o);
  if (typeof o === 'object') return indicatorWords(o, spec, params);
  if (o.startsWith('$')) return num(o, spec, params);
  if (spec.indicators && Object.hasOwn(spec.indicators, o)) return indicatorWords(spec.indicators[o], spec, params);
  return `the ${o}`;
}

const OPS = { '>': 'is above', '<': 'is below', '>=': 'is at or above', '<=': 'is at or below' } as const;

export function describeCondition(c: Condition, spec: StrategySpec, params?: Params): string {
  const w = (o: Operand) => operandWords(o, spec, params);
  if ('cross' in c) return `${w(c.cross.left)} crosses ${c.cross.direction} ${w(c.cross.right)}`;
  if ('compare' in c) return `${w(c.compare.left)} ${OPS[c.compare.op]} ${w(c.compare.right)}`;
  const group = (xs: Condition[], word: string) =>
    xs.length === 1
      ? describeCondition(xs[0], spec, params)
      : xs.map((x) => `(${describeCondition(x, spec, params)})`).join(` ${word} `);
  if ('and' in c) return group(c.and, 'and');
  if ('or' in c) return group(c.or, 'or');
  if ('not' in c) return `not (${describeCondition(c.not, spec, params)})`;
  return `${c.param} is true`;
}

function sizeWords(e: Entry, spec: StrategySpec): string {
  if (e.size.quantity !== undefined) return `${e.size.quantity} (base units)`;
  if (e.size.pctOfEquity !== undefined) return `${num(e.size.pctOfEquity, spec)}% of equity`;
  return `a size that risks ${num(e.size.riskPct, spec)}% of equity down to the stop-loss`;
}

function entryWords(e: Entry, spec: StrategySpec, where: string): string {
  const limit =
    e.order?.type === 'limit' ? ` with a limit ${num(e.order.limitOffsetBps ?? 0, spec)} bps below the mark` : '';
  const legs = [
    ...(e.stopLoss ? [`stop-loss ${num(e.stopLoss.pct, spec)}% below entry`] : []),
    ...(e.takeProfit ? [`take-profit ${num(e.takeProfit.pct, spec)}% above entry`] : []),
    ...(e.trailingStop ? [`trailing stop ${num(e.trailingStop.trailBps, spec)} bps behind the best price`] : []),
  ];
  return `Buy ${where}${sizeWords(e, spec)}${limit} when ${describeCondition(e.when, spec)}${legs.length ? `; ${legs.join(', ')}` : ''}.`;
}

function exitWords(x: Exit, spec: StrategySpec): string {
  const what = x.pctOfPosition === undefined ? 'the whole position' : `${num(x.pctOfPosition, spec)}% of the position`;
  return `Sell ${what} when ${describeCondition(x.when, spec)}.`;
}

/** The spec as a few lines of plain words. */
export function explainSpec(spec: StrategySpec, lookback?: number): string {
  const symbols = spec.symbols ? spec.symbols.join(', ') : 'every symbol of the run';
  const where = spec.symbols ? `${spec.symbols.join(' or ')} with ` : '';
  const lines = [
    `${spec.name}@${spec.version}: ${spec.description}`,
    `Trades ${symbols}, long only, on ${spec.timeframe} bars${lookback ? `; decides on the last ${lookback} closed bars` : ''}.`,
  ];
  if (spec.params && Object.keys(spec.params).length > 0) lines.push('Values are shown at the defaults of the params:');
  for (const [name, p] of Object.entries(spec.params ?? {})) {
    const range =
      p.type !== 'boolean' && (p.min !== undefined || p.max !== undefined)
        ? `, ${p.min ?? '…'} to ${p.max ?? '…'}`
        : '';
    lines.push(
      `  $${name}: ${p.type}, default ${String(p.default)}${range}${p.description ? ` (${p.description})` : ''}.`,
    );
  }
  lines.push('When flat, the first entry whose condition holds:');
  for (const e of spec.entries) lines.push(`  ${entryWords(e, spec, where)}`);
  if (spec.exits.length > 0) {
    lines.push('When long, the first exit whose condition holds:');
    for (const x of spec.exits) lines.push(`  ${exitWords(x, spec)}`);
  } else lines.push('No exit rule: positions close only by their stop-loss, take-profit or trailing stop.');
  return lines.join('\n');
}
