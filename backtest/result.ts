/**
 * What a backtest (and `run report`, from a run's history) produces: the orders and fills exactly as the
 * venue recorded them (decimal strings), the final cash and positions, the summary figures, and the series
 * a report draws. A schema, because a report can be rendered from a saved `--json` file (external input).
 */
import { z } from 'zod';

const Dec = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');

export const ResultOrder = z.object({
  id: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  type: z.string(),
  quantity: Dec,
  price: Dec.optional(),
  stopPrice: Dec.optional(),
  tif: z.string(),
  postOnly: z.boolean(),
  reduceOnly: z.boolean(),
  status: z.string(),
  filledQuantity: Dec,
  averagePrice: Dec.optional(),
  /** Market time the order was placed. */
  ts: z.number(),
  /** The strategy's reason for the intent. */
  reason: z.string().optional(),
  /** Implementation shortfall against the decision mark, in basis points (positive: paid more). */
  shortfallBps: z.string().optional(),
});
export type ResultOrder = z.infer<typeof ResultOrder>;

export const ResultFill = z.object({
  fillId: z.string(),
  orderId: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  quantity: Dec,
  price: Dec,
  fee: Dec,
  feeCurrency: z.string(),
  liquidity: z.enum(['maker', 'taker']),
  ts: z.number(),
});
export type ResultFill = z.infer<typeof ResultFill>;

/** A closed round trip (flat → position → flat) on one symbol. */
export const ResultTrade = z.object({
  symbol: z.string(),
  openedAt: z.number(),
  closedAt: z.number(),
  quantity: Dec,
  entryPrice: Dec,
  exitPrice: Dec,
  pnl: Dec,
  fees: Dec,
});
export type ResultTrade = z.infer<typeof ResultTrade>;

export const Summary = z.object({
  startingCapital: Dec,
  equity: Dec,
  netPnl: Dec,
  returnPct: z.number(),
  cagrPct: z.number(),
  sharpe: z.number(),
  sortino: z.number(),
  maxDrawdownPct: z.number(),
  /** Longest time under a previous equity peak, ms. */
  maxDrawdownDurationMs: z.number(),
  /** Share of ticks with any position open, %. */
  exposurePct: z.number(),
  trades: z.number(),
  winRatePct: z.number(),
  /** Gross profit / gross loss of closed trades (Infinity as null when nothing was lost). */
  profitFactor: z.number().nullable(),
  fees: Dec,
  /** Mean implementation shortfall per filled order, bps. */
  shortfallBps: z.number(),
});
export type Summary = z.infer<typeof Summary>;

export const Candle = z.object({
  ts: z.number(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
});

export const BacktestResult = z.object({
  kind: z.enum(['backtest', 'run']),
  /** Run id for `run report`, a generated label for a backtest. */
  id: z.string(),
  strategy: z.object({
    name: z.string(),
    version: z.string(),
    hash: z.string(),
    params: z.record(z.string(), z.unknown()),
  }),
  engine: z.enum(['live', 'advanced']),
  symbols: z.array(z.string()),
  quote: z.string(),
  capital: Dec,
  /** Market time of the first and last tick. */
  from: z.number(),
  to: z.number(),
  ticks: z.number(),
  /** Risk config and other run parameters, as given. */
  parameters: z.record(z.string(), z.unknown()),
  orders: z.array(ResultOrder),
  fills: z.array(ResultFill),
  trades: z.array(ResultTrade),
  cash: Dec,
  positions: z.record(z.string(), Dec),
  summary: Summary,
  /** Denials (before the venue) and rejections (by the venue) by reason code. */
  denials: z.record(z.string(), z.number()),
  /** Equity per tick (or sampled), and buy-and-hold of the same capital split equally over the symbols. */
  equity: z.array(z.object({ ts: z.number(), equity: z.number(), buyHold: z.number() })),
  /** Bars per symbol for the price chart (may be sampled; every fill's bar is kept). */
  prices: z.record(z.string(), z.array(Candle)),
});
export type BacktestResult = z.infer<typeof BacktestResult>;
