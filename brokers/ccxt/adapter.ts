/**
 * The ccxt adapter: any ccxt exchange id, keys from the worker's CredentialProvider (never from
 * workflow input), sandbox flag. Every call's errors go through the one ccxt error table.
 */
import * as ccxt from 'ccxt';
import { z } from 'zod';
import type { Balance, Brokerage, OrderPreview, VenueDescription } from '../brokerage';
import type { ClientOrderId } from '../../domain/ids';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import type { Order, PlaceOrder } from '../../domain/orders/order';
import { TempotradeError } from '../../domain/errors';
import { str } from '../../domain/money';
import { mapCcxtError } from './errors';
import { candleFromOhlcv, capabilitiesFrom, instrumentFromMarket, orderFromCcxt } from './mapping';
import { ccxtQuantizer } from '../precision';

export const CcxtVenueConfig = z
  .object({
    exchangeId: z.string().regex(/^[a-z0-9]+$/),
    sandbox: z.boolean().default(false),
    timeframe: z.string().default('5m'),
    /** ccxt's request timeout: an answer later than this is a RequestTimeout (resolved by lookup). */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    apiKey: z.string().optional(),
    secret: z.string().optional(),
    password: z.string().optional(),
    /** Override API URLs (e.g. to point at a local protocol-faithful exchange). */
    apiUrls: z.record(z.string(), z.string().url()).optional(),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type CcxtVenueConfig = z.input<typeof CcxtVenueConfig>;

type ExchangeCtor = new (config: Record<string, unknown>) => ccxt.Exchange;

export class CcxtBrokerage implements Brokerage {
  readonly venue: string;
  readonly exchange: ccxt.Exchange;
  private readonly timeframe: string;

  constructor(config: CcxtVenueConfig) {
    const c = CcxtVenueConfig.parse(config);
    const Ctor = (ccxt as unknown as Record<string, ExchangeCtor | undefined>)[c.exchangeId];
    const known: string[] = Array.isArray(ccxt.exchanges)
      ? (ccxt.exchanges as unknown as string[])
      : Object.keys(ccxt.exchanges);
    if (!known.includes(c.exchangeId) || typeof Ctor !== 'function')
      throw new TempotradeError('CONFIG', `venue.exchangeId: "${c.exchangeId}" is not a ccxt exchange`);
    this.exchange = new Ctor({
      apiKey: c.apiKey,
      secret: c.secret,
      password: c.password,
      enableRateLimit: true,
      timeout: c.timeoutMs,
      options: c.options,
    });
    if (c.sandbox) {
      try {
        this.exchange.setSandboxMode(true);
      } catch (e) {
        throw new TempotradeError('CONFIG', `venue.sandbox: ${c.exchangeId} has no sandbox (${(e as Error).message})`);
      }
    }
    if (c.apiUrls) this.exchange.urls.api = { ...(this.exchange.urls.api as Record<string, string>), ...c.apiUrls };
    this.venue = c.exchangeId + (c.sandbox ? '-sandbox' : '');
    this.timeframe = c.timeframe;
  }

  /**
   * ccxt keeps a failed first loadMarkets promise and hands it to every later call, so one transient
   * 429 or 5xx at start would fail this exchange object forever. Forget it so the retry loads again.
   */
  private forgetFailedMarkets(): void {
    const ex = this.exchange as unknown as { markets?: unknown; marketsLoading?: unknown };
    if (!ex.markets) ex.marketsLoading = undefined;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.forgetFailedMarkets();
      const mapped = mapCcxtError(e, `${this.venue} ${what}`);
      if (mapped.code !== 'RATE_LIMITED' || mapped.retryAfterMs !== undefined) throw mapped;
      // Honour the venue's Retry-After (seconds) when it sent one: the activity's next attempt waits that long.
      const headers =
        (this.exchange as unknown as { last_response_headers?: Record<string, string> }).last_response_headers ?? {};
      const retryAfter = Number(headers['retry-after'] ?? headers['Retry-After']);
      throw Number.isFinite(retryAfter) && retryAfter > 0
        ? new TempotradeError(
            mapped.code,
            mapped.message,
            { ...mapped.details, retryAfterSec: retryAfter },
            retryAfter * 1000,
          )
        : mapped;
    }
  }

  async describe(symbols: string[]): Promise<VenueDescription> {
    const markets = await this.call('loadMarkets', () => this.exchange.loadMarkets());
    const instruments: VenueDescription['instruments'] = {};
    for (const s of symbols) {
      const m = markets[s];
      if (!m) throw new TempotradeError('BAD_SYMBOL', `symbols: ${this.venue} has no market ${s}`);
      instruments[s] = instrumentFromMarket(m, Number(this.exchange.precisionMode));
    }
    return {
      instruments,
      capabilities: capabilitiesFrom(this.exchange),
      clock: { kind: 'live', barMs: Number(this.exchange.parseTimeframe(this.timeframe)) * 1000 },
    };
  }

  async snapshot(symbol: string, opts: { at: number; since?: number; limit: number }): Promise<MarketSnapshot> {
    const barMs = Number(this.exchange.parseTimeframe(this.timeframe)) * 1000;
    const [ohlcv, book] = await Promise.all([
      this.call('fetchOHLCV', () =>
        this.exchange.fetchOHLCV(
          symbol,
          this.timeframe,
          opts.since !== undefined ? opts.since + 1 : undefined,
          opts.limit + 1,
        ),
      ),
      this.call('fetchOrderBook', () => this.exchange.fetchOrderBook(symbol, 10)),
    ]);
    const now = Number(this.exchange.milliseconds());
    const closed = ohlcv
      .filter((c) => (c[0] ?? 0) + barMs <= now && (opts.since === undefined || (c[0] ?? 0) > opts.since))
      .slice(-opts.limit);
    const bars = closed.map(candleFromOhlcv);
    const last = ohlcv[ohlcv.length - 1];
    if (!book.bids.length || !book.asks.length) throw new TempotradeError('VENUE_STATE', `${symbol}: empty order book`);
    const lvl = (l: ccxt.OrderBook['bids']) =>
      l.slice(0, 10).map(([p, s]) => [str(p ?? 0), str(s ?? 0)] as [string, string]);
    return {
      symbol,
      at: now,
      markTs: book.timestamp ?? now,
      mark: str(last?.[4] ?? book.bids[0][0] ?? 0),
      bid: str(book.bids[0][0] ?? 0),
      ask: str(book.asks[0][0] ?? 0),
      bids: lvl(book.bids),
      asks: lvl(book.asks),
      bars,
      endOfData: false,
    };
  }

  async balances(): Promise<Record<string, Balance>> {
    const b = await this.call('fetchBalance', () => this.exchange.fetchBalance());
    const out: Record<string, Balance> = {};
    for (const [asset, v] of Object.entries(b.total ?? {})) {
      if (v === undefined || v === null) continue;
      out[asset] = {
        total: str(v as number),
        free: str((b.free as unknown as Record<string, number>)[asset] ?? 0),
        used: str((b.used as unknown as Record<string, number>)[asset] ?? 0),
      };
    }
    return out;
  }

  async placeOrder(cmd: PlaceOrder): Promise<Order> {
    await this.call('loadMarkets', () => this.exchange.loadMarkets());
    const market = this.exchange.market(cmd.symbol);
    const amount = Number(this.exchange.amountToPrecision(cmd.symbol, Number(cmd.quantity)));
    const price = cmd.price ? Number(this.exchange.priceToPrecision(cmd.symbol, Number(cmd.price))) : undefined;
    const params: Record<string, unknown> = { clientOrderId: cmd.clientOrderId };
    // Time in force belongs to orders that rest at a limit price. Binance refuses it on LIMIT_MAKER (post-only)
    // and on market stops (-1106 "Parameter 'timeInForce' sent when not required.").
    const resting =
      cmd.type === 'stop_limit' || cmd.type === 'take_profit_limit' || (cmd.type === 'limit' && !cmd.postOnly);
    if (resting) params.timeInForce = cmd.tif;
    if (cmd.postOnly) params.postOnly = true;
    if (cmd.reduceOnly && market.contract) params.reduceOnly = true;
    if (cmd.stopPrice) {
      // ccxt's unified trigger params: a take-profit needs its own (Binance TAKE_PROFIT_LIMIT), a stop uses triggerPrice.
      const trigger = Number(this.exchange.priceToPrecision(cmd.symbol, Number(cmd.stopPrice)));
      if (cmd.type === 'take_profit_limit') params.takeProfitPrice = trigger;
      else params.triggerPrice = trigger;
    }
    const type = cmd.type === 'market' || cmd.type === 'stop_market' ? 'market' : 'limit';
    const o = await this.call('createOrder', () =>
      this.exchange.createOrder(cmd.symbol, type, cmd.side, amount, price, params),
    );
    return this.withTrades(o, cmd.clientOrderId);
  }

  private async withTrades(o: ccxt.Order, clientOrderId: string): Promise<Order> {
    let trades = o.trades ?? [];
    if (trades.length === 0 && (o.filled ?? 0) > 0 && this.exchange.has.fetchOrderTrades) {
      trades = await this.call('fetchOrderTrades', () => this.exchange.fetchOrderTrades(String(o.id), o.symbol));
    }
    return orderFromCcxt(o, clientOrderId, trades);
  }

  async fetchOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order | undefined> {
    try {
      const o = await this.exchange.fetchOrder('', symbol, { clientOrderId, origClientOrderId: clientOrderId });
      return this.withTrades(o, clientOrderId);
    } catch (e) {
      this.forgetFailedMarkets();
      const mapped = mapCcxtError(e, `${this.venue} fetchOrder ${clientOrderId}`);
      if (mapped.code === 'ORDER_NOT_FOUND') return undefined;
      throw mapped;
    }
  }

  async cancelOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order> {
    const existing = await this.fetchOrder(symbol, clientOrderId);
    if (!existing) throw new TempotradeError('ORDER_NOT_FOUND', `${this.venue}: no order ${clientOrderId} to cancel`);
    if (['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'].includes(existing.status)) return existing;
    await this.call('cancelOrder', () =>
      this.exchange.cancelOrder(existing.venueOrderId ?? '', symbol, {
        clientOrderId,
        origClientOrderId: clientOrderId,
      }),
    );
    const after = await this.fetchOrder(symbol, clientOrderId);
    if (!after) throw new TempotradeError('VENUE_STATE', `${this.venue}: order ${clientOrderId} vanished after cancel`);
    return after;
  }

  async fetchOpenOrders(symbol?: string): Promise<Order[]> {
    const orders = await this.call('fetchOpenOrders', () => this.exchange.fetchOpenOrders(symbol));
    return Promise.all(orders.map((o) => this.withTrades(o, o.clientOrderId ?? String(o.id))));
  }

  async previewOrder(): Promise<OrderPreview | undefined> {
    return undefined; // ccxt has no unified preview; the live engine's preview is computed from the book instead.
  }

  async close(): Promise<void> {
    await this.exchange.close();
  }
}

export { ccxtQuantizer };
