/**
 * Take-profit (market) and trailing stops asked for by an intent: the schema, the engines' refusal to send
 * them to a venue, and the run's synthetic arming and firing (trailing triggers follow the mark, never back).
 */
import { advancedEngine } from '../../domain/execution/advanced';
import type { ExecutionEngine } from '../../domain/execution/engine';
import { liveEngine } from '../../domain/execution/live';
import { OrderIntent, PlaceOrder } from '../../domain/orders/order';
import { parseStrategyParams } from '../../domain/strategies';
import { OrderCycleParams, orderCycle } from '../../domain/strategies/order-cycle';
import { StrategyRunInput } from '../../domain/run/input';
import type { RunState } from '../../domain/run/state';
import { initialRunState } from '../../domain/run/transitions';
import { armSyntheticStop, fireStops, goesSynthetic } from '../../domain/run/execution';
import { ETH_BTC, intent, planContext, snapshot, T0 } from '../helpers/fixtures';

const base = { strategyId: 'test', symbol: 'ETH/BTC', side: 'sell', quantity: '1', reduceOnly: true } as const;
const NATIVE = planContext().capabilities; // a venue with native stop-market and stop-limit orders

function issuePaths(raw: unknown): string[] {
  const r = OrderIntent.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
}

function runState(): RunState {
  const input = StrategyRunInput.parse({
    runId: 'unit-trail',
    accountId: 'acct-unit-trail',
    strategy: { name: 'order-cycle', params: { orderType: 'trailing_stop', trailBps: 100 } },
    symbols: ['ETH/BTC'],
    venue: { kind: 'paper', url: 'http://127.0.0.1:1', data: { 'ETH/BTC': 'unused.csv.gz' } },
    engine: 'advanced',
    capital: '1',
  });
  return initialRunState({
    input,
    start: T0,
    clock: { kind: 'live', barMs: 300_000 },
    instruments: { 'ETH/BTC': ETH_BTC },
    capabilities: NATIVE,
    engine: { engine: 'advanced', reason: 'test' },
    quote: 'BTC',
    cash: '1',
  });
}

/** One tick: the run's market time moves and the stops are checked against the mark. */
function tick(st: RunState, mark: string) {
  st.marketTime += 300_000;
  return fireStops(st, { 'ETH/BTC': snapshot({ mark, at: st.marketTime, markTs: st.marketTime }) });
}

describe('GIVEN an intent for a take_profit or a trailing_stop (the schema)', () => {
  it('WHEN it is well formed THEN it parses; a trailing_stop without a trail parses too (the stop book denies it STOP_PRICE_REQUIRED)', () => {
    expect(OrderIntent.parse({ ...base, type: 'trailing_stop', trailBps: 150 })).toMatchObject({
      type: 'trailing_stop',
      trailBps: 150,
    });
    expect(OrderIntent.parse({ ...base, type: 'take_profit', stopPrice: '0.1' })).toMatchObject({
      type: 'take_profit',
      stopPrice: '0.1',
    });
    expect(OrderIntent.parse({ ...base, type: 'trailing_stop' }).trailBps).toBeUndefined();
  });

  it.each([
    ['a zero trail', { type: 'trailing_stop', trailBps: 0 }, 'trailBps'],
    ['a negative trail', { type: 'trailing_stop', trailBps: -10 }, 'trailBps'],
    ['a trail above 5000 bps', { type: 'trailing_stop', trailBps: 5001 }, 'trailBps'],
    ['a trail that is not a number', { type: 'trailing_stop', trailBps: '100' }, 'trailBps'],
    ['a trail on a market order', { type: 'market', trailBps: 100 }, 'trailBps'],
    ['a trail on a stop_market', { type: 'stop_market', stopPrice: '0.09', trailBps: 100 }, 'trailBps'],
    ['a trigger price on a trailing stop', { type: 'trailing_stop', trailBps: 100, stopPrice: '0.09' }, 'stopPrice'],
    [
      'a limit price on a market take-profit',
      { type: 'take_profit', stopPrice: '0.1', limitPrice: '0.1' },
      'limitPrice',
    ],
    ['a limit price on a trailing stop', { type: 'trailing_stop', trailBps: 100, limitPrice: '0.1' }, 'limitPrice'],
    ['an unknown type', { type: 'trailing_limit' }, 'type'],
  ])('WHEN it has %s THEN it is refused naming the field', (_what, over, field) => {
    expect(issuePaths({ ...base, ...over })).toEqual([field]);
  });
});

describe('GIVEN a take_profit or a trailing_stop WHEN an engine plans it for a venue', () => {
  const tp = intent({ ...base, type: 'take_profit', stopPrice: '0.1' });
  const ts = intent({ ...base, type: 'trailing_stop', trailBps: 100 });
  /** The engine refuses both with `code`; each refusal's numbers name what it refused. */
  function expectBothRefused(engine: ExecutionEngine, code: string, tpNumbers: object, tsNumbers: object): void {
    expect(engine.plan(tp, planContext())).toMatchObject({ ok: false, code, numbers: tpNumbers });
    expect(engine.plan(ts, planContext())).toMatchObject({ ok: false, code, numbers: tsNumbers });
  }

  it('THEN the live engine refuses it ENGINE_UNSUPPORTED, naming the type', () => {
    expectBothRefused(
      liveEngine,
      'ENGINE_UNSUPPORTED',
      { type: 'take_profit', engine: 'live' },
      { type: 'trailing_stop', trailBps: '100' },
    );
  });

  it('THEN the advanced engine refuses it SYNTHETIC_STOP_ONLY even on a venue with native stops, and a venue command cannot carry it', () => {
    expectBothRefused(
      advancedEngine,
      'SYNTHETIC_STOP_ONLY',
      { type: 'take_profit', engine: 'advanced' },
      { type: 'trailing_stop' },
    );
    const cmd = {
      clientOrderId: 'tt-1',
      symbol: 'ETH/BTC',
      side: 'sell',
      type: 'trailing_stop',
      quantity: '1',
      tif: 'GTC',
      postOnly: false,
      reduceOnly: true,
      at: T0,
    };
    expect(PlaceOrder.safeParse(cmd).error?.issues.map((i) => i.path.join('.'))).toEqual(['type']);
  });

  it('THEN the run keeps it synthetic under the advanced engine whatever the venue offers, and never under live (which refuses it)', () => {
    for (const i of [tp, ts]) {
      expect(goesSynthetic(i, 'advanced', NATIVE, 'auto')).toBe(true);
      expect(goesSynthetic(i, 'advanced', NATIVE, 'synthetic')).toBe(true);
      expect(goesSynthetic(i, 'live', NATIVE, 'auto')).toBe(false);
    }
    // Unchanged: a stop_market on a venue with native stops goes native in auto mode.
    expect(goesSynthetic(intent({ ...base, type: 'stop_market', stopPrice: '0.09' }), 'advanced', NATIVE, 'auto')).toBe(
      false,
    );
  });
});

describe('GIVEN a run with synthetic trailing stops', () => {
  it('WHEN a sell stop of 100 bps is armed at 0.095 and the mark rises to 0.099, dips, and pulls back to 0.098 THEN the trigger follows the peak, never back, and the stop fires once at 0.09801', () => {
    const st = runState();
    const armed = armSyntheticStop(
      st,
      intent({ ...base, type: 'trailing_stop', trailBps: 100 }),
      '1',
      'run-1',
      snapshot({ mark: '0.095' }),
    );
    expect(armed).toMatchObject({ kind: 'trailing_stop', trigger: '0.09405', extreme: '0.095' });
    expect(st.audit.find((e) => e.kind === 'STOP_REGISTERED')).toMatchObject({
      clientOrderId: 'run-1',
      numbers: { trigger: '0.09405', peak: '0.095', trailBps: '100', mark: '0.095' },
    });

    const triggers: string[] = [];
    for (const mark of ['0.096', '0.098', '0.0975', '0.0971', '0.099', '0.0985']) {
      expect(tick(st, mark)).toEqual([]);
      triggers.push(st.stops!.armed['run-1'].trigger);
    }
    // Up with the peak (0.096 → 0.09504, 0.098 → 0.09702), held through the dips, up again at 0.099.
    expect(triggers).toEqual(['0.09504', '0.09702', '0.09702', '0.09702', '0.09801', '0.09801']);

    const fired = tick(st, '0.098');
    expect(fired).toHaveLength(1);
    expect(fired[0].intent).toMatchObject({ type: 'market', side: 'sell', quantity: '1', reduceOnly: true });
    expect(fired[0].intent.limitPrice).toBeUndefined();
    expect(st.audit.filter((e) => e.kind === 'STOP_TRIGGERED')).toEqual([
      expect.objectContaining({
        clientOrderId: 'run-1',
        code: 'STOP_TRIGGERED',
        numbers: expect.objectContaining({ trigger: '0.09801', peak: '0.099', trailBps: '100', mark: '0.098' }),
      }),
    ]);
    // Fired once: lower marks later find nothing armed.
    expect(tick(st, '0.09')).toEqual([]);
    expect(st.stops).toMatchObject({ registered: 1, triggered: 1, armed: {} });
  });

  it('WHEN a trailing buy stop of 200 bps is armed at 0.095 and the mark falls to 0.090 then rises THEN it follows the trough and fires at 0.0918', () => {
    const st = runState();
    armSyntheticStop(
      st,
      intent({ ...base, side: 'buy', reduceOnly: false, type: 'trailing_stop', trailBps: 200 }),
      '1',
      'run-2',
      snapshot({ mark: '0.095' }),
    );
    expect(st.stops!.armed['run-2'].trigger).toBe('0.0969');
    expect(tick(st, '0.090')).toEqual([]);
    expect(tick(st, '0.0917')).toEqual([]);
    const fired = tick(st, '0.0918');
    expect(fired.map((f) => [f.stop.trigger, f.intent.type, f.intent.side])).toEqual([['0.0918', 'market', 'buy']]);
    expect(st.audit.find((e) => e.kind === 'STOP_TRIGGERED')?.numbers).toMatchObject({
      trough: '0.090',
      trigger: '0.0918',
    });
  });

  it('WHEN a trailing stop has no trail THEN it is not armed: ORDER_DENIED STOP_PRICE_REQUIRED, counted once as a denial', () => {
    const st = runState();
    expect(armSyntheticStop(st, intent({ ...base, type: 'trailing_stop' }), '1', 'run-3', snapshot())).toBeUndefined();
    expect(st.audit.filter((e) => e.kind === 'ORDER_DENIED').map((e) => e.code)).toEqual(['STOP_PRICE_REQUIRED']);
    expect(st.counters.deniedByReason).toEqual({ STOP_PRICE_REQUIRED: 1 });
    expect(st.counters.rejected).toBe(0);
    expect(st.stops?.registered).toBe(0);
  });
});

describe('GIVEN a run with a synthetic market take-profit sell at 0.097', () => {
  it('WHEN the mark climbs 0.0965 → 0.0971 THEN it fires once as a market sell (no limit), audited with its trigger', () => {
    const st = runState();
    armSyntheticStop(
      st,
      intent({ ...base, type: 'take_profit', stopPrice: '0.097' }),
      '1',
      'run-4',
      snapshot({ mark: '0.095' }),
    );
    expect(st.audit.find((e) => e.kind === 'STOP_REGISTERED')?.numbers).toEqual({
      trigger: '0.097',
      mark: '0.095',
      quantity: '1',
    });
    expect(tick(st, '0.0965')).toEqual([]);
    const fired = tick(st, '0.0971');
    expect(fired.map((f) => [f.stop.kind, f.intent.type, f.intent.limitPrice])).toEqual([
      ['take_profit', 'market', undefined],
    ]);
    expect(st.audit.find((e) => e.kind === 'STOP_TRIGGERED')?.numbers).toMatchObject({
      trigger: '0.097',
      mark: '0.0971',
    });
    expect(tick(st, '0.1')).toEqual([]);
  });

  it('WHEN a take-profit has no trigger price THEN it is not armed: STOP_PRICE_REQUIRED', () => {
    const st = runState();
    expect(armSyntheticStop(st, intent({ ...base, type: 'take_profit' }), '1', 'run-5', snapshot())).toBeUndefined();
    expect(st.counters.deniedByReason).toEqual({ STOP_PRICE_REQUIRED: 1 });
    expect(st.counters.rejected).toBe(0);
  });
});

describe('GIVEN order-cycle with orderType take_profit or trailing_stop', () => {
  const bars = [0, 1, 2].map((i) => ({
    ts: (20 + i) * 300_000 - 600_000,
    open: 0.1,
    high: 0.1,
    low: 0.1,
    close: 0.1,
    volume: 1,
  }));
  const signal = (params: unknown, position: string) => {
    const [s] = orderCycle.signals({
      symbol: 'ETH/BTC',
      bars,
      params: OrderCycleParams.parse(params),
      position,
      equity: '1',
      mark: '0.1',
    });
    return OrderIntent.parse({ ...s, strategyId: 'order-cycle' });
  };

  it('WHEN flat and then long THEN it asks for trailing stops with its trail (no price): a buy to enter, a reduce-only sell to exit', () => {
    expect(signal({ everyBars: 20, orderType: 'trailing_stop', trailBps: 40 }, '0')).toMatchObject({
      side: 'buy',
      type: 'trailing_stop',
      trailBps: 40,
      quantity: '1',
      reduceOnly: false,
    });
    const exit = signal({ everyBars: 20, orderType: 'trailing_stop', trailBps: 40 }, '1');
    expect(exit).toMatchObject({ side: 'sell', type: 'trailing_stop', trailBps: 40, quantity: '1', reduceOnly: true });
    expect([exit.stopPrice, exit.limitPrice]).toEqual([undefined, undefined]);
  });

  it('WHEN it takes profit THEN a buy triggers offsetBps below the mark and a sell above it, as market take-profits', () => {
    expect(signal({ everyBars: 20, orderType: 'take_profit', offsetBps: 50 }, '0')).toMatchObject({
      side: 'buy',
      type: 'take_profit',
      stopPrice: '0.0995',
    });
    expect(signal({ everyBars: 20, orderType: 'take_profit', offsetBps: 50 }, '1')).toMatchObject({
      side: 'sell',
      type: 'take_profit',
      stopPrice: '0.1005',
    });
  });

  it('WHEN a trailing_stop has no trail, or a trail comes with another type THEN the params are refused naming strategy.params.trailBps', () => {
    for (const params of [
      { orderType: 'trailing_stop' },
      { orderType: 'market', trailBps: 50 },
      { orderType: 'trailing_stop', trailBps: 9000 },
    ]) {
      const r = parseStrategyParams('order-cycle', params);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain('strategy.params.trailBps');
    }
  });
});
