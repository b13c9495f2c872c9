/**
 * The paper venue as an HTTP service (node:http, JSON in and out), so that it runs in its own process:
 * a worker that dies can neither lose nor duplicate the venue's orders, fills and balances.
 * Routes and error codes: docs/paper-venue.md. The account is named by the `x-tempotrade-account`
 * header on account routes. Each request runs to completion synchronously against the venue (and its
 * state file is written) before the response is sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { TempotradeError, parseOrThrow } from '../../domain/errors';
import type { ErrorCode } from '../../domain/errors';
import { BinanceFront } from '../binance-exchange/front';
import type { BinanceFrontOptions } from '../binance-exchange/front';
import { AccountKey, readDatasetText } from './state';
import { PaperVenue } from './venue';
import {
  ACCOUNT_HEADER,
  DescribeQuery,
  LoadMarketBody,
  DepositBody,
  OpenAccountBody,
  OrderQuery,
  OrdersQuery,
  SnapshotQuery,
} from './wire';
import type { ErrorBody } from './wire';

export interface PaperVenueServerOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Markets to load at start: symbol → CSV path (.csv or .csv.gz). */
  datasets?: Record<string, string>;
  /** Accounts to open at start (idempotent: an existing account keeps its balances). */
  accounts?: Record<string, Record<string, string>>;
  /** Persist the venue state here; a restarted venue resumes from it. */
  stateFile?: string;
  /** The Binance-protocol front (/api/v3/*, /sapi/*): API keys, replay clock, weight limit, faults. */
  exchange?: BinanceFrontOptions;
  log?: (message: string) => void;
}

export interface PaperVenueServer {
  url: string;
  port: number;
  venue: PaperVenue;
  /** The Binance-protocol front on the same venue (docs/local-exchange.md). */
  exchange: BinanceFront;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  INVALID_ORDER: 400,
  INSUFFICIENT_FUNDS: 400,
  DUPLICATE_ORDER: 400,
  AUTHENTICATION: 401,
  PERMISSION_DENIED: 403,
  ORDER_NOT_FOUND: 404,
  BAD_SYMBOL: 404,
  RATE_LIMITED: 429,
  EXCHANGE_UNAVAILABLE: 503,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 500;
}

function errorBody(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof TempotradeError) {
    const status = typeof e.details.httpStatus === 'number' ? e.details.httpStatus : httpStatusOf(e.code);
    return { status, body: { code: e.code, message: e.message, details: e.details } };
  }
  return { status: 500, body: { code: 'UNKNOWN', message: e instanceof Error ? e.message : String(e), details: {} } };
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new TempotradeError('VALIDATION', `request body: larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new TempotradeError('VALIDATION', 'request body: expected a JSON object, got nothing');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TempotradeError('VALIDATION', `request body: not valid JSON (${(e as Error).message})`);
  }
}

function accountOf(req: http.IncomingMessage, venue: PaperVenue): string {
  const raw = req.headers[ACCOUNT_HEADER];
  if (typeof raw !== 'string' || raw === '')
    throw new TempotradeError('AUTHENTICATION', `missing ${ACCOUNT_HEADER} header`);
  const key = AccountKey.safeParse(raw);
  if (!key.success) throw new TempotradeError('AUTHENTICATION', `${ACCOUNT_HEADER}: ${key.error.issues[0].message}`);
  if (!venue.hasAccount(key.data))
    throw new TempotradeError(
      'AUTHENTICATION',
      `${ACCOUNT_HEADER}: unknown account "${key.data}" (open it with POST /v1/accounts)`,
    );
  return key.data;
}

function segments(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    throw new TempotradeError('VALIDATION', `path: ${pathname} is not validly URL-encoded`);
  }
}

async function route(venue: PaperVenue, front: BinanceFront, req: http.IncomingMessage): Promise<unknown> {
  const url = new URL(req.url ?? '/', 'http://paper-venue');
  const query: Record<string, string> = Object.fromEntries(url.searchParams);
  const method = req.method ?? 'GET';
  const [version, resource, id, ...rest] = segments(url.pathname);
  const is = (m: string, r: string, withId: boolean) =>
    method === m && version === 'v1' && resource === r && (id !== undefined) === withId && rest.length === 0;

  if (is('GET', 'health', false))
    return { ok: true, markets: venue.listMarkets().map((m) => m.symbol), accounts: venue.accountCount() };
  if (is('GET', 'stats', false)) return venue.stats();
  if (is('POST', 'markets', false)) {
    const body = parseOrThrow(LoadMarketBody, await readJson(req), 'request body');
    const info = venue.loadMarketFromSource(body.symbol, path.resolve(body.path));
    front.registerMarkets();
    return info;
  }
  if (is('POST', 'api-keys', false)) return front.addApiKey(await readJson(req));
  if (method === 'GET' && version === 'v1' && resource === 'exchange' && id === 'stats' && rest.length === 0)
    return front.stats();
  if (is('GET', 'describe', false)) return venue.describe(parseOrThrow(DescribeQuery, query, 'query').symbols);
  if (is('GET', 'snapshot', false)) {
    const q = parseOrThrow(SnapshotQuery, query, 'query');
    // With the account header, that account's replay clock advances; without it, a pure read.
    const account = req.headers[ACCOUNT_HEADER] !== undefined ? accountOf(req, venue) : undefined;
    return venue.snapshot(
      q.symbol,
      { at: q.at, limit: q.limit ?? 500, ...(q.since !== undefined ? { since: q.since } : {}) },
      account,
    );
  }
  if (is('POST', 'accounts', false)) {
    const body = parseOrThrow(OpenAccountBody, await readJson(req), 'request body');
    return venue.openAccount(body.account, body.balances);
  }
  if (is('POST', 'deposits', false)) {
    const { account, ...deposit } = parseOrThrow(DepositBody, await readJson(req), 'request body');
    return venue.deposit(account, deposit);
  }
  if (is('GET', 'balances', false)) return venue.balances(accountOf(req, venue));
  if (is('GET', 'fills', false)) return venue.fills(accountOf(req, venue));
  if (is('POST', 'orders', false)) {
    const account = accountOf(req, venue);
    return venue.placeOrder(account, await readJson(req));
  }
  if (is('POST', 'orders', true) && id === 'preview') {
    const account = accountOf(req, venue);
    return venue.previewOrder(account, await readJson(req));
  }
  if (is('GET', 'orders', false)) {
    const account = accountOf(req, venue);
    const q = parseOrThrow(OrdersQuery, query, 'query');
    return venue.orders(account, { open: q.open === 'true', ...(q.symbol ? { symbol: q.symbol } : {}) });
  }
  if (is('GET', 'orders', true)) {
    const account = accountOf(req, venue);
    const q = parseOrThrow(OrderQuery, query, 'query');
    const order = venue.getOrder(account, id, q.symbol);
    if (!order)
      throw new TempotradeError('ORDER_NOT_FOUND', 'Unknown order sent.', {
        clientOrderId: id,
        ...(q.symbol ? { symbol: q.symbol } : {}),
      });
    return order;
  }
  if (is('DELETE', 'orders', true)) {
    const account = accountOf(req, venue);
    const q = parseOrThrow(OrderQuery, query, 'query');
    return venue.cancelOrder(account, id, q.symbol);
  }
  throw new TempotradeError('VALIDATION', `no route ${method} ${url.pathname}`, { httpStatus: 404 });
}

export async function startPaperVenueServer(opts: PaperVenueServerOptions = {}): Promise<PaperVenueServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const venue = new PaperVenue({
    ...(opts.stateFile ? { stateFile: opts.stateFile } : {}),
    loadSource: readDatasetText,
  });
  for (const [symbol, file] of Object.entries(opts.datasets ?? {})) {
    const info = venue.loadMarketFromSource(symbol, path.resolve(file));
    log(`market ${symbol}: ${info.bars} bars of ${info.barMs / 60_000} min from ${info.source}`);
  }
  for (const [key, balances] of Object.entries(opts.accounts ?? {})) venue.openAccount(key, balances);
  const front = new BinanceFront(venue, opts.exchange);

  const server = http.createServer((req, res) => {
    if (/^\/(api|sapi)\//.test(req.url ?? '')) {
      front.handle(req, res).catch((e: unknown) => {
        log(`exchange answer failed: ${(e as Error).message}`);
        res.destroy();
      });
      return;
    }
    route(venue, front, req)
      .then(
        (body) => ({ status: 200, body }),
        (e: unknown) => errorBody(e),
      )
      .then(({ status, body }) => {
        if (status >= 400 || req.method !== 'GET')
          log(
            `${req.method} ${req.url} → ${status}${status >= 400 ? ` ${(body as ErrorBody).code}: ${(body as ErrorBody).message}` : ''}`,
          );
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      })
      .catch((e: unknown) => {
        log(`response failed: ${(e as Error).message}`);
        res.destroy();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`paper venue on ${url}${opts.stateFile ? ` (state ${opts.stateFile})` : ''}`);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    venue,
    exchange: front,
    /** Stop listening and drop open connections; calling it again returns the same promise. */
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      })),
  };
}
