/**
 * Reconciliation's comparisons (pure): what counts as a difference between the venue and a run, with
 * the numbers that decided it.
 */
import { applyFill, openPortfolio } from '../../domain/portfolio/portfolio';
import type { Fill, Order } from '../../domain/orders/order';
import { clientOrderIdPrefix, deriveClientOrderId } from '../../domain/ids';
import { openingDifferences, reconcileBalances, reconcileOrders, runDeltas } from '../../domain/run/reconcile';
import { order as restingOrder } from '../helpers/fixtures';

const WF = 'run-reconcile-1';
const own = (seq: number) => deriveClientOrderId(WF, seq);

function order(over: Omit<Partial<Order>, 'clientOrderId'> & { clientOrderId: string }): Order {
  return restingOrder({ price: '0.1', createdAt: 1, updatedAt: 1, ...over } as Partial<Order>);
}

function fill(cid: string, id: string, qty: string, price: string, fee: string, feeCurrency = 'BTC'): Fill {
  return {
    fillId: id,
    clientOrderId: cid,
    symbol: 'ETH/BTC',
    side: 'buy',
    quantity: qty,
    price,
    fee,
    feeCurrency,
    liquidity: 'maker',
    ts: 2,
  } as Fill;
}

const belief = (open: Order[]) => ({
  openOrders: Object.fromEntries(open.map((o) => [o.clientOrderId, { order: o }])),
  ownPrefix: clientOrderIdPrefix(WF),
  symbols: ['ETH/BTC'],
});

describe('GIVEN the orders a run believes open and what the venue reports', () => {
  it('WHEN the venue shows more fills of a run order THEN they are caught up, not reported', () => {
    const mine = order({ clientOrderId: own(1) });
    const theirs = order({
      clientOrderId: own(1),
      status: 'PARTIALLY_FILLED',
      filledQuantity: '1',
      fills: [fill(own(1), 'F1', '1', '0.1', '0.0001')],
    });
    const r = reconcileOrders(
      belief([mine]),
      { balances: {}, openOrders: [theirs], runOrders: { [own(1)]: theirs } },
      'exclusive',
    );
    expect(r.differences).toEqual([]);
    expect(r.catchUp).toEqual([theirs]);
  });

  it('WHEN the venue does not know a run order, or reports fewer fills THEN ORDER_MISSING / FILLS_MISMATCH with the quantities', () => {
    const gone = order({ clientOrderId: own(1), filledQuantity: '0.5' });
    const fewer = order({ clientOrderId: own(2), filledQuantity: '1.5' });
    const r = reconcileOrders(
      belief([gone, fewer]),
      {
        balances: {},
        openOrders: [],
        runOrders: { [own(1)]: null, [own(2)]: order({ clientOrderId: own(2), filledQuantity: '1' }) },
      },
      'exclusive',
    );
    expect(r.differences.map((d) => [d.code, d.clientOrderId, d.numbers])).toEqual([
      ['ORDER_MISSING', own(1), { quantity: '2', filledInRun: '0.5' }],
      ['FILLS_MISMATCH', own(2), { venueFilled: '1', runFilled: '1.5' }],
    ]);
  });

  it.each([
    ['a hand-placed order', 'UNKNOWN_OPEN_ORDER', 'web_1234', 'exclusive'],
    ['a hand-placed order on a shared account', 'UNKNOWN_OPEN_ORDER', 'web_1234', 'shared'],
    ["another tempotrade run's order", 'FOREIGN_RUN_ORDER', deriveClientOrderId('other-run', 3), 'exclusive'],
    ["this run's own order it does not track", 'ORDER_UNTRACKED', own(9), 'exclusive'],
  ] as const)('WHEN the venue holds %s THEN %s', (_what, code, cid, scope) => {
    const r = reconcileOrders(
      belief([]),
      { balances: {}, openOrders: [order({ clientOrderId: cid, price: '0.0789' })], runOrders: {} },
      scope,
    );
    expect(r.differences).toEqual([
      expect.objectContaining({ code, clientOrderId: cid, numbers: { quantity: '2', filled: '0', price: '0.0789' } }),
    ]);
  });

  it("WHEN another tempotrade run's order sits on a shared account THEN it is not a difference", () => {
    const r = reconcileOrders(
      belief([]),
      { balances: {}, openOrders: [order({ clientOrderId: deriveClientOrderId('other-run', 3) })], runOrders: {} },
      'shared',
    );
    expect(r.differences).toEqual([]);
  });
});

describe('GIVEN a run that opened with 1 BTC on an account holding 1 BTC and 0 ETH', () => {
  const opened = openPortfolio({ quote: 'BTC', cash: '1', at: 0, symbols: [{ symbol: 'ETH/BTC', base: 'ETH' }] });
  const bought = applyFill(opened, fill(own(1), 'F1', '2', '0.1', '0.0002'));
  const baseline = { BTC: '1', ETH: '0' };

  it('WHEN the venue holds exactly what its fills say (0.7998 BTC, 2 ETH) THEN no difference', () => {
    expect(runDeltas(bought)).toEqual({ BTC: '-0.2002', ETH: '2' });
    expect(reconcileBalances(bought, baseline, { BTC: '0.7998', ETH: '2' })).toEqual([]);
  });

  it.each([
    ['one satoshi more BTC', { BTC: '0.79980001', ETH: '2' }, 'BTC', '0.00000001'],
    ['a hundredth ETH less', { BTC: '0.7998', ETH: '1.99' }, 'ETH', '-0.01'],
    ['no ETH reported at all', { BTC: '0.7998' }, 'ETH', '-2'],
  ])(
    'WHEN the venue holds %s THEN BALANCE_MISMATCH names the asset and the difference',
    (_what, venue, asset, difference) => {
      expect(reconcileBalances(bought, baseline, venue)).toEqual([
        expect.objectContaining({ code: 'BALANCE_MISMATCH', asset, numbers: expect.objectContaining({ difference }) }),
      ]);
    },
  );
});

describe('GIVEN a new run with a capital of 1 BTC', () => {
  it.each([
    ['exactly 1 BTC and no ETH', [], { BTC: '1' }],
    ['more BTC than the capital', [], { BTC: '3' }],
    ['0.4 BTC', [['INSUFFICIENT_CAPITAL', { capital: '1', venue: '0.4', shortfall: '0.6' }]], { BTC: '0.4' }],
    ['1 BTC and 0.5 ETH already', [['UNEXPECTED_POSITION', { venue: '0.5' }]], { BTC: '1', ETH: '0.5' }],
  ])('WHEN the account holds %s THEN the opening differences are %j', (_what, expected, venue) => {
    expect(
      openingDifferences({ quote: 'BTC', capital: '1', bases: ['ETH'], venue }).map((d) => [d.code, d.numbers]),
    ).toEqual(expected);
  });
});
