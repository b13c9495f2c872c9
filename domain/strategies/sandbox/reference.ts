/** The sandboxed strategy API in a page: what `strategy generate --kind code` gives the model to write against. */
import { MAX_ORDERS, MAX_OUTPUT_BYTES } from './prelude';

export const SANDBOX_REFERENCE = `A sandboxed module is plain JavaScript with no imports and no I/O:

export default {
  name: 'kebab-case-name',            // unique, a-z 0-9 and -, at most 64 characters
  version: '1.0.0',                    // semver
  description: 'what it does, in a sentence',
  params: { period: { type: 'integer', default: 20, min: 2, max: 200 } },
  // a param: { type: 'number'|'integer', default, min?, max? } | { type: 'boolean', default } | { type: 'string', default, enum? }
  lookback: (p) => p.period + 1,       // closed bars needed before onBar is called (or a number)
  onBar(ctx) { return []; },           // a list of ctx.buy(...), ctx.sell(...), ctx.cancel(...)
};

onBar(ctx) runs once per symbol of the run, each tick, on the last closed bar. ctx has:
  symbol; bars (closed bars of ctx.symbol, oldest first: { ts, open, high, low, close, volume }, numbers);
  params (parsed, with defaults); position, equity, mark (decimal strings); universe (every symbol);
  positions, marks (by symbol, decimal strings); time (the bar's open time, epoch ms);
  barsOf(symbol, timeframe?) (timeframe '15m', '1h', '4h', '1d' resamples); state (a small JSON object kept
  between bars: put what must last here); openOrders ([{ clientOrderId, symbol, side, type, quantity, price }]);
  indicators: sma(values, period), ema(values, period), rsi(values, period, 'wilder'|'simple'),
  atr(bars, period), bollinger(values, period, deviations) -> { upper, middle, lower },
  macd(values, fast, slow, signal) -> { macd, signal, histogram }, highest(values, period), lowest(values, period);
  each returns null while there are too few values.
ctx.buy(order) / ctx.sell(order): order = { reason (required, words for the audit), symbol?, and exactly one of
  quantity (base units, string or number) | pctOfEquity | riskPct (needs stopLoss); type? 'market' (default) |
  'limit' | 'stop_market' | 'stop_limit' | 'take_profit' | 'take_profit_limit' | 'trailing_stop'; limitPrice?;
  stopPrice?; trailBps?; tif? 'GTC'|'IOC'|'FOK'; postOnly?; stopLoss? / takeProfit? (a price or { pct });
  trailingStop? { trailBps } }. Spot, long only: a sell closes (part of) a position.
ctx.cancel({ clientOrderId? , symbol?, reason }).
Limits: each call has a CPU deadline of a few tens of ms and the sandbox a memory limit; the output must be JSON
with finite numbers, at most ${MAX_OUTPUT_BYTES / 1_048_576} MB and ${MAX_ORDERS} orders. There is no process,
require, import(), fetch or host object; Date.now() and new Date() throw (use ctx.time); Math.random() is seeded.
`;
