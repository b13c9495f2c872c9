/**
 * One Brokerage per (venue, account), created on first use and reused by every activity of the worker.
 * Credentials for ccxt venues come from the worker's environment (see ccxt/adapter.ts).
 */
import type { Brokerage } from './brokerage';
import type { VenueSpec } from '../domain/run/input';
import { PaperBrokerage } from './paper/client';
import { CcxtBrokerage, credentialsFromEnv } from './ccxt/adapter';

export interface BrokerRegistry {
  get(venue: VenueSpec, accountId: string): Brokerage;
  closeAll(): Promise<void>;
}

export function createBrokerRegistry(env: Record<string, string | undefined> = process.env): BrokerRegistry {
  const cache = new Map<string, Brokerage>();
  return {
    get(venue, accountId) {
      const key = venue.kind === 'paper' ? `paper|${venue.url}|${accountId}` : `ccxt|${venue.exchangeId}|${venue.sandbox}|${accountId}`;
      let b = cache.get(key);
      if (!b) {
        b =
          venue.kind === 'paper'
            ? new PaperBrokerage({ url: venue.url, account: accountId })
            : new CcxtBrokerage({ exchangeId: venue.exchangeId, sandbox: venue.sandbox, timeframe: venue.timeframe, ...credentialsFromEnv(venue.exchangeId, env) });
        cache.set(key, b);
      }
      return b;
    },
    async closeAll() {
      await Promise.all([...cache.values()].map((b) => b.close()));
      cache.clear();
    },
  };
}
