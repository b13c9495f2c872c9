/**
 * One Brokerage per (venue, account), created on first use and reused by every activity of the worker.
 * Credentials for ccxt venues come from the worker's CredentialProvider (credentials.ts): the
 * environment by default, Secrets Manager in AWS. They never travel through a workflow.
 * A ccxt venue with `fills: 'paper'` (paper trading on live data) needs no credentials: its
 * PaperOnLiveBrokerage reads public data and keeps the simulated account in a state file per
 * (exchange, account) under `paperStateDir` (TEMPOTRADE_PAPER_STATE_DIR).
 */
import type { Brokerage } from './brokerage';
import type { VenueSpec } from '../domain/run/input';
import { TempotradeError } from '../domain/errors';
import { PaperBrokerage } from './paper/client';
import { CcxtBrokerage } from './ccxt/adapter';
import { envCredentialProvider, type CredentialProvider } from './credentials';
import { binanceApiUrls } from '../simulators/binance-exchange/urls';
import { PaperOnLiveBrokerage } from './paper-live/brokerage';
import { paperStateDir, paperStateFile } from './paper-live/state-file';

export interface BrokerRegistryOptions {
  /** Where paper-on-live accounts keep their state (default: TEMPOTRADE_PAPER_STATE_DIR, else .tempotrade/paper-live). */
  paperStateDir?: string;
}

export interface BrokerRegistry {
  get(venue: VenueSpec, accountId: string): Promise<Brokerage>;
  closeAll(): Promise<void>;
}

export function venueKey(venue: VenueSpec, accountId: string): string {
  return venue.kind === 'paper' ? `paper|${venue.url}|${accountId}` : `ccxt|${venue.exchangeId}|${venue.sandbox}|${venue.apiUrl ?? ''}|${venue.timeframe}|${venue.requestTimeout}|${venue.fills}|${accountId}`;
}

type CcxtVenue = Extract<VenueSpec, { kind: 'ccxt' }>;

function apiOverrides(venue: CcxtVenue) {
  if (venue.apiUrl !== undefined && venue.exchangeId !== 'binance') {
    throw new TempotradeError('CONFIG', `venue.apiUrl: only supported for exchangeId "binance" (the local exchange speaks Binance's protocol), not "${venue.exchangeId}"`);
  }
  return venue.apiUrl !== undefined ? { apiUrls: binanceApiUrls(venue.apiUrl), options: { fetchMarkets: ['spot'], fetchMargins: false } } : {};
}

/** Paper fills on live data: public data only, no credentials asked for. */
function createPaperOnLive(venue: CcxtVenue, accountId: string, stateDir: string): Brokerage {
  return new PaperOnLiveBrokerage({
    feed: { exchangeId: venue.exchangeId, sandbox: venue.sandbox, timeframe: venue.timeframe, timeoutMs: venue.requestTimeout, ...apiOverrides(venue) },
    accountId,
    stateFile: paperStateFile(stateDir, venue, accountId),
  });
}

async function createCcxt(venue: CcxtVenue, accountId: string, credentials: CredentialProvider): Promise<Brokerage> {
  const overrides = apiOverrides(venue);
  const keys = await credentials.get(venue.exchangeId, accountId);
  return new CcxtBrokerage({
    exchangeId: venue.exchangeId,
    sandbox: venue.sandbox,
    timeframe: venue.timeframe,
    timeoutMs: venue.requestTimeout,
    ...(keys ?? {}),
    ...overrides,
  });
}

export function createBrokerRegistry(credentials: CredentialProvider = envCredentialProvider(), opts: BrokerRegistryOptions = {}): BrokerRegistry {
  const stateDir = opts.paperStateDir ?? paperStateDir();
  const cache = new Map<string, Promise<Brokerage>>();
  return {
    get(venue, accountId) {
      const key = venueKey(venue, accountId);
      let b = cache.get(key);
      if (!b) {
        if (venue.kind === 'paper') b = Promise.resolve(new PaperBrokerage({ url: venue.url, account: accountId }));
        else if (venue.fills === 'paper') b = Promise.resolve().then(() => createPaperOnLive(venue, accountId, stateDir));
        else b = createCcxt(venue, accountId, credentials);
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
