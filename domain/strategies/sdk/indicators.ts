/**
 * Indicators for strategies, computed by trading-signals (docs/decisions/0009-indicator-library.md).
 * `ta` is the whole library (incremental classes: `new ta.EMA(20)`, `.add(price)`); `indicators` wraps the
 * common ones over a series, oldest first, and returns the latest value, or null while there are too few inputs.
 */
import * as ta from 'trading-signals';
import type { Bar } from './types';

export { ta };

type Series = readonly number[];

function lastOf<R>(indicator: { add(x: number): R | null }, values: Series): R | null {
  let r: R | null = null;
  for (const v of values) r = indicator.add(v);
  return r;
}

/** Simple moving average of the last `period` values. */
export function sma(values: Series, period: number): number | null {
  return values.length < period ? null : lastOf(new ta.SMA(period), values.slice(-period));
}

/** Exponential moving average over the whole series (seeded by the library from the first `period` values). */
export function ema(values: Series, period: number): number | null {
  if (values.length < period) return null;
  const e = new ta.EMA(period);
  for (const v of values) e.add(v);
  return e.isStable ? e.getResultOrThrow() : null;
}

/**
 * RSI of the last changes. `wilder` (the textbook RSI) smooths gains and losses with Wilder's average over the
 * whole series; `simple` averages the last `period` changes (Cutler's RSI). A series without any change is 50.
 */
export function rsi(values: Series, period: number, smoothing: 'wilder' | 'simple' = 'wilder'): number | null {
  if (values.length < period + 1) return null;
  const window = smoothing === 'simple' ? values.slice(-(period + 1)) : values;
  if (window.every((v) => v === window[0])) return 50;
  return lastOf(new ta.RSI(period, smoothing === 'simple' ? ta.SMA : ta.WSMA), window);
}

/** Average true range (Wilder's smoothing) of bars, oldest first. */
export function atr(bars: readonly Bar[], period: number): number | null {
  if (bars.length < period + 1) return null;
  const a = new ta.ATR(period);
  let r: number | null = null;
  for (const b of bars) r = a.add({ high: b.high, low: b.low, close: b.close });
  return r;
}

/** Bollinger bands of the last `period` values, `deviations` standard deviations wide. */
export function bollinger(
  values: Series,
  period: number,
  deviations = 2,
): { upper: number; middle: number; lower: number } | null {
  return values.length < period ? null : lastOf(new ta.BollingerBands(period, deviations), values.slice(-period));
}

/** MACD (EMA fast − EMA slow), its signal line and histogram. */
export function macd(
  values: Series,
  fast = 12,
  slow = 26,
  signal = 9,
): { macd: number; signal: number; histogram: number } | null {
  return lastOf(new ta.MACD(new ta.EMA(fast), new ta.EMA(slow), new ta.EMA(signal)), values);
}

/** Highest and lowest of the last `period` values (a Donchian channel's bounds). */
export function highest(values: Series, period: number): number | null {
  return values.length < period ? null : Math.max(...values.slice(-period));
}
export function lowest(values: Series, period: number): number | null {
  return values.length < period ? null : Math.min(...values.slice(-period));
}

export const indicators = { sma, ema, rsi, atr, bollinger, macd, highest, lowest, ta } as const;
export type Indicators = typeof indicators;
