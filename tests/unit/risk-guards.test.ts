/**
 * Runtime guards: the state machines carried across ticks (drawdown HWM, vol breaker, stop-outs,
 * performance monitor), their breaches and what evaluateTick does with them.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { parseOhlcvCsv } from '../../domain/market/candles';
import { applyFill, markToMarket } from '../../domain/portfolio/portfolio';
import { assessGuards, assessAllGuards } from '../../domain/risk/engine';
import { evaluateTick } from '../../domain/risk/evaluation';
import { RiskFacts, accountPortfolio, accountRiskFacts, runRiskFacts } from '../../domain/risk/facts';
import {
  advanceVolBreaker,
  drawdownBreach,
  performanceBreach,
  performanceStats,
  recordClosedTrade,
  recordTradeResult,
  reenableStrategy,
  stopoutBreach,
  stopoutLock,
  trackFill,
  updateDrawdown,
  volBreakerBreach,
  volBySymbol,
  volLevel,
  type PerformanceState,
  type StopoutHistory,
  type VolBreakerState,
} from '../../domain/risk/guards';
import { realizedVolPct } from '../../domain/risk/stats';
import { Dec, str } from '../../domain/money';
import { ETH_BTC, intent, portfolio, risk, T0, fill } from '../helpers/fixtures';

const MIN = 60_000;

describe('drawdown from the high-water mark: one function for the account and for a strategy', () => {
  const series = (...equities: string[]) =>
    equities.reduce<ReturnType<typeof updateDrawdown> | undefined>((s, e) => updateDrawdown(s, e), undefined)!;
  it('GIVEN equity 10 → 12 → 11 WHEN updated THEN the HWM is 12 and the drawdown 8.33…%', () => {
    const s = series('10', '12', '11');
    expect(s.highWaterMark).toBe('12');
    expect(Number(s.drawdownPct)).toBeCloseTo(8.3333333, 6);
    expect(series('10', '12', '11', '13')).toMatchObject({
      highWaterMark: '13',
      drawdownPct: '0',
      maxDrawdownPct: s.maxDrawdownPct,
    });
  });
  it.each([
    ['account', '90.1', undefined, '9.9'],
    ['account', '90', 'ACCOUNT_DRAWDOWN_LIMIT', '10'],
    ['account', '89.9', 'ACCOUNT_DRAWDOWN_LIMIT', '10.1'],
    ['strategy', '90.1', undefined, '9.9'],
    ['strategy', '90', 'STRATEGY_DRAWDOWN_LIMIT', '10'],
    ['strategy', '89.9', 'STRATEGY_DRAWDOWN_LIMIT', '10.1'],
  ] as const)(
    'GIVEN a %s HWM of 100 and a 10%% limit WHEN equity is %s THEN breach = %s (drawdown %s%%)',
    (scope, equity, code, drawdownPct) => {
      const s = series('100', equity);
      expect(s.drawdownPct).toBe(drawdownPct);
      const b = drawdownBreach(s, 10, scope);
      expect(b?.code).toBe(code);
      if (b)
        expect(b).toMatchObject({
          target: 'HALTED',
          numbers: { scope, highWaterMark: '100', equity, limitPct: '10', drawdownPct },
        });
    },
  );
  it('GIVEN a run that bought ETH and the mark fell 20% WHEN guards are assessed with a 10% strategy drawdown limit THEN HALTED with STRATEGY_DRAWDOWN_LIMIT', () => {
    let p = portfolio('10', { 'ETH/BTC': '0.1' });
    p = applyFill(p, fill({ quantity: '60', price: '0.1' }));
    p = markToMarket(p, { 'ETH/BTC': '0.08' }, T0 + 5 * MIN);
    expect(assessGuards(p, risk({}))).toBeUndefined();
    expect(assessGuards(p, risk({ maxDrawdownPct: 10 }))).toMatchObject({
      code: 'STRATEGY_DRAWDOWN_LIMIT',
      target: 'HALTED',
      numbers: { drawdownPct: '12', highWaterMark: '10', equity: '8.8' },
    });
  });
  it('GIVEN the account series in the facts (scope account) THEN the account limit applies to it', () => {
    const acct = accountPortfolio({
      quote: 'BTC',
      cash: '50',
      equity: '85',
      dayStartEquity: '85',
      highWaterMark: '100',
      now: T0,
    });
    expect(acct.drawdownPct).toBe('15');
    const facts = accountRiskFacts({ now: T0, equity: '85', exposure: {}, drawdown: series('100', '85') });
    expect(assessGuards(acct, risk({ maxAccountDrawdownPct: 15 }), facts)).toMatchObject({
      code: 'ACCOUNT_DRAWDOWN_LIMIT',
      numbers: { scope: 'account', drawdownPct: '15' },
    });
    expect(assessGuards(acct, risk({ maxAccountDrawdownPct: 15.1 }), facts)).toBeUndefined();
  });
});

describe('volatility circuit breaker', () => {
  const cfg = { window: 20, warnPct: 1, reducePct: 2, haltPct: 3, cooldownBars: 2 };
  it.each([
    [0.99, 'NORMAL'],
    [1, 'WARNING'],
    [1.99, 'WARNING'],
    [2, 'REDUCING'],
    [2.99, 'REDUCING'],
    [3, 'HALTED'],
    [3.01, 'HALTED'],
  ] as const)('GIVEN realized vol %s%% per bar (levels 1 / 2 / 3) THEN level %s', (vol, level) => {
    expect(volLevel(vol, cfg)).toBe(level);
  });
  it('GIVEN a spike then calm WHEN advanced bar by bar THEN it escalates at once and steps down only after 2 calm bars', () => {
    const vols = [0.5, 1.2, 2.5, 3.2, 0.4, 0.4, 0.4, 1.5, 0.2, 0.2];
    const levels: string[] = [];
    let s: VolBreakerState | undefined;
    vols.forEach((v, i) => {
      s = advanceVolBreaker(s, { at: T0 + i * 5 * MIN, volPctBySymbol: { 'ETH/BTC': v, 'LTC/BTC': v / 2 } }, cfg);
      levels.push(s.level);
    });
    expect(levels).toEqual([
      'NORMAL',
      'WARNING',
      'REDUCING',
      'HALTED',
      'HALTED',
      'NORMAL',
      'NORMAL',
      'WARNING',
      'WARNING',
      'NORMAL',
    ]);
    // The JSON state carries the cause.
    const halted = advanceVolBreaker(undefined, { at: T0, volPctBySymbol: { 'ETH/BTC': 1, 'XMR/BTC': 3.5 } }, cfg);
    expect(halted).toMatchObject({ level: 'HALTED', symbol: 'XMR/BTC', volPct: '3.5', calmBars: 0, since: T0 });
    expect(JSON.parse(JSON.stringify(halted))).toEqual(halted);
    expect(volBreakerBreach(halted, cfg)).toMatchObject({
      code: 'VOL_BREAKER_HALTED',
      target: 'HALTED',
      temporary: true,
      numbers: { volPct: '3.5', symbol: 'XMR/BTC', haltPct: '3' },
    });
    expect(volBreakerBreach({ level: 'WARNING', calmBars: 0 }, cfg)).toBeUndefined();
  });
  it('GIVEN a REDUCING breaker WHEN evaluateTick runs on an ACTIVE run THEN the run becomes REDUCING and a buy is denied REDUCE_ONLY', () => {
    const facts: RiskFacts = { volBreaker: { level: 'REDUCING', calmBars: 0, volPct: '2.4', symbol: 'ETH/BTC' } };
    const ev = evaluateTick({
      engine: 'live',
      intents: [intent()],
      portfolio: portfolio('10'),
      tradingState: 'ACTIVE',
      config: risk({ volBreaker: cfg }),
      instruments: { 'ETH/BTC': ETH_BTC },
      facts,
    });
    expect(ev.tradingState).toBe('REDUCING');
    expect(ev.guard).toMatchObject({ code: 'VOL_BREAKER_REDUCING', target: 'REDUCING' });
    expect(ev.verdicts[0]).toMatchObject({ decision: 'DENIED', code: 'REDUCE_ONLY' });
  });
  it('GIVEN real ETH/BTC and XMR/BTC 5 m bars (January 2018) WHEN the breaker runs over every bar THEN each step-down follows at least cooldownBars calm bars', () => {
    const load = (pair: string) => {
      const file = path.join(__dirname, '..', '..', 'data', 'market', `${pair}-5m.csv.gz`);
      return parseOhlcvCsv(gunzipSync(readFileSync(file)).toString('utf8'), file);
    };
    const eth = load('ETH_BTC');
    const xmr = load('XMR_BTC');
    const real = { window: 12, warnPct: 0.6, reducePct: 1, haltPct: 1.6, cooldownBars: 6 };
    const rank = { NORMAL: 0, WARNING: 1, REDUCING: 2, HALTED: 3 } as const;
    const visits: Record<string, number> = { NORMAL: 0, WARNING: 0, REDUCING: 0, HALTED: 0 };
    let s: VolBreakerState | undefined;
    let lastRaise = 0;
    let maxVol = 0;
    for (let i = real.window + 1; i < eth.length; i++) {
      const vols = volBySymbol(
        {
          'ETH/BTC': eth.slice(i - real.window - 1, i + 1),
          'XMR/BTC': xmr.filter((b) => b.ts <= eth[i].ts).slice(-(real.window + 1)),
        },
        real.window,
      );
      maxVol = Math.max(maxVol, ...Object.values(vols).map((v) => v ?? 0));
      const prev: VolBreakerState | undefined = s;
      s = advanceVolBreaker(s, { at: eth[i].ts, volPctBySymbol: vols }, real);
      if (prev && rank[s.level] > rank[prev.level]) lastRaise = i;
      if (prev && rank[s.level] < rank[prev.level]) expect(i - lastRaise).toBeGreaterThanOrEqual(real.cooldownBars);
      if (!prev || s.level !== prev.level) visits[s.level] += 1;
    }
    console.log(
      `vol breaker over ${eth.length} ETH/BTC + XMR/BTC bars: max realized vol ${maxVol.toFixed(3)}% per bar; entries per level ${JSON.stringify(visits)}`,
    );
    expect(visits.WARNING).toBeGreaterThan(0);
    expect(realizedVolPct([1, 1.01, 1, 1.01], 3)).toBeGreaterThan(0);
  });
});

describe('cooldown after N stop-outs in a lookback (StoplossGuard)', () => {
  const cfg = { maxStopouts: 3, lookbackMinutes: 60, cooldownMinutes: 30, perSymbol: false };
  type ClosedTrade = Parameters<typeof recordClosedTrade>[1];
  /** A trade closed `m` minutes after T0 with this P&L. */
  const closed = (m: number, symbol: string, pnl: string): ClosedTrade => ({ at: T0 + m * MIN, symbol, pnl });
  const feed = (trades: ClosedTrade[], c = cfg): StopoutHistory =>
    trades.reduce<StopoutHistory | undefined>((h, t) => recordClosedTrade(h, t, c), undefined)!;
  it.each<[label: string, locked: boolean, lockedAtMin: number | undefined, trades: ClosedTrade[]]>([
    ['2 losses (just below)', false, undefined, [closed(0, 'ETH/BTC', '-0.1'), closed(10, 'LTC/BTC', '-0.1')]],
    [
      '3 losses (at)',
      true,
      20,
      [closed(0, 'ETH/BTC', '-0.1'), closed(10, 'LTC/BTC', '-0.1'), closed(20, 'ETH/BTC', '-0.01')],
    ],
    [
      '4 losses (above: locked from the 3rd)',
      true,
      10,
      [
        closed(0, 'ETH/BTC', '-0.1'),
        closed(5, 'ETH/BTC', '-0.1'),
        closed(10, 'LTC/BTC', '-0.1'),
        closed(20, 'ETH/BTC', '-0.01'),
      ],
    ],
    [
      '3 losses and a win between (wins do not count)',
      false,
      undefined,
      [closed(0, 'ETH/BTC', '-0.1'), closed(5, 'ETH/BTC', '0.3'), closed(10, 'LTC/BTC', '-0.1')],
    ],
    [
      '3 losses, the first outside the 60 min lookback',
      false,
      undefined,
      [closed(0, 'ETH/BTC', '-0.1'), closed(50, 'LTC/BTC', '-0.1'), closed(60, 'ETH/BTC', '-0.1')],
    ],
  ])('GIVEN %s WHEN recorded THEN locked = %s (from minute %s)', (_l, locked, lockedAtMin, trades) => {
    const h = feed(trades);
    const lastAt = trades[trades.length - 1].at;
    const b = stopoutBreach(h, lastAt, cfg);
    expect(Boolean(b)).toBe(locked);
    if (b && lockedAtMin !== undefined) {
      const until = T0 + (lockedAtMin + 30) * MIN;
      expect(b).toMatchObject({
        code: 'STOPOUT_COOLDOWN',
        target: 'REDUCING',
        temporary: true,
        until,
        numbers: {
          maxStopouts: '3',
          lookbackMinutes: '60',
          cooldownMinutes: '30',
          remainingSeconds: String((until - lastAt) / 1000),
        },
      });
    }
  });
  it('GIVEN a lock WHEN the cooldown ends THEN entries are allowed again and the consumed stop-outs do not re-arm it', () => {
    const h = feed([closed(0, 'ETH/BTC', '-1'), closed(1, 'ETH/BTC', '-1'), closed(2, 'ETH/BTC', '-1')]);
    expect(stopoutLock(h, T0 + 31 * MIN, 'ETH/BTC')).toBeDefined();
    expect(stopoutLock(h, T0 + 32 * MIN, 'ETH/BTC')).toBeUndefined();
    expect(h.stopouts).toEqual([]);
    const next = recordClosedTrade(h, closed(33, 'ETH/BTC', '-1'), cfg);
    expect(stopoutBreach(next, T0 + 33 * MIN, cfg)).toBeUndefined();
  });
  it('GIVEN perSymbol mode WHEN ETH stops out 3 times THEN only ETH entries are locked (no account-wide breach)', () => {
    const c = { ...cfg, perSymbol: true };
    const h = feed(
      [closed(0, 'ETH/BTC', '-1'), closed(1, 'LTC/BTC', '-1'), closed(2, 'ETH/BTC', '-1'), closed(3, 'ETH/BTC', '-1')],
      c,
    );
    expect(stopoutLock(h, T0 + 4 * MIN, 'ETH/BTC')).toEqual({ until: T0 + 33 * MIN, scope: 'ETH/BTC' });
    expect(stopoutLock(h, T0 + 4 * MIN, 'LTC/BTC')).toBeUndefined();
    expect(stopoutBreach(h, T0 + 4 * MIN, c)).toBeUndefined();
  });
});

describe('strategy performance monitor: auto-disable', () => {
  const trades = (pnls: string[]) => pnls.map((pnl, i) => ({ at: T0 + i * MIN, pnl }));
  const run = (pnls: string[], cfg: Parameters<typeof recordTradeResult>[2], baseEq = '10'): PerformanceState =>
    pnls.reduce<PerformanceState | undefined>(
      (s, pnl, i) => recordTradeResult(s, { at: T0 + i * MIN, pnl }, cfg, baseEq),
      undefined,
    )!;
  const wr = { window: 10, minTrades: 10, minWinRatePct: 40 };
  it.each([
    ['5 of 10 won: above', undefined, ['1', '1', '1', '1', '1', '-1', '-1', '-1', '-1', '-1']],
    ['4 of 10 won: at 40%', undefined, ['1', '1', '1', '1', '-1', '-1', '-1', '-1', '-1', '-1']],
    ['3 of 10 won: below', 'STRATEGY_WIN_RATE_LOW', ['1', '1', '1', '-1', '-1', '-1', '-1', '-1', '-1', '-1']],
  ] as const)('GIVEN a 40%% minimum win rate and %s THEN disabled by = %s', (_l, code, pnls) => {
    const s = run([...pnls], wr, '1000');
    expect(s.disabled?.code).toBe(code);
    if (code)
      expect(s.disabled?.numbers).toMatchObject({ winRatePct: '30', minWinRatePct: '40', trades: '10', wins: '3' });
  });
  it.each([
    ['PF 1.5 (at)', undefined, ['3', '-2']],
    ['PF 1.4925… (just below)', 'STRATEGY_PROFIT_FACTOR_LOW', ['3', '-2.01']],
    ['PF 1.5075 (just above)', undefined, ['3.015', '-2']],
  ] as const)('GIVEN a 1.5 minimum profit factor and %s THEN disabled by = %s', (_l, code, pnls) => {
    const s = run([...pnls], { window: 10, minTrades: 2, minProfitFactor: 1.5 }, '1000');
    expect(s.disabled?.code).toBe(code);
    if (code)
      expect(s.disabled?.numbers).toMatchObject({ grossProfit: '3', grossLoss: '2.01', minProfitFactor: '1.5' });
  });
  it.each([
    ['9.9% (just below)', undefined, ['0', '-0.99']],
    ['10% (at)', 'STRATEGY_DRAWDOWN', ['0', '-1']],
    ['10.1% (just above)', 'STRATEGY_DRAWDOWN', ['0', '-1.01']],
  ] as const)(
    'GIVEN a 10%% maximum rolling drawdown on a 10 BTC base and a drawdown of %s THEN disabled by = %s',
    (_l, code, pnls) => {
      const s = run([...pnls], { window: 10, minTrades: 2, maxDrawdownPct: 10 });
      expect(s.disabled?.code).toBe(code);
      if (code)
        expect(s.disabled?.numbers).toMatchObject({
          maxDrawdownPct: '10',
          allocationBase: '10',
          drawdownPct: String(Number(pnls[1]) * -10),
        });
    },
  );
  it('GIVEN fewer trades than minTrades THEN no verdict, however bad', () => {
    expect(run(['-1', '-1', '-1'], wr).disabled).toBeUndefined();
  });
  it('GIVEN a disabled strategy THEN the guard says disable (REDUCING), it stays disabled after wins, and a person re-enables it', () => {
    let s = run(['1', '1', '1', '-1', '-1', '-1', '-1', '-1', '-1', '-1'], wr);
    s = recordTradeResult(s, { at: T0 + 99 * MIN, pnl: '5' }, wr, '10');
    expect(performanceBreach(s)).toMatchObject({
      code: 'STRATEGY_WIN_RATE_LOW',
      target: 'REDUCING',
      disableStrategy: true,
    });
    expect(
      assessAllGuards(portfolio('10'), risk({ performanceMonitor: wr }), { performance: s }).map((b) => b.code),
    ).toEqual(['STRATEGY_WIN_RATE_LOW']);
    expect(performanceBreach(reenableStrategy())).toBeUndefined();
  });
  it('GIVEN trades THEN the stats are exact decimals', () => {
    expect(performanceStats(trades(['0.1', '-0.2', '0.3']), '1')).toEqual({
      trades: 3,
      wins: 2,
      winRatePct: str(new Dec(2).div(3).times(100)),
      grossProfit: '0.4',
      grossLoss: '0.2',
      profitFactor: '2',
      drawdownPct: expect.any(String),
    });
  });
});

describe('guards together, and the facts builders', () => {
  it('GIVEN the old 2-argument call THEN assessGuards behaves as before (daily loss only)', () => {
    const p = { ...portfolio('10'), equity: '9.4', day: { date: '2018-01-15', startEquity: '10' } };
    expect(assessGuards(p, risk({ dailyLossLimit: '0.5', maxDrawdownPct: 50 }))).toMatchObject({
      code: 'DAILY_LOSS_LIMIT',
      target: 'HALTED',
    });
    expect(assessGuards(p, risk({}))).toBeUndefined();
  });
  it('GIVEN several breaches THEN the HALTED ones come first', () => {
    const p = { ...portfolio('10'), equity: '9.4', day: { date: '2018-01-15', startEquity: '10' } };
    const facts: RiskFacts = {
      now: T0,
      volBreaker: { level: 'REDUCING', calmBars: 0 },
      stopouts: { stopouts: [], lockedUntil: T0 + MIN, symbolLocks: {} },
    };
    const all = assessAllGuards(
      p,
      risk({ dailyLossLimit: '0.5', volBreaker: { haltPct: 5, reducePct: 2 }, stopoutGuard: { maxStopouts: 2 } }),
      facts,
    );
    expect(all.map((b) => [b.code, b.target])).toEqual([
      ['DAILY_LOSS_LIMIT', 'HALTED'],
      ['VOL_BREAKER_REDUCING', 'REDUCING'],
      ['STOPOUT_COOLDOWN', 'REDUCING'],
    ]);
    const ev = evaluateTick({
      engine: 'live',
      intents: [],
      portfolio: p,
      tradingState: 'ACTIVE',
      config: risk({
        dailyLossLimit: '0.5',
        volBreaker: { haltPct: 5, reducePct: 2 },
        stopoutGuard: { maxStopouts: 2 },
      }),
      instruments: {},
      facts,
    });
    expect(ev.tradingState).toBe('HALTED');
    expect(ev.guards).toHaveLength(3);
  });
  it('GIVEN a run portfolio THEN runRiskFacts carries exposure (with reservations), equity and mark times, and survives JSON + schema validation', () => {
    let p = portfolio('10', { 'ETH/BTC': '0.1' });
    p = applyFill(p, fill({ quantity: '10', price: '0.1' }));
    const f = runRiskFacts({
      now: T0 + MIN,
      portfolio: p,
      strategyId: 'sma',
      reservations: { 'ETH/BTC': '0.5', 'LTC/BTC': '0.2' },
      openOrders: 2,
      submitTimes: [T0],
    });
    expect(f).toMatchObject({
      scope: 'run',
      equity: '10',
      exposure: { 'ETH/BTC': '1.5', 'LTC/BTC': '0.2' },
      markTime: { 'ETH/BTC': T0 },
      strategy: { id: 'sma', exposure: '1.7', allocationBase: '10' },
      openOrders: 2,
    });
    expect(RiskFacts.parse(JSON.parse(JSON.stringify(f)))).toEqual(f);
    expect(RiskFacts.safeParse({ ...f, bogus: 1 }).success).toBe(false);
  });
});

describe('closed trades from fills (the input of stop-outs and the performance monitor)', () => {
  const fill = (n: number, side: 'buy' | 'sell', quantity: string, price: string, fee: string) => ({
    fillId: `f${n}`,
    clientOrderId: `c${n}` as never,
    symbol: 'ETH/BTC',
    side,
    quantity,
    price,
    fee,
    feeCurrency: 'BTC',
    liquidity: 'taker' as const,
    ts: T0 + n * MIN,
  });
  const replay = (fills: ReturnType<typeof fill>[]) => {
    let p = portfolio('10', { 'ETH/BTC': '0.1' });
    let tracker: ReturnType<typeof trackFill>['tracker'] | undefined;
    const closed: NonNullable<ReturnType<typeof trackFill>['closed']>[] = [];
    for (const f of fills) {
      const next = applyFill(p, f);
      const r = trackFill(tracker, p, next, f);
      tracker = r.tracker;
      if (r.closed) closed.push(r.closed);
      p = next;
    }
    return { closed, tracker };
  };
  it('GIVEN a buy and a partial then full exit at a loss THEN one closed trade with the realized loss net of every fee', () => {
    const { closed, tracker } = replay([
      fill(1, 'buy', '10', '0.1', '0.001'),
      fill(2, 'sell', '5', '0.095', '0.000475'),
      fill(3, 'sell', '5', '0.095', '0.000475'),
    ]);
    expect(closed).toEqual([{ symbol: 'ETH/BTC', openedAt: T0 + MIN, at: T0 + 3 * MIN, pnl: '-0.05195' }]);
    expect(tracker?.open).toEqual({});
    const h = recordClosedTrade(undefined, closed[0], {
      maxStopouts: 1,
      lookbackMinutes: 60,
      cooldownMinutes: 10,
      perSymbol: false,
    });
    expect(
      stopoutBreach(h, T0 + 3 * MIN, { maxStopouts: 1, lookbackMinutes: 60, cooldownMinutes: 10, perSymbol: false })
        ?.code,
    ).toBe('STOPOUT_COOLDOWN');
  });
  it('GIVEN a price gain smaller than the fees THEN the trade is a loss (a stop-out for the guard)', () => {
    const { closed } = replay([fill(1, 'buy', '10', '0.1', '0.001'), fill(2, 'sell', '10', '0.1001', '0.001001')]);
    expect(closed[0].pnl).toBe('-0.001001');
  });
  it('GIVEN a buy still open THEN no closed trade yet and the open trip is carried as JSON', () => {
    const { closed, tracker } = replay([fill(1, 'buy', '10', '0.1', '0.001')]);
    expect(closed).toEqual([]);
    expect(JSON.parse(JSON.stringify(tracker))).toEqual({
      open: { 'ETH/BTC': { openedAt: T0 + MIN, realizedAtOpen: '0', fees: '0.001' } },
    });
  });
});
