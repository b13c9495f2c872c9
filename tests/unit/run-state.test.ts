import {
  audit,
  trackOrder,
  appendBars,
  changeTradingState,
  emptyRecords,
  noteExecution,
} from '../../domain/run/transitions';
import { executionRunIdOf } from '../../domain/run/feed';
import { MAX_AUDIT_EVENTS, MAX_RECENT_ORDERS, MAX_STATE_CHANGES, type RunState } from '../../domain/run/state';
import { deriveClientOrderId } from '../../domain/ids';
import type { Order } from '../../domain/orders/order';
import { openPortfolio } from '../../domain/portfolio/portfolio';
import type { Candle } from '../../domain/market/candles';

const order = (i: number): Order => {
  const cid = deriveClientOrderId('a-long-run-with-many-orders', i);
  const fill = (k: number) => ({
    fillId: `P${i}-${k}`,
    clientOrderId: cid,
    symbol: 'ETH/BTC',
    side: 'buy' as const,
    quantity: '0.8304',
    price: '0.094419',
    fee: '0.0000784',
    feeCurrency: 'BTC',
    liquidity: 'maker' as const,
    ts: 1515724800000,
  });
  return {
    clientOrderId: cid,
    venueOrderId: `P${i}`,
    symbol: 'ETH/BTC',
    side: 'buy',
    type: 'limit',
    quantity: '1.6608',
    price: '0.094419',
    tif: 'GTC',
    postOnly: true,
    reduceOnly: false,
    status: 'FILLED',
    filledQuantity: '1.6608',
    averagePrice: '0.094419',
    fee: '0.0001568',
    fills: [fill(1), fill(2)],
    createdAt: 1515724800000,
    updatedAt: 1515724800000,
  };
};

function bigState(symbols: number): RunState {
  const names = Array.from({ length: symbols }, (_, i) => `S${i}/BTC`);
  const bars: Candle[] = Array.from({ length: 2000 }, (_, i) => ({
    ts: 1515560100000 + i * 300_000,
    open: 0.0952345,
    high: 0.0954321,
    low: 0.0948765,
    close: 0.0950123,
    volume: 1234.56789,
  }));
  return {
    tick: 0,
    marketTime: 0,
    clock: { kind: 'replay', start: 0, end: 1, barMs: 300_000 },
    instruments: {},
    capabilities: {
      timeInForce: ['GTC'],
      postOnly: true,
      stopMarket: true,
      stopLimit: true,
      preview: true,
      feeCurrency: 'quote',
    },
    engine: { engine: 'live', reason: 'test' },
    tradingState: 'ACTIVE',
    stateReason: '',
    stateChanges: [],
    portfolio: openPortfolio({
      quote: 'BTC',
      cash: '1',
      at: 0,
      symbols: names.map((s) => ({ symbol: s, base: s.split('/')[0] })),
    }),
    windows: Object.fromEntries(names.map((s) => [s, appendBars([], bars, 31)])),
    ...emptyRecords(),
  };
}

describe('GIVEN a long, busy run', () => {
  it('WHEN thousands of orders and events happen THEN the carried lists stay bounded and the newest are kept', () => {
    const st = bigState(1);
    for (let i = 1; i <= 5000; i++) trackOrder(st, order(i), order(i).fills);
    expect(st.recentOrders).toHaveLength(MAX_RECENT_ORDERS);
    expect(st.recentOrders.at(-1)!.clientOrderId).toBe(deriveClientOrderId('a-long-run-with-many-orders', 5000));
    expect(st.audit).toHaveLength(MAX_AUDIT_EVENTS);
    expect(st.audit.at(-1)!.seq).toBe(st.auditSeq);
    expect(st.counters.filled).toBe(5000); // counters keep the whole run
    expect(st.counters.fills).toBe(10_000);
  });

  it('WHEN it continues as new many times THEN it carries only the execution starts its audit window still needs', () => {
    const st = bigState(1);
    noteExecution(st, 'exec-0', 1);
    for (let e = 1; e <= 50; e++) {
      for (let i = 0; i < 100; i++) audit(st, 'ORDER_FILLED', `fill ${e}.${i}`);
      noteExecution(st, `exec-${e}`, st.auditSeq + 1);
    }
    // 400 events of the last four executions, plus the one now starting.
    expect(st.executions!.map((x) => x.executionRunId)).toEqual([
      'exec-46',
      'exec-47',
      'exec-48',
      'exec-49',
      'exec-50',
    ]);
    const batch = { executionRunId: 'exec-50', executions: st.executions };
    expect(executionRunIdOf(batch, st.audit[0].seq)).toBe('exec-46');
    expect(executionRunIdOf(batch, st.auditSeq)).toBe('exec-49');
    expect(executionRunIdOf(batch, st.auditSeq + 1)).toBe('exec-50');
  });

  it('WHEN its state is handed to continue-as-new with every list full and 50 symbols THEN the payload stays under 512 KiB', () => {
    const st = bigState(50);
    for (let i = 1; i <= MAX_RECENT_ORDERS + 10; i++) trackOrder(st, order(i), order(i).fills);
    for (let i = 0; i < MAX_AUDIT_EVENTS; i++)
      audit(st, 'RISK_RESIZED', 'buy 1.66 ETH/BTC: RESIZED POSITION_LIMIT_EXCEEDED — resized from 1.6608 to 1.2', {
        code: 'POSITION_LIMIT_EXCEEDED',
        numbers: {
          positionNotional: '0.1',
          orderNotional: '0.15',
          cap: '0.2',
          pctOfEquity: '20',
          equity: '1',
          headroom: '0.1',
          from: '1.6608',
          to: '1.2',
        },
      });
    expect(JSON.stringify(st).length).toBeLessThan(512 * 1024);
  });
});

describe('GIVEN an order that fills in two parts over two ticks', () => {
  it('WHEN each part arrives THEN the first is audited as a partial fill with how much is filled, the second as the fill that completes it', () => {
    const st = bigState(1);
    const full = order(1);
    const first = { ...full, status: 'PARTIALLY_FILLED' as const, filledQuantity: '0.8304', fills: [full.fills[0]] };
    trackOrder(st, first, first.fills);
    trackOrder(st, full, [full.fills[1]]);
    expect(st.audit.map((e) => [e.kind, e.numbers?.filled, e.numbers?.ordered])).toEqual([
      ['ORDER_PARTIALLY_FILLED', '0.8304', '1.6608'],
      ['ORDER_FILLED', '1.6608', '1.6608'],
    ]);
    expect(st.counters.fills).toBe(2);
    expect(st.openOrders).toEqual({});
  });
});

describe('GIVEN a run that a reconciliation difference has HALTED', () => {
  it("WHEN the account supervisor halts it too THEN the run keeps its first reason and the audit shows both, with the account's numbers", () => {
    const st = bigState(1);
    expect(
      changeTradingState(st, 'HALTED', 'reconciliation (periodic) found 1 difference with the venue', 'guard'),
    ).toBe(true);
    const changed = changeTradingState(
      st,
      'HALTED',
      'account acct-1 HALTED: account drawdown 4.19% reached the limit of 4%',
      'signal',
      { drawdownPct: '4.19' },
    );
    expect(changed).toBe(false);
    expect(st.stateReason).toBe('reconciliation (periodic) found 1 difference with the venue');
    expect(st.stateChanges).toHaveLength(1);
    expect(st.audit.map((e) => [e.kind, e.code])).toEqual([
      ['STATE_CHANGED', 'HALTED'],
      ['STATE_UNCHANGED', 'HALTED'],
    ]);
    expect(st.audit[1].message).toBe(
      'already HALTED (reconciliation (periodic) found 1 difference with the venue); also: account acct-1 HALTED: account drawdown 4.19% reached the limit of 4%',
    );
    expect(st.audit[1].numbers).toEqual({ drawdownPct: '4.19' });
  });

  it('WHEN a guard asks again for the state the run is in THEN nothing is added to the audit (guards re-assert every tick)', () => {
    const st = bigState(1);
    changeTradingState(st, 'HALTED', 'kill switch', 'signal');
    changeTradingState(st, 'HALTED', 'volatility circuit breaker at HALTED', 'guard');
    expect(st.audit.map((e) => e.kind)).toEqual(['STATE_CHANGED']);
  });
});

describe('GIVEN a run HALTED for a long time while its strategy keeps signalling', () => {
  it('WHEN thousands of denials fill the audit THEN the event that says why the run is HALTED stays, ahead of the newest events', () => {
    const st = bigState(1);
    for (let i = 0; i < 50; i++) audit(st, 'ORDER_PLACED', `buy 1 ETH/BTC #${i}`);
    changeTradingState(st, 'HALTED', 'account acct-1 HALTED: account drawdown 4.19% reached the limit of 4%', 'signal');
    const haltSeq = st.auditSeq;
    for (let i = 0; i < 3000; i++) {
      audit(st, 'INTENT_SIGNALED', 'buy 1 ETH/BTC: sma cross');
      audit(st, 'RISK_DENIED', 'buy 1 ETH/BTC: DENIED TRADING_HALTED — trading is HALTED: only cancels are allowed', {
        code: 'TRADING_HALTED',
      });
    }
    expect(st.audit).toHaveLength(MAX_AUDIT_EVENTS);
    expect(st.audit[0]).toMatchObject({ seq: haltSeq, kind: 'STATE_CHANGED', code: 'HALTED' });
    expect(st.audit.slice(1).every((e) => e.kind !== 'ORDER_PLACED' && e.seq > st.auditSeq - MAX_AUDIT_EVENTS)).toBe(
      true,
    );
    expect(st.audit.at(-1)!.seq).toBe(st.auditSeq);
    // in seq order, so `run audit` reads top to bottom
    expect(st.audit.every((e, i) => i === 0 || e.seq > st.audit[i - 1].seq)).toBe(true);
  });

  it('WHEN it is resumed and trades on THEN the resume is what stays, and the old halt ages out', () => {
    const st = bigState(1);
    changeTradingState(st, 'HALTED', 'kill switch', 'signal');
    changeTradingState(st, 'ACTIVE', 'resumed by ops', 'signal');
    for (let i = 0; i < 1000; i++) audit(st, 'ORDER_PLACED', `buy 1 ETH/BTC #${i}`);
    expect(st.audit[0]).toMatchObject({
      kind: 'STATE_CHANGED',
      code: 'ACTIVE',
      message: 'HALTED → ACTIVE: resumed by ops',
    });
    expect(st.audit.filter((e) => e.kind === 'STATE_CHANGED')).toHaveLength(1);
  });

  it('WHEN its state flips hundreds of times THEN the status carries the newest 100 changes', () => {
    const st = bigState(1);
    for (let i = 0; i < 500; i++) changeTradingState(st, i % 2 === 0 ? 'REDUCING' : 'ACTIVE', `vol step ${i}`, 'guard');
    expect(st.stateChanges).toHaveLength(MAX_STATE_CHANGES);
    expect(st.stateChanges.at(-1)!.reason).toBe('vol step 499');
  });
});
