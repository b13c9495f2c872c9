/**
 * Every pre-trade check at, just below and just above its limit: the decision, the reason code and the
 * numbers that decided. Base case: 10 BTC equity (all cash), ETH/BTC marked at 0.1, taker fee 0, so an
 * order of N ETH is N/10 BTC of notional.
 */
import { evaluateIntent, type RiskContext } from '../../domain/risk/engine';
import type { RiskFacts } from '../../domain/risk/facts';
import type { RiskVerdict } from '../../domain/risk/verdict';
import type { RiskConfigInput } from '../../domain/risk/config';
import type { VolLevel } from '../../domain/risk/guards';
import { intent, portfolio, risk, T0 } from '../helpers/fixtures';

const MARK = '0.1';
const base = (cash = '10') => portfolio(cash, { 'ETH/BTC': MARK });
function ev(args: {
  qty?: string;
  side?: 'buy' | 'sell';
  config?: RiskConfigInput;
  facts?: RiskFacts;
  ctx?: Partial<RiskContext>;
  limitPrice?: string;
}): RiskVerdict {
  return evaluateIntent(
    intent({
      quantity: args.qty ?? '1',
      side: args.side ?? 'buy',
      ...(args.limitPrice ? { type: 'limit', limitPrice: args.limitPrice } : {}),
    }),
    {
      tradingState: 'ACTIVE',
      portfolio: base(),
      config: risk({ maxPositionPctPerSymbol: 100, ...args.config }),
      mark: MARK,
      takerFee: '0',
      ...(args.facts ? { facts: args.facts } : {}),
      ...args.ctx,
    },
  );
}
const check = (v: RiskVerdict, name: string) => v.checks.find((c) => c.check === name);

type Row = [label: string, qty: string, decision: RiskVerdict['decision'], quantity: string];

/**
 * A quantity limit at `at` ETH: a buy just below or at it passes unchanged, one just above it is resized down to it.
 * `resized` is what the resized verdict must also show; `check` names a check whose numbers every case must show.
 */
function itResizesJustAbove(
  title: string,
  [below, at, above]: [string, string, string],
  args: Omit<Parameters<typeof ev>[0], 'qty'>,
  expected: {
    resized: object;
    check?: [name: string, numbers: Record<string, string>];
    also?: (v: RiskVerdict) => void;
  },
): void {
  it.each<Row>([
    ['just below', below, 'APPROVED', below],
    ['at', at, 'APPROVED', at],
    ['just above', above, 'RESIZED', at],
  ])(title, (_l, qty, decision, quantity) => {
    const v = ev({ qty, ...args });
    expect(v).toMatchObject({ decision, quantity });
    if (expected.check) expect(check(v, expected.check[0])?.numbers).toMatchObject(expected.check[1]);
    expected.also?.(v);
    if (decision === 'RESIZED') expect(v).toMatchObject(expected.resized);
  });
}

describe('risk checks at, just below and just above each limit', () => {
  describe('kill switch', () => {
    it.each([
      ['off', false, 'buy', 'APPROVED', 'APPROVED'],
      ['on', true, 'buy', 'DENIED', 'KILL_SWITCH_ENGAGED'],
      ['on, even for a sell', true, 'sell', 'DENIED', 'KILL_SWITCH_ENGAGED'],
    ] as const)(
      'GIVEN the kill switch %s WHEN a %s is evaluated THEN %s %s',
      (_l, killSwitch, side, decision, code) => {
        const p =
          side === 'sell'
            ? { ...base(), positions: { 'ETH/BTC': { ...base().positions['ETH/BTC'], quantity: '5' } } }
            : base();
        const v = ev({ side: side as 'buy' | 'sell', config: { killSwitch }, ctx: { portfolio: p } });
        expect(v).toMatchObject({ decision, code });
        if (killSwitch) expect(v.numbers).toEqual({ killSwitch: 'true' });
      },
    );
  });

  describe('trading state', () => {
    const held = () => ({
      ...base(),
      positions: { 'ETH/BTC': { ...base().positions['ETH/BTC'], quantity: '5', avgPrice: MARK } },
    });
    it.each([
      ['ACTIVE', 'buy', 'APPROVED', 'APPROVED'],
      ['ACTIVE', 'sell', 'APPROVED', 'APPROVED'],
      ['REDUCING', 'buy', 'DENIED', 'REDUCE_ONLY'],
      ['REDUCING', 'sell', 'APPROVED', 'APPROVED'],
      ['HALTED', 'buy', 'DENIED', 'TRADING_HALTED'],
      ['HALTED', 'sell', 'DENIED', 'TRADING_HALTED'],
    ] as const)('GIVEN a %s run WHEN a %s is evaluated THEN %s %s', (state, side, decision, code) => {
      const v = ev({ side, ctx: { tradingState: state, portfolio: held() } });
      expect(v).toMatchObject({ decision, code });
      if (decision === 'DENIED') expect(v.numbers.tradingState).toBe(state);
    });
  });

  describe('max notional per order (limit 1 BTC)', () => {
    itResizesJustAbove(
      'GIVEN a buy %s the limit (%s ETH) THEN %s with quantity %s',
      ['9.9', '10', '10.1'],
      { config: { maxOrderNotional: '1' } },
      {
        resized: {
          code: 'MAX_ORDER_NOTIONAL',
          numbers: { notional: '1.01', limit: '1', price: MARK, from: '10.1', to: '10' },
        },
      },
    );
  });

  describe('per-symbol notional cap (1 BTC) and % of equity (20% of 10 BTC = 2 BTC)', () => {
    itResizesJustAbove(
      'GIVEN the notional cap WHEN a buy %s it (%s ETH) THEN %s %s',
      ['9.9', '10', '10.1'],
      { config: { maxPositionNotionalPerSymbol: '1' } },
      {
        resized: {
          code: 'POSITION_LIMIT_EXCEEDED',
          numbers: { cap: '1', headroom: '1', positionNotional: '0', orderNotional: '1.01' },
        },
      },
    );
    itResizesJustAbove(
      'GIVEN the 20%% cap WHEN a buy %s it (%s ETH) THEN %s %s',
      ['19.9', '20', '20.1'],
      { config: { maxPositionPctPerSymbol: 20 } },
      {
        resized: {
          code: 'POSITION_LIMIT_EXCEEDED',
          numbers: { cap: '2', pctOfEquity: '20', equity: '10', orderNotional: '2.01' },
        },
      },
    );
    itResizesJustAbove(
      'GIVEN 1.5 BTC of ETH/BTC already reserved by other runs (account facts) WHEN a buy %s the 2 BTC cap THEN %s',
      ['4.9', '5', '5.1'],
      { config: { maxPositionPctPerSymbol: 20 }, facts: { scope: 'account', exposure: { 'ETH/BTC': '1.5' } } },
      { resized: { numbers: { positionNotional: '1.5', headroom: '0.5' } } },
    );
  });

  describe('total exposure (50% of 10 BTC = 5 BTC; 3 BTC of LTC/BTC held)', () => {
    const facts: RiskFacts = { exposure: { 'LTC/BTC': '3' } };
    itResizesJustAbove(
      'GIVEN a buy %s the limit (%s ETH) THEN %s %s',
      ['19.9', '20', '20.1'],
      { config: { maxTotalExposurePct: 50 }, facts },
      {
        check: ['total_exposure', { totalExposure: '3', cap: '5', headroom: '2', limitPct: '50', equity: '10' }],
        resized: { code: 'TOTAL_EXPOSURE_LIMIT' },
      },
    );
    it('GIVEN exposure already at the cap WHEN a buy THEN DENIED TOTAL_EXPOSURE_LIMIT', () => {
      expect(ev({ config: { maxTotalExposurePct: 30 }, facts })).toMatchObject({
        decision: 'DENIED',
        code: 'TOTAL_EXPOSURE_LIMIT',
        numbers: { headroom: '0' },
      });
    });
  });

  describe('leverage caps', () => {
    itResizesJustAbove(
      'GIVEN 14 BTC gross exposure on 10 BTC equity and a 1.5× global cap WHEN a buy %s it THEN %s %s',
      ['9.9', '10', '10.1'],
      { config: { maxLeverage: 1.5 }, facts: { exposure: { 'LTC/BTC': '14' } } },
      {
        resized: {
          code: 'LEVERAGE_LIMIT',
          numbers: {
            leverageAfter: '1.501',
            maxLeverage: '1.5',
            cap: '15',
            headroom: '1',
            scope: 'gross',
            exposure: '14',
            equity: '10',
          },
        },
      },
    );
    itResizesJustAbove(
      'GIVEN a 0.3× cap on ETH/BTC WHEN a buy %s it THEN %s %s',
      ['29.9', '30', '30.1'],
      { config: { maxLeveragePerSymbol: { 'ETH/BTC': 0.3 } } },
      {
        resized: {
          code: 'SYMBOL_LEVERAGE_LIMIT',
          numbers: { leverageAfter: '0.301', maxLeverage: '0.3', cap: '3', scope: 'symbol' },
        },
      },
    );
    const windows = [
      { name: 'night', startHourUtc: 22, endHourUtc: 6, maxLeverage: 0.5 },
      { name: 'day', startHourUtc: 6, endHourUtc: 22, maxLeverage: 2 },
    ];
    const at = (h: number, m = 0) => Date.UTC(2018, 0, 15, h, m);
    it.each([
      ['23:00 (night), just below', at(23), '49.9', 'APPROVED', '49.9'],
      ['23:00 (night), at', at(23), '50', 'APPROVED', '50'],
      ['23:00 (night), just above', at(23), '50.1', 'RESIZED', '50'],
      ['05:59 (still night)', at(5, 59), '50.1', 'RESIZED', '50'],
      ['06:00 (day)', at(6), '50.1', 'APPROVED', '50.1'],
      ['21:59 (day)', at(21, 59), '50.1', 'APPROVED', '50.1'],
      ['22:00 (night again)', at(22), '50.1', 'RESIZED', '50'],
    ] as const)(
      'GIVEN day/night windows (0.5× at night, 2× by day) WHEN a buy at %s (t=%s) of %s ETH THEN %s %s',
      (_l, now, qty, decision, quantity) => {
        const v = ev({ qty, config: { leverageWindows: windows }, facts: { now } });
        expect(v).toMatchObject({ decision, quantity });
        if (decision === 'RESIZED')
          expect(v).toMatchObject({
            code: 'LEVERAGE_WINDOW_LIMIT',
            numbers: {
              window: 'night',
              maxLeverage: '0.5',
              cap: '5',
              leverageAfter: '0.501',
              hourUtc: String(new Date(now).getUTCHours()),
            },
          });
      },
    );
    it('GIVEN windows but no decision time in the facts THEN the window check is NOT_APPLICABLE and says what is missing', () => {
      const v = ev({ qty: '90', config: { leverageWindows: windows }, facts: {} });
      expect(v.decision).toBe('APPROVED');
      expect(check(v, 'leverage')).toMatchObject({
        outcome: 'PASS',
        code: 'NOT_APPLICABLE',
        numbers: { missing: 'now' },
      });
    });
    it('GIVEN a derivatives position held at 10× and a 3× cap WHEN a buy THEN DENIED with the venue leverage', () => {
      const v = ev({
        config: { maxLeverage: 3 },
        facts: { derivatives: { 'ETH/BTC': { leverage: '10', maintenanceMarginRate: '0.005' } } },
      });
      expect(v).toMatchObject({
        decision: 'DENIED',
        code: 'LEVERAGE_LIMIT',
        numbers: { venueLeverage: '10', maxLeverage: '3' },
      });
    });
  });

  describe('derivatives: liquidation buffer and post-trade projection', () => {
    // 5× isolated long, maintenance 0.5 %: liquidation = entry × (1 − 1/5 + 0.005) = 0.0805 at entry 0.1 → 19.5 % below the mark.
    const deriv = (extra: Record<string, string> = {}): RiskFacts => ({
      derivatives: { 'ETH/BTC': { leverage: '5', maintenanceMarginRate: '0.005', ...extra } },
    });
    it.each([
      ['just below', 19.4, 'APPROVED', 'OK'],
      ['at', 19.5, 'APPROVED', 'OK'],
      ['just above', 19.6, 'DENIED', 'LIQUIDATION_PROJECTION'],
    ] as const)('GIVEN a minimum buffer %s the projected 19.5%% (%s%%) THEN %s %s', (_l, minPct, decision, code) => {
      const v = ev({ config: { minLiquidationBufferPct: minPct }, facts: deriv() });
      expect(v.decision).toBe(decision);
      const c = check(v, 'liquidation');
      expect(c).toMatchObject({
        code,
        numbers: {
          projectedLiquidationPrice: '0.0805',
          projectedBufferPct: '19.5',
          projectedEntry: '0.1',
          minBufferPct: String(minPct),
        },
      });
    });
    it.each([
      ['just below', 9.9, 'APPROVED'],
      ['at', 10, 'APPROVED'],
      ['just above', 10.1, 'DENIED'],
    ] as const)(
      'GIVEN an open position whose liquidation price 0.09 is 10%% below the mark and a minimum %s (%s%%) THEN %s',
      (_l, minPct, decision) => {
        const v = ev({
          config: { minLiquidationBufferPct: minPct },
          facts: deriv({ liquidationPrice: '0.09', positionQuantity: '0', entryPrice: '0' }),
        });
        expect(v.decision).toBe(decision);
        if (decision === 'DENIED')
          expect(v).toMatchObject({
            code: 'LIQUIDATION_BUFFER',
            numbers: { bufferPct: '10', liquidationPrice: '0.09', mark: MARK },
          });
      },
    );
    it('GIVEN a buy above the mark that raises the average entry THEN the projection moves the liquidation price up', () => {
      // Holding 10 @ 0.1, buying 10 @ 0.11 → entry 0.105 → liquidation 0.084525 → 15.475 % below 0.1.
      const v = ev({
        qty: '10',
        limitPrice: '0.11',
        config: { minLiquidationBufferPct: 16 },
        facts: deriv({ positionQuantity: '10', entryPrice: '0.1' }),
      });
      expect(v).toMatchObject({
        decision: 'DENIED',
        code: 'LIQUIDATION_PROJECTION',
        numbers: { projectedEntry: '0.105', projectedLiquidationPrice: '0.084525', projectedBufferPct: '15.475' },
      });
    });
    it('GIVEN a spot instrument (no derivatives context) THEN PASS with SPOT_NO_LIQUIDATION', () => {
      const v = ev({ config: { minLiquidationBufferPct: 50 } });
      expect(v.decision).toBe('APPROVED');
      expect(check(v, 'liquidation')).toMatchObject({ outcome: 'PASS', code: 'SPOT_NO_LIQUIDATION' });
    });
  });

  describe('order-submit rate (3/1m)', () => {
    const now = T0;
    it.each([
      ['below: 1 in the last minute', [now - 10_000], 'APPROVED'],
      ['at: 2 in the last minute (this is the 3rd)', [now - 10_000, now - 50_000], 'APPROVED'],
      ['above: 3 in the last minute', [now - 10_000, now - 50_000, now - 59_999], 'DENIED'],
      ['one exactly 60 s ago does not count', [now - 10_000, now - 50_000, now - 60_000], 'APPROVED'],
    ] as const)('GIVEN %s WHEN an order is evaluated THEN %s', (_l, submitTimes, decision) => {
      const v = ev({ config: { maxSubmitRate: '3/1m' }, facts: { now, submitTimes: [...submitTimes] } });
      expect(v.decision).toBe(decision);
      expect(check(v, 'submit_rate')?.numbers).toMatchObject({
        limit: '3',
        intervalMs: '60000',
        submitted: String(submitTimes.filter((t) => t > now - 60_000).length),
      });
      if (decision === 'DENIED') expect(v).toMatchObject({ code: 'ORDER_RATE_LIMIT', numbers: { retryAfterMs: '1' } });
    });
    it('GIVEN the rate is exhausted WHEN a sell (reducing) THEN still DENIED: the rate protects the venue', () => {
      const p = { ...base(), positions: { 'ETH/BTC': { ...base().positions['ETH/BTC'], quantity: '5' } } };
      expect(
        ev({
          side: 'sell',
          config: { maxSubmitRate: '1/10s' },
          facts: { now, submitTimes: [now - 1] },
          ctx: { portfolio: p },
        }),
      ).toMatchObject({ decision: 'DENIED', code: 'ORDER_RATE_LIMIT' });
    });
  });

  /** The body of a count limit's table: the order that would take the count past `limit` is DENIED with `code`. */
  const countLimit =
    (fact: 'openOrders' | 'tradesToday', config: RiskConfigInput, name: string, limit: string, code: string) =>
    (_l: string, count: number, decision: RiskVerdict['decision']) => {
      const v = ev({ config, facts: { [fact]: count } });
      expect(v.decision).toBe(decision);
      expect(check(v, name)?.numbers).toEqual({ [fact]: String(count), limit });
      if (decision === 'DENIED') expect(v.code).toBe(code);
    };

  describe('max concurrent open orders (3)', () => {
    it.each([
      ['below: 1 open', 1, 'APPROVED'],
      ['at: 2 open (this makes 3)', 2, 'APPROVED'],
      ['above: 3 open', 3, 'DENIED'],
    ] as const)(
      'GIVEN %s WHEN an order THEN %s',
      countLimit('openOrders', { maxOpenOrders: 3 }, 'open_orders', '3', 'MAX_OPEN_ORDERS'),
    );
  });

  describe('trades per day (5)', () => {
    it.each([
      ['below: 3 today', 3, 'APPROVED'],
      ['at: 4 today (this is the 5th)', 4, 'APPROVED'],
      ['above: 5 today', 5, 'DENIED'],
    ] as const)(
      'GIVEN %s WHEN a buy THEN %s',
      countLimit('tradesToday', { maxTradesPerDay: 5 }, 'trades_per_day', '5', 'MAX_TRADES_PER_DAY'),
    );
    it('GIVEN the day is used up WHEN a sell (exit) THEN it is not blocked', () => {
      const p = { ...base(), positions: { 'ETH/BTC': { ...base().positions['ETH/BTC'], quantity: '5' } } };
      expect(
        ev({ side: 'sell', config: { maxTradesPerDay: 5 }, facts: { tradesToday: 9 }, ctx: { portfolio: p } }).decision,
      ).toBe('APPROVED');
    });
  });

  describe('per-strategy capital allocation (30% of a 10 BTC base; the strategy holds 1 BTC)', () => {
    const facts: RiskFacts = { strategy: { id: 'test', exposure: '1', allocationBase: '10' } };
    itResizesJustAbove(
      'GIVEN a buy %s the allocation (%s ETH) THEN %s %s',
      ['19.9', '20', '20.1'],
      { config: { strategyAllocationPct: 30 }, facts },
      {
        check: [
          'strategy_allocation',
          { strategy: 'test', strategyExposure: '1', allocationBase: '10', limitPct: '30', cap: '3', headroom: '2' },
        ],
        resized: { code: 'STRATEGY_ALLOCATION_EXCEEDED' },
      },
    );
    it('GIVEN a per-strategy allocation of 10%% for "test" WHEN it already holds 1 BTC THEN DENIED (the override wins over the 30%% default)', () => {
      expect(ev({ config: { strategyAllocationPct: 30, strategyAllocations: { test: 10 } }, facts })).toMatchObject({
        decision: 'DENIED',
        code: 'STRATEGY_ALLOCATION_EXCEEDED',
        numbers: { limitPct: '10', cap: '1' },
      });
    });
  });

  describe('correlation limit (30% of equity; |ρ| ≥ 0.7 counts; synthetic series)', () => {
    // ETH and LTC move together (LTC returns = 2 × ETH's: ρ = 1); XMR moves on its own.
    const n = 60;
    const eth: Array<{ ts: number; close: number }> = [];
    const ltc: Array<{ ts: number; close: number }> = [];
    const xmr: Array<{ ts: number; close: number }> = [];
    let e = 0.1;
    let l = 0.02;
    let x = 0.03;
    for (let i = 0; i < n; i++) {
      const r = 0.01 * Math.sin(i * 1.3);
      e *= Math.exp(r);
      l *= Math.exp(2 * r);
      x *= Math.exp(0.01 * Math.sin(i * 2.9 + 1) * (i % 3 === 0 ? -1 : 1));
      const ts = T0 + i * 300_000;
      eth.push({ ts, close: e });
      ltc.push({ ts, close: l });
      xmr.push({ ts, close: x });
    }
    const candles = { 'ETH/BTC': eth, 'LTC/BTC': ltc, 'XMR/BTC': xmr };
    const config: RiskConfigInput = {
      maxCorrelatedExposurePct: 30,
      correlationWindow: 50,
      correlationMinObservations: 30,
    };
    itResizesJustAbove(
      'GIVEN 2 BTC of LTC (ρ=1) and 5 BTC of XMR (uncorrelated) WHEN an ETH buy %s the 1 BTC headroom THEN %s %s',
      ['9.9', '10', '10.1'],
      { config, facts: { candles, exposure: { 'LTC/BTC': '2', 'XMR/BTC': '5' } } },
      {
        check: [
          'correlation',
          {
            'rho:LTC/BTC': '1',
            correlatedExposure: '2',
            correlatedSymbols: 'ETH/BTC,LTC/BTC',
            cap: '3',
            headroom: '1',
            threshold: '0.7',
          },
        ],
        also: (v) => expect(Math.abs(Number(check(v, 'correlation')?.numbers['rho:XMR/BTC']))).toBeLessThan(0.7),
        resized: { code: 'CORRELATION_LIMIT' },
      },
    );
    it('GIVEN a held symbol without enough data THEN it counts as correlated (fail-closed) and the order is DENIED', () => {
      const v = ev({
        config,
        facts: { candles: { 'ETH/BTC': eth, 'XMR/BTC': xmr.slice(-10) }, exposure: { 'XMR/BTC': '3' } },
      });
      expect(v).toMatchObject({
        decision: 'DENIED',
        code: 'CORRELATION_LIMIT',
        numbers: { 'rho:XMR/BTC': 'unknown(9 obs)', correlatedExposure: '3' },
      });
    });
    it('GIVEN no candles for the order symbol THEN NOT_APPLICABLE, naming what is missing', () => {
      const v = ev({ config, facts: { exposure: { 'LTC/BTC': '2' } } });
      expect(check(v, 'correlation')).toMatchObject({
        outcome: 'PASS',
        code: 'NOT_APPLICABLE',
        numbers: { missing: 'candles[ETH/BTC]' },
      });
    });
  });

  describe('volatility circuit breaker (state carried in the facts)', () => {
    const volBreaker = { window: 20, warnPct: 1, reducePct: 2, haltPct: 3, cooldownBars: 2 };
    const held = () => ({ ...base(), positions: { 'ETH/BTC': { ...base().positions['ETH/BTC'], quantity: '5' } } });
    it.each([
      ['NORMAL', 'buy', 'APPROVED', 'OK'],
      ['WARNING', 'buy', 'APPROVED', 'VOL_BREAKER_WARNING'],
      ['REDUCING', 'buy', 'DENIED', 'VOL_BREAKER_REDUCING'],
      ['REDUCING', 'sell', 'APPROVED', 'OK'],
      ['HALTED', 'sell', 'DENIED', 'VOL_BREAKER_HALTED'],
    ] as const)('GIVEN the breaker at %s WHEN a %s THEN %s (%s)', (level, side, decision, code) => {
      const v = ev({
        side,
        config: { volBreaker },
        facts: { volBreaker: { level: level as VolLevel, calmBars: 0, volPct: '2.5', symbol: 'ETH/BTC' } },
        ctx: { portfolio: held() },
      });
      expect(v.decision).toBe(decision);
      const c = check(v, 'vol_breaker');
      if (decision === 'DENIED')
        expect(c).toMatchObject({
          outcome: 'DENY',
          code,
          numbers: { level, volPct: '2.5', haltPct: '3', reducePct: '2' },
        });
      else if (code !== 'OK') expect(c).toMatchObject({ outcome: 'PASS', code });
    });
  });

  describe('stale mark (warn after 60 s, deny after 180 s)', () => {
    it.each([
      ['59 s: fresh', 59, 'APPROVED', 'OK'],
      ['60 s: at the warning', 60, 'APPROVED', 'OK'],
      ['61 s: just above the warning', 61, 'APPROVED', 'STALE_MARK_WARN'],
      ['179 s: just below the limit', 179, 'APPROVED', 'STALE_MARK_WARN'],
      ['180 s: at the limit', 180, 'APPROVED', 'STALE_MARK_WARN'],
      ['181 s: just above the limit', 181, 'DENIED', 'STALE_MARK'],
    ] as const)('GIVEN a mark %s old THEN %s, check code %s', (_l, age, decision, code) => {
      const v = ev({
        config: { markStaleWarnSeconds: 60 },
        facts: { now: T0 + age * 1000, markTime: { 'ETH/BTC': T0 } },
      });
      expect(v.decision).toBe(decision);
      expect(check(v, 'stale_mark')).toMatchObject({
        code,
        numbers: { markAgeSeconds: String(age), limitSeconds: '180', warnSeconds: '60' },
      });
      if (decision === 'DENIED') expect(v.code).toBe('STALE_MARK');
    });
  });

  describe('drawdown from the high-water mark (10%)', () => {
    const ddPortfolio = (equity: string) => ({
      ...base(),
      equity,
      highWaterMark: '10',
      drawdownPct: String((10 - Number(equity)) * 10),
    });
    it.each([
      ['9.9% (just below)', '9.01', 'APPROVED', undefined],
      ['10% (at)', '9', 'DENIED', 'STRATEGY_DRAWDOWN_LIMIT'],
      ['10.1% (just above)', '8.99', 'DENIED', 'STRATEGY_DRAWDOWN_LIMIT'],
    ] as const)('GIVEN the run is %s down from its HWM WHEN a buy THEN %s %s', (_l, equity, decision, code) => {
      const v = ev({ config: { maxDrawdownPct: 10 }, ctx: { portfolio: ddPortfolio(equity) } });
      expect(v.decision).toBe(decision);
      if (code)
        expect(v).toMatchObject({ code, numbers: { scope: 'strategy', highWaterMark: '10', limitPct: '10', equity } });
    });
    it('GIVEN the account (scope account) is 12% down WHEN the supervisor evaluates a buy THEN DENIED ACCOUNT_DRAWDOWN_LIMIT', () => {
      const v = ev({
        config: { maxAccountDrawdownPct: 10 },
        facts: {
          scope: 'account',
          drawdown: { account: { highWaterMark: '100', equity: '88', drawdownPct: '12', maxDrawdownPct: '12' } },
        },
      });
      expect(v).toMatchObject({
        decision: 'DENIED',
        code: 'ACCOUNT_DRAWDOWN_LIMIT',
        numbers: { scope: 'account', drawdownPct: '12', highWaterMark: '100' },
      });
    });
  });

  describe('daily loss (absolute 0.5 BTC) as a pre-trade check', () => {
    const lossOf = (loss: string) => ({
      ...base(),
      equity: String(10 - Number(loss)),
      day: { date: '2018-01-15', startEquity: '10' },
    });
    it.each([
      ['0.49 (just below)', '0.49', 'APPROVED'],
      ['0.5 (at)', '0.5', 'DENIED'],
      ['0.51 (just above)', '0.51', 'DENIED'],
    ] as const)('GIVEN a daily loss of %s WHEN a buy THEN %s', (_l, loss, decision) => {
      const v = ev({ config: { dailyLossLimit: '0.5' }, ctx: { portfolio: lossOf(loss) } });
      expect(v.decision).toBe(decision);
      if (decision === 'DENIED')
        expect(v).toMatchObject({
          code: 'DAILY_LOSS_LIMIT',
          numbers: { dailyLoss: loss, limit: '0.5', dayStartEquity: '10' },
        });
    });
  });

  describe('stop-out cooldown and the performance monitor as pre-trade checks', () => {
    it.each([
      ['during the lock (1 ms before it ends)', T0 + 1_799_999, 'DENIED'],
      ['when the lock ends', T0 + 1_800_000, 'APPROVED'],
    ] as const)('GIVEN entries locked until T0+30 min WHEN a buy %s THEN %s', (_l, now, decision) => {
      const v = ev({
        config: { stopoutGuard: { maxStopouts: 3, cooldownMinutes: 30 } },
        facts: { now, stopouts: { stopouts: [], lockedUntil: T0 + 1_800_000, symbolLocks: {} } },
      });
      expect(v.decision).toBe(decision);
      if (decision === 'DENIED')
        expect(v).toMatchObject({
          code: 'STOPOUT_COOLDOWN',
          numbers: { lockScope: 'all', until: String(T0 + 1_800_000), remainingSeconds: '0.001', maxStopouts: '3' },
        });
    });
    it('GIVEN a strategy disabled by the monitor WHEN a buy THEN DENIED STRATEGY_DISABLED with the reason; a sell passes', () => {
      const performance = {
        trades: [],
        disabled: {
          code: 'STRATEGY_WIN_RATE_LOW',
          at: T0,
          message: 'win rate 30% < 40%',
          numbers: { winRatePct: '30', minWinRatePct: '40' },
        },
      };
      expect(ev({ facts: { performance } })).toMatchObject({
        decision: 'DENIED',
        code: 'STRATEGY_DISABLED',
        numbers: { reason: 'STRATEGY_WIN_RATE_LOW', winRatePct: '30' },
      });
      const p = { ...base(), positions: { 'ETH/BTC': { ...base().positions['ETH/BTC'], quantity: '5' } } };
      expect(ev({ side: 'sell', facts: { performance }, ctx: { portfolio: p } }).decision).toBe('APPROVED');
    });
  });

  describe('buying power (cash 1 BTC; equity 10 BTC for the %-caps, e.g. the rest is held elsewhere)', () => {
    const facts: RiskFacts = { equity: '10' };
    itResizesJustAbove(
      'GIVEN a buy %s the cash (%s ETH at 0.1, no fee) THEN %s %s',
      ['9.9', '10', '10.1'],
      { facts, ctx: { portfolio: base('1') } },
      {
        resized: {
          code: 'INSUFFICIENT_BUYING_POWER',
          numbers: { cost: '1.01', cash: '1', price: MARK, takerFee: '0' },
        },
      },
    );
    it('GIVEN a 0.1% taker fee WHEN a buy of 10 ETH (cost 1.001 > 1) THEN RESIZED so that cost with fee = cash', () => {
      const v = ev({ qty: '10', facts, ctx: { portfolio: base('1'), takerFee: '0.001' } });
      expect(v).toMatchObject({ decision: 'RESIZED', code: 'INSUFFICIENT_BUYING_POWER', numbers: { cost: '1.001' } });
      expect(Number(v.quantity) * 0.1 * 1.001).toBeCloseTo(1, 12);
    });
    it('GIVEN no cash THEN DENIED', () => {
      expect(ev({ facts, ctx: { portfolio: base('0') } })).toMatchObject({
        decision: 'DENIED',
        code: 'INSUFFICIENT_BUYING_POWER',
        numbers: { cash: '0' },
      });
    });
  });

  describe('compatibility and readability of the check list', () => {
    it('GIVEN the default config {} and no facts THEN the check list is exactly the engine of before', () => {
      const v = evaluateIntent(intent({ quantity: '1' }), {
        tradingState: 'ACTIVE',
        portfolio: base(),
        config: risk({}),
        mark: MARK,
        takerFee: '0',
      });
      expect(v.checks.map((c) => c.check)).toEqual([
        'kill_switch',
        'trading_state',
        'position_available',
        'daily_loss',
        'max_order_notional',
        'position_cap',
        'buying_power',
      ]);
    });
    it('GIVEN facts without what a configured check needs THEN that check is listed NOT_APPLICABLE with the missing facts', () => {
      const v = ev({ config: { maxOpenOrders: 2, maxTradesPerDay: 3, maxSubmitRate: '5/1m' }, facts: {} });
      expect(v.decision).toBe('APPROVED');
      expect(v.checks.filter((c) => c.code === 'NOT_APPLICABLE').map((c) => [c.check, c.numbers.missing])).toEqual([
        ['stale_mark', 'now,markTime'],
        ['submit_rate', 'now,submitTimes'],
        ['open_orders', 'openOrders'],
        ['trades_per_day', 'tradesToday'],
      ]);
    });
    it('GIVEN several limits WHEN resizes compound THEN the smallest wins and each resize is listed with from → to', () => {
      const v = ev({ qty: '100', config: { maxOrderNotional: '5', maxPositionPctPerSymbol: 30 } });
      expect(v).toMatchObject({ decision: 'RESIZED', code: 'POSITION_LIMIT_EXCEEDED', quantity: '30' });
      expect(v.checks.filter((c) => c.outcome === 'RESIZE').map((c) => [c.code, c.numbers.from, c.numbers.to])).toEqual(
        [
          ['MAX_ORDER_NOTIONAL', '100', '50'],
          ['POSITION_LIMIT_EXCEEDED', '50', '30'],
        ],
      );
    });
  });
});
