/** Market data and account activities: every brokerage call is an activity. */
import type { VenueDescription, Balance } from '../brokers/brokerage';
import type { BrokerRegistry } from '../brokers/registry';
import { PaperBrokerage } from '../brokers/paper/client';
import { PaperOnLiveBrokerage } from '../brokers/paper-live/brokerage';
import type { MarketSnapshot } from '../domain/market/snapshot';
import { TempotradeError } from '../domain/errors';
import type { VenueRef } from './types';
import { guarded } from './failures';

export interface MarketActivityDeps {
  brokers: BrokerRegistry;
}

export function createMarketActivities(deps: MarketActivityDeps) {
  return {
    /** Instruments, capabilities and the market clock; loads the paper venue's datasets first. */
    async 'market.describe'(input: VenueRef & { symbols: string[] }): Promise<VenueDescription> {
      return guarded('market.describe', async () => {
        const broker = await deps.brokers.get(input.venue, input.accountId);
        if (input.venue.kind === 'paper' && broker instanceof PaperBrokerage) {
          for (const [symbol, path] of Object.entries(input.venue.data)) await broker.ensureMarket(symbol, path);
        }
        return broker.describe(input.symbols);
      });
    },

    /** One snapshot per symbol at market time `at`, with the closed bars since the last ones seen. */
    async 'market.snapshot'(input: VenueRef & { symbols: string[]; at: number; since: Record<string, number | undefined>; limit: number }): Promise<Record<string, MarketSnapshot>> {
      return guarded('market.snapshot', async () => {
        const broker = await deps.brokers.get(input.venue, input.accountId);
        const snaps = await Promise.all(input.symbols.map((s) => broker.snapshot(s, { at: input.at, since: input.since[s], limit: input.limit })));
        return Object.fromEntries(input.symbols.map((s, i) => [s, snaps[i]])) as Record<string, MarketSnapshot>;
      });
    },

    /**
     * Open the run's account. Paper (the paper venue, or paper fills on live data): fund it with the
     * starting capital if it does not exist yet (idempotent, never re-funds). Live: read the balances. Either way the portfolio starts from the
     * venue's balance of the quote currency, so portfolio and venue agree from the first tick.
     */
    async 'account.open'(input: VenueRef & { quote: string; capital: string }): Promise<Record<string, Balance>> {
      return guarded('account.open', async () => {
        const broker = await deps.brokers.get(input.venue, input.accountId);
        const paper = broker instanceof PaperBrokerage || broker instanceof PaperOnLiveBrokerage;
        const balances = paper ? await broker.openAccount({ [input.quote]: input.capital }) : await broker.balances();
        if (!balances[input.quote]) throw new TempotradeError('VENUE_STATE', `account ${input.accountId} holds no ${input.quote}`);
        return balances;
      });
    },
  };
}
