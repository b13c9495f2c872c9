/**
 * One Brokerage per (venue, account), created on first use and reused by every activity of the worker.
 * Credentials for ccxt venues come from the worker's CredentialProvider (credentials.ts): the
 * environment by default, Secrets Manager in AWS. They never travel through a workflow.
 */
import type { Brokerage } from './brokerage';
import type { VenueSpec } from '../domain/run/input';
import { TempotradeError } from '../domain/errors';
import { PaperBrokerage } from './paper/client';
import { CcxtBrokerage } from './ccxt/adapter';
import { envCredentialProvider, type CredentialProvider } from './credentials';
import { binanceApiUrls } from './exchange/binance/urls';

export interface BrokerRegistry {
  get(venue: VenueSpec, accountId: string): Promise<Brokerage>;
  closeAll(): Promise<void>;
}

export function venueKey(venue: VenueSpec, accountId: string): string {
  return venue.kind === 'paper' ? `paper|${venue.url}|${accountId}` : `ccxt|${venue.exchangeId}|${venue.sandbox}|${venue.apiUrl ?? ''}|${venue.timeframe}|${venue.requestTimeout}|${accountId}`;
}

async function createCcxt(venue: Extract<VenueSpec, { kind: 'ccxt' }>, accountId: string, credentials: CredentialProvider): Promise<Brokerage> {
  if (venue.apiUrl !== undefined && venue.exchangeId !== 'binance') {
    throw new TempotradeError('CONFIG', `venue.apiUrl: only supported for exchangeId "binance" (the local exchange speaks Binance's protocol), not "${venue.exchangeId}"`);
  }
  const keys = await credentials.get(venue.exchangeId, accountId);
  return new CcxtBrokerage({
    exchangeId: venue.exchangeId,
    sandbox: venue.sandbox,
    timeframe: venue.timeframe,
    timeoutMs: venue.requestTimeout,
    ...(keys ?? {}),
    ...(venue.apiUrl !== undefined ? { apiUrls: binanceApiUrls(venue.apiUrl), options: { fetchMarkets: ['spot'], fetchMargins: false } } : {}),
  });
}

export function createBrokerRegistry(credentials: CredentialProvider = envCredentialProvider()): BrokerRegistry {
  const cache = new Map<string, Promise<Brokerage>>();
  return {
    get(venue, accountId) {
      const key = venueKey(venue, accountId);
      let b = cache.get(key);
      if (!b) {
        b = venue.kind === 'paper' ? Promise.resolve(new PaperBrokerage({ url: venue.url, account: accountId })) : createCcxt(venue, accountId, credentials);
        // A failed creation (e.g. a missing secret) is not cached: the next attempt asks again.
        b.catch(() => cache.delete(key));
        cache.set(key, b);
      }
      return b;
    },
    async closeAll() {
      const all = [...cache.values()];
      cache.clear();
      await Promise.all(all.map(async (b) => (await b.catch(() => undefined))?.close()));
    },
  };
}
