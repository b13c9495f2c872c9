/**
 * Point ccxt's binance client at a local Binance-protocol exchange: every API group that lives on a
 * Binance host keeps its path and gets the local base instead (https://api.binance.com/api/v3 →
 * <base>/api/v3). Everything else of ccxt stays as shipped.
 */
import * as ccxt from 'ccxt';

export function binanceApiUrls(baseUrl: string): Record<string, string> {
  const base = baseUrl.replace(/\/+$/, '');
  const shipped = new ccxt.binance({}).urls.api as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [group, url] of Object.entries(shipped)) {
    if (typeof url !== 'string') continue;
    const u = new URL(url);
    out[group] = `${base}${u.pathname}`;
  }
  return out;
}
