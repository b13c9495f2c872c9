/** The shapes a strategy sees and returns (the SDK's public types). */
import type { z } from 'zod';
import type { TimeInForce } from '../../orders/order';
import type { AlgoSpec } from '../../execution/algo-spec';
import type { Indicators } from './indicators';

/** A closed bar, numbers; `ts` is the bar's open time, epoch ms. */
export interface Bar {
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A price or a quantity: a decimal string ('0.0123') or a finite number. */
export type Amount = string | number;

export type AlgoRequest =
  | { twap: { slices: number; duration: number | string } }
  | { iceberg: { visibleQuantity: Amount; offsetBps?: number; pollInterval?: number | string; maxClips?: number } }
  | z.input<typeof AlgoSpec>;

/** A stop-loss or take-profit level: a price, or a distance from the entry price in percent. */
export type Level = Amount | { pct: number };

export interface OrderRequest {
  /** Defaults to ctx.symbol; must be one of ctx.universe. */
  symbol?: string;
  /** Size: exactly one of quantity (base units), pctOfEquity (notional = equity × pct / 100) or riskPct. */
  quantity?: Amount;
  pctOfEquity?: number;
  /** Fixed-fractional: risk riskPct % of equity between the entry and the stopLoss (needs stopLoss). */
  riskPct?: number;
  type?: 'market' | 'limit' | 'stop_market' | 'stop_limit' | 'take_profit' | 'take_profit_limit' | 'trailing_stop';
  limitPrice?: Amount;
  /** Trigger price of a stop order (stop_market, stop_limit, take_profit, take_profit_limit). */
  stopPrice?: Amount;
  /** trailing_stop: the trigger's distance from the best price, bps. */
  trailBps?: number;
  tif?: TimeInForce;
  postOnly?: boolean;
  /** Defaults to true for a sell (spot: a sell closes a position), false for a buy. */
  reduceOnly?: boolean;
  /** Bracket legs around a buy: a protective stop, a take-profit and/or a trailing stop, each a reduce-only sell. */
  stopLoss?: Level;
  takeProfit?: Level;
  trailingStop?: { trailBps: number };
  /** Execute a market order through an algorithm (a child workflow of the run). */
  algo?: AlgoRequest;
  /** Why, in words, for the audit trail. */
  reason: string;
}

/** What ctx.buy / ctx.sell return: an order request bound to a side. */
export interface StrategyOrder extends OrderRequest {
  kind: 'order';
  side: 'buy' | 'sell';
}

/** What ctx.cancel returns: cancel one open order (by clientOrderId) or every open order of a symbol. */
export interface CancelRequest {
  symbol?: string;
  clientOrderId?: string;
  reason: string;
}
export interface StrategyCancel extends CancelRequest {
  kind: 'cancel';
}

export type StrategyOutput = StrategyOrder | StrategyCancel;

/** An order of the run still open at the venue (for ctx.cancel). */
export interface OpenOrderView {
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  quantity: string;
  price?: string;
}

export interface StrategyContext<P> {
  /** The symbol this call is for (onBar runs once per symbol of the run, each tick). */
  symbol: string;
  /** Closed bars of ctx.symbol, oldest first (at most the strategy's lookback). */
  bars: readonly Bar[];
  params: P;
  /** Position of ctx.symbol in base units, the run's equity and ctx.symbol's mark in quote: decimal strings. */
  position: string;
  equity: string;
  mark: string;
  /** Every symbol of the run, and their positions and marks. */
  universe: readonly string[];
  positions: Readonly<Record<string, string>>;
  marks: Readonly<Record<string, string>>;
  /** Open time of the bar this call decides on (the last closed bar), epoch ms. */
  time: number;
  /** Closed bars of any symbol of the run; a timeframe ('15m', '1h', '4h', '1d') resamples the run's bars. */
  barsOf(symbol: string, timeframe?: string): readonly Bar[];
  /** A small JSON object kept by the run between bars (and across restarts); capped in size. */
  state: JsonObject;
  openOrders: readonly OpenOrderView[];
  indicators: Indicators;
  buy(order: OrderRequest): StrategyOrder;
  sell(order: OrderRequest): StrategyOrder;
  cancel(request: CancelRequest): StrategyCancel;
}
