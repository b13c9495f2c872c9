/**
 * The paper venue: replayed markets, accounts, orders and fills, all in memory and fully deterministic
 * for a given sequence of calls (no wall clock, no randomness; ids are counters). The fill model lives
 * in matching.ts and book.ts; this class applies it to orders and balances and persists the result.
 *
 * Clock: one per (account, symbol): every account is its own replay, so one run never moves another
 * run's market. Moved forward only by `advance` (and by snapshot/placeOrder, which advance to
 * their `at` first). Moving from t0 to t1 matches resting and stop orders against every bar that
 * closed in (t0, t1], oldest first: first the resting orders (maker fills), then the stops (triggered
 * stops execute against that bar's book). Moving backwards is a no-op.
 *
 * Balances: a resting or held buy locks quantity × price × (1 + max(maker, taker)) of the quote
 * (a stop_market buy: × stopPrice), a sell locks the base quantity; locks are released as the order
 * fills, when it is canceled, and when it ends. Fees are charged in the quote (matching.ts).
 *
 * Persistence: with `stateFile`, the state is loaded at construction when the file exists and written
 * atomically after every call that changed it, before the call returns.
 *
 * Live markets (paper fills on live data, brokers/paper-live/): `openLiveMarket` adds a market with the
 * exchange's instrument and its closed bars so far; `feedLive` appends the bars that closed since and
 * sets the exchange's current order book. Takers (market orders, marketable limits, triggered stops)
 * walk that real book; resting orders and stops are matched, as above, against each bar as it is fed.
 * A live market's clock never passes its last fed bar (a bar not yet fed can still be matched), and
 * order and taker-fill times are the caller's `at` (wall time) instead of market time.
 */
import { z } from 'zod';
import type { Balance, DepositOutcome, OrderPreview, VenueDescription } from '../../brokers/brokerage';
import { TempotradeError, parseOrThrow } from '../../domain/errors';
import type { Candle } from '../../domain/market/candles';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import type { VenueCapabilities } from '../../domain/market/venue';
import { NonNegativeAmount, PositiveAmount, cmp, min } from '../../domain/money';
import { PlaceOrder, isTerminal, remainingQuantity } from '../../domain/orders/order';
import type { Fill, Order } from '../../domain/orders/order';
import { bookFromCandle } from './book';
import type { SyntheticBook } from './book';
import { INSUFFICIENT_BALANCE_MESSAGE, OrderBooks, arrivalOf, newVenueOrder, requirement } from './execution';
import type { Account, OpenOrder } from './execution';
import { orderRuleViolation } from './filters';
import { Ledger } from './ledger';
import {
  appendBars,
  buildMarket,
  currentIndex,
  describeMarkets,
  fingerprintOf,
  firstClosingAfter,
  lastCloseTs,
  liveMarket,
  marketInfo,
  requireCurrent,
  snapshotAt,
  toCandles,
  trimLive,
} from './market-data';
import type { Market, MarketInfo } from './market-data';
import { executeArrival, feeFor, isStopType } from './matching';
import { previewOf } from './preview';
import {
  AccountKey,
  Asset,
  DepositId,
  STATE_VERSION,
  parseState,
  readDatasetText,
  readStateFile,
  writeFileAtomic,
} from './state';
import type { PaperVenueState } from './state';

export const PAPER_CAPABILITIES: VenueCapabilities = {
  timeInForce: ['GTC', 'IOC', 'FOK'],
  postOnly: true,
  stopMarket: true,
  stopLimit: true,
  preview: true,
  feeCurrency: 'quote',
};

export const MESSAGES = {
  duplicate: 'Duplicate order sent.',
  insufficient: INSUFFICIENT_BALANCE_MESSAGE,
  unknownOrder: 'Unknown order sent.',
} as const;

export interface PaperVenueOptions {
  /** Persist the state here (atomic writes) and load it at construction when present. */
  stateFile?: string;
  /** Reads a market's recorded source when loading by source or restoring state (default: a CSV file path, `.gz` gunzipped). */
  loadSource?: (source: string) => string | readonly Candle[];
}

/** An order with the venue's own bookkeeping: `seq` (arrival number, the `P<seq>` of venueOrderId) and whether a stop has triggered. */
export interface VenueOrderRecord {
  seq: number;
  /** Stops: false until a bar trades through the stop price. Other orders: true. */
  triggered: boolean;
  order: Order;
}

export interface PaperVenueStats {
  ordersAccepted: number;
  duplicateClientOrderIdRejected: number;
  /** Venue API calls since this process started (not persisted). */
  requests: number;
  fills: number;
}

const Balances = z.record(Asset, NonNegativeAmount);

const DepositRequest = z.object({ asset: Asset, amount: PositiveAmount, depositId: DepositId }).strict();

const SnapshotArgs = z
  .object({
    at: z.number().int().nonnegative(),
    since: z.number().int().optional(),
    limit: z.number().int().min(1).max(10_000),
  })
  .strict();

export class PaperVenue {
  private readonly markets = new Map<string, Market>();
  /** account key → symbol → market time. */
  private readonly clocks = new Map<string, Map<string, number>>();
  private readonly accounts = new Map<string, Account>();
  private nextOrderNo = 1;
  private nextFillNo = 1;
  private counters = { ordersAccepted: 0, duplicateClientOrderIdRejected: 0, fills: 0 };
  private requests = 0;
  private dirty = false;
  private readonly loadSource: (source: string) => string | readonly Candle[];
  private readonly books = new OrderBooks(() => {
    this.counters.fills++;
    return `F${this.nextFillNo++}`;
  });

  constructor(private readonly opts: PaperVenueOptions = {}) {
    this.loadSource = opts.loadSource ?? readDatasetText;
    if (opts.stateFile) {
      const state = readStateFile(opts.stateFile);
      if (state) this.restore(state, opts.stateFile);
    }
  }

  static fromJSON(state: unknown, opts: Pick<PaperVenueOptions, 'loadSource'> = {}): PaperVenue {
    const venue = new PaperVenue({ loadSource: opts.loadSource });
    venue.restore(parseState(state, 'fromJSON'), 'fromJSON');
    return venue;
  }

  // ---- markets and clock -------------------------------------------------------------------

  /** Load a market. Same symbol from the same source again: no-op; from another source: VALIDATION. */
  loadMarket(symbol: string, data: string | readonly Candle[], source: string, instrument?: unknown): MarketInfo {
    this.requests++;
    return this.mutate(() => this.addMarket(symbol, source, () => data, instrument));
  }

  /** Load a market from a source the venue reads itself (a CSV path by default). */
  loadMarketFromSource(symbol: string, source: string, instrument?: unknown): MarketInfo {
    this.requests++;
    const read = () => {
      try {
        return this.loadSource(source);
      } catch (e) {
        throw new TempotradeError(
          'VALIDATION',
          `cannot read market data for ${symbol} from ${source}: ${(e as Error).message}`,
          { symbol, source },
        );
      }
    };
    return this.mutate(() => this.addMarket(symbol, source, read, instrument));
  }

  /**
   * Add a live market (idempotent for the same symbol and source; another source is VALIDATION): the
   * exchange's instrument, its timeframe, and the closed bars it has published so far (at least one).
   */
  openLiveMarket(
    symbol: string,
    spec: { source: string; instrument: unknown; barMs: number; bars: readonly Candle[] },
  ): MarketInfo {
    this.requests++;
    return this.mutate(() => {
      const existing = this.markets.get(symbol);
      if (existing) {
        if (existing.live && existing.source === spec.source) return marketInfo(existing);
        throw new TempotradeError(
          'VALIDATION',
          `market ${symbol} is already loaded from ${existing.source}; refusing to load it again from ${spec.source}`,
          { symbol, loadedFrom: existing.source, requested: spec.source },
        );
      }
      const m = liveMarket(symbol, spec.source, spec.instrument, spec.barMs, spec.bars);
      this.markets.set(symbol, m);
      this.dirty = true;
      return marketInfo(m);
    });
  }

  /**
   * Feed a live market: set the exchange's current book (when given), append the bars closed since the
   * last one fed, and move every account's clock to the last close, which matches their resting and
   * stop orders against each new bar (triggered stops walk this book).
   */
  feedLive(
    symbol: string,
    feed: { bars: readonly Candle[]; book?: SyntheticBook; bookTs?: number },
  ): { appended: number; lastCloseTs: number } {
    this.requests++;
    return this.mutate(() => {
      const m = this.market(symbol);
      if (!m.live)
        throw new TempotradeError('VALIDATION', `market ${symbol} is a replay market (${m.source}), not a live one`, {
          symbol,
        });
      if (feed.book) m.live = { book: structuredClone(feed.book), bookTs: feed.bookTs };
      const appended = appendBars(m, feed.bars);
      if (appended > 0) this.dirty = true;
      const last = lastCloseTs(m);
      for (const key of this.accounts.keys()) this.advanceClock(key, m, last);
      trimLive(m);
      return { appended, lastCloseTs: last };
    });
  }

  listMarkets(): MarketInfo[] {
    return [...this.markets.values()].map(marketInfo);
  }

  /** Move an account's clock of a symbol forward to `at`, matching its orders against every bar closed in (clock, at]. */
  advance(key: string, symbol: string, at: number): void {
    this.mutate(() => {
      this.account(key);
      this.advanceClock(key, this.market(symbol), at);
    });
  }

  /** Market state at `at`. With an account key, that account's clock advances to `at` first. */
  snapshot(symbol: string, args: { at: number; since?: number; limit: number }, key?: string): MarketSnapshot {
    this.requests++;
    return this.mutate(() => {
      const m = this.market(symbol);
      const { at, since, limit } = parseOrThrow(SnapshotArgs, args, 'snapshot arguments');
      if (key !== undefined) {
        this.account(key);
        this.advanceClock(key, m, at);
      }
      return snapshotAt(m, at, since, limit);
    });
  }

  /** The market's candles, close times and instrument (read-only: a front such as the Binance one reads them). */
  marketData(symbol: string): Readonly<Market> {
    return this.market(symbol);
  }

  /** An account's market time in a symbol, or undefined before its first request there. */
  clock(key: string, symbol: string): number | undefined {
    return this.clockOf(key, symbol);
  }

  private clockOf(key: string, symbol: string): number | undefined {
    return this.clocks.get(key)?.get(symbol);
  }

  describe(symbols: readonly string[]): VenueDescription {
    this.requests++;
    if (symbols.length === 0) throw new TempotradeError('VALIDATION', 'symbols: at least one symbol is required');
    return {
      ...describeMarkets(symbols.map((sym) => this.market(sym))),
      capabilities: structuredClone(PAPER_CAPABILITIES),
    };
  }

  // ---- accounts ------------------------------------------------------------------------------

  /** Create the account with these balances if it does not exist; never re-funds an existing one. */
  openAccount(key: string, balances: Record<string, string>): Record<string, Balance> {
    this.requests++;
    return this.mutate(() => {
      const k = parseOrThrow(AccountKey, key, 'account');
      const existing = this.accounts.get(k);
      if (existing) return existing.ledger.view();
      const initial = parseOrThrow(Balances, balances, 'balances');
      const ledger = Ledger.fromRecord(
        Object.fromEntries(Object.entries(initial).map(([a, v]) => [a, { free: v, used: '0' }])),
      );
      this.accounts.set(k, { ledger, orders: new Map(), deposits: new Set() });
      this.dirty = true;
      return ledger.view();
    });
  }

  /**
   * Credit `amount` of `asset` to the account (opened empty if it does not exist), once per deposit id: a
   * repeated id changes nothing and answers deposited: false with the balances as they are.
   */
  deposit(key: string, input: unknown): DepositOutcome {
    this.requests++;
    return this.mutate(() => {
      const k = parseOrThrow(AccountKey, key, 'account');
      const d = parseOrThrow(DepositRequest, input, 'deposit');
      let acct = this.accounts.get(k);
      if (!acct) {
        acct = { ledger: new Ledger(), orders: new Map(), deposits: new Set() };
        this.accounts.set(k, acct);
        this.dirty = true;
      }
      const deposited = !acct.deposits.has(d.depositId);
      if (deposited) {
        acct.ledger.credit(d.asset, d.amount);
        acct.deposits.add(d.depositId);
        this.dirty = true;
      }
      return { deposited, balances: acct.ledger.view() };
    });
  }

  hasAccount(key: string): boolean {
    return this.accounts.has(key);
  }

  accountCount(): number {
    return this.accounts.size;
  }

  balances(key: string): Record<string, Balance> {
    this.requests++;
    return this.account(key).ledger.view();
  }

  // ---- orders --------------------------------------------------------------------------------

  placeOrder(key: string, input: unknown): Order {
    this.requests++;
    return this.mutate(() => {
      const acct = this.account(key);
      const cmd = parseOrThrow(PlaceOrder, input, 'order');
      if (acct.orders.has(cmd.clientOrderId)) {
        this.counters.duplicateClientOrderIdRejected++;
        this.dirty = true;
        throw new TempotradeError('DUPLICATE_ORDER', MESSAGES.duplicate, { clientOrderId: cmd.clientOrderId });
      }
      const m = this.market(cmd.symbol);
      this.advanceClock(key, m, cmd.at);
      const now = m.live ? Math.max(cmd.at, this.clockOf(key, m.symbol) ?? 0) : (this.clockOf(key, m.symbol) ?? cmd.at);
      const book = this.bookAt(m, now);
      const violation = orderRuleViolation(cmd, m.instrument, book.mid);
      if (violation) throw new TempotradeError('INVALID_ORDER', violation, { clientOrderId: cmd.clientOrderId });
      const { base } = m.instrument;
      if (cmd.reduceOnly && cmp(cmd.quantity, acct.ledger.total(base)) > 0) {
        throw new TempotradeError(
          'INVALID_ORDER',
          `reduceOnly: selling ${cmd.quantity} ${base} exceeds the ${acct.ledger.total(base)} ${base} held`,
          { clientOrderId: cmd.clientOrderId },
        );
      }
      const plan = isStopType(cmd.type)
        ? undefined
        : executeArrival(arrivalOf(cmd, cmd.type === 'market' ? 'market' : 'limit'), book, m.instrument.fees);
      if (plan?.kind === 'rejected')
        throw new TempotradeError('INVALID_ORDER', plan.message, { clientOrderId: cmd.clientOrderId });
      const need = requirement(m, cmd, plan);
      if (cmp(need.amount, acct.ledger.free(need.asset)) > 0) {
        throw new TempotradeError('INSUFFICIENT_FUNDS', MESSAGES.insufficient, {
          asset: need.asset,
          required: need.amount,
          free: acct.ledger.free(need.asset),
        });
      }
      const seq = this.nextOrderNo++;
      const vo = newVenueOrder(cmd, seq, { triggered: plan !== undefined, lockAsset: need.asset, now });
      acct.orders.set(cmd.clientOrderId, vo);
      this.counters.ordersAccepted++;
      this.dirty = true;
      if (plan) this.books.applyArrival(acct, vo, m, plan, now);
      else this.books.lock(acct, vo, need.amount);
      return structuredClone(vo.order);
    });
  }

  /** What placing `input` now would do, without changing anything. */
  previewOrder(key: string, input: unknown): OrderPreview {
    this.requests++;
    const acct = this.account(key);
    const cmd = parseOrThrow(PlaceOrder, input, 'order');
    const m = this.market(cmd.symbol);
    const at = Math.max(cmd.at, this.clockOf(key, m.symbol) ?? cmd.at);
    const book = this.bookAt(m, at);
    const violation = orderRuleViolation(cmd, m.instrument, book.mid);
    const plan =
      violation || isStopType(cmd.type)
        ? undefined
        : executeArrival(arrivalOf(cmd, cmd.type === 'market' ? 'market' : 'limit'), book, m.instrument.fees);
    const need = violation || plan?.kind === 'rejected' ? undefined : requirement(m, cmd, plan);
    return previewOf({
      cmd,
      instrument: m.instrument,
      book,
      plan,
      violation,
      duplicate: acct.orders.has(cmd.clientOrderId),
      funds: need ? { ...need, free: acct.ledger.free(need.asset) } : undefined,
    });
  }

  getOrder(key: string, clientOrderId: string, symbol?: string): Order | undefined {
    this.requests++;
    const vo = this.account(key).orders.get(clientOrderId);
    if (!vo || (symbol !== undefined && vo.order.symbol !== symbol)) return undefined;
    return structuredClone(vo.order);
  }

  /** Cancel; an unknown order is ORDER_NOT_FOUND, an order already terminal is returned unchanged. */
  cancelOrder(key: string, clientOrderId: string, symbol?: string): Order {
    this.requests++;
    return this.mutate(() => {
      const acct = this.account(key);
      const vo = acct.orders.get(clientOrderId);
      if (!vo || (symbol !== undefined && vo.order.symbol !== symbol)) {
        throw new TempotradeError('ORDER_NOT_FOUND', MESSAGES.unknownOrder, {
          clientOrderId,
          ...(symbol ? { symbol } : {}),
        });
      }
      if (!isTerminal(vo.order.status)) {
        this.books.end(acct, vo, 'CANCELED', Math.max(vo.order.updatedAt, this.clockOf(key, vo.order.symbol) ?? 0));
        this.dirty = true;
      }
      return structuredClone(vo.order);
    });
  }

  /** The account's orders (oldest first), optionally only open ones and only one symbol's. */
  orders(key: string, filter: { open?: boolean; symbol?: string } = {}): Order[] {
    return this.orderRecords(key, filter).map((r) => r.order);
  }

  /** Like `orders`, with each order's arrival number and trigger state. */
  orderRecords(key: string, filter: { open?: boolean; symbol?: string } = {}): VenueOrderRecord[] {
    this.requests++;
    return [...this.account(key).orders.values()]
      .filter(
        (vo) =>
          (filter.symbol === undefined || vo.order.symbol === filter.symbol) &&
          (!filter.open || !isTerminal(vo.order.status)),
      )
      .map((vo) => ({ seq: vo.seq, triggered: vo.triggered, order: structuredClone(vo.order) }));
  }

  /**
   * Fault injection (a fill that arrives just before a cancel): fill up to `quantity` of a resting limit
   * order at its limit price, as maker (maker fee), at the account's current clock, exactly as a bar
   * match would. Orders that do not rest (terminal, untriggered stops) are returned unchanged.
   */
  fillAtLimit(key: string, clientOrderId: string, quantity: string): Order {
    this.requests++;
    return this.mutate(() => {
      const acct = this.account(key);
      const vo = acct.orders.get(clientOrderId);
      if (!vo) throw new TempotradeError('ORDER_NOT_FOUND', MESSAGES.unknownOrder, { clientOrderId });
      const o = vo.order;
      const q = min(quantity, remainingQuantity(o));
      if (isTerminal(o.status) || !vo.triggered || o.price === undefined || cmp(q, 0) <= 0) return structuredClone(o);
      const m = this.market(o.symbol);
      const ts = Math.max(o.updatedAt, this.clockOf(key, o.symbol) ?? 0);
      this.books.makerFill(
        acct,
        vo,
        m,
        { price: o.price, quantity: q, fee: feeFor(m.instrument.fees.maker, q, o.price), liquidity: 'maker' },
        ts,
      );
      this.dirty = true;
      return structuredClone(vo.order);
    });
  }

  openOrders(key: string, symbol?: string): Order[] {
    return this.orders(key, { open: true, symbol });
  }

  /** The account's fills in the order they happened. */
  fills(key: string): Fill[] {
    this.requests++;
    const all = [...this.account(key).orders.values()].flatMap((vo) => vo.order.fills);
    return structuredClone(all.sort((a, b) => fillNo(a) - fillNo(b)));
  }

  stats(): PaperVenueStats {
    return { ...this.counters, requests: this.requests };
  }

  // ---- persistence ---------------------------------------------------------------------------

  toJSON(): PaperVenueState {
    return structuredClone({
      version: STATE_VERSION,
      nextOrderNo: this.nextOrderNo,
      nextFillNo: this.nextFillNo,
      stats: this.counters,
      markets: [...this.markets.values()].map((m) =>
        m.live
          ? {
              kind: 'live' as const,
              symbol: m.symbol,
              source: m.source,
              instrument: m.instrument,
              barMs: m.barMs,
              bars: m.candles,
            }
          : { symbol: m.symbol, source: m.source, instrument: m.instrument, fingerprint: fingerprintOf(m) },
      ),
      clocks: Object.fromEntries([...this.clocks.entries()].map(([k, m]) => [k, Object.fromEntries(m)])),
      accounts: [...this.accounts.entries()].map(([key, a]) => ({
        key,
        balances: a.ledger.toRecord(),
        orders: [...a.orders.values()],
        deposits: [...a.deposits],
      })),
    });
  }

  private restore(state: PaperVenueState, where: string): void {
    for (const ms of state.markets) {
      if ('kind' in ms) {
        this.markets.set(ms.symbol, liveMarket(ms.symbol, ms.source, ms.instrument, ms.barMs, ms.bars));
        continue;
      }
      let data: string | readonly Candle[];
      try {
        data = this.loadSource(ms.source);
      } catch (e) {
        throw new TempotradeError(
          'CONFIG',
          `${where}: market ${ms.symbol} was loaded from ${ms.source}, which cannot be read now: ${(e as Error).message}`,
        );
      }
      const m = buildMarket(ms.symbol, ms.source, toCandles(data, ms.source), ms.instrument);
      const now = fingerprintOf(m);
      if (JSON.stringify(now) !== JSON.stringify(ms.fingerprint)) {
        throw new TempotradeError(
          'CONFIG',
          `${where}: the data of ${ms.symbol} in ${ms.source} changed since the state was written (was ${JSON.stringify(ms.fingerprint)}, now ${JSON.stringify(now)})`,
        );
      }
      this.markets.set(m.symbol, m);
    }
    for (const [key, bySymbol] of Object.entries(state.clocks)) this.clocks.set(key, new Map(Object.entries(bySymbol)));
    for (const a of state.accounts) {
      this.accounts.set(a.key, {
        ledger: Ledger.fromRecord(a.balances),
        orders: new Map(a.orders.map((o) => [o.order.clientOrderId, o])),
        deposits: new Set(a.deposits),
      });
    }
    this.nextOrderNo = state.nextOrderNo;
    this.nextFillNo = state.nextFillNo;
    this.counters = { ...state.stats };
  }

  private mutate<T>(fn: () => T): T {
    try {
      return fn();
    } finally {
      if (this.dirty) {
        this.dirty = false;
        if (this.opts.stateFile) writeFileAtomic(this.opts.stateFile, JSON.stringify(this.toJSON()));
      }
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private addMarket(
    symbol: string,
    source: string,
    data: () => string | readonly Candle[],
    instrument: unknown,
  ): MarketInfo {
    const existing = this.markets.get(symbol);
    if (existing) {
      if (existing.source === source) return marketInfo(existing);
      throw new TempotradeError(
        'VALIDATION',
        `market ${symbol} is already loaded from ${existing.source}; refusing to load it again from ${source}`,
        {
          symbol,
          loadedFrom: existing.source,
          requested: source,
        },
      );
    }
    const m = buildMarket(symbol, source, toCandles(data(), source), instrument);
    this.markets.set(symbol, m);
    this.dirty = true;
    return marketInfo(m);
  }

  private market(symbol: string): Market {
    const m = this.markets.get(symbol);
    if (!m)
      throw new TempotradeError(
        'BAD_SYMBOL',
        `unknown symbol ${symbol}: the paper venue has no data for it (load it first)`,
        { symbol },
      );
    return m;
  }

  /** The book takers walk: a live market's real book, else the synthetic book of the bar current at `at`. */
  private bookAt(m: Market, at: number): SyntheticBook {
    if (m.live) {
      if (!m.live.book)
        throw new TempotradeError('VENUE_STATE', `${m.symbol}: no order book fetched from the exchange yet`, {
          symbol: m.symbol,
        });
      return m.live.book;
    }
    return bookFromCandle(m.candles[requireCurrent(m, at)], m.instrument);
  }

  private account(key: string): Account {
    const a = this.accounts.get(key);
    if (!a) throw new TempotradeError('AUTHENTICATION', `unknown account "${key}": open it first`, { account: key });
    return a;
  }

  private advanceClock(key: string, m: Market, at: number): void {
    if (!Number.isSafeInteger(at) || at < 0)
      throw new TempotradeError('VALIDATION', `at: must be a non-negative integer (ms), got ${at}`);
    // A live market's clock stops at its last fed bar: a bar that closes later is matched once it is fed.
    if (m.live) at = Math.min(at, lastCloseTs(m));
    const prev = this.clockOf(key, m.symbol);
    if (prev !== undefined && at <= prev) return;
    const open = this.openOf(key, m.symbol);
    if (open.length > 0) {
      const from = prev === undefined ? 0 : firstClosingAfter(m, prev);
      const to = currentIndex(m, at);
      for (let i = from; i <= to; i++) this.books.processBar(m, m.candles[i], m.closeTimes[i], open);
    }
    let bySymbol = this.clocks.get(key);
    if (!bySymbol) this.clocks.set(key, (bySymbol = new Map()));
    bySymbol.set(m.symbol, at);
    this.dirty = true;
  }

  /** Non-terminal orders of one account in a symbol, in arrival order. */
  private openOf(key: string, symbol: string): OpenOrder[] {
    const out: OpenOrder[] = [];
    const acct = this.account(key);
    for (const vo of acct.orders.values())
      if (vo.order.symbol === symbol && !isTerminal(vo.order.status)) out.push({ acct, vo });
    return out.sort((a, b) => a.vo.seq - b.vo.seq);
  }
}

function fillNo(f: Fill): number {
  return Number(f.fillId.slice(1));
}
