/**
 * The local exchange's replay clock: recorded bars against wall time. ccxt sends no market time, so
 * each recorded bar of a symbol is served as one bar of the configured kline interval I (ms), stamped
 * with wall-clock time aligned to I:
 *
 *   anchor A     = floor(now₀ / I) × I            (now₀: when the symbol was registered, i.e. server start)
 *   history s    = bars already closed at A        (--start; default min(500, n − 1), at least 1)
 *   k(t)         = floor((t − A) / I)              (whole intervals elapsed at wall time t)
 *   closed(t)    = min(s + k(t), n)                (bars 0 … closed(t) − 1 have closed)
 *   openTime(i)  = A + (i − s) × I                 (wall open time of recorded bar i; close = open + I)
 *   market(t)    = closeTs[closed(t) − 1]          (the data time whose bars have closed: PaperVenue's clock)
 *   wall(T)      = A + (currentIndex(T) + 1 − s) × I   (a market time T back on the wall clock)
 *
 * At the end of the data (closed(t) = n) the market stops: every later request sees the last bar.
 * `now` is injectable so tests drive the replay deterministically.
 */
import { TempotradeError } from '../../domain/errors';
import { currentIndex } from '../paper-venue/market-data';
import type { Market } from '../paper-venue/market-data';
import { INTERVAL_MS } from './protocol';
import type { Interval } from './protocol';

/** Where the replay starts: `bars` of history, or the first bar closing after an instant (ms). */
export type ReplayStart = { bars: number } | { at: number };

export const DEFAULT_HISTORY_BARS = 500;

interface SymbolReplay {
  anchor: number;
  start: number;
  market: Readonly<Market>;
}

export class ReplayClock {
  readonly intervalMs: number;
  private readonly replays = new Map<string, SymbolReplay>();

  constructor(
    readonly interval: Interval,
    private readonly start: ReplayStart | undefined,
    readonly now: () => number,
  ) {
    this.intervalMs = INTERVAL_MS[interval];
  }

  /** Start replaying a market (once; later calls keep the first anchor). */
  register(market: Readonly<Market>): void {
    if (this.replays.has(market.symbol)) return;
    const n = market.candles.length;
    let start: number;
    if (this.start === undefined) start = Math.min(DEFAULT_HISTORY_BARS, n - 1);
    else if ('bars' in this.start) start = Math.min(this.start.bars, n);
    else {
      start = currentIndex(market, this.start.at) + 1;
      if (start < 1) {
        throw new TempotradeError(
          'CONFIG',
          `start: ${new Date(this.start.at).toISOString()} is before the first close of ${market.symbol} (${new Date(market.closeTimes[0]).toISOString()})`,
        );
      }
    }
    this.replays.set(market.symbol, {
      anchor: Math.floor(this.now() / this.intervalMs) * this.intervalMs,
      start: Math.max(1, start),
      market,
    });
  }

  has(symbol: string): boolean {
    return this.replays.has(symbol);
  }

  /** Number of recorded bars that have closed at wall time t. */
  closedCount(symbol: string, t = this.now()): number {
    const r = this.replay(symbol);
    const k = Math.floor((t - r.anchor) / this.intervalMs);
    return Math.max(1, Math.min(r.start + k, r.market.candles.length));
  }

  /** The market time (data ms) that corresponds to wall time t. */
  marketTime(symbol: string, t = this.now(), barsAgo = 0): number {
    const r = this.replay(symbol);
    const idx = Math.max(0, this.closedCount(symbol, t) - 1 - barsAgo);
    return r.market.closeTimes[idx];
  }

  /** Wall open time of recorded bar i. */
  openTimeOf(symbol: string, index: number): number {
    const r = this.replay(symbol);
    return r.anchor + (index - r.start) * this.intervalMs;
  }

  /** A market time back on the wall clock: the wall close time of the bar current at T. */
  wallOf(symbol: string, marketTime: number): number {
    const r = this.replay(symbol);
    return r.anchor + (currentIndex(r.market, marketTime) + 1 - r.start) * this.intervalMs;
  }

  endOfData(symbol: string, t = this.now()): boolean {
    return this.closedCount(symbol, t) >= this.replay(symbol).market.candles.length;
  }

  /** Replay parameters of a symbol (for docs, logs and tests). */
  describe(symbol: string): { anchor: number; start: number; bars: number; intervalMs: number } {
    const r = this.replay(symbol);
    return { anchor: r.anchor, start: r.start, bars: r.market.candles.length, intervalMs: this.intervalMs };
  }

  private replay(symbol: string): SymbolReplay {
    const r = this.replays.get(symbol);
    if (!r) throw new TempotradeError('BAD_SYMBOL', `no replay for ${symbol}`, { symbol });
    return r;
  }
}

/** `--start`: an integer (bars of history) or an ISO-8601 instant. */
export function parseReplayStart(text: string): ReplayStart {
  if (/^\d+$/.test(text)) {
    const bars = Number(text);
    if (bars < 1) throw new TempotradeError('VALIDATION', 'start: at least 1 bar of history');
    return { bars };
  }
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at)) {
    throw new TempotradeError(
      'VALIDATION',
      `start: expected a number of bars (e.g. 500) or an ISO instant (e.g. 2018-01-25T00:00:00Z), got "${text}"`,
    );
  }
  return { at };
}
