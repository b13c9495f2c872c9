/**
 * Public market data of a ccxt exchange for paper fills on live data: instruments (loadMarkets),
 * closed bars and the real order book. The ccxt client has NO API keys: only public endpoints are
 * called, nothing here can place, cancel or read an order. Errors go through the one ccxt table.
 */
import type * as ccxt from 'ccxt';
import type { VenueDescription } from '../brokerage';
import { CcxtBrokerage, type CcxtVenueConfig } from '../ccxt/adapter';
import { mapCcxtError } from '../ccxt/errors';
import { candleFromOhlcv } from '../ccxt/mapping';
import { TempotradeError } from '../../domain/errors';
import type { Candle } from '../../domain/market/candles';
import { str } from '../../domain/money';
import { bookFromLevels } from '../../simulators/paper-venue/book';
import type { Level, SyntheticBook } from '../../simulators/paper-venue/book';

/** Bars asked per klines request, and at most this many requests to catch up in one call. */
export const BARS_PAGE = 500;
export const MAX_PAGES = 20;
/** Levels per side fetched from the exchange's book (takers walk at most these). */
export const BOOK_DEPTH = 20;

export type PublicFeedConfig = Omit<CcxtVenueConfig, 'apiKey' | 'secret' | 'password'>;

export class PublicFeed {
  readonly exchangeName: string;
  readonly barMs: number;
  private readonly data: CcxtBrokerage;
  private readonly timeframe: string;

  constructor(config: PublicFeedConfig) {
    // Keys are deliberately never given: an order cannot leave this process through this client.
    this.data = new CcxtBrokerage({ ...config });
    this.exchangeName = this.data.venue;
    this.timeframe = config.timeframe ?? '5m';
    this.barMs = Number(this.data.exchange.parseTimeframe(this.timeframe)) * 1000;
  }

  /** The exchange's instruments (precision, limits, maker/taker fees) and the live clock. */
  describe(symbols: string[]): Promise<VenueDescription> {
    return this.data.describe(symbols);
  }

  /** Wall time as the exchange client sees it (ms). */
  now(): number {
    return Number(this.data.exchange.milliseconds());
  }

  /**
   * Closed bars newer than `after` (open time), oldest first, paging until caught up; without `after`,
   * the last closed bars the exchange returns in one page.
   */
  async closedBars(symbol: string, after: number | undefined): Promise<Candle[]> {
    const out: Candle[] = [];
    let since = after;
    for (let page = 0; page < MAX_PAGES; page++) {
      const raw = await this.call(`fetchOHLCV ${symbol}`, () =>
        this.data.exchange.fetchOHLCV(symbol, this.timeframe, since !== undefined ? since + 1 : undefined, BARS_PAGE),
      );
      const now = this.now();
      const closed = raw
        .map(candleFromOhlcv)
        .filter((c) => c.ts + this.barMs <= now && (since === undefined || c.ts > since));
      out.push(...closed);
      // A full page of closed bars after `since` may have more behind it.
      if (after === undefined || closed.length < BARS_PAGE || closed.length === 0) break;
      since = closed[closed.length - 1].ts;
    }
    return out;
  }

  /** The exchange's order book now, in the fill model's shape, with the time it was read. */
  async book(symbol: string): Promise<{ book: SyntheticBook; ts: number }> {
    const ob = await this.call(`fetchOrderBook ${symbol}`, () => this.data.exchange.fetchOrderBook(symbol, BOOK_DEPTH));
    const levels = (side: ccxt.OrderBook['bids']): Level[] =>
      side.slice(0, BOOK_DEPTH).map(([p, s]) => [str(p ?? 0), str(s ?? 0)]);
    try {
      return { book: bookFromLevels(levels(ob.bids), levels(ob.asks), symbol), ts: ob.timestamp ?? this.now() };
    } catch (e) {
      throw new TempotradeError('VENUE_STATE', `${this.exchangeName} ${(e as Error).message}`, { symbol });
    }
  }

  close(): Promise<void> {
    return this.data.close();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      // ccxt keeps a failed first loadMarkets promise: forget it so that the retry loads again.
      const ex = this.data.exchange as unknown as { markets?: unknown; marketsLoading?: unknown };
      if (!ex.markets) ex.marketsLoading = undefined;
      throw mapCcxtError(e, `${this.exchangeName} ${what}`);
    }
  }
}
