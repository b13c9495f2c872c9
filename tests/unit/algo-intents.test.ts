/** Algo intents: the order-cycle strategy's `algo` param becomes an intent the run executes as a child. */
import { OrderIntent } from '../../domain/orders/order';
import { OrderCycleParams, orderCycle } from '../../domain/strategies/order-cycle';
import { AlgoOrderInput } from '../../domain/execution/algos';

const bars = [0, 1, 2].map((i) => ({
  ts: (20 + i) * 300_000 - 600_000,
  open: '0.1',
  high: '0.1',
  low: '0.1',
  close: '0.1',
  volume: '1',
}));

describe('GIVEN order-cycle with a TWAP algo', () => {
  it('WHEN flat on its bar THEN it emits a market buy carrying the TWAP, and the intent parses with it', () => {
    const params = OrderCycleParams.parse({
      everyBars: 20,
      orderPct: 10,
      algo: { kind: 'twap', slices: 5, duration: '25m' },
    });
    const [s] = orderCycle.signals({
      symbol: 'ETH/BTC',
      bars: bars as never,
      params,
      position: '0',
      equity: '1',
      mark: '0.1',
    });
    expect(s).toMatchObject({
      side: 'buy',
      type: 'market',
      quantity: '1',
      algo: { kind: 'twap', slices: 5, duration: 1_500_000 },
    });
    expect(OrderIntent.parse({ ...s, strategyId: 'order-cycle' }).algo).toEqual({
      kind: 'twap',
      slices: 5,
      duration: 1_500_000,
    });
  });

  it('WHEN the algo is put on a limit order THEN the params and the intent are refused naming the algo field', () => {
    const p = OrderCycleParams.safeParse({ orderType: 'limit', algo: { kind: 'twap', slices: 5, duration: '25m' } });
    expect(p.success).toBe(false);
    expect(p.error?.issues[0].path).toEqual(['algo']);
    const i = OrderIntent.safeParse({
      strategyId: 's',
      symbol: 'ETH/BTC',
      side: 'buy',
      type: 'limit',
      limitPrice: '0.1',
      quantity: '1',
      algo: { kind: 'iceberg', visibleQuantity: '0.5' },
    });
    expect(i.success).toBe(false);
    expect(i.error?.issues[0].path).toEqual(['algo']);
  });

  it('WHEN a TWAP has 0 slices or a child order block starting at 0 THEN it is refused naming the field', () => {
    const r = OrderIntent.safeParse({
      strategyId: 's',
      symbol: 'ETH/BTC',
      side: 'buy',
      quantity: '1',
      algo: { kind: 'twap', slices: 0, duration: '1m' },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['algo', 'slices']);
    const c = AlgoOrderInput.safeParse({
      venue: { kind: 'paper', data: {} },
      accountId: 'a',
      symbol: 'ETH/BTC',
      side: 'buy',
      quantity: '1',
      algo: { kind: 'twap', slices: 2, duration: 0 },
      parent: { workflowId: 'w', firstSeq: 0, maxOrders: 4 },
    });
    expect(c.success).toBe(false);
    expect(c.error?.issues[0].path).toEqual(['parent', 'firstSeq']);
  });
});
