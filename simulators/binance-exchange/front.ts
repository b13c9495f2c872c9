/**
 * The Binance spot REST v3 front of the paper venue: the same PaperVenue (one matching engine, one
 * ledger) answered in Binance's protocol, so the real ccxt binance client trades on it. Served by the
 * paper venue's HTTP server under /api/v3/* and /sapi/* (simulators/paper-venue/server.ts).
 *
 * Per request: weight (429 -1003 above the per-IP limit) → faults (latency, 429 burst, 5xx) → the
 * route (signed ones verify key, timestamp and HMAC, then advance every market of that account to the
 * replay clock's market time) → faults after handling (drop, hold). Docs: docs/local-exchange.md.
 */
import * as crypto from 'node:crypto';
import type * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { TempotradeError } from '../../domain/errors';
import { Dec, add, cmp, div, max as maxDec, min as minDec, mul, str, sub } from '../../domain/money';
import { isTerminal, remainingQuantity } from '../../domain/orders/order';
import { bookFromCandle, decOf, floorTo } from '../paper-venue/book';
import type { SyntheticBook } from '../paper-venue/book';
import { POST_ONLY_REJECT_MESSAGE } from '../paper-venue/matching';
import type { PaperVenue, VenueOrderRecord } from '../paper-venue/venue';
import { API_KEY_HEADER, verifySigned } from './auth';
import { ReplayClock } from './clock';
import type { ReplayStart } from './clock';
import { FaultInjector, parseFaultPlan } from './faults';
import type { FaultDecision, FaultPlan, FaultPlanInput } from './faults';
import { ApiKeySpec, ApiKeys } from './keys';
import type { ApiKeySpecInput } from './keys';
import { placeOrderFrom } from './orders';
import {
  AllOrdersParams,
  DepthQuery,
  INTERVAL_MS,
  KlinesQuery,
  MSG,
  MyTradesParams,
  NewOrderParams,
  ORDER_TYPES,
  OptionalSymbolQuery,
  OrderRefParams,
  TickerQuery,
  binanceError,
  isBinanceError,
  parseParams,
} from './protocol';
import type { Interval } from './protocol';
import {
  bn,
  canceledView,
  coinView,
  depthView,
  newOrderView,
  orderView,
  symbolId,
  symbolInfo,
  tradeView,
} from './views';
import { DEFAULT_WEIGHT_LIMIT, WeightLimiter, requestWeight } from './weights';

export interface BinanceFrontOptions {
  /** Kline interval each recorded bar is served as (default 1s). */
  interval?: Interval;
  /** Where the replay starts (default: 500 bars of history, or as many as the data has). */
  start?: ReplayStart;
  /** Wall clock of the market replay (default Date.now): inject it to drive fills in tests. */
  now?: () => number;
  /** Server time: /api/v3/time, the timestamp check and weight windows (default Date.now). */
  serverNow?: () => number;
  /** REQUEST_WEIGHT per minute per client IP (default 6000). */
  weightLimit?: number;
  /** Faults: the compact spec or a plan object (faults.ts). */
  faults?: string | FaultPlanInput;
  /** API keys (accounts) to open at start. */
  apiKeys?: ApiKeySpecInput[];
}

export interface ExchangeStats {
  /** Requests to /api/v3 and /sapi since start. */
  requests: number;
  /** Requests that carried a known X-MBX-APIKEY, per key. */
  requestsByApiKey: Record<string, number>;
  ordersAccepted: number;
  duplicatesRejected: number;
  /** 429s answered: injected by a fault rule vs. over the weight limit. */
  rateLimited: { injected: number; weightLimit: number };
  /** Answers per HTTP status (dropped connections are not answers). */
  responses: Record<string, number>;
  faults: ReturnType<FaultInjector['stats']>;
  clock: { interval: Interval; intervalMs: number };
  weightLimit: number;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  method: string;
  path: string;
  params: Record<string, string>;
  rawQuery: string;
  rawBody: string;
  req: http.IncomingMessage;
  faults: FaultDecision;
}

const MAX_BODY = 1 << 16;
const DAY_MS = 86_400_000;

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw binanceError(400, -1100, MSG.illegalChars('body', `at most ${MAX_BODY} bytes`));
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class BinanceFront {
  readonly clock: ReplayClock;
  readonly keys = new ApiKeys();
  readonly faultPlan: FaultPlan;
  private readonly injector: FaultInjector;
  private readonly limiter: WeightLimiter;
  private readonly serverNow: () => number;
  private readonly counters = { requests: 0, ordersAccepted: 0, duplicatesRejected: 0, injected429: 0, weight429: 0 };
  private readonly byKey = new Map<string, number>();
  private readonly responses = new Map<number, number>();

  constructor(
    readonly venue: PaperVenue,
    opts: BinanceFrontOptions = {},
  ) {
    this.clock = new ReplayClock(opts.interval ?? '1s', opts.start, opts.now ?? Date.now);
    this.serverNow = opts.serverNow ?? Date.now;
    this.limiter = new WeightLimiter(opts.weightLimit ?? DEFAULT_WEIGHT_LIMIT, this.serverNow);
    this.faultPlan = parseFaultPlan(opts.faults ?? { rules: [] });
    this.injector = new FaultInjector(this.faultPlan);
    this.registerMarkets();
    for (const k of opts.apiKeys ?? []) this.addApiKey(k);
  }

  /** Start replaying every market the venue has that is not replayed yet. */
  registerMarkets(): void {
    for (const m of this.venue.listMarkets()) this.clock.register(this.venue.marketData(m.symbol));
  }

  /** Register an API key and open its account (idempotent; never re-funds). */
  addApiKey(input: unknown): {
    apiKey: string;
    status: 'added' | 'exists';
    balances: Record<string, { free: string; used: string; total: string }>;
  } {
    const r = ApiKeySpec.safeParse(input);
    if (!r.success)
      throw new TempotradeError(
        'VALIDATION',
        `invalid api key: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    const status = this.keys.add(r.data);
    const balances = this.venue.openAccount(r.data.apiKey, r.data.balances);
    return { apiKey: r.data.apiKey, status, balances };
  }

  stats(): ExchangeStats {
    return {
      requests: this.counters.requests,
      requestsByApiKey: Object.fromEntries(this.byKey),
      ordersAccepted: this.counters.ordersAccepted,
      duplicatesRejected: this.counters.duplicatesRejected,
      rateLimited: { injected: this.counters.injected429, weightLimit: this.counters.weight429 },
      responses: Object.fromEntries([...this.responses].map(([s, n]) => [String(s), n])),
      faults: this.injector.stats(),
      clock: { interval: this.clock.interval, intervalMs: this.clock.intervalMs },
      weightLimit: this.limiter.limit,
    };
  }

  /** Answer one /api or /sapi request (never throws). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.counters.requests++;
    const url = new URL(req.url ?? '/', 'http://local-exchange');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const key = req.headers[API_KEY_HEADER];
    if (typeof key === 'string' && this.keys.secretOf(key) !== undefined)
      this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    const ip = req.socket.remoteAddress ?? 'unknown';
    const query = Object.fromEntries(url.searchParams);
    const weight = requestWeight(method, path, query);
    const verdict = this.limiter.charge(ip, weight);
    const headers: Record<string, string> = {
      'x-mbx-used-weight-1m': String(verdict.used),
      'x-mbx-used-weight': String(verdict.used),
    };
    if (verdict.retryAfterSec !== undefined) {
      this.counters.weight429++;
      return this.send(res, {
        status: 429,
        headers: { ...headers, 'retry-after': String(verdict.retryAfterSec) },
        body: { code: -1003, msg: MSG.tooMuchWeight(this.limiter.limit) },
      });
    }
    const faults = this.injector.decide(method, path);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.tooMany) {
      this.counters.injected429++;
      return this.send(res, {
        status: 429,
        headers: { ...headers, 'retry-after': String(faults.tooMany.retryAfterSec) },
        body: { code: -1003, msg: `Too many requests; please use the websocket for live updates. (injected fault)` },
      });
    }
    if (faults.error !== undefined) {
      const text = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[faults.error];
      return this.send(res, {
        status: faults.error,
        headers,
        body: `<html><body><h1>${faults.error} ${text}</h1></body></html>`,
      });
    }
    let answer: Answer;
    try {
      const rawBody = method === 'GET' ? '' : await readBody(req);
      const params: Record<string, string> = { ...query, ...Object.fromEntries(new URLSearchParams(rawBody)) };
      const body = this.route({ method, path, params, rawQuery: url.search.replace(/^\?/, ''), rawBody, req, faults });
      answer = { status: 200, body };
    } catch (e) {
      answer = this.errorAnswer(e);
    }
    answer.headers = { ...headers, ...answer.headers };
    if (faults.drop) {
      res.destroy();
      return;
    }
    if (faults.holdMs !== undefined) await sleep(faults.holdMs);
    if (res.destroyed || req.socket.destroyed) return;
    this.send(res, answer);
  }

  private send(res: http.ServerResponse, a: Answer): void {
    this.responses.set(a.status, (this.responses.get(a.status) ?? 0) + 1);
    const isText = typeof a.body === 'string';
    res.writeHead(a.status, { 'content-type': isText ? 'text/html' : 'application/json;charset=UTF-8', ...a.headers });
    res.end(isText ? (a.body as string) : JSON.stringify(a.body));
  }

  private errorAnswer(e: unknown): Answer {
    if (isBinanceError(e))
      return { status: e.details.httpStatus, body: { code: e.details.binanceCode, msg: e.message } };
    if (e instanceof TempotradeError) {
      if (e.code === 'BAD_SYMBOL') return { status: 400, body: { code: -1121, msg: MSG.invalidSymbol } };
      if (e.code === 'VALIDATION') return { status: 400, body: { code: -1100, msg: e.message } };
      if (e.code === 'AUTHENTICATION') return { status: 401, body: { code: -2015, msg: MSG.rejectedApiKey } };
    }
    return { status: 500, body: { code: -1000, msg: `${MSG.unknown} ${(e as Error).message ?? String(e)}` } };
  }

  // ---- routing --------------------------------------------------------------------------------

  private route(c: Ctx): unknown {
    const r = `${c.method} ${c.path}`;
    switch (r) {
      case 'GET /api/v3/ping':
        return {};
      case 'GET /api/v3/time':
        return { serverTime: this.serverNow() };
      case 'GET /api/v3/exchangeInfo':
        return this.exchangeInfo(c.params);
      case 'GET /api/v3/depth':
        return this.depth(c);
      case 'GET /api/v3/klines':
        return this.klines(c);
      case 'GET /api/v3/ticker/24hr':
        return this.tickers(c, (s, bars) => this.ticker24h(s, bars));
      case 'GET /api/v3/ticker/bookTicker':
        return this.tickers(c, (s, bars) => this.bookTicker(s, bars));
      case 'GET /api/v3/ticker/price':
        return this.tickers(c, (s, bars) => ({ symbol: symbolId(s), price: bn(this.bookAt(s, bars).mid) }));
      case 'POST /api/v3/order':
        return this.newOrder(this.signed(c), c);
      case 'GET /api/v3/order':
        return this.getOrder(this.signed(c), c);
      case 'DELETE /api/v3/order':
        return this.cancel(this.signed(c), c);
      case 'GET /api/v3/openOrders':
        return this.openOrders(this.signed(c), c);
      case 'GET /api/v3/allOrders':
        return this.allOrders(this.signed(c), c);
      case 'GET /api/v3/account':
        return this.account(this.signed(c));
      case 'GET /api/v3/myTrades':
        return this.myTrades(this.signed(c), c);
      case 'GET /sapi/v1/capital/config/getall':
        return this.coins(this.signed(c));
    }
    if (c.method === 'GET' && c.path.startsWith('/sapi/v1/margin/')) return [];
    throw binanceError(404, -1000, `${MSG.notFound} (${c.method} ${c.path} is not served by the local exchange)`);
  }

  /** Verify a SIGNED request, then bring the account's replay up to now. Returns the API key. */
  private signed(c: Ctx): string {
    const key = verifySigned(
      { apiKeyHeader: c.req.headers[API_KEY_HEADER], rawQuery: c.rawQuery, rawBody: c.rawBody, params: c.params },
      this.keys,
      this.serverNow(),
    );
    const now = this.clock.now();
    for (const m of this.venue.listMarkets()) {
      if (!this.clock.has(m.symbol)) continue;
      this.venue.advance(key, m.symbol, this.clock.marketTime(m.symbol, now));
    }
    return key;
  }

  // ---- market data ----------------------------------------------------------------------------

  private symbolOf(id: string): string {
    const m = this.venue.listMarkets().find((x) => symbolId(x.symbol) === id);
    if (!m || !this.clock.has(m.symbol)) throw binanceError(400, -1121, MSG.invalidSymbol);
    return m.symbol;
  }

  private wallOf(symbol: string): (t: number) => number {
    return (t) => this.clock.wallOf(symbol, t);
  }

  private bookAt(symbol: string, barsAgo = 0): SyntheticBook {
    const m = this.venue.marketData(symbol);
    const idx = Math.max(0, this.clock.closedCount(symbol) - 1 - barsAgo);
    return bookFromCandle(m.candles[idx], m.instrument);
  }

  private exchangeInfo(params: Record<string, string>) {
    let symbols = this.venue.listMarkets().filter((m) => this.clock.has(m.symbol));
    const wanted =
      params.symbol !== undefined
        ? [params.symbol]
        : params.symbols !== undefined
          ? parseParams(TickerQuery, { symbols: params.symbols }).symbols!
          : undefined;
    if (wanted)
      symbols = wanted.map((id) => this.venue.listMarkets().find((m) => symbolId(m.symbol) === this.idOrThrow(id))!);
    return {
      timezone: 'UTC',
      serverTime: this.serverNow(),
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: this.limiter.limit },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
        { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
        { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
      ],
      exchangeFilters: [],
      symbols: symbols.map((m) => symbolInfo(m.instrument, ORDER_TYPES)),
    };
  }

  private idOrThrow(id: string): string {
    this.symbolOf(id);
    return id;
  }

  private depth(c: Ctx) {
    const q = parseParams(DepthQuery, c.params);
    const symbol = this.symbolOf(q.symbol);
    return depthView(
      this.bookAt(symbol, c.faults.staleBars),
      q.limit ?? 100,
      this.clock.closedCount(symbol) - c.faults.staleBars,
    );
  }

  private klines(c: Ctx) {
    const q = parseParams(KlinesQuery, c.params);
    const symbol = this.symbolOf(q.symbol);
    if (q.interval !== this.clock.interval) throw binanceError(400, -1120, MSG.invalidInterval);
    const m = this.venue.marketData(symbol);
    const I = INTERVAL_MS[this.clock.interval];
    const closed = Math.max(1, this.clock.closedCount(symbol) - c.faults.staleBars);
    const limit = q.limit ?? 500;
    // Bars whose wall open time is in [startTime, endTime]: bar i opens at openTimeOf(i).
    const first = this.clock.openTimeOf(symbol, 0);
    let lo = 0;
    let hi = closed - 1;
    if (q.startTime !== undefined) lo = Math.max(lo, Math.ceil((q.startTime - first) / I));
    if (q.endTime !== undefined) hi = Math.min(hi, Math.floor((q.endTime - first) / I));
    if (hi < lo) return [];
    if (q.startTime !== undefined) hi = Math.min(hi, lo + limit - 1);
    else lo = Math.max(lo, hi - limit + 1);
    const out: unknown[] = [];
    for (let i = lo; i <= hi; i++) {
      const b = m.candles[i];
      const open = this.clock.openTimeOf(symbol, i);
      out.push([
        open,
        bn(b.open),
        bn(b.high),
        bn(b.low),
        bn(b.close),
        bn(b.volume),
        open + I - 1,
        decOf(b.volume).times(decOf(b.close)).toFixed(8),
        0,
        bn(0),
        bn(0),
        '0',
      ]);
    }
    return out;
  }

  private tickers(c: Ctx, one: (symbol: string, barsAgo: number) => unknown) {
    const q = parseParams(TickerQuery, c.params);
    if (q.symbol !== undefined) return one(this.symbolOf(q.symbol), c.faults.staleBars);
    const ids =
      q.symbols ??
      this.venue
        .listMarkets()
        .filter((m) => this.clock.has(m.symbol))
        .map((m) => symbolId(m.symbol));
    return ids.map((id) => one(this.symbolOf(id), c.faults.staleBars));
  }

  private bookTicker(symbol: string, barsAgo: number) {
    const b = this.bookAt(symbol, barsAgo);
    return {
      symbol: symbolId(symbol),
      bidPrice: bn(b.bids[0][0]),
      bidQty: bn(b.bids[0][1]),
      askPrice: bn(b.asks[0][0]),
      askQty: bn(b.asks[0][1]),
    };
  }

  /** The rolling 24 h (wall time) window of served bars. */
  private ticker24h(symbol: string, barsAgo: number) {
    const m = this.venue.marketData(symbol);
    const I = this.clock.intervalMs;
    const last = Math.max(0, this.clock.closedCount(symbol) - 1 - barsAgo);
    const first = Math.max(0, last - Math.floor(DAY_MS / I) + 1);
    const bars = m.candles.slice(first, last + 1);
    const high = bars.reduce((h, b) => maxDec(h, decOf(b.high).toString()), decOf(bars[0].high).toString());
    const low = bars.reduce((l, b) => minDec(l, decOf(b.low).toString()), decOf(bars[0].low).toString());
    const volume = add('0', ...bars.map((b) => decOf(b.volume).toString()));
    const quoteVolume = add('0', ...bars.map((b) => mul(decOf(b.volume).toString(), decOf(b.close).toString())));
    const open = decOf(bars[0].open).toString();
    const close = decOf(bars[bars.length - 1].close).toString();
    const book = bookFromCandle(m.candles[last], m.instrument);
    const change = sub(close, open);
    return {
      symbol: symbolId(symbol),
      priceChange: bn(change),
      priceChangePercent: new Dec(change).div(open).times(100).toFixed(3),
      weightedAvgPrice: new Dec(cmp(volume, 0) > 0 ? div(quoteVolume, volume) : close).toFixed(8),
      prevClosePrice: bn(first > 0 ? decOf(m.candles[first - 1].close).toString() : open),
      lastPrice: bn(close),
      lastQty: bn(0),
      bidPrice: bn(book.bids[0][0]),
      bidQty: bn(book.bids[0][1]),
      askPrice: bn(book.asks[0][0]),
      askQty: bn(book.asks[0][1]),
      openPrice: bn(open),
      highPrice: bn(high),
      lowPrice: bn(low),
      volume: bn(volume),
      quoteVolume: new Dec(quoteVolume).toFixed(8),
      openTime: this.clock.openTimeOf(symbol, first),
      closeTime: this.clock.openTimeOf(symbol, last) + I - 1,
      firstId: -1,
      lastId: -1,
      count: 0,
    };
  }

  // ---- account and orders ---------------------------------------------------------------------

  private newOrder(key: string, c: Ctx) {
    const p = parseParams(NewOrderParams, c.params);
    const symbol = this.symbolOf(p.symbol);
    const m = this.venue.marketData(symbol);
    const at = this.clock.marketTime(symbol);
    const clientOrderId = p.newClientOrderId ?? `local-${crypto.randomBytes(11).toString('hex')}`;
    const cmd = placeOrderFrom(p, { symbol, instrument: m.instrument, book: this.bookAt(symbol), at, clientOrderId });
    try {
      this.venue.placeOrder(key, cmd);
    } catch (e) {
      throw this.orderError(e);
    }
    this.counters.ordersAccepted++;
    const rec = this.record(key, symbol, { clientOrderId });
    return newOrderView(
      rec!,
      this.wallOf(symbol),
      p.newOrderRespType ?? (p.type === 'MARKET' || p.type === 'LIMIT' ? 'FULL' : 'ACK'),
      m.instrument.quote,
    );
  }

  /** The paper engine's refusals in Binance's words. */
  private orderError(e: unknown): unknown {
    if (!(e instanceof TempotradeError)) return e;
    switch (e.code) {
      case 'DUPLICATE_ORDER':
        this.counters.duplicatesRejected++;
        return binanceError(400, -2010, MSG.duplicate);
      case 'INSUFFICIENT_FUNDS':
        return binanceError(400, -2010, MSG.insufficient);
      case 'INVALID_ORDER': {
        if (e.message === POST_ONLY_REJECT_MESSAGE) return binanceError(400, -2010, MSG.wouldTake);
        const filter = /^Filter failure: [A-Z_]+/.exec(e.message);
        return binanceError(400, -1013, filter ? filter[0] : e.message, { detail: e.message });
      }
      default:
        return e;
    }
  }

  private record(
    key: string,
    symbol: string,
    ref: { orderId?: number; clientOrderId?: string },
  ): VenueOrderRecord | undefined {
    return this.venue
      .orderRecords(key, { symbol })
      .find((r) => (ref.orderId !== undefined ? r.seq === ref.orderId : r.order.clientOrderId === ref.clientOrderId));
  }

  private lookup(
    key: string,
    c: Ctx,
  ): { symbol: string; rec: VenueOrderRecord | undefined; newClientOrderId?: string } {
    const q = parseParams(OrderRefParams, c.params);
    const symbol = this.symbolOf(q.symbol);
    if (q.orderId === undefined && q.origClientOrderId === undefined)
      throw binanceError(400, -1102, MSG.orderIdOrClientId);
    let rec = this.record(
      key,
      symbol,
      q.orderId !== undefined ? { orderId: q.orderId } : { clientOrderId: q.origClientOrderId },
    );
    if (
      rec &&
      q.orderId !== undefined &&
      q.origClientOrderId !== undefined &&
      rec.order.clientOrderId !== q.origClientOrderId
    )
      rec = undefined;
    return { symbol, rec, ...(q.newClientOrderId !== undefined ? { newClientOrderId: q.newClientOrderId } : {}) };
  }

  private getOrder(key: string, c: Ctx) {
    const { symbol, rec } = this.lookup(key, c);
    if (!rec) throw binanceError(400, -2013, MSG.orderDoesNotExist);
    return orderView(rec, this.wallOf(symbol));
  }

  private cancel(key: string, c: Ctx) {
    const { symbol, rec, newClientOrderId } = this.lookup(key, c);
    if (!rec || isTerminal(rec.order.status)) throw binanceError(400, -2011, MSG.unknownOrder);
    const id = rec.order.clientOrderId;
    if (c.faults.fillBeforeCancel) {
      const remaining = remainingQuantity(rec.order);
      const step = this.venue.marketData(symbol).instrument.precision.amount;
      const q =
        c.faults.fillBeforeCancel === 'full'
          ? remaining
          : str(maxDec(floorTo(div(remaining, 2), step).toString(), step));
      const after = this.venue.fillAtLimit(key, id, minDec(q, remaining));
      if (isTerminal(after.status)) throw binanceError(400, -2011, MSG.unknownOrder);
    }
    this.venue.cancelOrder(key, id, symbol);
    const done = this.record(key, symbol, { clientOrderId: id })!;
    return canceledView(done, this.wallOf(symbol), newClientOrderId ?? `cancel-${done.seq}`);
  }

  private openOrders(key: string, c: Ctx) {
    const q = parseParams(OptionalSymbolQuery, c.params);
    const symbol = q.symbol !== undefined ? this.symbolOf(q.symbol) : undefined;
    return this.venue
      .orderRecords(key, { open: true, ...(symbol ? { symbol } : {}) })
      .map((r) => orderView(r, this.wallOf(r.order.symbol)));
  }

  private allOrders(key: string, c: Ctx) {
    const q = parseParams(AllOrdersParams, c.params);
    const symbol = this.symbolOf(q.symbol);
    const wallOf = this.wallOf(symbol);
    const views = this.venue.orderRecords(key, { symbol }).map((r) => orderView(r, wallOf));
    return historyPage(views, (v) => v.orderId, q.orderId, q);
  }

  private myTrades(key: string, c: Ctx) {
    const q = parseParams(MyTradesParams, c.params);
    const symbol = this.symbolOf(q.symbol);
    const wallOf = this.wallOf(symbol);
    const trades = this.venue
      .orderRecords(key, { symbol })
      .filter((r) => q.orderId === undefined || r.seq === q.orderId)
      .flatMap((r) => r.order.fills.map((f) => tradeView(f, r.seq, wallOf)))
      .sort((a, b) => a.id - b.id);
    return historyPage(trades, (t) => t.id, q.fromId, q);
  }

  /** Every asset the venue knows (ledger and markets), with the ledger's exact amounts. */
  private assets(key: string): Array<{ asset: string; free: string; locked: string }> {
    const held = this.venue.balances(key);
    const names = new Set(Object.keys(held));
    for (const m of this.venue.listMarkets()) {
      names.add(m.instrument.base);
      names.add(m.instrument.quote);
    }
    return [...names]
      .sort()
      .map((asset) => ({ asset, free: held[asset]?.free ?? '0', locked: held[asset]?.used ?? '0' }));
  }

  private account(key: string) {
    const fees = this.venue.listMarkets()[0]?.instrument.fees ?? { maker: '0', taker: '0' };
    return {
      makerCommission: Number(mul(fees.maker, 10_000)),
      takerCommission: Number(mul(fees.taker, 10_000)),
      buyerCommission: 0,
      sellerCommission: 0,
      commissionRates: { maker: bn(fees.maker), taker: bn(fees.taker), buyer: bn(0), seller: bn(0) },
      canTrade: true,
      canWithdraw: false,
      canDeposit: false,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: this.serverNow(),
      accountType: 'SPOT',
      balances: this.assets(key).map((b) => ({ asset: b.asset, free: bn(b.free), locked: bn(b.locked) })),
      permissions: ['SPOT'],
      uid: Number.parseInt(crypto.createHash('sha256').update(key).digest('hex').slice(0, 8), 16),
    };
  }

  private coins(key: string) {
    return this.assets(key).map((b) => coinView(b.asset, b.free, b.locked));
  }
}

/**
 * Binance's paging of account history: from an id or a start time, the oldest `limit` (500 by default) on;
 * otherwise the newest `limit`.
 */
function historyPage<T extends { time: number }>(
  items: T[],
  idOf: (item: T) => number,
  fromId: number | undefined,
  q: { startTime?: number; endTime?: number; limit?: number },
): T[] {
  const page = items.filter(
    (v) =>
      (fromId === undefined || idOf(v) >= fromId) &&
      (q.startTime === undefined || v.time >= q.startTime) &&
      (q.endTime === undefined || v.time <= q.endTime),
  );
  const limit = q.limit ?? 500;
  return fromId !== undefined || q.startTime !== undefined ? page.slice(0, limit) : page.slice(-limit);
}
