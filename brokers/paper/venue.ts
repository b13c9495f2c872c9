/**
 * The paper venue: replayed markets, accounts, orders and fills, all in memory and fully deterministic
 * for a given sequence of calls (no wall clock, no randomness; ids are counters). The fill model lives
 * in matching.ts and book.ts; this class applies it to orders and balances and persists the result.
 *
 * Clock: one per symbol, moved forward only by `advance` (and by snapshot/placeOrder, which advance to
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
 */
import { z } from 'zod';
import type { Balance, OrderPreview, VenueDescription } from '../brokerage';
import { TempotradeError, parseOrThrow } from '../../domain/errors';
import type { Candle } from '../../domain/market/candles';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import type { VenueCapabilities } from '../../domain/market/venue';
import { NonNegativeAmount, add, cmp, max, mul, sub } from '../../domain/money';
import { PlaceOrder, isTerminal, remainingQuantity } from '../../domain/orders/order';
import type { Fill, Order } from '../../domain/orders/order';
import { bookFromCandle } from './book';
import type { SyntheticBook } from './book';
import { orderRuleViolation } from './filters';
import { Ledger } from './ledger';
import { buildMarket, currentIndex, fingerprintOf, firstClosingAfter, iso, marketInfo, toCandles } from './market-data';
import type { Market, MarketInfo } from './market-data';
import { averagePrice, executeArrival, isStopType, matchRestingOnBar, statusAfter, stopTriggered, triggeredKind } from './matching';
import type { Arrival, ArrivalOutcome, Execution } from './matching';
import { AccountKey, Asset, PaperVenueState, parseState, readDatasetText, readStateFile, writeFileAtomic } from './state';
import type { VenueOrderState } from './state';
import { previewOf } from './preview';

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
  insufficient: 'Account has insufficient balance for requested action.',
  unknownOrder: 'Unknown order sent.',
} as const;

export interface PaperVenueOptions {
  /** Persist the state here (atomic writes) and load it at construction when present. */
  stateFile?: string;
  /** Reads a market's recorded source when loading by source or restoring state (default: a CSV file path, `.gz` gunzipped). */
  loadSource?: (source: string) => string | readonly Candle[];
}

export interface PaperVenueStats {
  ordersAccepted: number;
  duplicateClientOrderIdRejected: number;
  /** Venue API calls since this process started (not persisted). */
  requests: number;
  fills: number;
}

interface Account {
  ledger: Ledger;
  orders: Map<string, VenueOrderState>;
}

const Balances = z.record(Asset, NonNegativeAmount);
const SnapshotArgs = z
  .object({
    at: z.number().int().nonnegative(),
    since: z.number().int().optional(),
    limit: z.number().int().min(1).max(10_000),
  })
  .strict();

export class PaperVenue {
  private readonly markets = new Map<string, Market>();
  private readonly clocks = new Map<string, number>();
  private readonly accounts = new Map<string, Account>();
  private nextOrderNo = 1;
  private nextFillNo = 1;
  private counters = { ordersAccepted: 0, duplicateClientOrderIdRejected: 0, fills: 0 };
  private requests = 0;
  private dirty = false;
  private readonly loadSource: (source: string) => string | readonly Candle[];

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
    return this.mutate(() => this.addMarket(symbol, source, () => this.loadSource(source), instrument));
  }

  listMarkets(): MarketInfo[] {
    return [...this.markets.values()].map(marketInfo);
  }

  /** Move the symbol's clock forward to `at`, matching orders against every bar closed in (clock, at]. */
  advance(symbol: string, at: number): void {
    this.mutate(() => this.advanceClock(this.market(symbol), at));
  }

  snapshot(symbol: string, args: { at: number; since?: number; limit: number }): MarketSnapshot {
    this.requests++;
    return this.mutate(() => {
      const m = this.market(symbol);
      const { at, since, limit } = parseOrThrow(SnapshotArgs, args, 'snapshot arguments');
      this.advanceClock(m, at);
      const idx = this.requireCurrent(m, at);
      const bar = m.candles[idx];
      const book = bookFromCandle(bar, m.instrument);
      let start = Math.max(0, idx + 1 - limit);
      if (since !== undefined) while (start <= idx && m.candles[start].ts <= since) start++;
      return {
        symbol: m.symbol,
        at,
        markTs: m.closeTimes[idx],
        mark: book.mid,
        bid: book.bid,
        ask: book.ask,
        bids: book.bids,
        asks: book.asks,
        bars: m.candles.slice(start, idx + 1).map((c) => ({ ...c })),
        endOfData: at >= m.closeTimes[m.closeTimes.length - 1],
      };
    });
  }

  describe(symbols: readonly string[]): VenueDescription {
    this.requests++;
    if (symbols.length === 0) throw new TempotradeError('VALIDATION', 'symbols: at least one symbol is required');
    const ms = symbols.map((s) => this.market(s));
    const barMs = ms[0].barMs;
    const other = ms.find((m) => m.barMs !== barMs);
    if (other) throw new TempotradeError('VALIDATION', `symbols: timeframes differ (${ms[0].symbol} ${barMs} ms, ${other.symbol} ${other.barMs} ms)`);
    const start = Math.max(...ms.map((m) => m.closeTimes[0]));
    const end = Math.min(...ms.map((m) => m.closeTimes[m.closeTimes.length - 1]));
    if (start > end) throw new TempotradeError('VALIDATION', `symbols: the data of ${symbols.join(', ')} has no common time range`);
    return {
      instruments: Object.fromEntries(ms.map((m) => [m.symbol, structuredClone(m.instrument)])),
      capabilities: structuredClone(PAPER_CAPABILITIES),
      clock: { kind: 'replay', start, end, barMs },
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
      const ledger = Ledger.fromRecord(Object.fromEntries(Object.entries(initial).map(([a, v]) => [a, { free: v, used: '0' }])));
      this.accounts.set(k, { ledger, orders: new Map() });
      this.dirty = true;
      return ledger.view();
    });
  }

  hasAccount(key: string): boolean {
    return this.accounts.has(key);
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
      this.advanceClock(m, cmd.at);
      const now = this.clocks.get(m.symbol) ?? cmd.at;
      const book = bookFromCandle(m.candles[this.requireCurrent(m, now)], m.instrument);
      const violation = orderRuleViolation(cmd, m.instrument, book.mid);
      if (violation) throw new TempotradeError('INVALID_ORDER', violation, { clientOrderId: cmd.clientOrderId });
      const { base } = m.instrument;
      if (cmd.reduceOnly && cmp(cmd.quantity, acct.ledger.total(base)) > 0) {
        throw new TempotradeError('INVALID_ORDER', `reduceOnly: selling ${cmd.quantity} ${base} exceeds the ${acct.ledger.total(base)} ${base} held`, { clientOrderId: cmd.clientOrderId });
      }
      const plan = isStopType(cmd.type) ? undefined : executeArrival(arrivalOf(cmd, cmd.type === 'market' ? 'market' : 'limit'), book, m.instrument.fees);
      if (plan?.kind === 'rejected') throw new TempotradeError('INVALID_ORDER', plan.message, { clientOrderId: cmd.clientOrderId });
      const need = requirement(m, cmd, plan);
      if (cmp(need.amount, acct.ledger.free(need.asset)) > 0) {
        throw new TempotradeError('INSUFFICIENT_FUNDS', MESSAGES.insufficient, { asset: need.asset, required: need.amount, free: acct.ledger.free(need.asset) });
      }
      const seq = this.nextOrderNo++;
      const vo: VenueOrderState = {
        seq,
        triggered: plan !== undefined,
        lock: { asset: need.asset, amount: '0' },
        order: {
          clientOrderId: cmd.clientOrderId,
          venueOrderId: `P${seq}`,
          symbol: cmd.symbol,
          side: cmd.side,
          type: cmd.type,
          quantity: cmd.quantity,
          ...(cmd.price !== undefined ? { price: cmd.price } : {}),
          ...(cmd.stopPrice !== undefined ? { stopPrice: cmd.stopPrice } : {}),
          tif: cmd.tif,
          postOnly: cmd.postOnly,
          reduceOnly: cmd.reduceOnly,
          status: 'NEW',
          filledQuantity: '0',
          fee: '0',
          fills: [],
          createdAt: now,
          updatedAt: now,
        },
      };
      acct.orders.set(cmd.clientOrderId, vo);
      this.counters.ordersAccepted++;
      this.dirty = true;
      if (plan) this.applyArrival(acct, vo, m, plan, now);
      else this.lock(acct, vo, need.amount);
      return structuredClone(vo.order);
    });
  }

  /** What placing `input` now would do, without changing anything. */
  previewOrder(key: string, input: unknown): OrderPreview {
    this.requests++;
    const acct = this.account(key);
    const cmd = parseOrThrow(PlaceOrder, input, 'order');
    const m = this.market(cmd.symbol);
    const at = Math.max(cmd.at, this.clocks.get(m.symbol) ?? cmd.at);
    const book = bookFromCandle(m.candles[this.requireCurrent(m, at)], m.instrument);
    const violation = orderRuleViolation(cmd, m.instrument, book.mid);
    const plan = violation || isStopType(cmd.type) ? undefined : executeArrival(arrivalOf(cmd, cmd.type === 'market' ? 'market' : 'limit'), book, m.instrument.fees);
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
        throw new TempotradeError('ORDER_NOT_FOUND', MESSAGES.unknownOrder, { clientOrderId, ...(symbol ? { symbol } : {}) });
      }
      if (!isTerminal(vo.order.status)) {
        this.end(acct, vo, 'CANCELED', Math.max(vo.order.updatedAt, this.clocks.get(vo.order.symbol) ?? 0));
        this.dirty = true;
      }
      return structuredClone(vo.order);
    });
  }

  /** The account's orders (oldest first), optionally only open ones and only one symbol's. */
  orders(key: string, filter: { open?: boolean; symbol?: string } = {}): Order[] {
    this.requests++;
    return [...this.account(key).orders.values()]
      .filter((vo) => (filter.symbol === undefined || vo.order.symbol === filter.symbol) && (!filter.open || !isTerminal(vo.order.status)))
      .map((vo) => structuredClone(vo.order));
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
      version: 1 as const,
      nextOrderNo: this.nextOrderNo,
      nextFillNo: this.nextFillNo,
      stats: this.counters,
      markets: [...this.markets.values()].map((m) => ({ symbol: m.symbol, source: m.source, instrument: m.instrument, fingerprint: fingerprintOf(m) })),
      clocks: Object.fromEntries(this.clocks),
      accounts: [...this.accounts.entries()].map(([key, a]) => ({ key, balances: a.ledger.toRecord(), orders: [...a.orders.values()] })),
    });
  }

  private restore(state: PaperVenueState, where: string): void {
    for (const ms of state.markets) {
      let data: string | readonly Candle[];
      try {
        data = this.loadSource(ms.source);
      } catch (e) {
        throw new TempotradeError('CONFIG', `${where}: market ${ms.symbol} was loaded from ${ms.source}, which cannot be read now: ${(e as Error).message}`);
      }
      const m = buildMarket(ms.symbol, ms.source, toCandles(data, ms.source), ms.instrument);
      const now = fingerprintOf(m);
      if (JSON.stringify(now) !== JSON.stringify(ms.fingerprint)) {
        throw new TempotradeError('CONFIG', `${where}: the data of ${ms.symbol} in ${ms.source} changed since the state was written (was ${JSON.stringify(ms.fingerprint)}, now ${JSON.stringify(now)})`);
      }
      this.markets.set(m.symbol, m);
    }
    for (const [symbol, t] of Object.entries(state.clocks)) this.clocks.set(symbol, t);
    for (const a of state.accounts) {
      this.accounts.set(a.key, { ledger: Ledger.fromRecord(a.balances), orders: new Map(a.orders.map((o) => [o.order.clientOrderId, o])) });
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

  private addMarket(symbol: string, source: string, data: () => string | readonly Candle[], instrument: unknown): MarketInfo {
    const existing = this.markets.get(symbol);
    if (existing) {
      if (existing.source === source) return marketInfo(existing);
      throw new TempotradeError('VALIDATION', `market ${symbol} is already loaded from ${existing.source}; refusing to load it again from ${source}`, {
        symbol,
        loadedFrom: existing.source,
        requested: source,
      });
    }
    const m = buildMarket(symbol, source, toCandles(data(), source), instrument);
    this.markets.set(symbol, m);
    this.dirty = true;
    return marketInfo(m);
  }

  private market(symbol: string): Market {
    const m = this.markets.get(symbol);
    if (!m) throw new TempotradeError('BAD_SYMBOL', `unknown symbol ${symbol}: the paper venue has no data for it (load it first)`, { symbol });
    return m;
  }

  private account(key: string): Account {
    const a = this.accounts.get(key);
    if (!a) throw new TempotradeError('AUTHENTICATION', `unknown account "${key}": open it first`, { account: key });
    return a;
  }

  private requireCurrent(m: Market, at: number): number {
    const idx = currentIndex(m, at);
    if (idx < 0) {
      throw new TempotradeError('VALIDATION', `no ${m.symbol} bar has closed by ${iso(at)} (${at}): the data starts at ${iso(m.candles[0].ts)}, first close ${iso(m.closeTimes[0])} (${m.closeTimes[0]})`, {
        symbol: m.symbol,
        at,
        firstCloseTs: m.closeTimes[0],
      });
    }
    return idx;
  }

  private advanceClock(m: Market, at: number): void {
    if (!Number.isSafeInteger(at) || at < 0) throw new TempotradeError('VALIDATION', `at: must be a non-negative integer (ms), got ${at}`);
    const prev = this.clocks.get(m.symbol);
    if (prev !== undefined && at <= prev) return;
    const open = this.openOf(m.symbol);
    if (open.length > 0) {
      const from = prev === undefined ? 0 : firstClosingAfter(m, prev);
      const to = currentIndex(m, at);
      for (let i = from; i <= to; i++) this.processBar(m, m.candles[i], m.closeTimes[i], open);
    }
    this.clocks.set(m.symbol, at);
    this.dirty = true;
  }

  /** Non-terminal orders of a symbol across accounts, in arrival order. */
  private openOf(symbol: string): Array<{ acct: Account; vo: VenueOrderState }> {
    const out: Array<{ acct: Account; vo: VenueOrderState }> = [];
    for (const acct of this.accounts.values()) {
      for (const vo of acct.orders.values()) if (vo.order.symbol === symbol && !isTerminal(vo.order.status)) out.push({ acct, vo });
    }
    return out.sort((a, b) => a.vo.seq - b.vo.seq);
  }

  private processBar(m: Market, bar: Candle, closeTs: number, open: Array<{ acct: Account; vo: VenueOrderState }>): void {
    const live = open.filter((e) => !isTerminal(e.vo.order.status));
    const resting = live.filter((e) => e.vo.triggered && e.vo.order.price !== undefined);
    const bySeq = new Map(resting.map((e) => [String(e.vo.seq), e]));
    const makerFills = matchRestingOnBar(
      resting.map(({ vo }) => ({ ref: String(vo.seq), side: vo.order.side, price: vo.order.price!, remaining: remainingQuantity(vo.order), seq: vo.seq })),
      bar,
      m.instrument.precision.amount,
      m.instrument.fees,
    );
    for (const f of makerFills) {
      const { acct, vo } = bySeq.get(f.ref)!;
      this.unlock(acct, vo, vo.order.side === 'buy' ? buyLock(m, f.execution.quantity, f.execution.price) : f.execution.quantity);
      this.execute(acct, vo, m, f.execution, closeTs);
      if (cmp(remainingQuantity(vo.order), 0) === 0) this.end(acct, vo, 'FILLED', closeTs);
      else vo.order.status = 'PARTIALLY_FILLED';
    }
    let book: SyntheticBook | undefined;
    for (const { acct, vo } of live) {
      const o = vo.order;
      if (vo.triggered || !isStopType(o.type) || o.stopPrice === undefined || !stopTriggered(o.type, o.side, o.stopPrice, bar)) continue;
      book ??= bookFromCandle(bar, m.instrument);
      vo.triggered = true;
      this.unlock(acct, vo, vo.lock.amount);
      const plan = executeArrival(arrivalOf(o, triggeredKind(o.type)), book, m.instrument.fees);
      if (plan.kind === 'rejected') {
        o.rejectReason = plan.message;
        this.end(acct, vo, 'EXPIRED', closeTs);
        continue;
      }
      const need = requirement(m, o, plan);
      const free = acct.ledger.free(need.asset);
      if (cmp(need.amount, free) > 0) {
        o.rejectReason = `${MESSAGES.insufficient} (triggered at ${iso(closeTs)}: needs ${need.amount} ${need.asset}, free ${free})`;
        this.end(acct, vo, 'EXPIRED', closeTs);
        continue;
      }
      this.applyArrival(acct, vo, m, plan, closeTs);
    }
  }

  /** Apply an arrival's taker executions, then rest (and lock) the remainder or end the order. */
  private applyArrival(acct: Account, vo: VenueOrderState, m: Market, plan: Extract<ArrivalOutcome, { kind: 'executed' }>, ts: number): void {
    for (const e of plan.executions) this.execute(acct, vo, m, e, ts);
    const status = statusAfter(plan.filled, plan.remaining, plan.rests);
    vo.order.updatedAt = ts;
    if (status === 'NEW' || status === 'PARTIALLY_FILLED') {
      vo.order.status = status;
      this.lock(acct, vo, vo.order.side === 'buy' ? buyLock(m, plan.remaining, vo.order.price!) : plan.remaining);
    } else {
      this.end(acct, vo, status, ts);
    }
  }

  /** Book one execution: balances, the fill, the order's totals. */
  private execute(acct: Account, vo: VenueOrderState, m: Market, e: Execution, ts: number): void {
    const { base, quote } = m.instrument;
    const cost = mul(e.quantity, e.price);
    if (vo.order.side === 'buy') {
      acct.ledger.debit(quote, add(cost, e.fee));
      acct.ledger.credit(base, e.quantity);
    } else {
      acct.ledger.debit(base, e.quantity);
      acct.ledger.credit(quote, sub(cost, e.fee));
    }
    const o = vo.order;
    o.fills.push({ fillId: `F${this.nextFillNo++}`, clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: e.quantity, price: e.price, fee: e.fee, feeCurrency: quote, liquidity: e.liquidity, ts });
    o.filledQuantity = add(o.filledQuantity, e.quantity);
    o.fee = add(o.fee, e.fee);
    const avg = averagePrice(o.fills);
    if (avg !== undefined) o.averagePrice = avg;
    o.updatedAt = ts;
    this.counters.fills++;
  }

  /** Terminal status; whatever the order still locks goes back to free. */
  private end(acct: Account, vo: VenueOrderState, status: 'FILLED' | 'CANCELED' | 'EXPIRED', ts: number): void {
    this.unlock(acct, vo, vo.lock.amount);
    vo.order.status = status;
    vo.order.updatedAt = ts;
  }

  private lock(acct: Account, vo: VenueOrderState, amount: string): void {
    acct.ledger.lock(vo.lock.asset, amount);
    vo.lock.amount = add(vo.lock.amount, amount);
  }

  private unlock(acct: Account, vo: VenueOrderState, amount: string): void {
    if (cmp(amount, 0) === 0) return;
    acct.ledger.unlock(vo.lock.asset, amount);
    vo.lock.amount = sub(vo.lock.amount, amount);
  }
}

function fillNo(f: Fill): number {
  return Number(f.fillId.slice(1));
}

type OrderLike = Pick<Order, 'side' | 'type' | 'quantity' | 'price' | 'stopPrice' | 'tif' | 'postOnly'> & { filledQuantity?: string };

function arrivalOf(o: OrderLike, kind: 'market' | 'limit'): Arrival {
  const quantity = o.filledQuantity !== undefined ? sub(o.quantity, o.filledQuantity) : o.quantity;
  return { side: o.side, kind, quantity, ...(kind === 'limit' ? { price: o.price } : {}), tif: o.tif as Arrival['tif'], postOnly: o.postOnly };
}

/** Quote a resting buy of `quantity` at `price` holds: quantity × price × (1 + max fee rate). */
function buyLock(m: Market, quantity: string, price: string): string {
  return mul(mul(quantity, price), add(1, max(m.instrument.fees.maker, m.instrument.fees.taker)));
}

/**
 * What the account must have free to place `o`: a sell needs its base quantity; a market buy the
 * cost and fees of its walk; any other buy its lock (limit price, or stop price for a stop_market).
 */
function requirement(m: Market, o: OrderLike, plan: ArrivalOutcome | undefined): { asset: string; amount: string } {
  const remaining = o.filledQuantity !== undefined ? sub(o.quantity, o.filledQuantity) : o.quantity;
  if (o.side === 'sell') return { asset: m.instrument.base, amount: remaining };
  const quote = m.instrument.quote;
  if (o.type === 'market' || (o.type === 'stop_market' && plan?.kind === 'executed')) {
    const executions = plan?.kind === 'executed' ? plan.executions : [];
    return { asset: quote, amount: add('0', ...executions.map((e) => add(mul(e.quantity, e.price), e.fee))) };
  }
  return { asset: quote, amount: buyLock(m, remaining, o.price ?? o.stopPrice!) };
}

