/**
 * One Brokerage per (venue, account), created on first use and reused by every activity of the worker.
 * How each kind of venue is reached is its adapter's business (brokers/<kind>/runtime.ts), listed here;
 * credentials come from the worker's CredentialProvider, never through a workflow.
 */
import type { Brokerage } from './brokerage';
import type { VenueSpec } from '../domain/run/input';
import { envCredentialProvider, type CredentialProvider } from './credentials';
import { paperStateDir } from './paper-live/state-file';
import { registerAdapter, type AdapterEnv, type RegisteredAdapter, type VenueSession } from './adapter-kind';
import { VENUE_KINDS, venueKindOf } from './venues';
import { paperAdapter } from './paper/runtime';
import { ccxtAdapter } from './ccxt/runtime';
import { paperLiveAdapter } from './paper-live/runtime';

export type { VenueSession } from './adapter-kind';

/** The runtime half of every venue kind in venues.ts. */
const VENUE_ADAPTERS: readonly RegisteredAdapter[] = [
  registerAdapter(paperAdapter),
  registerAdapter(ccxtAdapter),
  registerAdapter(paperLiveAdapter),
];
// A kind without an adapter fails the worker at start, not its first run on that venue.
for (const kind of VENUE_KINDS) {
  if (!VENUE_ADAPTERS.some((a) => a.kind === kind))
    throw new Error(`venue kind "${kind.id}" has no adapter in brokers/registry.ts`);
}

export interface BrokerRegistryOptions {
  /**
   * Where paper-on-live accounts keep their state
   * (default: TEMPOTRADE_PAPER_STATE_DIR, else .tempotrade/paper-live).
   */
  paperStateDir?: string;
}

export interface BrokerRegistry {
  get(venue: VenueSpec, accountId: string): Promise<Brokerage>;
  /** The brokerage with its kind's per-kind steps (dataset loading, account opening). */
  session(venue: VenueSpec, accountId: string): Promise<VenueSession>;
  closeAll(): Promise<void>;
}

export function venueKey(venue: VenueSpec, accountId: string): string {
  return venueKindOf(venue).cacheKey(venue, accountId);
}

function adapterOf(venue: VenueSpec): RegisteredAdapter {
  const kind = venueKindOf(venue);
  return VENUE_ADAPTERS.find((a) => a.kind === kind) as RegisteredAdapter;
}

export function createBrokerRegistry(
  credentials: CredentialProvider = envCredentialProvider(),
  opts: BrokerRegistryOptions = {},
): BrokerRegistry {
  const env: AdapterEnv = { credentials, paperStateDir: opts.paperStateDir ?? paperStateDir() };
  const cache = new Map<string, Promise<VenueSession>>();
  const session = (venue: VenueSpec, accountId: string): Promise<VenueSession> => {
    const key = venueKey(venue, accountId);
    let s = cache.get(key);
    if (!s) {
      s = Promise.resolve().then(() => adapterOf(venue).open(venue, accountId, env));
      // A failed creation (e.g. a missing secret) is not cached: the next attempt asks again.
      s.catch(() => cache.delete(key));
      cache.set(key, s);
    }
    return s;
  };
  return {
    session,
    get: async (venue, accountId) => (await session(venue, accountId)).broker,
    async closeAll() {
      const all = [...cache.values()];
      cache.clear();
      await Promise.all(all.map(async (s) => (await s.catch(() => undefined))?.broker.close()));
    },
  };
}
