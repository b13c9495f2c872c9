import { evaluateIntent, dailyLossBreach } from '../../domain/risk/engine';
import { RiskConfig } from '../../domain/risk/config';
import { applyFill, markToMarket } from '../../domain/portfolio/portfolio';
import { intent, portfolio, risk, T0, fill } from '../helpers/fixtures';

const ctx = (over: Partial<Parameters<typeof evaluateIntent>[1]> = {}) => ({
  tradingState: 'ACTIVE' as const,
  portfolio: portfolio('10'),
  config: risk({ maxPositionPctPerSymbol: 100 }),
  mark: '0.0950',
  takerFee: '0.001',
  ...over,
});

describe('risk engine: each check at, just below and just above its limit', () => {
  describe('max notional per order (limit 0.95 BTC at mark 0.095)', () => {
    const config = risk({ maxOrderNotional: '0.95', maxPositionPctPerSymbol: 100 });
    it.each([
      ['just below', '9.99', 'APPROVED', '9.99'],
      ['at', '10', 'APPROVED', '10'],
      ['just above', '10.01', 'RESIZED', '10'],
    ])('GIVEN a buy %s the limit (%s ETH) WHEN evaluated THEN %s with quantity %s', (_l, qty, decision, approved) => {
      const v = evaluateIntent(intent({ quantity: qty }), ctx({ config }));
      expect(v.decision).toBe(decision);
      expect(v.quantity).toBe(approved);
      if (decision === 'RESIZED')
        expect(v).toMatchObject({
          code: 'MAX_ORDER_NOTIONAL',
          numbers: { limit: '0.95', notional: '0.95095', price: '0.095' },
        });
    });
  });

  describe('per-symbol position cap (20% of 10 BTC equity = 2 BTC)', () => {
    const config = risk({ maxPositionPctPerSymbol: 20 });
    it('GIVEN an order for just below the cap THEN APPROVED', () => {
      expect(evaluateIntent(intent({ quantity: '21.05' }), ctx({ config })).decision).toBe('APPROVED');
    });
    it('GIVEN an order at the cap THEN APPROVED', () => {
      const v = evaluateIntent(intent({ quantity: '21.052631578947368421052631578947368421' }), ctx({ config }));
      expect(v.decision).toBe('APPROVED');
    });
    it('GIVEN an order above the cap THEN RESIZED to the headroom, with the numbers', () => {
      const v = evaluateIntent(intent({ quantity: '30' }), ctx({ config }));
      expect(v.decision).toBe('RESIZED');
      expect(v.code).toBe('POSITION_LIMIT_EXCEEDED');
      expect(v.numbers.cap).toBe('2');
      expect(Number(v.quantity) * 0.095).toBeCloseTo(2, 12);
    });
    it('GIVEN a position already at the cap WHEN buying more THEN DENIED', () => {
      let p = portfolio('10');
      p = applyFill(p, fill({ quantity: '21.1' }));
      const v = evaluateIntent(intent({ quantity: '1' }), ctx({ config, portfolio: p }));
      expect(v).toMatchObject({ decision: 'DENIED', code: 'POSITION_LIMIT_EXCEEDED', quantity: '0' });
      expect(v.numbers.positionNotional).toBe('2.0045');
    });
  });

  describe('buying power (cash 1 BTC, taker fee 0.1%)', () => {
    it('GIVEN a buy that fits with its fee THEN APPROVED', () => {
      expect(evaluateIntent(intent({ quantity: '10' }), ctx({ portfolio: portfolio('1') })).decision).toBe('APPROVED');
    });
    it('GIVEN a buy whose fee tips it over THEN RESIZED so that cost ≤ cash', () => {
      const v = evaluateIntent(intent({ quantity: '10.52' }), ctx({ portfolio: portfolio('1') }));
      expect(v).toMatchObject({ decision: 'RESIZED', code: 'INSUFFICIENT_BUYING_POWER' });
      expect(Number(v.quantity) * 0.095 * 1.001).toBeLessThanOrEqual(1 + 1e-12);
    });
  });

  it('GIVEN the kill switch WHEN any order THEN DENIED KILL_SWITCH_ENGAGED', () => {
    expect(evaluateIntent(intent(), ctx({ config: risk({ killSwitch: true }) }))).toMatchObject({
      decision: 'DENIED',
      code: 'KILL_SWITCH_ENGAGED',
    });
  });

  it('GIVEN a HALTED run WHEN a sell (reducing) order THEN still DENIED TRADING_HALTED', () => {
    expect(evaluateIntent(intent({ side: 'sell' }), ctx({ tradingState: 'HALTED' }))).toMatchObject({
      decision: 'DENIED',
      code: 'TRADING_HALTED',
    });
  });

  it('GIVEN a REDUCING run WHEN a buy THEN DENIED REDUCE_ONLY; WHEN a sell of a held position THEN APPROVED', () => {
    let p = portfolio('10');
    p = applyFill(p, fill({ quantity: '2' }));
    expect(evaluateIntent(intent(), ctx({ tradingState: 'REDUCING', portfolio: p }))).toMatchObject({
      decision: 'DENIED',
      code: 'REDUCE_ONLY',
    });
    expect(
      evaluateIntent(intent({ side: 'sell', quantity: '2' }), ctx({ tradingState: 'REDUCING', portfolio: p })),
    ).toMatchObject({ decision: 'APPROVED', quantity: '2' });
  });

  it('GIVEN no position WHEN selling (spot) THEN DENIED NO_POSITION; GIVEN 2 ETH WHEN selling 3 THEN RESIZED to 2', () => {
    expect(evaluateIntent(intent({ side: 'sell' }), ctx())).toMatchObject({ decision: 'DENIED', code: 'NO_POSITION' });
    const p = applyFill(portfolio('10'), fill({ quantity: '2' }));
    expect(evaluateIntent(intent({ side: 'sell', quantity: '3' }), ctx({ portfolio: p }))).toMatchObject({
      decision: 'RESIZED',
      code: 'SELL_EXCEEDS_POSITION',
      quantity: '2',
    });
  });

  it("GIVEN no position yet WHEN a bracket's stop-loss leg is armed THEN it is approved for its quantity (it is held to the position when it fires)", () => {
    const leg = intent({
      side: 'sell',
      type: 'stop_market',
      stopPrice: '0.09',
      reduceOnly: true,
      bracketLeg: 'stop-loss',
    });
    expect(evaluateIntent(leg, ctx())).toMatchObject({ decision: 'APPROVED', quantity: leg.quantity });
  });

  describe('daily loss limit (0.5 BTC absolute, 5%)', () => {
    const lossOf = (loss: string) => {
      const p = portfolio('10');
      return { ...p, equity: String(10 - Number(loss)), day: { ...p.day, startEquity: '10' } };
    };
    it.each([
      ['0.49', undefined],
      ['0.5', 'DAILY_LOSS_LIMIT'],
      ['0.51', 'DAILY_LOSS_LIMIT'],
    ])('GIVEN a daily loss of %s WHEN checked THEN breach = %s', (loss, code) => {
      const b = dailyLossBreach(lossOf(loss), risk({ dailyLossLimit: '0.5' }));
      expect(b?.code).toBe(code);
      if (b) expect(b).toMatchObject({ target: 'HALTED', numbers: { limit: '0.5', dayStartEquity: '10' } });
    });
    it.each([
      ['0.49', undefined],
      ['0.5', 'DAILY_LOSS_LIMIT_PCT'],
      ['0.51', 'DAILY_LOSS_LIMIT_PCT'],
    ])('GIVEN a %s BTC loss on 10 BTC and a 5%% limit THEN breach = %s', (loss, code) => {
      expect(dailyLossBreach(lossOf(loss), risk({ dailyLossLimitPct: 5 }))?.code).toBe(code);
    });
    it('GIVEN a breached day WHEN a buy is evaluated THEN DENIED with the loss numbers; a sell still passes', () => {
      const p = lossOf('0.6');
      const config = risk({ dailyLossLimit: '0.5', maxPositionPctPerSymbol: 100 });
      expect(evaluateIntent(intent(), ctx({ portfolio: p, config }))).toMatchObject({
        decision: 'DENIED',
        code: 'DAILY_LOSS_LIMIT',
        numbers: { dailyLoss: '0.6' },
      });
    });
    it('GIVEN a loss yesterday WHEN the UTC day rolls over THEN the new day starts from current equity', () => {
      const p = lossOf('0.6');
      const next = markToMarket(p, {}, T0 + 86_400_000);
      expect(next.day.startEquity).toBe(next.equity);
      expect(dailyLossBreach(next, risk({ dailyLossLimit: '0.5' }))).toBeUndefined();
    });
  });

  it('GIVEN bad risk config THEN it is rejected with field-named errors', () => {
    const r = RiskConfig.safeParse({ maxPositionPctPerSymbol: 150, dailyLossLimit: '-1', bogus: true });
    expect(r.success).toBe(false);
    const paths = r.success ? [] : r.error.issues.map((i) => i.path.join('.') || i.message);
    expect(paths).toEqual(expect.arrayContaining(['maxPositionPctPerSymbol', 'dailyLossLimit']));
    expect(JSON.stringify(r.success ? {} : r.error.issues)).toContain('bogus');
  });
});
