/**
 * PaperBrokerage: the Brokerage interface over the paper venue's HTTP API (server.ts), with global
 * fetch and a per-request timeout. Every answer is checked with the domain's zod schemas, so a
 * malformed answer fails loudly instead of turning into NaN downstream.
 *
 * Error mapping: the venue's {code, message} → TempotradeError(code, message); no answer in time →
 * REQUEST_TIMEOUT; connection refused/reset/unreachable → NETWORK (both ambiguous: a submit may or may
 * not have reached the venue); HTTP 429 → RATE_LIMITED with retryAfterMs from Retry-After; HTTP 5xx
 * without an error body → EXCHANGE_UNAVAILABLE; any other answer we cannot read → UNKNOWN.
 */
import { z } from 'zod';
import type { Balance, Brokerage, DepositOutcome, OrderPreview, VenueDescription } from '../brokerage';
import { TempotradeError, formatZodIssues } from '../../domain/errors';
import type { ClientOrderId } from '../../domain/ids';
import { MarketSnapshot } from '../../domain/market/snapshot';
import { Fill, Order, checkOrderConsistency } from '../../domain/orders/order';
import type { PlaceOrder } from '../../domain/orders/order';
import type { MarketInfo } from '../../simulators/paper-venue/market-data';
import type { PaperVenueStats } from '../../simulators/paper-venue/venue';
import { AccountKey } from '../../simulators/paper-venue/state';
import {
  ACCOUNT_HEADER,
  BalancesSchema,
  DepositResultSchema,
  ErrorBody,
  HealthSchema,
  MarketInfoSchema,
  OrderPreviewSchema,
  StatsSchema,
  VenueDescriptionSchema,
} from '../../simulators/paper-venue/wire';

export interface PaperBrokerageOptions {
  url: string;
  account: string;
  /** Per-request timeout (default 10 000 ms). */
  timeoutMs?: number;
}

const Options = z
  .object({
    url: z.string().url(),
    account: AccountKey,
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();

interface CallOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Send the account header (account routes). */
  auth?: boolean;
}

/** Milliseconds from a Retry-After header (delta-seconds or an HTTP date). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The system error code behind a failed fetch (ECONNREFUSED, ECONNRESET, …), when there is one. */
function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur && typeof cur === 'object'; depth++) {
    const c = cur as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === 'string') return c.code;
    cur = c.cause ?? (Array.isArray(c.errors) ? c.errors[0] : undefined);
  }
  return undefined;
}

export class PaperBrokerage implements Brokerage {
  readonly venue = 'paper';
  readonly account: string;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(opts: PaperBrokerageOptions) {
    const r = Options.safeParse(opts);
    if (!r.success) throw new TempotradeError('CONFIG', `invalid PaperBrokerage options: ${formatZodIssues(r.error)}`);
    this.base = r.data.url.replace(/\/+$/, '');
    this.account = r.data.account;
    this.timeoutMs = r.data.timeoutMs;
  }

  async describe(symbols: string[]): Promise<VenueDescription> {
    return this.call('GET', '/v1/describe', VenueDescriptionSchema, { query: { symbols: symbols.join(',') } });
  }

  async snapshot(symbol: string, opts: { at: number; since?: number; limit: number }): Promise<MarketSnapshot> {
    const snap = await this.call('GET', '/v1/snapshot', MarketSnapshot, {
      auth: true,
      query: { symbol, at: opts.at, since: opts.since, limit: opts.limit },
    });
    if (snap.symbol !== symbol) throw this.malformed('GET /v1/snapshot', `asked for ${symbol}, got ${snap.symbol}`);
    return snap;
  }

  async balances(): Promise<Record<string, Balance>> {
    return this.call('GET', '/v1/balances', BalancesSchema, { auth: true });
  }

  async placeOrder(cmd: PlaceOrder): Promise<Order> {
    const order = await this.call('POST', '/v1/orders', Order, { body: cmd, auth: true });
    return this.checked('POST /v1/orders', order, cmd.clientOrderId);
  }

  async fetchOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order | undefined> {
    try {
      const order = await this.call('GET', `/v1/orders/${encodeURIComponent(clientOrderId)}`, Order, {
        query: { symbol },
        auth: true,
      });
      return this.checked('GET /v1/orders/:id', order, clientOrderId);
    } catch (e) {
      if (e instanceof TempotradeError && e.code === 'ORDER_NOT_FOUND') return undefined;
      throw e;
    }
  }

  async cancelOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order> {
    const order = await this.call('DELETE', `/v1/orders/${encodeURIComponent(clientOrderId)}`, Order, {
      query: { symbol },
      auth: true,
    });
    return this.checked('DELETE /v1/orders/:id', order, clientOrderId);
  }

  async fetchOpenOrders(symbol?: string): Promise<Order[]> {
    const orders = await this.call('GET', '/v1/orders', z.array(Order), {
      query: { open: 'true', symbol },
      auth: true,
    });
    return orders.map((o) => this.checked('GET /v1/orders', o));
  }

  async previewOrder(cmd: PlaceOrder): Promise<OrderPreview | undefined> {
    return this.call('POST', '/v1/orders/preview', OrderPreviewSchema, { body: cmd, auth: true });
  }

  async close(): Promise<void> {
    // Stateless over HTTP: nothing to release.
  }

  // ---- helpers beyond the Brokerage interface --------------------------------------------------

  /** Open (and fund) this account if it does not exist; an existing account keeps its balances. */
  async openAccount(balances: Record<string, string>): Promise<Record<string, Balance>> {
    return this.call('POST', '/v1/accounts', BalancesSchema, { body: { account: this.account, balances } });
  }

  /** Credit paper money to this account (opened empty if new), once per depositId. */
  async deposit(d: { asset: string; amount: string; depositId: string }): Promise<DepositOutcome> {
    return this.call('POST', '/v1/deposits', DepositResultSchema, { body: { account: this.account, ...d } });
  }

  /** Make the venue load `symbol` from a CSV path on its machine (idempotent for the same path). */
  async ensureMarket(symbol: string, path: string): Promise<MarketInfo> {
    return this.call('POST', '/v1/markets', MarketInfoSchema, { body: { symbol, path } });
  }

  async stats(): Promise<PaperVenueStats> {
    return this.call('GET', '/v1/stats', StatsSchema, {});
  }

  /** All fills of this account, oldest first. */
  async fills(): Promise<Fill[]> {
    return this.call('GET', '/v1/fills', z.array(Fill), { auth: true });
  }

  /** All orders of this account (open and done), oldest first. */
  async orders(symbol?: string): Promise<Order[]> {
    const orders = await this.call('GET', '/v1/orders', z.array(Order), { query: { symbol }, auth: true });
    return orders.map((o) => this.checked('GET /v1/orders', o));
  }

  async health(): Promise<z.infer<typeof HealthSchema>> {
    return this.call('GET', '/v1/health', HealthSchema, {});
  }

  // ---- transport -------------------------------------------------------------------------------

  private checked(what: string, order: Order, clientOrderId?: string): Order {
    if (clientOrderId !== undefined && order.clientOrderId !== clientOrderId)
      throw this.malformed(what, `asked for order ${clientOrderId}, got ${order.clientOrderId}`);
    const inconsistent = checkOrderConsistency(order);
    if (inconsistent) throw this.malformed(what, `order ${order.clientOrderId}: ${inconsistent}`);
    return order;
  }

  private malformed(what: string, why: string): TempotradeError {
    return new TempotradeError('UNKNOWN', `paper venue at ${this.base} sent a malformed answer to ${what}: ${why}`);
  }

  private async call<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    schema: S,
    opts: CallOptions,
  ): Promise<z.output<S>> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const what = `${method} ${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.auth) headers[ACCOUNT_HEADER] = this.account;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await fetch(url, {
        method,
        headers,
        signal: controller.signal,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (e) {
      if (timedOut)
        throw new TempotradeError(
          'REQUEST_TIMEOUT',
          `paper venue at ${this.base} did not answer ${what} within ${this.timeoutMs} ms`,
          { url: url.toString() },
        );
      const code = causeCode(e);
      throw new TempotradeError(
        'NETWORK',
        `paper venue at ${this.base} is unreachable (${what}): ${code ?? (e as Error).message}`,
        { url: url.toString(), ...(code ? { cause: code } : {}) },
      );
    } finally {
      clearTimeout(timer);
    }

    let json: unknown;
    let isJson = true;
    try {
      json = JSON.parse(text);
    } catch {
      isJson = false;
    }
    if (status < 200 || status > 299) {
      const err = isJson ? ErrorBody.safeParse(json) : undefined;
      const details = { httpStatus: status, ...(err?.success ? err.data.details : {}) };
      if (status === 429) {
        const ms = retryAfterMs(retryAfter);
        throw new TempotradeError(
          'RATE_LIMITED',
          err?.success ? err.data.message : `paper venue rate-limited ${what}`,
          details,
          ms,
        );
      }
      if (err?.success) throw new TempotradeError(err.data.code, err.data.message, details);
      if (status >= 500)
        throw new TempotradeError(
          'EXCHANGE_UNAVAILABLE',
          `paper venue answered ${what} with HTTP ${status} and no error body`,
          details,
        );
      throw new TempotradeError(
        'UNKNOWN',
        `paper venue answered ${what} with HTTP ${status} and no readable error body`,
        details,
      );
    }
    if (!isJson) throw this.malformed(what, `not JSON: ${text.slice(0, 200)}`);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw this.malformed(what, formatZodIssues(parsed.error));
    return parsed.data;
  }
}
