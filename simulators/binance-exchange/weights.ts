/**
 * Request weights as Binance counts them (REQUEST_WEIGHT, per client IP, per wall-clock minute), and
 * the limiter. Every answer carries `X-MBX-USED-WEIGHT-1M`; a request that takes the minute's total
 * above the limit (default 6000, Binance's) is answered 429, code -1003, with `Retry-After` = seconds
 * to the next minute. Weights follow Binance's published values for each endpoint.
 */

export const DEFAULT_WEIGHT_LIMIT = 6000;

/** Binance's REQUEST_WEIGHT of one request. `q` is the query (parameters) as received. */
export function requestWeight(method: string, path: string, q: Record<string, string>): number {
  const hasSymbol = q.symbol !== undefined;
  switch (`${method} ${path}`) {
    case 'GET /api/v3/ping':
    case 'GET /api/v3/time':
      return 1;
    case 'GET /api/v3/exchangeInfo':
      return 20;
    case 'GET /api/v3/depth': {
      const limit = Number(q.limit ?? 100);
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    }
    case 'GET /api/v3/klines':
      return 2;
    case 'GET /api/v3/ticker/24hr': {
      if (hasSymbol) return 2;
      if (q.symbols === undefined) return 80;
      const n = q.symbols.split(',').length;
      return n <= 20 ? 2 : n <= 100 ? 40 : 80;
    }
    case 'GET /api/v3/ticker/bookTicker':
    case 'GET /api/v3/ticker/price':
      return hasSymbol ? 2 : 4;
    case 'POST /api/v3/order':
    case 'DELETE /api/v3/order':
      return 1;
    case 'GET /api/v3/order':
      return 4;
    case 'GET /api/v3/openOrders':
      return hasSymbol ? 6 : 80;
    case 'GET /api/v3/allOrders':
    case 'GET /api/v3/account':
      return 20;
    case 'GET /api/v3/myTrades':
      return q.orderId !== undefined ? 5 : 20;
    case 'GET /sapi/v1/capital/config/getall':
      return 10;
    default:
      return path.startsWith('/sapi/v1/margin/') ? 10 : 1;
  }
}

export interface WeightVerdict {
  used: number;
  /** Seconds until the minute window resets, when the request is over the limit. */
  retryAfterSec?: number;
}

/** Fixed one-minute windows per client IP, as Binance counts. */
export class WeightLimiter {
  private readonly windows = new Map<string, { minute: number; used: number }>();

  constructor(
    readonly limit: number,
    private readonly wallNow: () => number,
  ) {}

  charge(ip: string, weight: number): WeightVerdict {
    const now = this.wallNow();
    const minute = Math.floor(now / 60_000);
    let w = this.windows.get(ip);
    if (!w || w.minute !== minute) this.windows.set(ip, (w = { minute, used: 0 }));
    w.used += weight;
    if (w.used > this.limit)
      return { used: w.used, retryAfterSec: Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)) };
    return { used: w.used };
  }

  used(ip: string): number {
    const w = this.windows.get(ip);
    return w && w.minute === Math.floor(this.wallNow() / 60_000) ? w.used : 0;
  }
}
