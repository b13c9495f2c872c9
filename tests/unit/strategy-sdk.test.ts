import { ApplicationFailure } from '@temporalio/common';
import {
  defineStrategy,
  z,
  resample,
  runStrategyStep,
  STATE_MAX_BYTES,
  type Bar,
  type StrategyContext,
} from '../../domain/strategies/sdk';
import type { DefinedStrategy } from '../../domain/strategies/sdk';
import { StrategyRegistry, builtinEntry, sha256 } from '../../domain/strategies/registry';
import { createDecisionActivities } from '../../activities/decisions';
import { TempotradeError } from '../../domain/errors';

const MIN5 = 300_000;
const T0 = Date.UTC(2024, 0, 1);
const bars = (closes: number[], start = T0, ms = MIN5): Bar[] =>
  closes.map((c, i) => ({ ts: start + i * ms, open: c, high: c * 1.01, low: c * 0.99, close: c, volume: 10 }));

type Out = ReturnType<DefinedStrategy['onBar']>;
function strategy(
  onBar: (ctx: StrategyContext<{ n: number }>) => unknown,
  name = 'test-strategy',
): DefinedStrategy<never> {
  return defineStrategy({
    name,
    version: '1.2.3',
    description: 't',
    params: z.object({ n: z.number().default(1) }),
    lookback: () => 2,
    onBar: onBar as never as (c: StrategyContext<{ n: number }>) => Out,
  }) as never;
}

function step(def: DefinedStrategy<never>, over: Partial<Parameters<typeof runStrategyStep>[1]> = {}) {
  return runStrategyStep(def, {
    strategyId: 'run-1',
    windows: { 'ETH/BTC': bars([10, 11, 12, 13]) },
    positions: { 'ETH/BTC': '0' },
    marks: { 'ETH/BTC': '13' },
    equity: '100',
    params: { n: 1 },
    ...over,
  });
}

function failure(fn: () => unknown): TempotradeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TempotradeError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('GIVEN a strategy written with defineStrategy', () => {
  it('WHEN onBar runs THEN ctx has the symbol, numeric bars oldest first, decimal-string position/equity/mark', () => {
    let seen: StrategyContext<{ n: number }> | undefined;
    step(strategy((ctx) => ((seen = ctx), [])));
    expect(seen).toMatchObject({
      symbol: 'ETH/BTC',
      position: '0',
      equity: '100',
      mark: '13',
      params: { n: 1 },
      universe: ['ETH/BTC'],
    });
    expect(seen!.bars.map((b) => b.close)).toEqual([10, 11, 12, 13]);
    expect(seen!.time).toBe(T0 + 3 * MIN5);
  });

  it('WHEN it buys pctOfEquity THEN one market intent of equity × pct / mark, not reduce-only', () => {
    const r = step(strategy((ctx) => [ctx.buy({ pctOfEquity: 13, reason: 'go' })]));
    expect(r.intents).toEqual([
      expect.objectContaining({
        strategyId: 'run-1',
        symbol: 'ETH/BTC',
        side: 'buy',
        type: 'market',
        quantity: '1',
        reduceOnly: false,
        reason: 'go',
      }),
    ]);
  });

  it('WHEN it buys with a stop-loss, take-profit and trailing stop THEN the entry is followed by three reduce-only sell legs', () => {
    const r = step(
      strategy((ctx) => [
        ctx.buy({
          quantity: '2',
          stopLoss: '12',
          takeProfit: { pct: 10 },
          trailingStop: { trailBps: 150 },
          reason: 'bracket',
        }),
      ]),
    );
    expect(r.intents.map((i) => [i.side, i.type, i.quantity, i.stopPrice, i.trailBps, i.reduceOnly])).toEqual([
      ['buy', 'market', '2', undefined, undefined, false],
      ['sell', 'stop_market', '2', '12', undefined, true],
      ['sell', 'take_profit', '2', '14.3', undefined, true],
      ['sell', 'trailing_stop', '2', undefined, 150, true],
    ]);
    // The entry names its protective stop (the engine's fixed-fractional sizing reads it); each leg says what it is.
    expect(r.intents.map((i) => [i.protectiveStop, i.bracketLeg])).toEqual([
      ['12', undefined],
      [undefined, 'stop-loss'],
      [undefined, 'take-profit'],
      [undefined, 'trailing-stop'],
    ]);
  });

  it('WHEN it sizes by riskPct from its stop THEN the loss at the stop is riskPct of equity (fixed-fractional)', () => {
    const r = step(strategy((ctx) => [ctx.buy({ riskPct: 1, stopLoss: '12', reason: 'ff' })]));
    expect(r.intents[0].quantity).toBe('1'); // 100 × 1% / (13 − 12)
    expect(r.intents[1]).toMatchObject({ type: 'stop_market', stopPrice: '12', quantity: '1' });
  });

  it('WHEN it asks for limit, tif, post-only, a stop order and a TWAP THEN the intents carry them', () => {
    const r = step(
      strategy((ctx) => [
        ctx.buy({ quantity: 1, type: 'limit', limitPrice: '12.5', tif: 'GTC', postOnly: true, reason: 'l' }),
        ctx.buy({ quantity: 1, type: 'stop_market', stopPrice: 14, reason: 's' }),
        ctx.buy({ quantity: 1, algo: { twap: { slices: 3, duration: '1m' } }, reason: 't' }),
      ]),
    );
    expect(r.intents[0]).toMatchObject({ type: 'limit', limitPrice: '12.5', tif: 'GTC', postOnly: true });
    expect(r.intents[1]).toMatchObject({ type: 'stop_market', stopPrice: '14' });
    expect(r.intents[2]).toMatchObject({ type: 'market', algo: { kind: 'twap', slices: 3, duration: 60_000 } });
  });

  it('WHEN it sells its position while flat THEN nothing is ordered; WHEN it cancels THEN the cancel is returned, no intent', () => {
    expect(step(strategy((ctx) => [ctx.sell({ quantity: ctx.position, reason: 'x' })])).intents).toEqual([]);
    const r = step(strategy((ctx) => [ctx.cancel({ reason: 'stale' })]));
    expect(r).toMatchObject({ intents: [], cancels: [{ symbol: 'ETH/BTC', reason: 'stale' }] });
  });

  it('WHEN defineStrategy gets a name that is not kebab-case THEN it throws naming the field', () => {
    expect(() =>
      defineStrategy({
        name: 'My Strategy',
        version: '1.0.0',
        description: '',
        params: z.object({}),
        lookback: () => 1,
        onBar: () => [],
      }),
    ).toThrow(/name: "My Strategy" must be kebab-case/);
  });
});

describe('GIVEN a faulty strategy', () => {
  const cases: Array<[string, (ctx: StrategyContext<{ n: number }>) => unknown, RegExp]> = [
    [
      'throws',
      () => {
        throw new Error('boom');
      },
      /onBar threw: boom/,
    ],
    ['returns no list', () => ({ side: 'buy' }), /onBar returned object, not a list of orders/],
    ['returns a bad side', (ctx) => [{ ...ctx.buy({ quantity: 1, reason: 'r' }), side: 'short' }], /orders\[0\]\.side/],
    ['returns a NaN quantity', (ctx) => [ctx.buy({ quantity: Number.NaN, reason: 'r' })], /orders\[0\]\.quantity/],
    [
      'returns a negative quantity',
      (ctx) => [ctx.sell({ quantity: '-1', reason: 'r' })],
      /orders\[0\]\.quantity: must be 0 or more/,
    ],
    [
      'orders an unknown symbol',
      (ctx) => [ctx.buy({ symbol: 'XRP/BTC', quantity: 1, reason: 'r' })],
      /orders\[0\]\.symbol: unknown symbol "XRP\/BTC"/,
    ],
    ['reads an unknown symbol', (ctx) => (ctx.barsOf('XRP/BTC'), []), /barsOf: unknown symbol "XRP\/BTC"/],
  ];
  it.each(cases)(
    'WHEN it %s THEN STRATEGY_FAILED names the strategy, the symbol, the bar and the cause',
    (_w, onBar, cause) => {
      const e = failure(() => step(strategy(onBar)));
      expect(e.code).toBe('STRATEGY_FAILED');
      expect(e.message).toMatch(/^strategy test-strategy@1\.2\.3 on ETH\/BTC bar 2024-01-01T00:15:00\.000Z: /);
      expect(e.message).toMatch(cause);
      expect(e.details).toMatchObject({
        strategy: 'test-strategy',
        symbol: 'ETH/BTC',
        bar: { ts: T0 + 3 * MIN5, close: 13 },
      });
      expect(e.retryable).toBe(false);
    },
  );
});

describe('GIVEN ctx.state', () => {
  const counter = strategy((ctx) => ((ctx.state.count = Number(ctx.state.count ?? 0) + 1), []));
  it('WHEN a tick ends THEN the state is returned, and the next tick starts from it', () => {
    const a = step(counter);
    expect(a.state).toEqual({ count: 1 });
    expect(step(counter, { state: a.state }).state).toEqual({ count: 2 });
  });
  it('WHEN the state outgrows the cap THEN STRATEGY_FAILED says how big it is and what the cap is', () => {
    const hoarder = strategy((ctx) => ((ctx.state.history = 'x'.repeat(STATE_MAX_BYTES)), []));
    expect(failure(() => step(hoarder)).message).toMatch(
      new RegExp(`state: ctx.state is \\d+ bytes as JSON, above the ${STATE_MAX_BYTES}-byte cap`),
    );
  });
  it('WHEN the state is not JSON THEN STRATEGY_FAILED names state', () => {
    const cyclic = strategy((ctx) => ((ctx.state.self = ctx.state as never), []));
    expect(failure(() => step(cyclic)).message).toMatch(/state: not JSON/);
  });
});

describe('GIVEN 5-minute bars resampled to 15 minutes', () => {
  const base = bars([1, 2, 3, 4, 5, 6, 7], T0 + MIN5); // 00:05 … 00:35
  it('THEN only closed buckets appear: the truncated first (00:00) and the unfinished last (00:30, 2 of 3 bars) are left out', () => {
    const r = resample(base, MIN5, 3 * MIN5);
    expect(r).toEqual([{ ts: T0 + 3 * MIN5, open: 3, high: 5 * 1.01, low: 3 * 0.99, close: 5, volume: 30 }]);
  });
  it('WHEN more bars arrive THEN earlier buckets do not change (no look-ahead) and the next one closes with its third bar', () => {
    const before = resample(base, MIN5, 3 * MIN5);
    const after = resample([...base, ...bars([8], T0 + 8 * MIN5)], MIN5, 3 * MIN5);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after[1]).toMatchObject({ ts: T0 + 6 * MIN5, open: 6, close: 8 });
  });
  it('WHEN a strategy asks ctx.barsOf for a timeframe THEN it gets the resampled bars; a timeframe off the bar grid fails', () => {
    let got: readonly Bar[] = [];
    step(
      strategy((ctx) => ((got = ctx.barsOf('ETH/BTC', '15m')), [])),
      { windows: { 'ETH/BTC': base }, barMs: MIN5 },
    );
    expect(got.map((b) => b.close)).toEqual([5]);
    expect(
      failure(() =>
        step(
          strategy((ctx) => (ctx.barsOf('ETH/BTC', '7m'), [])),
          { barMs: MIN5 },
        ),
      ).message,
    ).toMatch(/barsOf: .*not a multiple/);
  });
});

describe('GIVEN a run of two symbols', () => {
  it('WHEN the strategy rotates from one into the other THEN both legs are ordered, each at its own mark', () => {
    const rotate = strategy((ctx) =>
      ctx.symbol !== 'ETH/BTC'
        ? []
        : [
            ctx.sell({ quantity: ctx.position, reason: 'out' }),
            ctx.buy({ symbol: 'LTC/BTC', pctOfEquity: 50, reason: 'in' }),
          ],
    );
    const r = step(rotate, {
      windows: { 'ETH/BTC': bars([10, 13]), 'LTC/BTC': bars([4, 5]) },
      positions: { 'ETH/BTC': '3', 'LTC/BTC': '0' },
      marks: { 'ETH/BTC': '13', 'LTC/BTC': '5' },
    });
    expect(r.intents.map((i) => [i.symbol, i.side, i.quantity])).toEqual([
      ['ETH/BTC', 'sell', '3'],
      ['LTC/BTC', 'buy', '10'],
    ]);
  });
});

describe('GIVEN the strategy registry and the worker strategy step', () => {
  const user = Object.assign(strategy((ctx) => [ctx.buy({ quantity: 1, reason: 'u' })], 'user-one'));
  const entry = {
    name: 'user-one',
    version: '1.2.3',
    description: 't',
    source: '/tmp/user-one.ts',
    hash: sha256('source v1'),
    definition: user,
  };
  const registry = new StrategyRegistry([...StrategyRegistry.builtins().list(), entry]);
  const acts = createDecisionActivities({ strategies: registry });
  const input = {
    strategyId: 'run-1',
    strategy: 'user-one',
    params: {},
    windows: { 'ETH/BTC': bars([10, 13]) },
    positions: {},
    marks: { 'ETH/BTC': '13' },
    equity: '100',
  };

  it('THEN resolve gives what a run records: name, version, hash, parsed params and lookback', () => {
    expect(registry.resolve('user-one', {})).toEqual({
      ok: true,
      strategy: {
        name: 'user-one',
        version: '1.2.3',
        hash: entry.hash,
        source: '/tmp/user-one.ts',
        params: { n: 1 },
        lookback: 2,
      },
    });
    expect(registry.resolve('sma-crossover', { fast: 3, slow: 9 })).toMatchObject({
      ok: true,
      strategy: { lookback: 10, source: 'built-in' },
    });
  });
  it('WHEN a second module has the same name THEN the registry refuses naming both files', () => {
    expect(() => new StrategyRegistry([entry, { ...entry, source: '/tmp/other.ts' }])).toThrow(
      '/tmp/other.ts: duplicate strategy name "user-one" (also in /tmp/user-one.ts)',
    );
  });
  it('WHEN the worker runs the step THEN the user strategy orders, with its version and hash', async () => {
    const r = await acts['strategy.step']({ ...input, expectedHash: entry.hash });
    expect(r).toMatchObject({
      intents: [{ side: 'buy', quantity: '1' }],
      strategy: { name: 'user-one', version: '1.2.3', hash: entry.hash },
    });
    expect(await acts['strategy.signals'](input)).toHaveLength(1);
  });
  it('WHEN the run is pinned to another hash THEN STRATEGY_CHANGED, not retryable, names both hashes', async () => {
    const e = await acts['strategy.step']({ ...input, expectedHash: sha256('source v0') }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApplicationFailure);
    expect(e).toMatchObject({ type: 'STRATEGY_CHANGED', nonRetryable: true });
    expect((e as Error).message).toContain(sha256('source v0'));
    expect((e as Error).message).toContain(entry.hash);
  });
  it('WHEN the strategy fails or the worker lacks it THEN a non-retryable failure of its code', async () => {
    const faulty = createDecisionActivities({
      strategies: new StrategyRegistry([{ ...entry, definition: strategy(() => 'nope', 'user-one') }]),
    });
    await expect(faulty['strategy.signals'](input)).rejects.toMatchObject({
      type: 'STRATEGY_FAILED',
      nonRetryable: true,
    });
    await expect(acts['strategy.signals']({ ...input, strategy: 'missing-one' })).rejects.toMatchObject({
      type: 'STRATEGY_NOT_FOUND',
      nonRetryable: true,
    });
  });
  it('WHEN no registry is given THEN the built-ins run (existing callers)', async () => {
    const r = await createDecisionActivities()['strategy.signals']({
      ...input,
      strategy: 'order-cycle',
      params: { everyBars: 1 },
    });
    expect(r).toEqual([expect.objectContaining({ side: 'buy', type: 'market' })]);
    expect(builtinEntry(StrategyRegistry.builtins().require('order-cycle').definition).hash).toHaveLength(64);
  });
});
