/** Small builders for domain tests: real-looking ETH/BTC numbers, decimal strings. */
import type { Instrument } from '../../domain/market/instrument';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import { OrderIntent, type Fill, type Order, type OrderIntentInput } from '../../domain/orders/order';
import { openPortfolio, markToMarket, type Portfolio } from '../../domain/portfolio/portfolio';
import { RiskConfig, type RiskConfigInput } from '../../domain/risk/config';
import type { PlanContext } from '../../domain/execution/engine';
import { ccxtQuantizer } from '../../brokers/precision';
import { PAPER_CAPABILITIES } from '../../simulators/paper-venue/venue';

/** A spot instrument whose amount step is also its minimum amount and minimum cost, at 0.1 % fees. */
export function spotInstrument(
  symbol: string,
  precision: Instrument['precision'],
  fees: Instrument['fees'] = { maker: '0.001', taker: '0.001' },
): Instrument {
  const [base, quote] = symbol.split('/');
  return {
    symbol,
    base,
    quote,
    precision,
    limits: { amount: { min: precision.amount }, cost: { min: precision.amount } },
    fees,
  };
}

export const ETH_BTC: Instrument = spotInstrument('ETH/BTC', { amount: '0.001', price: '0.000001' });

export const T0 = Date.UTC(2018, 0, 15, 12, 0, 0);

export function snapshot(over: Partial<MarketSnapshot> = {}): MarketSnapshot {
  return {
    symbol: 'ETH/BTC',
    at: T0,
    markTs: T0,
    mark: '0.0950',
    bid: '0.094990',
    ask: '0.095010',
    bids: [
      ['0.094990', '50'],
      ['0.094900', '80'],
    ],
    asks: [
      ['0.095010', '50'],
      ['0.095100', '80'],
    ],
    bars: [{ ts: T0 - 300_000, open: 0.095, high: 0.0952, low: 0.0948, close: 0.095, volume: 2000 }],
    endOfData: false,
    ...over,
  };
}

export function intent(over: OrderIntentInput | Partial<OrderIntentInput> = {}): OrderIntent {
  return OrderIntent.parse({
    strategyId: 'test',
    symbol: 'ETH/BTC',
    side: 'buy',
    type: 'market',
    quantity: '1',
    ...over,
  });
}

/** A taker buy of 1 ETH at 0.095 BTC, no fee, at T0: the fill that opens a position. */
export function fill(over: Partial<Fill> = {}): Fill {
  return {
    fillId: 'f1',
    clientOrderId: 'c1' as never,
    symbol: 'ETH/BTC',
    side: 'buy',
    quantity: '1',
    price: '0.095',
    fee: '0',
    feeCurrency: 'BTC',
    liquidity: 'taker',
    ts: T0,
    ...over,
  };
}

/** A resting GTC limit buy of 2 ETH at 0.0949 BTC, new, placed at T0. */
export function order(over: Partial<Order> = {}): Order {
  return {
    clientOrderId: 'tt1-1' as never,
    symbol: 'ETH/BTC',
    side: 'buy',
    type: 'limit',
    quantity: '2',
    price: '0.0949',
    tif: 'GTC',
    postOnly: false,
    reduceOnly: false,
    status: 'NEW',
    filledQuantity: '0',
    fee: '0',
    fills: [],
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function risk(over: RiskConfigInput = {}): RiskConfig {
  return RiskConfig.parse(over);
}

export function portfolio(cash = '10', marks: Record<string, string> = { 'ETH/BTC': '0.0950' }): Portfolio {
  return markToMarket(
    openPortfolio({ quote: 'BTC', cash, at: T0, symbols: [{ symbol: 'ETH/BTC', base: 'ETH' }] }),
    marks,
    T0,
  );
}

export function planContext(over: Partial<PlanContext> = {}): PlanContext {
  return {
    instrument: ETH_BTC,
    snapshot: snapshot(),
    now: T0,
    config: risk(),
    tradingState: 'ACTIVE',
    capabilities: PAPER_CAPABILITIES,
    quantizer: ccxtQuantizer,
    equity: '10',
    ...over,
  };
}
