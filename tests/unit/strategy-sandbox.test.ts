/**
 * Untrusted strategies in the QuickJS sandbox, through the real loader and runStrategyStep: the same logic
 * sandboxed and native places the same intents bar by bar on the bundled data; the sandbox's indicators equal
 * the SDK's; hostile modules (loops, memory bombs, escapes, huge or malformed output) end STRATEGY_FAILED with
 * the reason and its numbers, and the host, and the next healthy call, are unaffected.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { Candle } from '../../domain/market/candles';
import { TempotradeError } from '../../domain/errors';
import { loadStrategies, StrategyLoadError } from '../../domain/strategies/loader';
import type { StrategyEntry } from '../../domain/strategies/registry';
import { indicators } from '../../domain/strategies/sdk/indicators';
import { defineStrategy, z } from '../../domain/strategies/sdk';
import { runStrategyStep, type StrategyStepInput } from '../../domain/strategies/sdk/run';
import type { DefinedStrategy } from '../../domain/strategies/sdk/define';
import {
  loadUntrustedFile,
  loadUntrustedStrategies,
  SANDBOXED,
  UNTRUSTED_SPEC,
} from '../../domain/strategies/sandbox/untrusted';
import { sandboxLimitsFrom } from '../../domain/strategies/sandbox/runtime';
import { toCandles } from '../../simulators/paper-venue/market-data';
import { readDatasetText } from '../../simulators/paper-venue/state';
import { strategyFolder, strategyModule } from '../helpers/user-strategies';
import { checkStrategyFile } from '../../cli/commands/strategy';

const DATA = path.join(__dirname, '..', '..', 'data', 'market');
const candles = (file: string, n: number): Candle[] =>
  toCandles(readDatasetText(path.join(DATA, file)), file).slice(0, n);

/** A sandboxed module: plain params, no imports, `export default {...}`. */
const sandboxed = (name: string, onBar: string, extra = ''): string => `export default {
  name: ${JSON.stringify(name)},
  version: '1.0.0',
  description: 'sandboxed ${name}',
  ${extra}
  lookback: 2,
  onBar(ctx) {
${onBar}
  },
};
`;

/** Logic shared by the sandboxed and the native module: every indicator, ctx.state, barsOf with a timeframe. */
const MIX_BODY = `const n = (typeof ctx.state.n === 'number' ? ctx.state.n : 0) + 1;
ctx.state.n = n;
const closes = ctx.bars.map((b) => b.close);
const i = ctx.indicators;
const f = i.sma(closes, ctx.params.fast), s = i.ema(closes, ctx.params.slow), r = i.rsi(closes, 14), a = i.atr(ctx.bars, 14);
const bb = i.bollinger(closes, 20, 2), m = i.macd(closes, 12, 26, 9), hi = i.highest(closes, 10), lo = i.lowest(closes, 10);
const h = ctx.barsOf(ctx.symbol, '15m');
if (f === null || s === null || r === null || a === null || bb === null || m === null) return [];
const note = [f, s, r, a, bb.upper, m.histogram, hi, lo, h.length].map((x) => x.toFixed(12)).join(' ');
if (Number(ctx.position) === 0 && f > s && m.histogram > 0) return [ctx.buy({ pctOfEquity: 10, stopLoss: { pct: 2 }, reason: 'up ' + note })];
if (Number(ctx.position) > 0 && (f < s || r > 70)) return [ctx.sell({ quantity: ctx.position, reason: 'down ' + note + ' n=' + n })];
return [];`;

const MARK_FILE = path.join(os.tmpdir(), `tempotrade-sandbox-escape-${process.pid}`);

const dir = strategyFolder('tempotrade-sandbox-unit-', {
  'mix.js': `export default {
  name: 'sb-mix',
  version: '1.0.0',
  description: 'every indicator',
  params: { fast: { type: 'integer', default: 5, min: 1 }, slow: { type: 'integer', default: 20, min: 2 } },
  lookback: (p) => p.slow + 40,
  onBar(ctx) {
${MIX_BODY}
  },
};
`,
  'values.js': sandboxed(
    'sb-values',
    `const c = ctx.bars.map((b) => b.close), p = ctx.params.period, i = ctx.indicators;
ctx.state.v = { sma: i.sma(c, p), ema: i.ema(c, p), rsi: i.rsi(c, p), rsiSimple: i.rsi(c, p, 'simple'), atr: i.atr(ctx.bars, p),
  bollinger: i.bollinger(c, p, 1.5), macd: i.macd(c, p, p * 2, 3), highest: i.highest(c, p), lowest: i.lowest(c, p) };
return [];`,
    "params: { period: { type: 'integer', default: 14, min: 2 } },",
  ),
  'loop.js': sandboxed('sb-loop', 'if (ctx.state.hang !== false) { while (true) {} }\nreturn [];'),
  'memory.js': sandboxed(
    'sb-memory',
    'if (ctx.state.bomb !== false) { const a = []; while (true) a.push(new ArrayBuffer(1 << 20)); }\nreturn [];',
  ),
  'strings.js': sandboxed('sb-strings', "const a = [];\nfor (let i = 0; ; i++) a.push('x'.repeat(1 << 20) + i);"),
  'process.js': sandboxed('sb-process', 'process.exit(1);\nreturn [];'),
  'require.js': sandboxed(
    'sb-require',
    `require('fs').writeFileSync(${JSON.stringify(MARK_FILE)}, 'escaped');\nreturn [];`,
  ),
  'import.js': sandboxed(
    'sb-import',
    `return import('node:fs').then((fs) => { fs.writeFileSync(${JSON.stringify(MARK_FILE)}, 'escaped'); return []; });`,
  ),
  'this.js': sandboxed(
    'sb-this',
    `const g = Function('return this')();
return [ctx.buy({ quantity: 1, reason: [typeof g.process, typeof g.require, typeof g.Buffer, typeof g.global, typeof g.hostSecret].join(',') })];`,
  ),
  'this-exit.js': sandboxed('sb-this-exit', "Function('return this')().process.exit(1);\nreturn [];"),
  'huge.js': sandboxed('sb-huge', "return [ctx.buy({ quantity: 1, reason: 'x'.repeat(10 * 1024 * 1024) })];"),
  'many.js': sandboxed('sb-many', "return Array.from({ length: 5000 }, () => ctx.buy({ quantity: 1, reason: 'm' }));"),
  'nan.js': sandboxed('sb-nan', "return [ctx.buy({ quantity: NaN, reason: 'nan' })];"),
  'throws.js': sandboxed('sb-throws', "throw new Error('division by zero in my model');"),
  'clock.js': sandboxed('sb-clock', "return [ctx.buy({ quantity: 1, reason: 'at ' + Date.now() })];"),
  'random.js': sandboxed(
    'sb-random',
    "return [ctx.buy({ quantity: 1, reason: [Math.random(), Math.random(), new Date(ctx.time).toISOString()].join(' ') })];",
  ),
  'recurse.js': sandboxed('sb-recurse', 'const f = (n) => f(n + 1) + 1;\nreturn f(0);'),
  'deep.js': sandboxed('sb-deep', 'let o = [];\nfor (let i = 0; i < 1000; i++) o = [o];\nreturn o;'),
  'echo.js': sandboxed('sb-echo', 'const p = ctx.state.payload;\ndelete ctx.state.payload;\nreturn p;'),
});
const nativeDir = strategyFolder('tempotrade-sandbox-native-', {
  'mix.ts': strategyModule({
    name: 'native-mix',
    description: 'every indicator',
    params:
      'z.object({ fast: z.number().int().min(1).default(5), slow: z.number().int().min(2).default(20) }).strict()',
    lookback: '(p) => p.slow + 40',
    onBar: MIX_BODY,
  }),
});

/** Wider than the 50 ms default, so a pause of this shared machine does not fail a healthy call. */
const LIMITS = { deadlineMs: 200, memoryMb: 32 };
let entries: Map<string, StrategyEntry>;
beforeAll(async () => {
  (globalThis as Record<string, unknown>).hostSecret = 'the host';
  fs.rmSync(MARK_FILE, { force: true });
  entries = new Map((await loadUntrustedStrategies([dir], LIMITS)).map((e) => [e.name, e]));
});

const def = (name: string): DefinedStrategy<never> => entries.get(name)!.definition;
const T0 = Date.UTC(2024, 0, 1);
const tinyBars = (n = 3): Candle[] =>
  Array.from({ length: n }, (_, i) => ({ ts: T0 + i * 300_000, open: 1, high: 1.1, low: 0.9, close: 1, volume: 1 }));

function step(name: string, over: Partial<StrategyStepInput> = {}) {
  return runStrategyStep(def(name), {
    strategyId: name,
    windows: { 'ETH/BTC': tinyBars() },
    positions: { 'ETH/BTC': '0' },
    marks: { 'ETH/BTC': '1' },
    equity: '10',
    params: def(name).params.parse({}),
    ...over,
  });
}

function failure(fn: () => unknown): TempotradeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TempotradeError);
    expect((e as TempotradeError).code).toBe('STRATEGY_FAILED');
    return e as TempotradeError;
  }
  throw new Error('expected STRATEGY_FAILED');
}

/** The host is fine: a healthy sandboxed call still decides. */
function healthy(): void {
  expect(step('sb-this').intents).toHaveLength(1);
}

describe('GIVEN a folder of untrusted modules loaded into sandboxes', () => {
  it('THEN each entry is marked sandboxed and pinned to the sha256 of its file text', () => {
    const e = entries.get('sb-mix')!;
    expect(e.source).toBe(`${path.join(dir, 'mix.js')} ${SANDBOXED}`);
    expect(e.hash).toBe(
      createHash('sha256')
        .update(fs.readFileSync(path.join(dir, 'mix.js'), 'utf8'))
        .digest('hex'),
    );
    const registry = loadStrategies([], [...entries.values()]);
    expect(registry.resolve('sb-mix', { slow: 30 })).toMatchObject({ ok: true, strategy: { lookback: 70 } });
    expect(registry.resolve('sb-mix', { slow: 1 })).toMatchObject({ ok: false });
    expect(registry.resolve('sb-mix', { slwo: 3 })).toMatchObject({ ok: false });
  });

  it('WHEN the same logic runs sandboxed and native bar by bar over bundled data, two symbols THEN the intents, cancels and state are equal', () => {
    const native = loadStrategies([nativeDir]).require('native-mix').definition;
    const eth = candles('ETH_BTC-5m.csv.gz', 500);
    const ltc = candles('LTC_BTC-5m.csv.gz', 500);
    const params = def('sb-mix').params.parse({});
    const lookback = def('sb-mix').lookback(params as never);
    expect(lookback).toBe(60);
    const positions: Record<string, string> = { 'ETH/BTC': '0', 'LTC/BTC': '0' };
    let state = {};
    let intents = 0;
    for (let end = 2; end <= eth.length; end++) {
      const from = Math.max(0, end - lookback);
      const input: StrategyStepInput = {
        strategyId: 'parity',
        windows: { 'ETH/BTC': eth.slice(from, end), 'LTC/BTC': ltc.slice(from, end) },
        positions: { ...positions },
        marks: { 'ETH/BTC': String(eth[end - 1].close), 'LTC/BTC': String(ltc[end - 1].close) },
        equity: '1.5',
        params,
        state,
      };
      const a = runStrategyStep(def('sb-mix'), input);
      const b = runStrategyStep(native, input);
      expect(a).toEqual(b);
      state = a.state;
      for (const i of a.intents) if (!i.bracketLeg) positions[i.symbol] = i.side === 'buy' ? i.quantity : '0';
      intents += a.intents.length;
    }
    expect(intents).toBeGreaterThan(20);
  });

  it('WHEN two runs of one sandboxed strategy alternate on one symbol with different bars at the same times THEN each decides as native', () => {
    const native = loadStrategies([nativeDir]).require('native-mix').definition;
    const eth = candles('ETH_BTC-5m.csv.gz', 200);
    const ltc = candles('LTC_BTC-5m.csv.gz', 200).map((c, i) => ({ ...c, ts: eth[i].ts }));
    const params = def('sb-mix').params.parse({});
    let differ = 0;
    for (let end = 60; end <= 200; end++) {
      const results = [eth, ltc].map((bars) => {
        const w = bars.slice(end - 60, end);
        const input: StrategyStepInput = {
          strategyId: 'alternate',
          windows: { 'ETH/BTC': w },
          positions: { 'ETH/BTC': '0' },
          marks: { 'ETH/BTC': String(w[w.length - 1].close) },
          equity: '1.5',
          params,
        };
        const sandboxedResult = runStrategyStep(def('sb-mix'), input);
        expect(sandboxedResult).toEqual(runStrategyStep(native, input));
        return JSON.stringify(sandboxedResult.intents);
      });
      if (results[0] !== results[1]) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('WHEN the sandbox computes the indicators over bundled data THEN each equals the SDK value to 1e-9 relative', () => {
    const close = (x: number | null | undefined, y: number | null | undefined) => {
      if (x === null || y === null || x === undefined || y === undefined) return expect(x ?? null).toEqual(y ?? null);
      expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y)));
    };
    let compared = 0;
    for (const file of ['ETH_BTC-5m.csv.gz', 'XMR_BTC-5m.csv.gz', 'UNITTEST_BTC-1m.csv.gz']) {
      const bars = candles(file, 400);
      for (const period of [2, 5, 14, 30]) {
        for (const end of [period - 1, period + 1, 3 * period, 200, 400]) {
          const window = bars.slice(0, end);
          const v = step('sb-values', {
            windows: { X: window },
            positions: { X: '0' },
            marks: { X: '1' },
            params: { period },
          }).state.v as Record<string, never>;
          const c = window.map((b) => b.close);
          close(v.sma, indicators.sma(c, period));
          close(v.ema, indicators.ema(c, period));
          close(v.rsi, indicators.rsi(c, period));
          close(v.rsiSimple, indicators.rsi(c, period, 'simple'));
          close(v.atr, indicators.atr(window, period));
          close(v.highest, indicators.highest(c, period));
          close(v.lowest, indicators.lowest(c, period));
          const bb = indicators.bollinger(c, period, 1.5);
          const vb = v.bollinger as { upper: number; middle: number; lower: number } | null;
          expect(vb === null).toBe(bb === null);
          if (bb && vb) for (const k of ['upper', 'middle', 'lower'] as const) close(vb[k], bb[k]);
          const m = indicators.macd(c, period, period * 2, 3);
          const vm = v.macd as { macd: number; signal: number; histogram: number } | null;
          expect(vm === null).toBe(m === null);
          if (m && vm) for (const k of ['macd', 'signal', 'histogram'] as const) close(vm[k], m[k]);
          compared++;
        }
      }
    }
    expect(compared).toBe(60);
  });
});

describe('GIVEN hostile sandboxed modules', () => {
  const limits = LIMITS;
  it.each([
    ['sb-loop', [`sandbox deadline: onBar ran over ${limits.deadlineMs} ms`]],
    ['sb-memory', [`sandbox memory: onBar went over the ${limits.memoryMb} MB limit`]],
    ['sb-strings', [`sandbox memory: onBar went over the ${limits.memoryMb} MB limit`]],
    ['sb-process', ['onBar threw', 'ReferenceError', 'process']],
    ['sb-require', ['onBar threw', 'ReferenceError', 'require']],
    ['sb-import', ['invalid output', 'Promise']],
    ['sb-this-exit', ['onBar threw', 'TypeError']],
    ['sb-huge', ['invalid output', 'over the 1 MB cap']],
    ['sb-many', ['invalid output', '5000 orders, over the cap of 1000']],
    ['sb-nan', ['invalid output', 'orders[0].quantity: NaN is not a finite number']],
    ['sb-throws', ['onBar threw', 'division by zero in my model']],
    ['sb-clock', ['onBar threw', 'the sandbox has no clock']],
    ['sb-recurse', ['onBar threw', 'InternalError: stack overflow']],
    ['sb-deep', ['invalid output', 'orders[0][0]', 'nested deeper than 64 levels']],
  ])(
    'WHEN %s runs THEN STRATEGY_FAILED names the strategy, symbol, bar and reason, and the host is fine',
    (name, words) => {
      const started = Date.now();
      const e = failure(() => step(name));
      expect(e.message).toMatch(new RegExp(`^strategy ${name}@1\\.0\\.0 on ETH/BTC bar 2024-01-01T00:10:00.000Z: `));
      for (const w of words) expect(e.message).toContain(w);
      expect(e.details).toMatchObject({ strategy: name, symbol: 'ETH/BTC' });
      expect(Date.now() - started).toBeLessThan(5_000);
      healthy();
    },
  );

  it('WHEN modules try require, import() and the global object THEN no host value is reached and no file is written', () => {
    failure(() => step('sb-require'));
    failure(() => step('sb-import'));
    const r = step('sb-this');
    expect(r.intents[0].reason).toBe('undefined,undefined,undefined,undefined,undefined');
    expect(fs.existsSync(MARK_FILE)).toBe(false);
  });

  it('WHEN a loop runs under the default limits THEN it is stopped after 50 ms', async () => {
    const loop = await loadUntrustedFile(path.join(dir, 'loop.js'));
    const started = Date.now();
    const e = failure(() =>
      runStrategyStep(loop.definition, {
        strategyId: 'loop',
        windows: { 'ETH/BTC': tinyBars() },
        positions: { 'ETH/BTC': '0' },
        marks: { 'ETH/BTC': '1' },
        equity: '10',
        params: {},
      }),
    );
    expect(e.message).toContain('sandbox deadline: onBar ran over 50 ms');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('WHEN a call is killed by its deadline or its memory THEN the rebuilt runtime serves the next call', () => {
    for (const [name, flag] of [
      ['sb-loop', 'hang'],
      ['sb-memory', 'bomb'],
    ] as const) {
      failure(() => step(name));
      expect(step(name, { state: { [flag]: false } }).intents).toEqual([]);
      failure(() => step(name));
      expect(step(name, { state: { [flag]: false } }).state).toEqual({ [flag]: false });
    }
  });

  it('WHEN the bars given to a sandbox do not fit its memory THEN sandbox memory names the sizes, and fewer bars work', async () => {
    const small = await loadUntrustedFile(path.join(dir, 'this.js'), { deadlineMs: 1_000, memoryMb: 4 });
    const at = (n: number) => () =>
      runStrategyStep(small.definition, {
        strategyId: 'big',
        windows: { 'ETH/BTC': tinyBars(n) },
        positions: { 'ETH/BTC': '0' },
        marks: { 'ETH/BTC': '1' },
        equity: '10',
        params: {},
      });
    expect(failure(at(40_000)).message).toMatch(
      /: sandbox memory: onBar \(its bars\): \d+\.\d MB of input does not fit the 4 MB limit$/,
    );
    expect(at(1_000)().intents).toHaveLength(1);
  });

  it('WHEN a strategy draws Math.random THEN the draws are seeded by the strategy and bar: equal on a replay, new on the next bar', () => {
    const at = (n: number) => step('sb-random', { windows: { 'ETH/BTC': tinyBars(n) } }).intents[0].reason;
    expect(at(3)).toBe(at(3));
    expect(at(4)).not.toBe(at(3));
    expect(at(3)).toMatch(/^0\.\d+ 0\.\d+ 2024-01-01T00:10:00\.000Z$/);
  });
});

describe('GIVEN `strategy check --sandboxed` on an untrusted module', () => {
  it('THEN it runs the module in its sandbox over bundled bars and reports its orders', () => {
    const file = path.join(dir, 'mix.js');
    const r = checkStrategyFile(file, { bars: 300 }, entries.get('sb-mix'));
    expect(r).toMatchObject({ name: 'sb-mix', file: `${file} ${SANDBOXED}`, lookback: 60, ticks: 300 });
    expect(r.intents).toBeGreaterThan(0);
  });
});

describe('GIVEN a spec file in an untrusted folder (where generated specs go)', () => {
  const spec = fs.readFileSync(
    path.join(__dirname, '..', '..', 'examples', 'strategies', 'ema-cross.strategy.yaml'),
    'utf8',
  );
  const dir = strategyFolder('tempotrade-untrusted-spec-', { 'ema.strategy.yaml': spec });
  it('WHEN the folder loads THEN the spec is interpreted and marked untrusted (a live run of it needs its gates)', async () => {
    const [entry] = await loadUntrustedStrategies([dir]);
    const file = path.join(dir, 'ema.strategy.yaml');
    expect(entry).toMatchObject({ name: 'ema-cross-spec', source: `${file} ${UNTRUSTED_SPEC}`, trust: 'untrusted' });
    expect(entry.hash).toBe(createHash('sha256').update(spec).digest('hex'));
  });
});

describe('GIVEN modules that cannot be loaded into the sandbox', () => {
  const bad = strategyFolder('tempotrade-sandbox-bad-', {
    'imports.js': `import fs from 'fs';\n${sandboxed('sb-imports', 'return [];')}`,
    'hangs.js': `while (true) {}\n${sandboxed('sb-hangs', 'return [];')}`,
    'params.js': sandboxed('sb-params', 'return [];', "params: { n: { type: 'integer', default: 0, min: 1 } },"),
    'noname.js': 'export default { version: "1.0.0", lookback: 2, onBar() { return []; } };',
    'trusted.ts': 'export default {};',
  });
  it.each([
    ['imports.js', /imports\.js: in the sandbox: .*fs/],
    ['hangs.js', /hangs\.js: in the sandbox: sandbox deadline: loading the module ran over 1000 ms/],
    ['params.js', /params\.js: params: params\.n\.default: .*1/],
    ['noname.js', /noname\.js: default\.name: /],
    ['trusted.ts', /trusted\.ts: file: an untrusted strategy is plain JavaScript .* or a spec file/],
  ])('WHEN %s loads THEN StrategyLoadError names the file and the field', async (file, message) => {
    const e = await loadUntrustedFile(path.join(bad, file)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StrategyLoadError);
    expect((e as Error).message).toMatch(message);
  });

  it('WHEN the sandbox limits come from the environment THEN bad values name the variable', () => {
    expect(sandboxLimitsFrom({})).toEqual({ deadlineMs: 50, memoryMb: 32 });
    expect(sandboxLimitsFrom({ TEMPOTRADE_SANDBOX_DEADLINE_MS: '20', TEMPOTRADE_SANDBOX_MEMORY_MB: '8' })).toEqual({
      deadlineMs: 20,
      memoryMb: 8,
    });
    expect(() => sandboxLimitsFrom({ TEMPOTRADE_SANDBOX_DEADLINE_MS: 'soon' })).toThrow(
      /TEMPOTRADE_SANDBOX_DEADLINE_MS/,
    );
    expect(() => sandboxLimitsFrom({ TEMPOTRADE_SANDBOX_MEMORY_MB: '0' })).toThrow(/TEMPOTRADE_SANDBOX_MEMORY_MB/);
  });
});

describe('GIVEN random JSON returned from a sandboxed onBar', () => {
  const native = defineStrategy({
    name: 'native-echo',
    version: '1.0.0',
    description: 'echo',
    params: z.object({}),
    lookback: () => 2,
    onBar(ctx) {
      const p = (ctx.state as Record<string, unknown>).payload;
      delete (ctx.state as Record<string, unknown>).payload;
      return p as never;
    },
  }) as unknown as DefinedStrategy<never>;
  const amount = fc.oneof(fc.double(), fc.integer(), fc.constantFrom('1', '0.5', '-1', 'abc', '0'), fc.constant(null));
  const orderish = fc.record(
    {
      kind: fc.constantFrom('order', 'cancel', 'other'),
      side: fc.constantFrom('buy', 'sell', 'hold'),
      symbol: fc.constantFrom('ETH/BTC', 'DOGE/BTC'),
      quantity: amount,
      pctOfEquity: amount,
      type: fc.constantFrom('market', 'limit', 'bogus'),
      limitPrice: amount,
      reason: fc.oneof(fc.string(), fc.integer()),
    },
    { requiredKeys: [] },
  );
  const valid = fc.oneof(
    fc.record({
      kind: fc.constant('order'),
      side: fc.constantFrom('buy', 'sell'),
      quantity: fc.constantFrom('1', '0.5', 2, 0.25),
      reason: fc.string({ maxLength: 20 }),
    }),
    fc.record({ kind: fc.constant('cancel'), reason: fc.string({ maxLength: 20 }) }),
  );
  const payload = fc.oneof(
    fc.jsonValue(),
    fc.array(fc.oneof(valid, orderish), { maxLength: 4 }),
    fc.array(valid, { maxLength: 3 }),
    fc.array(fc.jsonValue()),
  );

  it('THEN it never crashes the host, gives no order from invalid output, names the field, and agrees with native', () => {
    const seen = { ok: 0, intents: 0, failed: 0 };
    fc.assert(
      fc.property(payload, (p) => {
        const outcome = (d: DefinedStrategy<never>) => {
          try {
            const r = runStrategyStep(d, {
              strategyId: 'fuzz',
              windows: { 'ETH/BTC': tinyBars() },
              positions: { 'ETH/BTC': '0' },
              marks: { 'ETH/BTC': '1' },
              equity: '10',
              params: {},
              state: { payload: p as never },
            });
            return { ok: true as const, intents: r.intents, cancels: r.cancels };
          } catch (e) {
            if (!(e instanceof TempotradeError) || e.code !== 'STRATEGY_FAILED') throw e;
            return { ok: false as const, message: e.message };
          }
        };
        const s = outcome(def('sb-echo'));
        const n = outcome(native);
        if (s.ok) {
          seen.ok++;
          seen.intents += s.intents.length;
        } else seen.failed++;
        expect(s.ok).toBe(n.ok);
        if (s.ok && n.ok) expect(s).toEqual(n);
        if (!s.ok) expect(s.message).toMatch(/: invalid output: (orders(\[\d+\])?|output|onBar returned)/);
        const unnamed = (m: string) => m.replace(/^strategy [^ ]+ /, '');
        if (!s.ok && !n.ok) expect(unnamed(s.message)).toBe(unnamed(n.message));
      }),
      { numRuns: 300 },
    );
    // Both sides of the property were exercised: valid orders went through, invalid output was refused.
    expect(seen.ok).toBeGreaterThan(10);
    expect(seen.intents).toBeGreaterThan(0);
    expect(seen.failed).toBeGreaterThan(10);
    healthy();
  });
});
