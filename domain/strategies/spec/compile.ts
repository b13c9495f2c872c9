/**
 * A spec → a DefinedStrategy (the SDK's defineStrategy) whose onBar interprets the spec: no code is generated
 * or evaluated. Indicators are the SDK's (trading-signals underneath). A value that is still warming up (too
 * few bars) makes its condition unknown, and an unknown condition never fires.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { TempotradeError } from '../../errors';
import { cmp, Dec, str } from '../../money';
import { inferBarMs, type Candle } from '../../market/candles';
import { defineStrategy, type DefinedStrategy } from '../sdk/define';
import { indicators as ind } from '../sdk/indicators';
import { parseTimeframe, resample } from '../sdk/resample';
import type { Bar, OrderRequest, StrategyContext, StrategyOrder } from '../sdk/types';
import {
  StrategySpec,
  PRICE_FIELDS,
  type Condition,
  type Entry,
  type Exit,
  type Indicator,
  type IndicatorKind,
  type Operand,
} from './schema';
import { describeCondition } from './explain';
import { paramsSchema as plainParamsSchema } from '../sdk/plain-params';

/** Documents nest at most this deep before zod sees them (deeper input is refused, never recursed into). */
const MAX_DOCUMENT_DEPTH = 40;
const MAX_DOCUMENT_BYTES = 256 * 1024;

export interface SpecIssue {
  /** Where in the document: `entries[0].when.cross.left`. */
  path: string;
  message: string;
}

/** An invalid spec: every issue with its path into the document. */
export class StrategySpecError extends TempotradeError {
  readonly issues: SpecIssue[];
  constructor(issues: SpecIssue[]) {
    super('VALIDATION', issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '), { issues });
    this.name = 'StrategySpecError';
    this.issues = issues;
  }
}

/** `entries[0].when.cross.left`; a key that is not a name is quoted: `params[""]`. */
export function pathText(path: readonly PropertyKey[]): string {
  const name = (k: string, i: number) =>
    /^[A-Za-z_$][\w$]*$/.test(k) ? `${i === 0 ? '' : '.'}${k}` : `[${JSON.stringify(k)}]`;
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : name(String(p), i))).join('');
}

/** A union's failure as the branch that got furthest (an object with a bad field), else what was expected. */
function issuesOf(issue: z.core.$ZodIssue, base: PropertyKey[] = []): SpecIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const depth = (errs: z.core.$ZodIssue[]) => Math.max(...errs.map((e) => e.path.length));
    const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
    if (depth(best) > 0 || best.some((e) => e.code !== 'invalid_type')) return best.flatMap((e) => issuesOf(e, path));
    const expected = issue.errors.flatMap((errs) =>
      errs.map((e) => (e.code === 'invalid_type' ? e.expected : undefined)).filter(Boolean),
    );
    return [{ path: pathText(path), message: `expected ${[...new Set(expected)].join(' or ')}` }];
  }
  return [{ path: pathText(path), message: issue.message }];
}

function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > MAX_DOCUMENT_DEPTH) return max;
    for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return max;
}

/** Validate a parsed document; throws StrategySpecError listing every issue with its path. */
export function parseSpec(value: unknown): StrategySpec {
  if (depthOf(value) > MAX_DOCUMENT_DEPTH)
    throw new StrategySpecError([{ path: '', message: `nested deeper than ${MAX_DOCUMENT_DEPTH} levels` }]);
  const r = StrategySpec.safeParse(value);
  if (!r.success) {
    // One issue a path: a strict object's unknown key also fails its "exactly one" refine, which says less.
    const seen = new Set<string>();
    const issues = r.error.issues.flatMap((i) => issuesOf(i)).filter((i) => !seen.has(i.path) && seen.add(i.path));
    throw new StrategySpecError(issues);
  }
  return r.data;
}

/** YAML (or JSON, which is YAML) text → the document; a syntax error names the line. */
export function parseSpecText(text: string, format: 'yaml' | 'json'): unknown {
  if (text.length > MAX_DOCUMENT_BYTES)
    throw new StrategySpecError([{ path: '', message: `larger than ${MAX_DOCUMENT_BYTES} bytes` }]);
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new StrategySpecError([{ path: '', message: `JSON syntax error: ${(e as Error).message}` }]);
    }
  }
  let doc;
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    throw new StrategySpecError([{ path: '', message: `YAML: ${(e as Error).message}` }]);
  }
  const err = doc.errors[0];
  if (err) {
    const where = err.linePos ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}: ` : '';
    // The parser reports its own stack overflow as a syntax error: say what the document did.
    const what = /Maximum call stack/.test(err.message)
      ? `nested deeper than ${MAX_DOCUMENT_DEPTH} levels`
      : err.message.split('\n')[0];
    throw new StrategySpecError([{ path: '', message: `YAML syntax error: ${where}${what}` }]);
  }
  try {
    return doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new StrategySpecError([{ path: '', message: `YAML: ${(e as Error).message}` }]);
  }
}

/** The params' zod schema: each declared param with its type, range and default (validated by the spec schema). */
export function paramsSchema(spec: StrategySpec): z.ZodType<Record<string, number | boolean>> {
  return plainParamsSchema(spec.params ?? {}) as z.ZodType<Record<string, number | boolean>>;
}

type Params = Record<string, number | boolean>;

const numberOf = (v: number | string | undefined, params: Params, fallback = 0): number =>
  v === undefined ? fallback : typeof v === 'number' ? v : (params[v.slice(1)] as number);

/** Closed values an indicator needs before it gives a value (trading-signals' warm-up). */
function warmUp(kind: IndicatorKind, a: Record<string, number | string | undefined>, params: Params): number {
  const n = (f: string, d = 0) => numberOf(a[f], params, d);
  switch (kind) {
    case 'rsi':
    case 'atr':
      return n('period') + 1;
    case 'macd':
      return Math.max(n('fast', 12), n('slow', 26)) + n('signal', 9);
    default:
      return n('period');
  }
}

function indicatorOf(i: Indicator): [IndicatorKind, Record<string, number | string | undefined>] {
  return Object.entries(i)[0] as [IndicatorKind, Record<string, number | string | undefined>];
}

/** Every indicator of the spec: declared, and inline in conditions. */
function indicatorsOf(spec: StrategySpec): Indicator[] {
  const out = Object.values(spec.indicators ?? {});
  const walk = (c: Condition): void => {
    if ('cross' in c || 'compare' in c) {
      const b = 'cross' in c ? c.cross : c.compare;
      for (const o of [b.left, b.right]) if (typeof o === 'object') out.push(o);
    } else if ('and' in c) c.and.forEach(walk);
    else if ('or' in c) c.or.forEach(walk);
    else if ('not' in c) walk(c.not);
  };
  for (const x of [...spec.entries, ...spec.exits]) walk(x.when);
  return out;
}

/** Bars needed: the longest warm-up plus one (a cross compares with the previous bar); resampled ones scaled. */
export function lookbackOf(spec: StrategySpec, params: Params): number {
  const base = parseTimeframe(spec.timeframe);
  let need = 2;
  for (const i of indicatorsOf(spec)) {
    const [kind, a] = indicatorOf(i);
    const w = warmUp(kind, a, params);
    // A resampled series also loses its first (partial) bucket and waits for the last to close.
    need = Math.max(need, a.timeframe ? (w + 2) * (parseTimeframe(a.timeframe as string) / base) : w + 1);
  }
  return need;
}

type Ctx = StrategyContext<Params>;

/** The value of an operand on the last closed bar (`back` 0) or the one before (`back` 1); null while warming up. */
class Evaluator {
  private readonly cache = new Map<string, number | null>();
  constructor(
    private readonly spec: StrategySpec,
    private readonly ctx: Ctx,
  ) {}

  private bars(timeframe: string | undefined, back: number): readonly Bar[] {
    const own = this.ctx.bars;
    if (!timeframe) return own.slice(0, own.length - back);
    if (back === 0) return this.ctx.barsOf(this.ctx.symbol, timeframe);
    if (own.length < 3) return [];
    return resample(own.slice(0, -back), inferBarMs(own as unknown as Candle[]), parseTimeframe(timeframe));
  }

  private indicator(i: Indicator, back: number): number | null {
    const [kind, a] = indicatorOf(i);
    const p = this.ctx.params;
    const n = (f: string, d = 0) => numberOf(a[f], p, d);
    const bars = this.bars(a.timeframe as string | undefined, back);
    const values = bars.map((b) => b[(a.source as (typeof PRICE_FIELDS)[number] | undefined) ?? 'close']);
    switch (kind) {
      case 'sma':
        return ind.sma(values, n('period'));
      case 'ema':
        return ind.ema(values, n('period'));
      case 'rsi':
        return ind.rsi(values, n('period'), (a.smoothing as 'wilder' | 'simple' | undefined) ?? 'wilder');
      case 'atr':
        return ind.atr(bars, n('period'));
      case 'bollinger':
        return ind.bollinger(values, n('period'), n('deviations', 2))?.[a.band as 'upper' | 'middle' | 'lower'] ?? null;
      case 'macd':
        return (
          ind.macd(values, n('fast', 12), n('slow', 26), n('signal', 9))?.[
            (a.line as 'macd' | 'signal' | 'histogram' | undefined) ?? 'macd'
          ] ?? null
        );
      case 'highest':
        return ind.highest(values, n('period'));
      case 'lowest':
        return ind.lowest(values, n('period'));
    }
  }

  value(o: Operand, back: number): number | null {
    if (typeof o === 'number') return o;
    if (typeof o === 'string' && o.startsWith('$')) return this.ctx.params[o.slice(1)] as number;
    if (typeof o === 'string' && (PRICE_FIELDS as readonly string[]).includes(o)) {
      const b = this.ctx.bars[this.ctx.bars.length - 1 - back];
      return b ? b[o as (typeof PRICE_FIELDS)[number]] : null;
    }
    const key = `${typeof o === 'string' ? o : JSON.stringify(o)}@${back}`;
    if (this.cache.has(key)) return this.cache.get(key)!;
    const i = typeof o === 'string' ? this.spec.indicators![o] : o;
    const v = this.indicator(i, back);
    const r = v === null || !Number.isFinite(v) ? null : v;
    this.cache.set(key, r);
    return r;
  }

  /** true, false, or null (unknown: a value is still warming up). */
  holds(c: Condition): boolean | null {
    if ('cross' in c) {
      const [l, r, pl, pr] = [
        this.value(c.cross.left, 0),
        this.value(c.cross.right, 0),
        this.value(c.cross.left, 1),
        this.value(c.cross.right, 1),
      ];
      if (l === null || r === null || pl === null || pr === null) return null;
      return c.cross.direction === 'above' ? pl <= pr && l > r : pl >= pr && l < r;
    }
    if ('compare' in c) {
      const [l, r] = [this.value(c.compare.left, 0), this.value(c.compare.right, 0)];
      if (l === null || r === null) return null;
      const op = c.compare.op;
      return op === '>' ? l > r : op === '<' ? l < r : op === '>=' ? l >= r : l <= r;
    }
    if ('and' in c || 'or' in c) {
      const all = 'and' in c;
      let unknown = false;
      for (const x of all ? c.and : c.or) {
        const h = this.holds(x);
        if (h === null) unknown = true;
        else if (h !== all) return h;
      }
      return unknown ? null : all;
    }
    if ('not' in c) {
      const h = this.holds(c.not);
      return h === null ? null : !h;
    }
    return this.ctx.params[c.param.slice(1)] === true;
  }
}

/** An order's reason: the spec's, or its condition in words (cut to fit the audit trail's 500 characters). */
function reasonOf(x: Entry | Exit, spec: StrategySpec, params: Params): string {
  if (x.reason) return x.reason;
  const words = describeCondition(x.when, spec, params);
  return words.length > 300 ? `${words.slice(0, 299)}…` : words;
}

function entryOrder(e: Entry, spec: StrategySpec, ctx: Ctx): StrategyOrder {
  const p = ctx.params;
  const size: OrderRequest =
    e.size.quantity !== undefined
      ? { quantity: e.size.quantity, reason: '' }
      : e.size.pctOfEquity !== undefined
        ? { pctOfEquity: numberOf(e.size.pctOfEquity, p), reason: '' }
        : { riskPct: numberOf(e.size.riskPct, p), reason: '' };
  const limit = e.order?.type === 'limit';
  const offset = new Dec(numberOf(e.order?.limitOffsetBps, p)).div(10_000);
  return ctx.buy({
    ...size,
    ...(limit ? { type: 'limit', limitPrice: str(new Dec(ctx.mark).times(new Dec(1).minus(offset))) } : {}),
    ...(e.order?.tif ? { tif: e.order.tif } : {}),
    ...(e.order?.postOnly !== undefined ? { postOnly: e.order.postOnly } : {}),
    ...(e.stopLoss ? { stopLoss: { pct: numberOf(e.stopLoss.pct, p) } } : {}),
    ...(e.takeProfit ? { takeProfit: { pct: numberOf(e.takeProfit.pct, p) } } : {}),
    ...(e.trailingStop ? { trailingStop: { trailBps: numberOf(e.trailingStop.trailBps, p) } } : {}),
    reason: reasonOf(e, spec, p),
  });
}

function exitOrder(x: Exit, spec: StrategySpec, ctx: Ctx): StrategyOrder {
  const pct = numberOf(x.pctOfPosition, ctx.params, 100);
  const quantity = pct === 100 ? ctx.position : str(new Dec(ctx.position).times(pct).div(100));
  return ctx.sell({ quantity, reason: reasonOf(x, spec, ctx.params) });
}

const SPECS = new WeakMap<object, StrategySpec>();

/** The spec a DefinedStrategy was compiled from (undefined for a module). */
export function specOf(def: object): StrategySpec | undefined {
  return SPECS.get(def);
}

/**
 * Long-only, like the built-ins: when flat, the first entry whose condition holds buys; when long, the first
 * exit whose condition holds sells.
 */
export function compileSpec(spec: StrategySpec): DefinedStrategy<Params> {
  const specBarMs = parseTimeframe(spec.timeframe);
  const resamples = indicatorsOf(spec).some((i) => indicatorOf(i)[1].timeframe !== undefined);
  const def = defineStrategy({
    name: spec.name,
    version: spec.version,
    description: spec.description,
    params: paramsSchema(spec),
    lookback: (p) => lookbackOf(spec, p),
    onBar(ctx) {
      if (spec.symbols && !spec.symbols.includes(ctx.symbol)) return [];
      // Resampled indicators' lookback is counted in the spec's bars: other bars would starve or skew them.
      if (resamples && ctx.bars.length >= 2) {
        const runMs = inferBarMs(ctx.bars as unknown as Candle[]);
        if (runMs !== specBarMs)
          throw new Error(
            `the spec is written for ${spec.timeframe} bars (timeframe), the run's are ${runMs / 60_000}m`,
          );
      }
      const ev = new Evaluator(spec, ctx);
      if (cmp(ctx.position, 0) <= 0) {
        const e = spec.entries.find((x) => ev.holds(x.when) === true);
        return e ? [entryOrder(e, spec, ctx)] : [];
      }
      const x = spec.exits.find((y) => ev.holds(y.when) === true);
      return x ? [exitOrder(x, spec, ctx)] : [];
    },
  });
  SPECS.set(def, spec);
  return def;
}

/** Text of a spec file → its DefinedStrategy; throws StrategySpecError (with paths) for anything invalid. */
export function loadSpec(text: string, format: 'yaml' | 'json'): DefinedStrategy<Params> {
  return compileSpec(parseSpec(parseSpecText(text, format)));
}
