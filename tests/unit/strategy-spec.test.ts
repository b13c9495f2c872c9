/**
 * Declarative strategy specs (*.strategy.yaml|json): a spec orders exactly what the same logic written with the
 * SDK orders, bar by bar on the bundled data; a bad document is refused with the path into it; and no document,
 * however mangled, makes the validator throw anything but a named error, or compiles when it is invalid.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { TempotradeError } from '../../domain/errors';
import type { Candle } from '../../domain/market/candles';
import { Dec, str } from '../../domain/money';
import { loadStrategies, loadStrategyFile, StrategyLoadError } from '../../domain/strategies/loader';
import type { DefinedStrategy } from '../../domain/strategies/sdk';
import { runStrategyStep } from '../../domain/strategies/sdk/run';
import { indicators as ind } from '../../domain/strategies/sdk/indicators';
import { resample } from '../../domain/strategies/sdk/resample';
import {
  INDICATOR_KINDS,
  explainSpec,
  loadSpec,
  pathText,
  PRICE_FIELDS,
  specJsonSchema,
  specOf,
  StrategySpecError,
} from '../../domain/strategies/spec';
import { toCandles } from '../../simulators/paper-venue/market-data';
import { readDatasetText } from '../../simulators/paper-venue/state';
import { TWIN_LOOKBACK, TWIN_SDK_MODULE, TWIN_SPEC_YAML } from '../helpers/spec-strategies';
import { strategyFolder } from '../helpers/user-strategies';

const REPO = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(REPO, 'examples', 'strategies', 'ema-cross.strategy.yaml');
const BARS: Candle[] = toCandles(
  readDatasetText(path.join(REPO, 'data', 'market', 'ETH_BTC-5m.csv.gz')),
  'ETH_BTC-5m.csv.gz',
);

type Def = DefinedStrategy<never>;
type Step = ReturnType<typeof runStrategyStep>;

/**
 * Walk `bars` bars of ETH/BTC after the lookback, as `strategy check` does: each market intent of `lead` fills at
 * the mark, and every strategy of `defs` sees the same position, equity and window. The intents of each, by bar.
 */
function walk(defs: Def[], params: Record<string, unknown>, lookback: number, bars: number): Step['intents'][][] {
  const out: Step['intents'][][] = defs.map(() => []);
  let position = new Dec(0);
  let cash = new Dec(1);
  for (let end = lookback; end < Math.min(BARS.length, lookback + bars); end += 1) {
    const window = BARS.slice(Math.max(0, end - lookback), end);
    const mark = String(window[window.length - 1].close);
    const input = {
      strategyId: 'walk',
      windows: { 'ETH/BTC': window },
      positions: { 'ETH/BTC': str(position) },
      marks: { 'ETH/BTC': mark },
      equity: str(cash.plus(position.times(mark))),
      params,
    };
    const steps = defs.map((d) => runStrategyStep(d, input));
    steps.forEach((s, i) => out[i].push(s.intents.map(({ strategyId: _id, ...rest }) => rest as never)));
    for (const it of steps[0].intents) {
      if (it.type !== 'market') continue;
      const qty = it.side === 'buy' ? new Dec(it.quantity) : Dec.min(new Dec(it.quantity), position);
      if (it.side === 'buy' && qty.times(mark).gt(cash)) continue;
      position = it.side === 'buy' ? position.plus(qty) : position.minus(qty);
      cash = it.side === 'buy' ? cash.minus(qty.times(mark)) : cash.plus(qty.times(mark));
    }
  }
  return out;
}

describe('GIVEN a spec file and its twin written with the SDK, loaded from one strategy folder', () => {
  const dir = strategyFolder('tempotrade-spec-twin-', {
    'twin.strategy.yaml': TWIN_SPEC_YAML,
    'twin-sdk.ts': TWIN_SDK_MODULE,
  });
  const registry = loadStrategies([dir]);
  const spec = registry.require('spec-twin');
  const sdk = registry.require('sdk-twin');
  // Another folder: the same name twice in one folder would be refused as a duplicate.
  const other = strategyFolder('tempotrade-spec-formats-', {
    'twin.strategy.json': JSON.stringify(YAML.parse(TWIN_SPEC_YAML), null, 2),
    'twin.strategy.yml': TWIN_SPEC_YAML,
  });

  it('THEN the spec loads like a module: source is the file, hash is the sha256 of its text, lookback as computed', () => {
    expect(spec.source).toBe(path.join(dir, 'twin.strategy.yaml'));
    expect(spec.hash).toBe(createHash('sha256').update(TWIN_SPEC_YAML).digest('hex'));
    expect(registry.resolve('spec-twin', {})).toMatchObject({
      ok: true,
      strategy: { version: '1.0.0', lookback: TWIN_LOOKBACK, params: { fast: 5, slow: 13, risk: 1 } },
    });
  });

  it.each([
    ['its defaults', {}],
    ['other params', { fast: 8, slow: 21, risk: 2 }],
  ])(
    'WHEN both run bar by bar over 2500 ETH/BTC bars with %s THEN they give identical intents, entries of both kinds with their legs and exits among them',
    (_label, params) => {
      const parsed = registry.parseParams('spec-twin', params);
      expect(parsed.ok).toBe(true);
      const full = (parsed as { params: Record<string, unknown> }).params;
      const [fromSpec, fromSdk] = walk([spec.definition, sdk.definition], full, TWIN_LOOKBACK, 2500);

      expect(fromSpec).toEqual(fromSdk);
      const all = fromSpec.flat();
      const kinds = (reason: string) => all.filter((i) => i.reason === reason).length;
      expect(kinds('golden cross')).toBeGreaterThan(2);
      expect(kinds('golden cross (stop-loss)')).toBe(kinds('golden cross'));
      expect(kinds('golden cross (take-profit)')).toBe(kinds('golden cross'));
      expect(kinds('oversold')).toBeGreaterThan(0);
      expect(kinds('oversold (trailing stop)')).toBe(kinds('oversold'));
      expect(kinds('cross back or stretched')).toBeGreaterThan(2);
    },
  );

  it('WHEN the same spec is written as .json and as .yml THEN each loads and orders bar by bar as the .yaml', () => {
    const json = loadStrategyFile(path.join(other, 'twin.strategy.json'));
    const yml = loadStrategyFile(path.join(other, 'twin.strategy.yml'));
    expect(yml.hash).toBe(spec.hash);
    expect(json.hash).not.toBe(spec.hash); // the hash is of the file's text
    const p = { fast: 5, slow: 13, risk: 1 };
    const [a, b, c] = walk([spec.definition, json.definition, yml.definition], p, TWIN_LOOKBACK, 600);
    expect(a.flat().length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('WHEN its params are out of their declared range THEN resolve refuses naming the param', () => {
    expect(registry.resolve('spec-twin', { fast: 1 })).toEqual({
      ok: false,
      error: expect.stringMatching(/^strategy\.params\.fast: /),
    });
    expect(registry.resolve('spec-twin', { lots: 1 })).toMatchObject({ ok: false });
  });
});

const BASE = `name: t
version: 1.0.0
description: d
indicators:
  fast: { ema: { period: 9 } }
entries:
  - when: { cross: { left: fast, right: close, direction: above } }
    size: { pctOfEquity: 10 }
`;

describe('GIVEN spec files with mistakes', () => {
  const bad: Record<string, string> = {
    'unknown-ref.strategy.yaml': BASE.replace('left: fast', 'left: emaa'),
    'unknown-kind.strategy.yaml': BASE.replace('{ ema: { period: 9 } }', '{ vwap: { period: 9 } }'),
    'bad-field.strategy.yaml': BASE.replace('pctOfEquity: 10', 'pctOfEquity: 10, lots: 2'),
    'type.strategy.yaml': BASE.replace('period: 9', 'period: nine'),
    'fraction.strategy.yaml': BASE.replace('period: 9', 'period: 2.5'),
    'nan.strategy.yaml': BASE.replace('pctOfEquity: 10', 'pctOfEquity: .nan'),
    'risk.strategy.yaml': BASE.replace('pctOfEquity: 10', 'riskPct: 1'),
    'param.strategy.yaml': BASE.replace('period: 9', 'period: $fast'),
    'timeframe.strategy.yaml': BASE.replace('period: 9', 'period: 9, timeframe: 7m'),
    'unclosed.strategy.yaml': `${BASE}  - when: [1\n`,
    'duplicate.strategy.yaml': `${BASE}description: again\n`,
    'json.strategy.json': '{ "name": "t", "version": "1.0.0",\n  "description": 3 }',
    'name.strategy.json': JSON.stringify({ ...YAML.parse(BASE), name: 'My Strategy' }),
  };
  const dir = strategyFolder('tempotrade-bad-specs-', bad);
  it.each([
    ['unknown-ref.strategy.yaml', 'entries[0].when.cross.left: unknown indicator "emaa"'],
    ['unknown-kind.strategy.yaml', 'indicators.fast: unknown indicator "vwap"'],
    ['bad-field.strategy.yaml', 'entries[0].size: Unrecognized key: "lots"'],
    ['type.strategy.yaml', 'indicators.fast.ema.period: '],
    ['fraction.strategy.yaml', 'indicators.fast.ema.period: '],
    ['nan.strategy.yaml', 'entries[0].size.pctOfEquity: '],
    ['risk.strategy.yaml', 'entries[0].size.riskPct: fixed-fractional sizing needs a stopLoss'],
    ['param.strategy.yaml', 'indicators.fast.ema.period: unknown param "$fast"'],
    ['timeframe.strategy.yaml', "indicators.fast.ema.timeframe: 7m is not a multiple of the spec's 5m bars"],
    ['unclosed.strategy.yaml', '(root): YAML syntax error: line 10, column 1: Flow sequence'],
    ['duplicate.strategy.yaml', '(root): YAML syntax error: line 9, column 1: Map keys must be unique'],
    ['json.strategy.json', 'description: '],
    ['name.strategy.json', 'name: must be kebab-case'],
  ])('WHEN %s is loaded THEN a StrategyLoadError names the file and the path: %s', (file, words) => {
    let err: unknown;
    try {
      loadStrategyFile(path.join(dir, file));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StrategyLoadError);
    expect((err as StrategyLoadError).code).toBe('VALIDATION');
    expect((err as Error).message).toContain(`${path.join(dir, file)}: ${words}`);
  });

  it('WHEN one folder holds a broken spec THEN loading the folder fails naming that file', () => {
    expect(() => loadStrategies([dir])).toThrow(StrategyLoadError);
  });
});

describe('GIVEN the example spec in examples/strategies', () => {
  const entry = loadStrategyFile(EXAMPLE);
  it('WHEN it is explained THEN the entries, exits and legs read in plain words with the default params', () => {
    const text = explainSpec(specOf(entry.definition)!, 168);
    expect(text).toContain(
      'Buy ETH/BTC with 20% of equity when (ema(9) crosses above ema(21)) and (the close is above sma(12) on 1h bars); stop-loss 2% below entry, take-profit 4% above entry.',
    );
    expect(text).toContain('Sell the whole position when ema(9) crosses below ema(21).');
    expect(text).toContain('decides on the last 168 closed bars');
  });
  it('WHEN the JSON Schema is exported THEN it describes the document: strict, with the entries, conditions and indicator kinds', () => {
    const schema = specJsonSchema();
    const text = JSON.stringify(schema);
    expect(schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['name', 'entries']),
    });
    for (const k of [...INDICATOR_KINDS, 'cross', 'compare', 'riskPct', 'trailBps']) expect(text).toContain(`"${k}"`);
    // "Exactly one of" (an indicator kind, a condition, a size) reaches editors as one property.
    expect(text).toContain('"minProperties":1,"maxProperties":1');
  });
});

/** A one-entry spec around `when`, with `extra` fields merged in. */
function tiny(when: unknown, extra: Record<string, unknown> = {}, entry: Record<string, unknown> = {}): Def {
  const doc = {
    name: 'tiny',
    version: '1.0.0',
    description: 'one feature',
    entries: [{ when, size: { pctOfEquity: 10 }, ...entry }],
    ...extra,
  };
  return loadSpec(JSON.stringify(doc), 'json') as never;
}
function stepOf(
  def: Def,
  window: readonly Candle[],
  over: { position?: string; params?: Record<string, unknown> } = {},
) {
  const mark = String(window[window.length - 1].close);
  return runStrategyStep(def, {
    strategyId: 'tiny',
    windows: { 'ETH/BTC': window },
    positions: { 'ETH/BTC': over.position ?? '0' },
    marks: { 'ETH/BTC': mark },
    equity: '1',
    params: over.params ?? {},
  });
}

describe('GIVEN one spec per indicator kind, on 300 real ETH/BTC bars', () => {
  const window = BARS.slice(1000, 1300);
  const closes = window.map((b) => b.close);
  const hourly = resample(window, 300_000, 3_600_000);
  const cases: Array<[string, unknown, number]> = [
    ['sma(20)', { sma: { period: 20 } }, ind.sma(closes, 20)!],
    [
      'ema(30) of the high',
      { ema: { period: 30, source: 'high' } },
      ind.ema(
        window.map((b) => b.high),
        30,
      )!,
    ],
    ['rsi(14, simple)', { rsi: { period: 14, smoothing: 'simple' } }, ind.rsi(closes, 14, 'simple')!],
    ['atr(14)', { atr: { period: 14 } }, ind.atr(window, 14)!],
    [
      'lower bollinger(20, 1.5)',
      { bollinger: { period: 20, deviations: 1.5, band: 'lower' } },
      ind.bollinger(closes, 20, 1.5)!.lower,
    ],
    ['macd histogram', { macd: { line: 'histogram' } }, ind.macd(closes)!.histogram],
    [
      'lowest(10) of the low',
      { lowest: { period: 10, source: 'low' } },
      ind.lowest(
        window.map((b) => b.low),
        10,
      )!,
    ],
    [
      'sma(6) on 1h bars',
      { sma: { period: 6, timeframe: '1h' } },
      ind.sma(
        hourly.map((b) => b.close),
        6,
      )!,
    ],
  ];
  it.each(cases)(
    'WHEN it compares %s with the SDK value THEN >= holds and > does not: the very same number',
    (_l, indicator, v) => {
      expect(Number.isFinite(v)).toBe(true);
      const at = (op: string) => stepOf(tiny({ compare: { left: indicator, op, right: v } }), window).intents.length;
      expect(at('>=')).toBe(1);
      expect(at('<=')).toBe(1);
      expect(at('>')).toBe(0);
    },
  );
});

describe('GIVEN small specs, one feature each', () => {
  const window = BARS.slice(0, 50);
  const always = { compare: { left: 'close', op: '>', right: 0 } };
  it('WHEN an entry is a limit order sized by quantity THEN the intent is a limit below the mark by the offset', () => {
    const def = tiny(
      always,
      {},
      { size: { quantity: '0.5' }, order: { type: 'limit', limitOffsetBps: 100, tif: 'GTC' } },
    );
    const [i] = stepOf(def, window).intents;
    const mark = new Dec(window[window.length - 1].close);
    expect(i).toMatchObject({ side: 'buy', type: 'limit', quantity: '0.5', tif: 'GTC' });
    expect(i.limitPrice).toBe(str(mark.times('0.99')));
  });
  it('WHEN a boolean param gates the entry THEN it buys with the default and not with --param flag=false', () => {
    const def = tiny({ and: [{ param: '$go' }, always] }, { params: { go: { type: 'boolean', default: true } } });
    expect(stepOf(def, window, { params: { go: true } }).intents).toHaveLength(1);
    expect(stepOf(def, window, { params: { go: false } }).intents).toHaveLength(0);
  });
  it('WHEN no reason is written THEN the order says its condition in words; WHEN long, an exit sells its share of the position', () => {
    const def = loadSpec(
      JSON.stringify({
        name: 'tiny',
        version: '1.0.0',
        description: 'd',
        entries: [{ when: always, size: { pctOfEquity: 10 } }],
        exits: [{ when: { not: { compare: { left: 'close', op: '<', right: 0 } } }, pctOfPosition: 25 }],
      }),
      'json',
    ) as never as Def;
    expect(stepOf(def, window).intents[0].reason).toBe('the close is above 0');
    expect(stepOf(def, window, { position: '2' }).intents).toEqual([
      expect.objectContaining({
        side: 'sell',
        quantity: '0.5',
        reduceOnly: true,
        reason: 'not (the close is below 0)',
      }),
    ]);
  });
  it('WHEN a spec with an hourly indicator runs on bars other than its timeframe THEN the step fails saying so, ordering nothing', () => {
    const def = tiny(
      { compare: { left: { sma: { period: 2, timeframe: '1h' } }, op: '>', right: 0 } },
      { timeframe: '15m' },
    );
    expect(() => stepOf(def, window)).toThrow(/the spec is written for 15m bars \(timeframe\), the run's are 5m/);
  });
});

// ---- Fuzz ----------------------------------------------------------------------------------------------

const PARAMS = {
  p: { type: 'integer', default: 5, min: 2, max: 30 },
  q: { type: 'number', default: 1.5, min: 0.5, max: 3 },
  flag: { type: 'boolean', default: true },
};
const junkNumber = fc.oneof(
  fc.integer({ min: -5, max: 1200 }),
  fc.double(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0, Number.MAX_VALUE * 10, 2.5),
  fc.constantFrom('$p', '$q', '$flag', '$nope', 'x'),
);
/** Mostly `valid`, now and then junk: a document is refused or not one field at a time. */
const rarely = <T>(valid: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown> = junkNumber) =>
  fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: bad });
const period = rarely(fc.integer({ min: 1, max: 40 }));
const indicator = fc
  .record({
    kind: rarely(
      fc.constantFrom(...INDICATOR_KINDS),
      fc.constantFrom('emaa', 'vwap', '__proto__'),
    ) as fc.Arbitrary<string>,
    period,
    extra: fc.option(rarely(fc.constantFrom('5m', '15m', '1h'), fc.constantFrom('7m', 'daily')), { nil: undefined }),
    source: fc.option(rarely(fc.constantFrom('close', 'high', 'volume'), fc.constant('bid')), { nil: undefined }),
  })
  .map(({ kind, period, extra, source }) => {
    const args: Record<string, unknown> =
      kind === 'macd' ? { fast: period, slow: 26 } : kind === 'bollinger' ? { period, band: 'upper' } : { period };
    if (extra) args.timeframe = extra;
    if (source && kind !== 'atr') args.source = source;
    return { [kind]: args };
  });
const operand = fc.oneof(
  {
    weight: 4,
    arbitrary: rarely(fc.constantFrom('close', 'open', 'fast', 'slow', '$q'), fc.constantFrom('emaa', '$nope')),
  },
  { weight: 1, arbitrary: rarely(fc.double({ min: -1, max: 100, noNaN: true })) },
  { weight: 4, arbitrary: indicator },
);
const { condition } = fc.letrec<{ condition: unknown }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      cross: fc.record({
        left: operand,
        right: operand,
        direction: rarely(fc.constantFrom('above', 'below'), fc.constant('up')),
      }),
    }),
    fc.record({
      compare: fc.record({
        left: operand,
        op: rarely(fc.constantFrom('>', '<', '>=', '<='), fc.constant('==')),
        right: operand,
      }),
    }),
    fc.record({ and: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('condition') }),
    fc.constant({ param: '$flag' }),
  ),
}));
const entry = fc.record(
  {
    when: condition,
    size: fc.oneof(
      fc.record({ pctOfEquity: rarely(fc.double({ min: 0.1, max: 100, noNaN: true })) }),
      fc.record({ riskPct: rarely(fc.constantFrom(1, '$q')) }),
      fc.record({ quantity: rarely(fc.constantFrom('0.5', 1), fc.constantFrom('-1', 'abc', 0)) }),
    ),
    stopLoss: fc.record({ pct: rarely(fc.constantFrom(2, '$q')) }),
    takeProfit: fc.record({ pct: rarely(fc.constant(4)) }),
    trailingStop: fc.record({ trailBps: rarely(fc.constantFrom(100, '$p')) }),
    order: fc.record(
      { type: fc.constantFrom('market', 'limit'), limitOffsetBps: rarely(fc.constant(5)) },
      { requiredKeys: ['type'] },
    ),
  },
  { requiredKeys: ['when', 'size'] },
);
const specArb = fc.record(
  {
    name: rarely(fc.constant('fuzz-spec'), fc.constantFrom('Bad Name', '')),
    version: rarely(fc.constant('1.0.0'), fc.constant('1')),
    description: fc.string({ maxLength: 20 }),
    timeframe: rarely(fc.constant('5m'), fc.constantFrom('1h', '10x')),
    symbols: rarely(fc.constant(['ETH/BTC']), fc.constantFrom(['eth'], [])),
    params: fc.constant(PARAMS),
    indicators: fc.record({ fast: indicator, slow: indicator }),
    entries: fc.array(entry, { minLength: 1, maxLength: 3 }),
    exits: fc.array(
      fc.record({ when: condition, pctOfPosition: rarely(fc.constant(50)) }, { requiredKeys: ['when'] }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['name', 'version', 'description', 'entries'] },
);

const VALID_BASES = [YAML.parse(TWIN_SPEC_YAML), YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'))] as Record<
  string,
  unknown
>[];

/** Every path to a node of `doc`. */
function pathsOf(doc: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof doc !== 'object' || doc === null) return [at];
  const kids = Object.entries(doc).flatMap(([k, v]) => pathsOf(v, [...at, Array.isArray(doc) ? Number(k) : k]));
  return [at, ...kids];
}
function setAt(doc: unknown, p: (string | number)[], value: unknown, remove = false): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  if (p.length === 0) return value;
  let node = copy;
  for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  if (remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}
const deep = (n: number): unknown =>
  n === 0 ? { compare: { left: 'close', op: '>', right: 0 } } : { not: deep(n - 1) };
const junk = fc.oneof(
  junkNumber,
  fc.constantFrom(null, true, '', 'emaa', '$nope', [], {}, { emaa: { period: 3 } }, { ema: {} }),
  fc.integer({ min: 9, max: 400 }).map(deep),
  fc.anything({ maxDepth: 3 }),
);
const mutation = fc
  .record({
    base: fc.constantFrom(...VALID_BASES),
    pick: fc.nat(),
    how: fc.constantFrom('delete', 'replace', 'swap'),
    junk,
  })
  .map(({ base, pick, how, junk }) => {
    const paths = pathsOf(base).slice(1);
    const p = paths[pick % paths.length];
    let node: unknown = base;
    for (const k of p) node = (node as Record<string | number, unknown>)[k];
    if (how === 'delete') return setAt(base, p, undefined, true);
    if (how === 'replace') return setAt(base, p, junk);
    const swapped =
      typeof node === 'number'
        ? String(node)
        : typeof node === 'string'
          ? Number(node) || 1
          : Array.isArray(node)
            ? { ...node }
            : [node];
    return setAt(base, p, swapped);
  });

/**
 * An oracle independent of the schema: in a document that compiled, every number is finite, every period is a
 * whole number from 1 to 1000 (a `$param` at its default), and every name a condition uses is declared.
 */
function assertSound(doc: Record<string, unknown>): void {
  const params = (doc.params ?? {}) as Record<string, { default: number }>;
  const indicators = Object.keys((doc.indicators ?? {}) as object);
  const valueOf = (v: unknown) => (typeof v === 'string' && v.startsWith('$') ? params[v.slice(1)]?.default : v);
  const visit = (node: unknown, key?: string): void => {
    if (typeof node === 'number') expect(Number.isFinite(node)).toBe(true);
    if (key && ['period', 'fast', 'slow', 'signal'].includes(key) && typeof node !== 'object') {
      const v = valueOf(node) as number;
      expect(Number.isInteger(v) && v >= 1 && v <= 1000).toBe(true);
    }
    if ((key === 'left' || key === 'right') && typeof node === 'string') {
      if (node.startsWith('$')) expect(params[node.slice(1)]).toBeDefined();
      else expect([...PRICE_FIELDS, ...indicators]).toContain(node);
    }
    if (typeof node === 'object' && node !== null)
      for (const [k, v] of Object.entries(node)) visit(v, Array.isArray(node) ? key : k);
  };
  visit(doc);
}

/** The outcome of loading one text: the strategy, or the named error (anything else is thrown on). */
function attempt(text: string, format: 'yaml' | 'json'): Def | StrategySpecError {
  try {
    return loadSpec(text, format) as never;
  } catch (e) {
    if (!(e instanceof StrategySpecError)) throw e;
    expect(e).toBeInstanceOf(TempotradeError);
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues) {
      expect(i.path).toMatch(/^(([A-Za-z_$][\w$]*|\["(?:[^"\\]|\\.)*"\])(\[\d+\]|\.[\w$]+|\["(?:[^"\\]|\\.)*"\])*)?$/);
      expect(i.message.length).toBeGreaterThan(0);
    }
    expect(e.message.startsWith(`${e.issues[0].path || '(root)'}: `)).toBe(true);
    return e;
  }
}

/**
 * Load a document as YAML and as JSON text: both refuse it with a named error and paths, or both compile it to a
 * sound strategy that runs 25 bars without fault (an invalid order would fail the step). 'ordered' if it ordered.
 */
function loadsSafely(doc: unknown): 'refused' | 'compiled' | 'ordered' {
  const fromYaml = attempt(YAML.stringify(doc), 'yaml');
  // JSON turns NaN and Infinity into null, which no field takes: refused as well.
  const fromJson = attempt(JSON.stringify(doc) ?? 'null', 'json');
  expect(fromJson instanceof StrategySpecError).toBe(fromYaml instanceof StrategySpecError);
  if (fromYaml instanceof StrategySpecError) return 'refused';
  assertSound(doc as Record<string, unknown>);
  const p = (fromYaml.params as unknown as { parse(x: unknown): Record<string, unknown> }).parse({});
  const lookback = Math.min(fromYaml.lookback(p as never), 1500);
  return walk([fromYaml], p, lookback, 25).flat().length > 0 ? 'ordered' : 'compiled';
}

describe('GIVEN random documents (fuzz)', () => {
  it('WHEN random specs from the schema-ish arbitraries are loaded THEN each is refused with a path or compiles and runs without fault', () => {
    const seen = { refused: 0, compiled: 0, ordered: 0 };
    fc.assert(
      fc.property(specArb, (doc) => {
        seen[loadsSafely(doc)] += 1;
      }),
      { numRuns: 300 },
    );
    // Every outcome happens: the generator is not all junk, nor all valid, and valid specs do trade.
    expect(seen.refused).toBeGreaterThan(10);
    expect(seen.compiled + seen.ordered).toBeGreaterThan(10);
    expect(seen.ordered).toBeGreaterThan(0);
  });

  it('WHEN valid specs are mutated (a field deleted, replaced with junk, its type swapped) THEN each is refused with a path or still sound', () => {
    fc.assert(
      fc.property(mutation, (doc) => {
        loadsSafely(doc);
      }),
      { numRuns: 300 },
    );
  });

  it('WHEN a condition names an unknown indicator anywhere THEN it is refused with exactly that path', () => {
    const operands = VALID_BASES.flatMap((base) =>
      pathsOf(base)
        .filter((p) => ['left', 'right'].includes(String(p[p.length - 1])))
        .map((p) => ({ base, p })),
    );
    const name = fc
      .stringMatching(/^[a-z][a-z0-9]{2,8}$/)
      .filter((n) => !['fast', 'slow', 'trend', 'rsi', ...PRICE_FIELDS].includes(n));
    fc.assert(
      fc.property(fc.constantFrom(...operands), name, ({ base, p }, n) => {
        let err: unknown;
        try {
          loadSpec(YAML.stringify(setAt(base, p, n)), 'yaml');
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(StrategySpecError);
        expect((err as StrategySpecError).issues).toContainEqual({
          path: pathText(p),
          message: expect.stringContaining(`unknown indicator "${n}"`),
        });
      }),
      { numRuns: 100 },
    );
  });

  it('WHEN conditions nest past the limit, or the document nests thousands deep THEN a named error, never a stack overflow', () => {
    // Built as text: JSON.stringify itself overflows on such a document.
    const nested = (n: number) =>
      `{"name":"x","version":"1.0.0","description":"d","entries":[{"size":{"pctOfEquity":1},"when":${'{"not":'.repeat(n)}{"compare":{"left":"close","op":">","right":0}}${'}'.repeat(n)}}]}`;
    const refusal = (text: string, format: 'yaml' | 'json') => {
      try {
        loadSpec(text, format);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(refusal(nested(7), 'json')).toBeUndefined(); // 7 nots around a compare: 8 levels, allowed
    expect((refusal(nested(8), 'json') as Error).message).toBe(
      'entries[0].when.not.not.not.not.not.not.not.not: conditions nest at most 8 deep',
    );
    for (const n of [50, 5000, 50_000])
      for (const format of ['json', 'yaml'] as const)
        expect(refusal(nested(n), format)).toBeInstanceOf(StrategySpecError);
    expect((refusal(`${'['.repeat(10_000)}${']'.repeat(10_000)}`, 'yaml') as Error).message).toMatch(
      /nested deeper than 40 levels/,
    );
  });
});
