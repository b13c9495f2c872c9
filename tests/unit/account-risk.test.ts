/** The account supervisor's decisions (domain/risk/account.ts), without Temporal. */
import {
  AccountLimits,
  applyReport,
  approve,
  changeAccountState,
  committedExposure,
  detectBreach,
  directive,
  openAccount,
  patchAccountLimits,
  registerRun,
  startNewDay,
  type AccountLimitsInput,
  type ApprovalRequest,
} from '../../domain/risk/account';

type RunReport = Parameters<typeof applyReport>[1];

const T0 = Date.UTC(2018, 0, 15, 12);
function account(limits: AccountLimitsInput = {}, runs: Array<[string, string, string]> = [['run-a', 'sma', '10']]) {
  const st = openAccount('acct-1', AccountLimits.parse(limits), T0);
  for (const [w, s, e] of runs) registerRun(st, w, s, e, T0);
  return st;
}
const req = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  requestId: 'r1',
  workflowId: 'run-a',
  strategy: 'sma',
  symbol: 'ETH/BTC',
  side: 'buy',
  quantity: '10',
  price: '0.1',
  reducing: false,
  ...over,
});
/** run-a's report: equity 10, flat, nothing released, still running. */
const report = (over: Partial<RunReport> = {}): RunReport => ({
  workflowId: 'run-a',
  strategy: 'sma',
  equity: '10',
  positions: {},
  released: [],
  ended: false,
  ...over,
});
/** The verdict on `next` once the `earlier` requests have been approved (and reserved) under these limits. */
function verdictAfter(
  limits: AccountLimitsInput,
  earlier: Array<Partial<ApprovalRequest>>,
  next: Partial<ApprovalRequest>,
) {
  const st = account(limits);
  for (const r of earlier) approve(st, req(r), T0);
  return approve(st, req(next), T0);
}

describe('GIVEN an account with a gross exposure cap of 3 (equity 10)', () => {
  it.each([
    ['just below the cap', '29', 'APPROVED', 'APPROVED', '29'],
    ['at the cap', '30', 'APPROVED', 'APPROVED', '30'],
    ['just above the cap', '31', 'RESIZED', 'ACCOUNT_EXPOSURE_LIMIT', '30'],
  ])(
    'WHEN an order %s (quantity %s) asks THEN it is %s (%s), approved quantity %s, with the numbers that decided',
    (_w, qty, decision, code, approved) => {
      const st = account({ maxGrossExposure: '3' });
      const v = approve(st, req({ quantity: qty }), T0);
      expect(v).toMatchObject({
        decision,
        code,
        quantity: approved,
        numbers: { cap: '3', committed: '0', orderNotional: String(Number(qty) / 10) },
      });
      expect(committedExposure(st).total).toBe(String(Number(approved) / 10));
    },
  );

  it('WHEN a second order asks after the first reserved THEN it sees the reservation and is denied with headroom 0', () => {
    expect(
      verdictAfter({ maxGrossExposure: '3' }, [{ requestId: 'a', quantity: '30' }], { requestId: 'b', quantity: '1' }),
    ).toMatchObject({
      decision: 'DENIED',
      code: 'ACCOUNT_EXPOSURE_LIMIT',
      numbers: { committed: '3', headroom: '0' },
    });
  });

  it('WHEN the same request is asked twice THEN it gets the same verdict and reserves once', () => {
    const st = account({ maxGrossExposure: '3' });
    const a = approve(st, req({ quantity: '20' }), T0);
    expect(approve(st, req({ quantity: '20' }), T0)).toEqual(a);
    expect(committedExposure(st).total).toBe('2');
  });

  it('WHEN a report says the order finished THEN the reservation ends and the position counts instead', () => {
    const st = account({ maxGrossExposure: '3' });
    approve(st, req({ quantity: '20' }), T0);
    applyReport(st, report({ positions: { 'ETH/BTC': '1.5' }, released: ['r1'] }), T0 + 1);
    expect(committedExposure(st)).toEqual({ total: '1.5', bySymbol: { 'ETH/BTC': '1.5' } });
    expect(st.counters.released).toBe(1);
  });
});

describe('GIVEN the account trading states', () => {
  it.each([
    ['HALTED', false, 'DENIED', 'ACCOUNT_HALTED'],
    ['HALTED', true, 'DENIED', 'ACCOUNT_HALTED'],
    ['REDUCING', false, 'DENIED', 'ACCOUNT_REDUCING'],
    ['REDUCING', true, 'APPROVED', 'APPROVED'],
  ] as const)(
    'WHEN the account is %s and an order (reducing: %s) asks THEN %s %s',
    (state, reducing, decision, code) => {
      const st = account();
      changeAccountState(st, state, 'test', 'operator', T0, state === 'HALTED' ? 'cancel-orders' : 'stop-entries');
      expect(approve(st, req({ reducing, side: reducing ? 'sell' : 'buy' }), T0)).toMatchObject({ decision, code });
    },
  );

  it('WHEN pending orders reach maxOpenOrders THEN the next opening order is denied with the count', () => {
    const earlier = [
      { requestId: 'a', quantity: '1' },
      { requestId: 'b', quantity: '1' },
    ];
    expect(verdictAfter({ maxOpenOrders: 2 }, earlier, { requestId: 'c', quantity: '1' })).toMatchObject({
      decision: 'DENIED',
      code: 'ACCOUNT_MAX_OPEN_ORDERS',
      numbers: { pendingOrders: '2', limit: '2' },
    });
  });
});

describe('GIVEN account-level loss limits', () => {
  it.each([
    ['daily loss below the limit', { dailyLossLimit: '1' }, '9.01', undefined],
    ['daily loss at the limit', { dailyLossLimit: '1' }, '9', 'ACCOUNT_DAILY_LOSS_LIMIT'],
    ['daily loss % above the limit', { dailyLossLimitPct: 5 }, '9.4', 'ACCOUNT_DAILY_LOSS_LIMIT_PCT'],
    ['drawdown just below the limit', { maxDrawdownPct: 10 }, '9.01', undefined],
    ['drawdown at the limit', { maxDrawdownPct: 10 }, '9', 'ACCOUNT_DRAWDOWN_LIMIT'],
  ])('WHEN %s (%j, account equity %s) THEN the breach is %s', (_w, limits, equity, code) => {
    const st = account(limits as AccountLimitsInput);
    applyReport(st, report({ equity }), T0 + 1);
    const b = detectBreach(st);
    expect(b?.code).toBe(code);
    if (b) expect(b.numbers).toMatchObject({ accountEquity: equity });
  });

  it('WHEN a new day starts THEN the day-start equity resets and a daily-loss halt lifts only with resumeOnNewDay', () => {
    for (const resumeOnNewDay of [false, true]) {
      const st = account({ dailyLossLimit: '1', resumeOnNewDay });
      applyReport(st, report({ equity: '8.5' }), T0 + 1);
      const b = detectBreach(st)!;
      changeAccountState(st, b.target, b.message, 'breach', T0 + 1, 'cancel-orders', b.code);
      expect(startNewDay(st, T0 + 86_400_000).lifted).toBe(resumeOnNewDay);
      expect(st.runs['run-a'].dayStartEquity).toBe('8.5');
      expect(detectBreach(st)).toBeUndefined();
      expect(st.tradingState).toBe(resumeOnNewDay ? 'ACTIVE' : 'HALTED');
    }
  });
});

describe('GIVEN the risk engine at account level (limits.risk)', () => {
  it('WHEN two runs of one strategy together pass its 30% allocation of the account THEN the second is resized by STRATEGY_ALLOCATION', () => {
    const st = account({ risk: { strategyAllocationPct: 30, maxPositionPctPerSymbol: 100 } }, [
      ['run-a', 'sma', '5'],
      ['run-b', 'sma', '5'],
    ]);
    expect(approve(st, req({ requestId: 'a', workflowId: 'run-a', quantity: '20' }), T0)).toMatchObject({
      decision: 'APPROVED',
    });
    const v = approve(st, req({ requestId: 'b', workflowId: 'run-b', quantity: '20' }), T0);
    expect(v.decision).toBe('RESIZED');
    expect(v.quantity).toBe('10');
    expect(committedExposure(st).total).toBe('3');
  });
});

describe('GIVEN an account-level correlation limit and two runs on correlated symbols', () => {
  // Hourly closes with the same returns (ρ = 1) for ADA and XLM, and unrelated ones for ZEC.
  const series = (f: (i: number) => number) =>
    Array.from({ length: 49 }, (_, i) => ({ ts: T0 + i * 3_600_000, close: f(i) }));
  const wave = (i: number) => 1 + 0.05 * Math.sin(i / 2);
  const limits: AccountLimitsInput = {
    risk: {
      maxPositionPctPerSymbol: 100,
      maxCorrelatedExposurePct: 30,
      correlationThreshold: 0.7,
      correlationWindow: 48,
      correlationResampleMinutes: 60,
      correlationMinObservations: 24,
    },
  };
  const setUp = () => {
    const st = account(limits, [
      ['run-a', 'sma', '5'],
      ['run-b', 'rsi', '5'],
    ]);
    applyReport(
      st,
      report({
        equity: '5',
        positions: { 'ADA/BTC': '2.5' },
        closes: { 'ADA/BTC': series(wave), 'ZEC/BTC': series((i) => 1 + 0.05 * Math.cos(i * 1.7) * ((i % 3) - 1)) },
      }),
      T0,
    );
    applyReport(
      st,
      report({ workflowId: 'run-b', strategy: 'rsi', equity: '5', closes: { 'XLM/BTC': series((i) => 2 * wave(i)) } }),
      T0,
    );
    return st;
  };
  /** run-b's buy of 20 at 0.1 once the 49 hourly closes are in. */
  const runBBuys = (requestId: string, symbol: string) =>
    approve(
      setUp(),
      req({ requestId, workflowId: 'run-b', strategy: 'rsi', symbol, quantity: '20', price: '0.1' }),
      T0 + 49 * 3_600_000,
    );

  it('THEN the supervisor tells runs which series to send', () => {
    const st = setUp();
    expect(directive(st).correlation).toEqual({ window: 48, resampleMinutes: 60 });
  });

  it('WHEN run-b buys XLM while run-a holds ADA THEN the account resizes it to the correlated headroom (the runs could not see each other)', () => {
    // 30% of 10 = 3; ADA holds 2.5 → 0.5 left for XLM.
    const v = runBBuys('x', 'XLM/BTC');
    expect(v).toMatchObject({ decision: 'RESIZED', code: 'CORRELATION_LIMIT', quantity: '5' });
    expect(v.numbers).toMatchObject({ 'rho:ADA/BTC': '1', cap: '3' });
  });

  it('WHEN run-b buys ZEC (weakly correlated) THEN the account approves it in full', () => {
    expect(runBBuys('z', 'ZEC/BTC')).toMatchObject({ decision: 'APPROVED', quantity: '20' });
  });
});

describe('GIVEN account limits changed at run time', () => {
  it.each([
    [{ maxGrossExposure: '-1' }, 'maxGrossExposure'],
    [{ maxDrawdownPct: 101 }, 'maxDrawdownPct'],
    [{ nope: 1 }, 'nope'],
    [{ risk: { maxOpenOrders: -3 } }, 'risk.maxOpenOrders'],
  ])('WHEN %j is sent THEN it is refused naming %s and the limits stay', (patch, field) => {
    const current = AccountLimits.parse({ maxGrossExposure: '5' });
    const r = patchAccountLimits(current, patch);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(field);
    expect(current.maxGrossExposure).toBe('5');
  });
});
