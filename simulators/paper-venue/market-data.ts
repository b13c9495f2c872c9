/**
 * Replay data of one paper market: candles, timeframe, instrument, and time lookups. Pure.
 *
 * A live market (paper fills on live data, brokers/paper-live/) has the same shape, fed as it goes:
 * closed bars are appended as the exchange publishes them (the oldest dropped beyond LIVE_BARS_KEPT),
 * and `live.book` holds the exchange's real order book as last fetched, which takers walk instead of a
 * candle-derived one.
 *
 * Clock rule (no look-ahead): a bar counts once it has CLOSED. The bar current at market time t is the
 * last bar with ts + barMs ≤ t; with gaps in the data it is simply the last one before the gap.
 *
 * Instrument derived from the data (unless one is given):
 *   price tick  = 10^(floor(log10(min close)) − 4)       (≤ 1 bp of any price in the data)
 *   amount step = 10^(ceil(log10(1e-5 / max close))), at most 1   (one step is worth ≤ 0.00001 quote)
 *   limits.amount.min = amount step; limits.cost.min = 0.0001; fees maker = taker = 0.001.
 *
 * CSV prices carry binary-float artefacts (0.09969000000000001). On load every candle number is
 * re-read at 15 significant digits (0.09969), which restores the published decimal without changing
 * any real digit; the venue's decimals then start from the clean value.
 */
import { z } from 'zod';
import { TempotradeError, formatZodIssues } from '../../domain/errors';
import { Candle, inferBarMs, parseOhlcvCsv } from '../../domain/market/candles';
import { Instrument, MarketSymbol } from '../../domain/market/instrument';
import type { MarketClock, MarketSnapshot } from '../../domain/market/snapshot';
import { Dec, cmp, str } from '../../domain/money';
import { bookFromCandle, decOf } from './book';
import type { SyntheticBook } from './book';

/** What a live market has beyond replay data (not persisted: refetched after a restart). */
export interface LiveData {
  /** The exchange's order book as last fetched, and when (wall ms). */
  book?: SyntheticBook;
  bookTs?: number;
}

export interface Market {
  symbol: string;
  source: string;
  instrument: Instrument;
  candles: Candle[];
  /** closeTimes[i] = candles[i].ts + barMs. */
  closeTimes: number[];
  barMs: number;
  /** Present on a live market. */
  live?: LiveData;
}

/** Closed bars a live market keeps (memory and state file); older ones have been matched already. */
export const LIVE_BARS_KEPT = 500;

export interface MarketInfo {
  symbol: string;
  source: string;
  instrument: Instrument;
  barMs: number;
  bars: number;
  /** Open time of the first bar and close time of the first and last bars (ms). */
  firstTs: number;
  firstCloseTs: number;
  lastCloseTs: number;
}

export const DEFAULT_COST_MIN = '0.0001';
export const DEFAULT_FEE = '0.001';

function clean(n: number): number {
  return Number(n.toPrecision(15));
}

function cleanCandle(c: Candle): Candle {
  return {
    ts: c.ts,
    open: clean(c.open),
    high: clean(c.high),
    low: clean(c.low),
    close: clean(c.close),
    volume: clean(c.volume),
  };
}

/** Candles from CSV text or an array, validated (strictly increasing time, ≥ 2 bars) and cleaned. */
export function toCandles(data: string | readonly Candle[], source: string): Candle[] {
  let raw: readonly Candle[];
  if (typeof data === 'string') {
    try {
      raw = parseOhlcvCsv(data, source);
    } catch (e) {
      throw new TempotradeError('VALIDATION', (e as Error).message, { source });
    }
  } else {
    const r = z.array(Candle).safeParse(data);
    if (!r.success)
      throw new TempotradeError('VALIDATION', `${source}: invalid candles: ${formatZodIssues(r.error, 'candles')}`, {
        source,
      });
    raw = r.data;
    const bad = raw.findIndex((c, i) => i > 0 && c.ts <= raw[i - 1].ts);
    if (bad > 0)
      throw new TempotradeError(
        'VALIDATION',
        `${source}: candles[${bad}].ts ${raw[bad].ts} is not after ${raw[bad - 1].ts}`,
        { source },
      );
  }
  if (raw.length < 2)
    throw new TempotradeError('VALIDATION', `${source}: a market needs at least 2 candles, got ${raw.length}`, {
      source,
    });
  return raw.map(cleanCandle);
}

function pow10(exp: number): Dec {
  return new Dec(10).pow(exp);
}

/** ceil(log10(x)) for x > 0, exactly. */
function ceilLog10(x: Dec): number {
  return x.eq(pow10(x.e)) ? x.e : x.e + 1;
}

export function deriveInstrument(symbol: string, candles: readonly Candle[]): Instrument {
  const [base, quote] = symbol.split('/');
  const closes = candles.map((c) => decOf(c.close));
  const minClose = Dec.min(...closes);
  const maxClose = Dec.max(...closes);
  const tick = pow10(minClose.e - 4);
  const step = Dec.min(pow10(ceilLog10(new Dec('1e-5').div(maxClose))), 1);
  return {
    symbol,
    base,
    quote,
    precision: { amount: str(step), price: str(tick) },
    limits: { amount: { min: str(step) }, cost: { min: DEFAULT_COST_MIN } },
    fees: { maker: DEFAULT_FEE, taker: DEFAULT_FEE },
  };
}

/** `barMs`: the timeframe when known (a live market); otherwise inferred from the candles. */
export function buildMarket(
  symbol: string,
  source: string,
  candles: Candle[],
  instrument?: unknown,
  barMs?: number,
): Market {
  const sym = MarketSymbol.safeParse(symbol);
  if (!sym.success) throw new TempotradeError('VALIDATION', `symbol: ${sym.error.issues[0].message} (got "${symbol}")`);
  let inst: Instrument;
  if (instrument === undefined) {
    inst = deriveInstrument(symbol, candles);
  } else {
    const r = Instrument.safeParse(instrument);
    if (!r.success)
      throw new TempotradeError(
        'VALIDATION',
        `invalid instrument for ${symbol}: ${formatZodIssues(r.error, 'instrument')}`,
      );
    inst = r.data;
    if (inst.symbol !== symbol)
      throw new TempotradeError('VALIDATION', `instrument.symbol: ${inst.symbol} does not match the market ${symbol}`);
    if (`${inst.base}/${inst.quote}` !== symbol)
      throw new TempotradeError(
        'VALIDATION',
        `instrument.base/quote: ${inst.base}/${inst.quote} does not match the market ${symbol}`,
      );
    for (const k of ['maker', 'taker'] as const) {
      if (cmp(inst.fees[k], 1) >= 0)
        throw new TempotradeError('VALIDATION', `instrument.fees.${k}: ${inst.fees[k]} must be below 1`);
    }
    const minClose = Dec.min(...candles.map((c) => decOf(c.close)));
    if (cmp(inst.precision.price, minClose) >= 0) {
      throw new TempotradeError(
        'VALIDATION',
        `instrument.precision.price: tick ${inst.precision.price} is not below the lowest close ${str(minClose)}`,
      );
    }
  }
  const ms = barMs ?? inferBarMs(candles);
  return { symbol, source, instrument: inst, candles, closeTimes: candles.map((c) => c.ts + ms), barMs: ms };
}

/** Closed bars of a live feed, validated (strictly increasing time) and cleaned like CSV numbers; may be empty. */
export function liveBars(data: readonly Candle[], source: string): Candle[] {
  const r = z.array(Candle).safeParse(data);
  if (!r.success)
    throw new TempotradeError('VENUE_STATE', `${source}: invalid bars: ${formatZodIssues(r.error, 'bars')}`, {
      source,
    });
  const bad = r.data.findIndex((c, i) => i > 0 && c.ts <= r.data[i - 1].ts);
  if (bad > 0)
    throw new TempotradeError(
      'VENUE_STATE',
      `${source}: bars[${bad}].ts ${r.data[bad].ts} is not after ${r.data[bad - 1].ts}`,
      { source },
    );
  return r.data.map(cleanCandle);
}

/** A live market: the exchange's instrument (required), its timeframe, and at least one closed bar. */
export function liveMarket(
  symbol: string,
  source: string,
  instrument: unknown,
  barMs: number,
  bars: readonly Candle[],
): Market {
  if (instrument === undefined)
    throw new TempotradeError('VALIDATION', `instrument: a live market (${symbol}) needs the exchange's instrument`);
  if (!Number.isSafeInteger(barMs) || barMs <= 0)
    throw new TempotradeError('VALIDATION', `barMs: must be a positive integer, got ${barMs}`);
  const candles = liveBars(bars, source);
  if (candles.length === 0)
    throw new TempotradeError('VENUE_STATE', `${source}: ${symbol} has no closed bar yet`, { symbol, source });
  return { ...buildMarket(symbol, source, candles, instrument, barMs), live: {} };
}

/** Append the bars newer than the market's last one (older ones are ignored); returns how many were appended. */
export function appendBars(m: Market, bars: readonly Candle[]): number {
  const last = m.candles[m.candles.length - 1]?.ts ?? -1;
  const fresh = liveBars(bars, m.source).filter((c) => c.ts > last);
  for (const c of fresh) {
    m.candles.push(c);
    m.closeTimes.push(c.ts + m.barMs);
  }
  return fresh.length;
}

/** Keep the last LIVE_BARS_KEPT bars (call after every account has been matched against them). */
export function trimLive(m: Market): void {
  const extra = m.candles.length - LIVE_BARS_KEPT;
  if (extra > 0) {
    m.candles.splice(0, extra);
    m.closeTimes.splice(0, extra);
  }
}

/** Close time of the market's last bar. */
export function lastCloseTs(m: Market): number {
  return m.closeTimes[m.closeTimes.length - 1];
}

/** Smallest i with keys[i] > t (keys ascending); keys.length when none. */
function upperBound(keys: readonly number[], t: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the bar current at t (last bar closed by t), or −1 before the first close. */
export function currentIndex(m: Market, t: number): number {
  return upperBound(m.closeTimes, t) - 1;
}

/** Index of the first bar that closes after t. */
export function firstClosingAfter(m: Market, t: number): number {
  return upperBound(m.closeTimes, t);
}

/** Index of the first bar whose open time is after t. */
export function firstOpeningAfter(m: Market, t: number): number {
  let lo = 0;
  let hi = m.candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (m.candles[mid].ts <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function fingerprintOf(m: Market): { bars: number; firstTs: number; lastTs: number; barMs: number } {
  return {
    bars: m.candles.length,
    firstTs: m.candles[0].ts,
    lastTs: m.candles[m.candles.length - 1].ts,
    barMs: m.barMs,
  };
}

export function marketInfo(m: Market): MarketInfo {
  return {
    symbol: m.symbol,
    source: m.source,
    instrument: structuredClone(m.instrument),
    barMs: m.barMs,
    bars: m.candles.length,
    firstTs: m.candles[0].ts,
    firstCloseTs: m.closeTimes[0],
    lastCloseTs: m.closeTimes[m.closeTimes.length - 1],
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Index of the bar current at `at`; before the first close: VALIDATION saying where the data starts. */
export function requireCurrent(m: Market, at: number): number {
  const idx = currentIndex(m, at);
  if (idx < 0) {
    throw new TempotradeError(
      'VALIDATION',
      `no ${m.symbol} bar has closed by ${iso(at)} (${at}): the data starts at ${iso(m.candles[0].ts)}, first close ${iso(m.closeTimes[0])} (${m.closeTimes[0]})`,
      { symbol: m.symbol, at, firstCloseTs: m.closeTimes[0] },
    );
  }
  return idx;
}

/**
 * The market as seen at `at`: the current bar's book and close, and the closed bars with open time
 * after `since` (the last `limit` of them). Never a bar that closes after `at`. A live market shows
 * the exchange's book as last fetched (mark = its mid, markTs = when it was fetched) and never ends.
 */
export function snapshotAt(m: Market, at: number, since: number | undefined, limit: number): MarketSnapshot {
  const idx = requireCurrent(m, at);
  const book = m.live?.book ?? bookFromCandle(m.candles[idx], m.instrument);
  let start = Math.max(0, idx + 1 - limit);
  if (since !== undefined) while (start <= idx && m.candles[start].ts <= since) start++;
  return {
    symbol: m.symbol,
    at,
    markTs: m.live?.bookTs ?? m.closeTimes[idx],
    mark: book.mid,
    bid: book.bid,
    ask: book.ask,
    bids: book.bids,
    asks: book.asks,
    bars: m.candles.slice(start, idx + 1).map((c) => ({ ...c })),
    endOfData: m.live === undefined && at >= m.closeTimes[m.closeTimes.length - 1],
  };
}

/** Instruments and the replay clock of several markets: from the latest first close to the earliest last close. */
export function describeMarkets(ms: readonly Market[]): {
  instruments: Record<string, Instrument>;
  clock: MarketClock;
} {
  const barMs = ms[0].barMs;
  const other = ms.find((m) => m.barMs !== barMs);
  if (other)
    throw new TempotradeError(
      'VALIDATION',
      `symbols: timeframes differ (${ms[0].symbol} ${barMs} ms, ${other.symbol} ${other.barMs} ms)`,
    );
  const start = Math.max(...ms.map((m) => m.closeTimes[0]));
  const end = Math.min(...ms.map((m) => m.closeTimes[m.closeTimes.length - 1]));
  if (start > end)
    throw new TempotradeError(
      'VALIDATION',
      `symbols: the data of ${ms.map((m) => m.symbol).join(', ')} has no common time range`,
    );
  return {
    instruments: Object.fromEntries(ms.map((m) => [m.symbol, structuredClone(m.instrument)])),
    clock: { kind: 'replay', start, end, barMs },
  };
}
