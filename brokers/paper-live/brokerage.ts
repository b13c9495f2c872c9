/**
 * Paper trading on live data: `PaperOnLiveBrokerage implements Brokerage` for a ccxt venue with
 * `fills: 'paper'`. Market data comes from the exchange's PUBLIC endpoints (a ccxt client without
 * keys, feed.ts); orders never leave the process: a `PaperVenue` engine (brokers/paper/) accepts,
 * rests and fills them with the paper venue's fill model (matching.ts), on a live market:
 *
 * - takers (market orders, the marketable part of limits, triggered stops) walk the exchange's real
 *   order book, fetched right before the order is placed (BOOK_DEPTH levels per side);
 * - resting limits and held stops are matched against each bar as it closes at the exchange
 *   (fetched whenever a new bar is due, before any call that reads or changes the account);
 * - fees: the exchange market's maker / taker rates (ccxt), charged in the quote currency;
 * - the account is opened with the run's capital in the quote (account.open), never re-funded.
 *
 * Durability: the engine state (balances, orders, fills, the last bars) is written atomically to one
 * state file per (exchange, account) before each call returns (state-file.ts), so a restarted worker
 * resumes the same simulated account. Without that file the account is lost: this brokerage then
 * reports an empty account (no balances, no orders) and the run's reconciliation halts the run.
 */
import type { Balance, Brokerage, DepositOutcome, OrderPreview, VenueDescription } from '../brokerage';
import type { ClientOrderId } from '../../domain/ids';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import type { Fill, Order, PlaceOrder } from '../../domain/orders/order';
import type { Candle } from '../../domain/market/candles';
import type { Instrument } from '../../domain/market/instrument';
import { TempotradeError } from '../../domain/errors';
import { PAPER_CAPABILITIES, PaperVenue } from '../../simulators/paper-venue/venue';
import { LIVE_BARS_KEPT } from '../../simulators/paper-venue/market-data';
import type { SyntheticBook } from '../../simulators/paper-venue/book';
import { PublicFeed, type PublicFeedConfig } from './feed';
import { acquireLock, fileStamp } from './state-file';

export interface PaperOnLiveOptions {
  feed: PublicFeedConfig;
  /** The simulated account (the run's accountId). */
  accountId: string;
  /** Where the engine state is persisted (state-file.ts: paperStateFile). */
  stateFile: string;
}

interface Fetched {
  symbol: string;
  bars: Candle[];
  book?: { book: SyntheticBook; ts: number };
  instrument?: Instrument;
}

export class PaperOnLiveBrokerage implements Brokerage {
  readonly venue: string;
  readonly stateFile: string;
  private readonly feed: PublicFeed;
  private readonly key: string;
  private engine: PaperVenue;
  /** The state file as this instance last read or wrote it. */
  private stamp: string;

  constructor(opts: PaperOnLiveOptions) {
    this.feed = new PublicFeed(opts.feed);
    this.venue = `${this.feed.exchangeName}-paper`;
    this.key = opts.accountId;
    this.stateFile = opts.stateFile;
    this.stamp = fileStamp(this.stateFile);
    this.engine = new PaperVenue({ stateFile: this.stateFile, loadSource: () => this.noSource() });
  }

  /** Data source recorded with each live market (a local exchange at another URL is another source). */
  get source(): string {
    return `live:${this.feed.exchangeName}`;
  }

  async describe(symbols: string[]): Promise<VenueDescription> {
    const desc = await this.feed.describe(symbols);
    for (const s of symbols) await this.sync(s, { book: true, instrument: desc.instruments[s] });
    const instruments = await this.locked((e) =>
      Object.fromEntries(symbols.map((s) => [s, structuredClone(e.marketData(s).instrument)])),
    );
    return { instruments, capabilities: structuredClone(PAPER_CAPABILITIES), clock: desc.clock };
  }

  async snapshot(symbol: string, opts: { at: number; since?: number; limit: number }): Promise<MarketSnapshot> {
    await this.sync(symbol, { book: true });
    return this.locked((e) =>
      e.snapshot(symbol, {
        at: Math.max(this.feed.now(), 0),
        since: opts.since,
        limit: Math.min(opts.limit, LIVE_BARS_KEPT),
      }),
    );
  }

  /** Open the simulated account with these balances if it does not exist; never re-funds an existing one. */
  async openAccount(balances: Record<string, string>): Promise<Record<string, Balance>> {
    return this.locked((e) => e.openAccount(this.key, balances));
  }

  /** Credit paper money to the simulated account (opened empty if new), once per depositId. */
  async deposit(d: { asset: string; amount: string; depositId: string }): Promise<DepositOutcome> {
    return this.locked((e) => e.deposit(this.key, d));
  }

  async balances(): Promise<Record<string, Balance>> {
    await this.syncAll();
    return this.locked((e) => (e.hasAccount(this.key) ? e.balances(this.key) : {}));
  }

  async placeOrder(cmd: PlaceOrder): Promise<Order> {
    await this.sync(cmd.symbol, { book: true });
    return this.locked((e) => {
      // A lost account holds nothing, as an empty exchange account would: the order is refused for funds.
      if (!e.hasAccount(this.key))
        throw new TempotradeError(
          'INSUFFICIENT_FUNDS',
          `${this.venue}: the simulated account ${this.key} is not in ${this.stateFile} (never opened, or the state was lost)`,
        );
      return e.placeOrder(this.key, { ...cmd, at: Date.now() });
    });
  }

  async fetchOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order | undefined> {
    await this.sync(symbol, { book: false });
    return this.locked((e) => (e.hasAccount(this.key) ? e.getOrder(this.key, clientOrderId, symbol) : undefined));
  }

  async cancelOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order> {
    await this.sync(symbol, { book: false });
    return this.locked((e) => {
      if (!e.hasAccount(this.key))
        throw new TempotradeError(
          'ORDER_NOT_FOUND',
          `${this.venue}: no order ${clientOrderId} to cancel (no simulated account ${this.key})`,
        );
      return e.cancelOrder(this.key, clientOrderId, symbol);
    });
  }

  async fetchOpenOrders(symbol?: string): Promise<Order[]> {
    if (symbol !== undefined) await this.sync(symbol, { book: false });
    else await this.syncAll();
    return this.locked((e) => (e.hasAccount(this.key) ? e.openOrders(this.key, symbol) : []));
  }

  async previewOrder(cmd: PlaceOrder): Promise<OrderPreview | undefined> {
    await this.sync(cmd.symbol, { book: true });
    return this.locked((e) =>
      e.hasAccount(this.key) ? e.previewOrder(this.key, { ...cmd, at: Date.now() }) : undefined,
    );
  }

  /** The simulated account as the engine holds it (balances, orders, fills): what the run must equal. */
  async ledger(): Promise<{ balances: Record<string, Balance>; orders: Order[]; fills: Fill[] } | undefined> {
    return this.locked((e) =>
      e.hasAccount(this.key)
        ? { balances: e.balances(this.key), orders: e.orders(this.key), fills: e.fills(this.key) }
        : undefined,
    );
  }

  async close(): Promise<void> {
    await this.feed.close();
  }

  // ---- feeding the engine --------------------------------------------------------------------

  /**
   * Bring a symbol up to date: fetch the bars that closed since the last one fed (when one is due) and,
   * with `book` (or with new bars, for stops they trigger), the order book; then feed them under the lock.
   */
  private async sync(symbol: string, opts: { book: boolean; instrument?: Instrument }): Promise<void> {
    const known = this.lastBar(symbol);
    if (known === undefined) return this.openMarket(symbol, opts.instrument);
    const due = this.feed.now() >= known.closeTs + this.feed.barMs;
    if (!due && !opts.book) return;
    const [bars, book] = await Promise.all([
      due ? this.feed.closedBars(symbol, known.ts) : Promise.resolve([]),
      this.feed.book(symbol),
    ]);
    await this.feedEngine({ symbol, bars, book });
  }

  /** Every market of the engine (the account's symbols), bars only. */
  private async syncAll(): Promise<void> {
    for (const m of this.engine.listMarkets()) await this.sync(m.symbol, { book: false });
  }

  private async openMarket(symbol: string, given?: Instrument): Promise<void> {
    const instrument = given ?? (await this.feed.describe([symbol])).instruments[symbol];
    const [bars, book] = await Promise.all([this.feed.closedBars(symbol, undefined), this.feed.book(symbol)]);
    await this.feedEngine({ symbol, bars, book, instrument });
  }

  private async feedEngine(f: Fetched): Promise<void> {
    await this.locked((e) => {
      const exists = e.listMarkets().some((m) => m.symbol === f.symbol);
      if (!exists) {
        // Another holder's state (or a lost file) may lack the market: open it when we can, else retry.
        if (!f.instrument)
          throw new TempotradeError(
            'VENUE_STATE',
            `${this.venue}: ${f.symbol} is not in ${this.stateFile} any more; retrying loads it again`,
          );
        e.openLiveMarket(f.symbol, {
          source: this.source,
          instrument: f.instrument,
          barMs: this.feed.barMs,
          bars: f.bars,
        });
      }
      e.feedLive(f.symbol, { bars: f.bars, ...(f.book ? { book: f.book.book, bookTs: f.book.ts } : {}) });
    });
  }

  private lastBar(symbol: string): { ts: number; closeTs: number } | undefined {
    if (fileStamp(this.stateFile) !== this.stamp) this.reload();
    if (!this.engine.listMarkets().some((m) => m.symbol === symbol)) return undefined;
    const m = this.engine.marketData(symbol);
    return { ts: m.candles[m.candles.length - 1].ts, closeTs: m.closeTimes[m.closeTimes.length - 1] };
  }

  /** Run `fn` on the engine under the state file's lock, on the latest state; its changes are written before the lock is released. */
  private async locked<T>(fn: (engine: PaperVenue) => T): Promise<T> {
    const release = await acquireLock(this.stateFile);
    try {
      if (fileStamp(this.stateFile) !== this.stamp) this.reload();
      return fn(this.engine);
    } finally {
      this.stamp = fileStamp(this.stateFile);
      release();
    }
  }

  /**
   * Another holder changed the state file (or it vanished): read it again. Books are not persisted;
   * every call that walks one fetches it first.
   */
  private reload(): void {
    this.engine = new PaperVenue({ stateFile: this.stateFile, loadSource: () => this.noSource() });
    this.stamp = fileStamp(this.stateFile);
  }

  private noSource(): never {
    throw new TempotradeError('CONFIG', `${this.stateFile} holds a replay market: not a paper-on-live state file`);
  }
}
