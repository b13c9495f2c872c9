/**
 * The advanced execution engine's domain: GPT-Trader's test cases, mirrored, and the pieces the
 * seed left unfinished (TIF from ccxt features, sizing methods, three impact models, impact-aware sizing,
 * order management, stops, execution monitor).
 */
import * as ccxt from 'ccxt';
import { capabilitiesFrom } from '../../brokers/ccxt/mapping';
import { advancedEngine } from '../../domain/execution/advanced';
import { IMPACT_MODELS, impactAwareSize, type ImpactInput } from '../../domain/execution/impact';
import {
  backoffMs,
  closePositionIntent,
  DEFAULT_RETRY,
  existingOrder,
  replacementFor,
} from '../../domain/execution/management';
import { emptyMonitor, measureOrder, recordDenial, recordExecution } from '../../domain/execution/monitor';
import { averageTrueRange, sizeIntent } from '../../domain/execution/sizing';
import { checkStops, emptyStopBook, placeStop, registerStop, type StopSpecInput } from '../../domain/execution/stops';
import type { Candle } from '../../domain/market/candles';
import type { ClientOrderId } from '../../domain/ids';
import { evaluateTick } from '../../domain/risk/evaluation';
import { RiskConfig } from '../../domain/risk/config';
import { ETH_BTC, fill, intent, order, planContext, portfolio, risk, snapshot, T0 } from '../helpers/fixtures';

const cid = (s: string) => s as ClientOrderId;
/** A stop on 1 ETH/BTC for strategy 't'; the caller names the stop, its side and kind, and any prices. */
const stop = (over: Pick<StopSpecInput, 'id' | 'side' | 'kind'> & Partial<StopSpecInput>): StopSpecInput => ({
  strategyId: 't',
  symbol: 'ETH/BTC',
  quantity: '1',
  ...over,
});

describe('seed cases: sizing', () => {
  it('GIVEN sizing advice of 0.2 for an intent of 0.1 THEN the order goes out with 0.2 (advice raises the quantity)', () => {
    const config = risk({ enableDynamicPositionSizing: true, sizing: { method: 'fixed-quote', quoteAmount: '0.019' } });
    const sized = sizeIntent(intent({ quantity: '0.1' }), {
      config,
      tradingState: 'ACTIVE',
      equity: '10',
      price: '0.095',
    });
    expect(sized).toMatchObject({
      ok: true,
      intent: { quantity: '0.2' },
      numbers: { method: 'fixed-quote', advisedQuantity: '0.2', requested: '0.1' },
    });
    const plan = sized.ok ? advancedEngine.plan(sized.intent, planContext({ config })) : undefined;
    expect(plan).toMatchObject({ ok: true, order: { quantity: '0.2' } });
  });

  it('GIVEN zero advice THEN the intent is denied POSITION_SIZING, counted once', () => {
    // Kelly with W = 0.3, R = 1: full Kelly is 0.3 − 0.7 = −0.4 → advice 0.
    const config = risk({
      enableDynamicPositionSizing: true,
      sizing: { method: 'kelly', winRate: 0.3, payoffRatio: 1 },
    });
    const ev = evaluateTick({
      engine: 'advanced',
      intents: [intent({ quantity: '0.1' })],
      portfolio: portfolio(),
      tradingState: 'ACTIVE',
      config,
      instruments: { 'ETH/BTC': ETH_BTC },
    });
    expect(ev.verdicts).toHaveLength(1);
    expect(ev.verdicts[0]).toMatchObject({
      decision: 'DENIED',
      code: 'POSITION_SIZING',
      numbers: { fullKelly: '-0.4', advisedQuantity: '0' },
    });
    const m = emptyMonitor();
    for (const v of ev.verdicts) if (v.decision === 'DENIED') recordDenial(m, v.code);
    expect(m.counters.deniedByReason).toEqual({ POSITION_SIZING: 1 });
    expect(m.counters.denied).toBe(1);
  });

  it('GIVEN reduce-only mode THEN an entry is advised 0 (POSITION_SIZING) and an exit carries reduceOnly through to the order', () => {
    const config = risk({ enableDynamicPositionSizing: true, reduceOnlyMode: true });
    expect(sizeIntent(intent(), { config, tradingState: 'REDUCING', equity: '10', price: '0.095' })).toMatchObject({
      ok: false,
      code: 'POSITION_SIZING',
      numbers: { advisedQuantity: '0', reduceOnly: 'true' },
    });
    const exit = sizeIntent(intent({ side: 'sell', quantity: '1' }), {
      config,
      tradingState: 'REDUCING',
      equity: '10',
      price: '0.095',
    });
    expect(exit).toMatchObject({ ok: true, intent: { reduceOnly: true, quantity: '1' } });
    const plan = exit.ok
      ? advancedEngine.plan(exit.intent, planContext({ config, tradingState: 'REDUCING' }))
      : undefined;
    expect(plan).toMatchObject({ ok: true, order: { reduceOnly: true, side: 'sell' } });
  });

  it('GIVEN a risk failure THEN the verdict carries its reason code, message and numbers', () => {
    const ev = evaluateTick({
      engine: 'advanced',
      intents: [intent()],
      portfolio: portfolio(),
      tradingState: 'ACTIVE',
      config: risk({ killSwitch: true }),
      instruments: { 'ETH/BTC': ETH_BTC },
    });
    expect(ev.verdicts[0]).toMatchObject({
      decision: 'DENIED',
      code: 'KILL_SWITCH_ENGAGED',
      message: 'the kill switch is engaged',
      numbers: { killSwitch: 'true' },
    });
  });
});

describe('sizing methods', () => {
  const base = { tradingState: 'ACTIVE' as const, equity: '10', price: '0.1' };
  const cfg = (sizing: Record<string, unknown>) => risk({ enableDynamicPositionSizing: true, sizing: sizing as never });
  it.each([
    [
      'equity-leverage (seed fallback): 10 × 2 × 0.1 = 2 BTC → 20 ETH',
      { method: 'equity-leverage', targetLeverage: 2, multiplier: 0.1 },
      {},
      '20',
    ],
    ['fixed-quote 0.5 BTC → 5 ETH', { method: 'fixed-quote', quoteAmount: '0.5' }, {}, '5'],
    ['pct-equity 15% of 10 → 1.5 BTC → 15 ETH', { method: 'pct-equity', equityPct: 15 }, {}, '15'],
    [
      'fixed-fractional 1% of 10 at risk, stop 0.09 (0.01 away) → 10 ETH',
      { method: 'fixed-fractional', riskPct: 1 },
      { stopPrice: '0.09' },
      '10',
    ],
    [
      "fixed-fractional from a bracket entry's protective stop 0.095 (0.005 away) → 20 ETH",
      { method: 'fixed-fractional', riskPct: 1 },
      { protectiveStop: '0.095' },
      '20',
    ],
    [
      'kelly W 0.6 R 2 → full 0.4, half 0.2 → 2 BTC → 20 ETH',
      { method: 'kelly', winRate: 0.6, payoffRatio: 2 },
      {},
      '20',
    ],
    [
      'kelly capped at 10% → 1 BTC → 10 ETH',
      { method: 'kelly', winRate: 0.6, payoffRatio: 2, kellyCapPct: 10 },
      {},
      '10',
    ],
  ])('GIVEN %s THEN that quantity', (_name, sizing, over, expected) => {
    const r = sizeIntent(intent({ quantity: '1', ...over }), { ...base, config: cfg(sizing) });
    expect(r.ok && r.intent.quantity).toBe(expected);
  });

  it('GIVEN ATR targeting with 15 bars of range 0.002 THEN quantity = 1% × 10 / (2 × 0.002) = 25; with too few bars THEN POSITION_SIZING', () => {
    const bars: Candle[] = Array.from({ length: 15 }, (_, i) => ({
      ts: T0 + i * 300_000,
      open: 0.1,
      high: 0.101,
      low: 0.099,
      close: 0.1,
      volume: 10,
    }));
    expect(averageTrueRange(bars, 14)).toBe('0.002');
    const config = cfg({ method: 'atr-target', riskPct: 1, atrPeriod: 14, atrMultiple: 2 });
    expect(sizeIntent(intent(), { ...base, config, bars })).toMatchObject({
      ok: true,
      intent: { quantity: '25' },
      numbers: { atr: '0.002' },
    });
    expect(sizeIntent(intent(), { ...base, config, bars: bars.slice(0, 5) })).toMatchObject({
      ok: false,
      code: 'POSITION_SIZING',
      numbers: { bars: '5' },
    });
  });

  it('GIVEN fixed-fractional without the intent stop THEN POSITION_SIZING names it; GIVEN a method without its parameter THEN the config is refused naming the field', () => {
    expect(sizeIntent(intent(), { ...base, config: cfg({ method: 'fixed-fractional', riskPct: 1 }) })).toMatchObject({
      ok: false,
      code: 'POSITION_SIZING',
      message: expect.stringContaining('stopPrice'),
    });
    const bad = RiskConfig.safeParse({ sizing: { method: 'pct-equity' } });
    expect(bad.success).toBe(false);
    expect(!bad.success && bad.error.issues[0]).toMatchObject({
      path: ['sizing', 'equityPct'],
      message: 'is required by sizing method pct-equity',
    });
  });
});

describe('seed cases: normalization, post-only, stops in the plan', () => {
  it('GIVEN a clientOrderId the venue already holds THEN that order is the answer (no second submit)', () => {
    const known = [order({ clientOrderId: cid('tt1-1') }), order({ clientOrderId: cid('tt1-2'), status: 'FILLED' })];
    expect(existingOrder(known, 'tt1-2')).toBe(known[1]);
    expect(existingOrder(known, 'tt1-3')).toBeUndefined();
  });

  it('GIVEN prices off the tick THEN a buy rounds down and a sell up; the stop trigger rounds the other way', () => {
    const buy = advancedEngine.plan(
      intent({ type: 'limit', limitPrice: '0.0940009', quantity: '1.0009' }),
      planContext(),
    );
    expect(buy).toMatchObject({ ok: true, order: { price: '0.094', quantity: '1' } });
    const stop = advancedEngine.plan(
      intent({
        side: 'sell',
        type: 'stop_limit',
        stopPrice: '0.0930009',
        limitPrice: '0.0929991',
        quantity: '1',
        reduceOnly: true,
      }),
      planContext(),
    );
    expect(stop).toMatchObject({ ok: true, order: { price: '0.093', stopPrice: '0.093', type: 'stop_limit' } });
  });

  it('GIVEN an order too small THEN denied with a suggested quantity', () => {
    expect(advancedEngine.plan(intent({ quantity: '0.0005' }), planContext())).toMatchObject({
      ok: false,
      code: 'SPEC_MIN_SIZE',
      suggestedQuantity: '0.001',
    });
  });

  it.each([
    ['buy at the ask', 'buy', '0.09501', false],
    ['buy above the ask', 'buy', '0.0951', false],
    ['sell at the bid', 'sell', '0.09499', false],
    ['sell below the bid', 'sell', '0.0949', false],
    ['buy below the ask (no cross)', 'buy', '0.095', true],
    ['sell above the bid (no cross)', 'sell', '0.095', true],
  ] as const)('GIVEN a post-only %s (%s at %s) THEN accepted: %s', (_n, side, price, accepted) => {
    const r = advancedEngine.plan(
      intent({ side, type: 'limit', limitPrice: price, postOnly: true, quantity: '1' }),
      planContext(),
    );
    if (accepted) expect(r).toMatchObject({ ok: true, order: { postOnly: true, price } });
    else expect(r).toMatchObject({ ok: false, code: 'POST_ONLY_WOULD_CROSS', numbers: { side, price } });
  });

  it('GIVEN a stop without a trigger price THEN denied STOP_PRICE_REQUIRED, by the plan and by the synthetic stop book', () => {
    expect(
      advancedEngine.plan(intent({ type: 'stop_limit', side: 'sell', limitPrice: '0.09' }), planContext()),
    ).toMatchObject({ ok: false, code: 'STOP_PRICE_REQUIRED' });
    const book = emptyStopBook();
    expect(
      registerStop(book, stop({ id: 's1', side: 'sell', kind: 'stop_market' }), { at: T0, price: '0.095' }),
    ).toMatchObject({ ok: false, code: 'STOP_PRICE_REQUIRED' });
    expect(book.registered).toBe(0);
  });

  it('GIVEN a venue without native stops THEN a stop order is denied STOP_UNSUPPORTED (the workflow keeps it synthetic instead)', () => {
    const caps = { ...planContext().capabilities, stopMarket: false, stopLimit: false };
    expect(
      advancedEngine.plan(
        intent({ type: 'stop_market', side: 'sell', stopPrice: '0.09' }),
        planContext({ capabilities: caps }),
      ),
    ).toMatchObject({ ok: false, code: 'STOP_UNSUPPORTED' });
  });
});

describe('TIF from ccxt features', () => {
  it('GIVEN ccxt binance features THEN GTC/IOC/FOK, post-only and native stops; GTD is denied with the reason; PO maps to GTC + postOnly', () => {
    const caps = capabilitiesFrom(new ccxt.binance());
    expect(caps).toMatchObject({
      timeInForce: ['GTC', 'IOC', 'FOK'],
      postOnly: true,
      stopMarket: true,
      stopLimit: true,
    });
    const ctx = planContext({ capabilities: caps });
    expect(advancedEngine.plan(intent({ type: 'limit', limitPrice: '0.0949', tif: 'FOK' }), ctx)).toMatchObject({
      ok: true,
      order: { tif: 'FOK' },
    });
    expect(advancedEngine.plan(intent({ type: 'limit', limitPrice: '0.0949', tif: 'PO' }), ctx)).toMatchObject({
      ok: true,
      order: { tif: 'GTC', postOnly: true },
      notes: ['TIF PO mapped to GTC + postOnly'],
    });
    expect(advancedEngine.plan(intent({ type: 'limit', limitPrice: '0.0949', tif: 'GTD' }), ctx)).toMatchObject({
      ok: false,
      code: 'TIF_UNSUPPORTED',
      numbers: { venueSupportsGTD: 'false' },
    });
  });

  it('GIVEN ccxt kraken features (no trigger-price stop-limit) THEN a stop-limit is refused; GIVEN no FOK THEN FOK is refused, never changed', () => {
    const caps = capabilitiesFrom(new ccxt.kraken());
    expect(caps.stopLimit).toBe(false);
    expect(
      advancedEngine.plan(
        intent({ type: 'stop_limit', side: 'sell', stopPrice: '0.09', limitPrice: '0.089', reduceOnly: true }),
        planContext({ capabilities: caps }),
      ),
    ).toMatchObject({ ok: false, code: 'STOP_UNSUPPORTED' });
    const noFok = { ...caps, timeInForce: ['GTC' as const, 'IOC' as const] };
    expect(
      advancedEngine.plan(
        intent({ type: 'limit', limitPrice: '0.0949', tif: 'FOK' }),
        planContext({ capabilities: noFok }),
      ),
    ).toMatchObject({ ok: false, code: 'TIF_UNSUPPORTED', numbers: { requested: 'FOK', supported: 'GTC,IOC' } });
  });

  it('GIVEN a market order asked GTC THEN it goes IOC and the plan says so', () => {
    expect(advancedEngine.plan(intent({ tif: 'GTC' }), planContext())).toMatchObject({
      ok: true,
      order: { tif: 'IOC' },
      notes: [expect.stringContaining('downgraded to IOC')],
    });
  });
});

describe('seed cases: stops', () => {
  it('GIVEN 50 sell stops with triggers 50…99 WHEN the price reaches 50 THEN all 50 trigger, each once', () => {
    const book = emptyStopBook();
    for (let i = 0; i < 50; i += 1)
      expect(
        registerStop(book, stop({ id: `s${i}`, side: 'sell', kind: 'stop_market', triggerPrice: String(50 + i) }), {
          at: T0,
          price: '120',
        }).ok,
      ).toBe(true);
    expect(checkStops(book, 'ETH/BTC', '100', T0 + 1)).toHaveLength(0);
    const fired = checkStops(book, 'ETH/BTC', '50', T0 + 2);
    expect(fired).toHaveLength(50);
    expect(new Set(fired.map((f) => f.stop.id)).size).toBe(50);
    expect(fired.every((f) => f.intent.side === 'sell' && f.intent.type === 'market' && f.intent.reduceOnly)).toBe(
      true,
    );
    expect(checkStops(book, 'ETH/BTC', '40', T0 + 3)).toHaveLength(0);
    expect(book).toMatchObject({ registered: 50, triggered: 50, armed: {} });
  });

  it('GIVEN a native stop placement that fails THEN its trigger is removed; GIVEN it succeeds THEN the venue holds it and the book does not', async () => {
    const book = emptyStopBook();
    const spec = stop({ id: 'n1', side: 'sell', kind: 'stop_market', triggerPrice: '0.09' });
    type PlaceNative = Parameters<typeof placeStop>[2]['placeNative'];
    const place = (id: string, native: boolean, placeNative: PlaceNative) =>
      placeStop(book, { ...spec, id }, { at: T0, price: '0.095', native, placeNative });
    const failed = await place('n1', true, async () => ({ ok: false, code: 'VENUE_INVALID_ORDER' }));
    expect(failed).toMatchObject({ ok: false, code: 'STOP_PLACEMENT_FAILED' });
    expect(book.armed).toEqual({});
    expect(checkStops(book, 'ETH/BTC', '0.08', T0 + 1)).toHaveLength(0);
    const thrown = await place('n2', true, async () => Promise.reject(new Error('network')));
    expect(thrown).toMatchObject({ ok: false, code: 'STOP_PLACEMENT_FAILED' });
    expect(await place('n3', true, async () => ({ ok: true }))).toMatchObject({ ok: true, mode: 'native' });
    expect(await place('s1', false, async () => ({ ok: true }))).toMatchObject({ ok: true, mode: 'synthetic' });
    expect(Object.keys(book.armed)).toEqual(['s1']);
  });

  it('GIVEN a sell trailing stop of 100 bps from 100 WHEN the price rises to 110 then falls to 108.9 THEN it fires at the moved trigger', () => {
    const book = emptyStopBook();
    registerStop(book, stop({ id: 't1', side: 'sell', kind: 'trailing_stop', trailBps: 100 }), {
      at: T0,
      price: '100',
    });
    expect(book.armed.t1.trigger).toBe('99');
    expect(checkStops(book, 'ETH/BTC', '110', T0 + 1)).toHaveLength(0);
    expect(book.armed.t1.trigger).toBe('108.9');
    expect(checkStops(book, 'ETH/BTC', '109', T0 + 2)).toHaveLength(0);
    expect(checkStops(book, 'ETH/BTC', '108.9', T0 + 3)).toHaveLength(1);
  });

  it('GIVEN a take-profit sell at 0.1 and a stop-limit buy at 0.1 THEN the first fires at or above, the second at or above, with its limit', () => {
    const book = emptyStopBook();
    registerStop(book, stop({ id: 'tp', side: 'sell', kind: 'take_profit', triggerPrice: '0.1' }), {
      at: T0,
      price: '0.095',
    });
    registerStop(
      book,
      stop({ id: 'sl', side: 'buy', kind: 'stop_limit', triggerPrice: '0.1', limitPrice: '0.101', reduceOnly: false }),
      { at: T0, price: '0.095' },
    );
    expect(checkStops(book, 'ETH/BTC', '0.099', T0 + 1)).toHaveLength(0);
    const fired = checkStops(book, 'ETH/BTC', '0.1', T0 + 2);
    expect(fired.map((f) => [f.stop.id, f.intent.type, f.intent.limitPrice])).toEqual([
      ['tp', 'market', undefined],
      ['sl', 'limit', '0.101'],
    ]);
  });
});

describe('seed cases: order management', () => {
  it('GIVEN a long position THEN close = reduce-only market sell of all of it; a short THEN a reduce-only buy; flat THEN nothing', () => {
    expect(closePositionIntent({ strategyId: 't', symbol: 'ETH/BTC', quantity: '2.5' })).toMatchObject({
      side: 'sell',
      quantity: '2.5',
      reduceOnly: true,
      type: 'market',
    });
    expect(closePositionIntent({ strategyId: 't', symbol: 'ETH/BTC', quantity: '-1.25' })).toMatchObject({
      side: 'buy',
      quantity: '1.25',
      reduceOnly: true,
      type: 'market',
    });
    expect(closePositionIntent({ strategyId: 't', symbol: 'ETH/BTC', quantity: '0' })).toBeUndefined();
  });

  it('GIVEN a partly filled buy WHEN replaced at a new price THEN the replacement is a buy (the side is kept) for what is left', () => {
    const canceled = order({ status: 'CANCELED', filledQuantity: '0.5', side: 'buy' });
    expect(replacementFor(canceled, { price: '0.0951' }, cid('tt1-2'), T0)).toMatchObject({
      ok: true,
      order: { side: 'buy', price: '0.0951', quantity: '1.5', type: 'limit', tif: 'GTC' },
    });
    const sell = order({ status: 'CANCELED', side: 'sell', reduceOnly: true });
    expect(replacementFor(sell, { quantity: '3' }, cid('tt1-3'), T0)).toMatchObject({
      ok: true,
      order: { side: 'sell', quantity: '3', reduceOnly: true },
    });
    expect(
      replacementFor(order({ status: 'CANCELED', filledQuantity: '2' }), { price: '0.1' }, cid('tt1-4'), T0),
    ).toMatchObject({ ok: false, code: 'NOTHING_TO_REPLACE' });
  });

  it('GIVEN the default retry policy THEN the waits double from 250 ms and are bounded', () => {
    expect([2, 3, 4, 10].map((n) => backoffMs(DEFAULT_RETRY, n))).toEqual([250, 500, 1000, 5000]);
  });
});

describe('market impact: three estimators, the guard and impact-aware sizing', () => {
  const bars: Candle[] = Array.from({ length: 6 }, (_, i) => ({
    ts: T0 - (6 - i) * 300_000,
    open: 0.095,
    high: 0.0952,
    low: 0.0948,
    close: i % 2 ? 0.0951 : 0.0949,
    volume: 20,
  }));
  const thin = snapshot({
    bars,
    asks: [
      ['0.095010', '1'],
      ['0.095100', '1'],
      ['0.0960', '2'],
    ],
    bids: [
      ['0.094990', '1'],
      ['0.094900', '1'],
    ],
  });
  const input = (quantity: string): ImpactInput => ({
    snapshot: thin,
    side: 'buy',
    quantity,
    price: '0.095',
    maxImpactBps: 20,
    volume15mQuote: '5.7',
    sqrtCoefficient: 1,
  });

  it.each(['seed', 'sqrt', 'book'] as const)(
    'GIVEN the %s model THEN the estimate grows with the quantity and names its model',
    (name) => {
      const m = IMPACT_MODELS[name];
      const small = m.estimate(input('0.1'));
      const big = m.estimate(input('3'));
      expect(small.numbers.model).toBe(name);
      expect(Number(big.impactBps)).toBeGreaterThan(Number(small.impactBps));
    },
  );

  it('GIVEN the book model and an order larger than the visible book THEN 10 000 bps; within level 1 THEN the half spread', () => {
    expect(IMPACT_MODELS.book.estimate(input('5')).impactBps).toBe('10000');
    expect(Number(IMPACT_MODELS.book.estimate(input('0.5')).impactBps)).toBeCloseTo(1.0526315789, 8);
  });

  it('GIVEN 3 ETH over a 20 bps limit THEN CONSERVATIVE finds the largest fitting size by binary search, STRICT gives 0, AGGRESSIVE keeps 3 (the book holds 4)', () => {
    const m = IMPACT_MODELS.book;
    const cons = impactAwareSize(m, input('3'), 'CONSERVATIVE', '0.001');
    expect(cons.quantity).toBe('2.333'); // VWAP (0.19011 + 0.096 (q − 2)) / q ≤ 0.09519 ⇔ q ≤ 2.3333…
    expect(cons.iterations).toBeGreaterThan(5);
    expect(Number(m.estimate(input(cons.quantity)).impactBps)).toBeLessThanOrEqual(20);
    expect(Number(m.estimate(input('2.334')).impactBps)).toBeGreaterThan(20);
    expect(impactAwareSize(m, input('3'), 'STRICT', '0.001').quantity).toBe('0');
    expect(impactAwareSize(m, input('3'), 'AGGRESSIVE', '0.001').quantity).toBe('3');
    expect(impactAwareSize(m, input('5'), 'AGGRESSIVE', '0.001').quantity).toBe('2.333');
  });

  it('GIVEN the guard with action resize THEN the order is resized (CONSERVATIVE) or denied with the mode (STRICT); with action deny THEN MARKET_IMPACT', () => {
    const cfg = (impact: Record<string, unknown>) =>
      risk({ enableMarketImpactGuard: true, maxMarketImpactBps: 20, slippageGuardBps: 500, impact: impact as never });
    const resized = advancedEngine.plan(
      intent({ quantity: '3' }),
      planContext({ snapshot: thin, config: cfg({ model: 'book', action: 'resize', sizing: 'CONSERVATIVE' }) }),
    );
    expect(resized).toMatchObject({
      ok: true,
      order: { quantity: '2.333' },
      numbers: { sizingMode: 'CONSERVATIVE', impactSizedQuantity: '2.333', recommendSlicing: 'true' },
    });
    expect(
      advancedEngine.plan(
        intent({ quantity: '3' }),
        planContext({ snapshot: thin, config: cfg({ model: 'book', action: 'resize', sizing: 'STRICT' }) }),
      ),
    ).toMatchObject({ ok: false, code: 'MARKET_IMPACT', numbers: { sizingMode: 'STRICT', impactSizedQuantity: '0' } });
    expect(
      advancedEngine.plan(
        intent({ quantity: '3' }),
        planContext({ snapshot: thin, config: cfg({ model: 'book', action: 'deny' }) }),
      ),
    ).toMatchObject({ ok: false, code: 'MARKET_IMPACT', numbers: { model: 'book', maxImpactBps: '20' } });
    expect(
      advancedEngine.plan(
        intent({ quantity: '0.5' }),
        planContext({ snapshot: thin, config: cfg({ model: 'book', action: 'deny' }) }),
      ),
    ).toMatchObject({ ok: true, order: { quantity: '0.5' } });
  });
});

describe('execution monitor', () => {
  it('GIVEN a buy filled in two parts above arrival THEN shortfall, fees, fill ratio and times are measured; aggregates add up per run and strategy', () => {
    const filled = order({
      status: 'FILLED',
      quantity: '2',
      filledQuantity: '2',
      fee: '0.00019',
      fills: [
        fill({ fillId: 'f1', clientOrderId: cid('tt1-1'), price: '0.0951', fee: '0.0000951', ts: T0 + 1_000 }),
        fill({ fillId: 'f2', clientOrderId: cid('tt1-1'), price: '0.0953', fee: '0.0000953', ts: T0 + 4_000 }),
      ],
    });
    const e = measureOrder(filled, { strategyId: 's', arrivalPrice: '0.095', placedAt: T0 });
    expect(e).toMatchObject({
      averagePrice: '0.0952',
      fillRatio: '1',
      feesQuote: '0.0001904',
      timeToFirstFillMs: 1_000,
      timeToLastFillMs: 4_000,
    });
    expect(Number(e.shortfallBps)).toBeCloseTo(21.0526315789, 8);
    const sell = measureOrder(
      order({
        side: 'sell',
        status: 'CANCELED',
        quantity: '2',
        filledQuantity: '1',
        fills: [fill({ fillId: 'f3', clientOrderId: cid('tt1-2'), side: 'sell', price: '0.0949', liquidity: 'maker' })],
      }),
      { strategyId: 's', arrivalPrice: '0.095', placedAt: T0 },
    );
    expect(Number(sell.shortfallBps)).toBeCloseTo(10.5263157895, 8);
    expect(sell.fillRatio).toBe('0.5');
    const m = emptyMonitor();
    recordExecution(m, e);
    recordExecution(m, sell);
    recordDenial(m, 'POST_ONLY_WOULD_CROSS');
    expect(m.counters).toMatchObject({ filled: 1, partiallyFilled: 1, cancelled: 1, denied: 1, postOnlyDenials: 1 });
    expect(m.run).toMatchObject({ orders: 2, filledQuantity: '3', fillRatio: '0.75' });
    // (0.1904 − 0.19) + (0.095 − 0.0949) = 0.0005 over 0.285 arrival notional
    expect(Number(m.run.shortfallBps)).toBeCloseTo(17.5438596491, 8);
    expect(m.byStrategy.s).toEqual(m.run);
  });
});
