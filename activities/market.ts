/** Market data and account activities: every brokerage call is an activity. */
import type { VenueDescription, Balance, DepositOutcome } from '../brokers/brokerage';
import type { BrokerRegistry } from '../brokers/registry';
import type { MarketSnapshot } from '../domain/market/snapshot';
import { TempotradeError } from '../domain/errors';
import type { VenueRef } from './types';
import { guarded } from './failures';

export interface MarketActivityDeps {
  brokers: BrokerRegistry;
}

export function createMarketActivities(deps: MarketActivityDeps) {
  return {
    /** Instruments, capabilities and the market clock, once the venue holds what its kind needs (datasets). */
    async 'market.describe'(input: VenueRef & { symbols: string[] }): Promise<VenueDescription> {
      return guarded('market.describe', async () => {
        const venue = await deps.brokers.session(input.venue, input.accountId);
        await venue.prepare();
        return venue.broker.describe(input.symbols);
      });
    },

    /** One snapshot per symbol at market time `at`, with the closed bars since the last ones seen. */
    async 'market.snapshot'(
      input: VenueRef & { symbols: string[]; at: number; since: Record<string, number | undefined>; limit: number },
    ): Promise<Record<string, MarketSnapshot>> {
      return guarded('market.snapshot', async () => {
        const broker = await deps.brokers.get(input.venue, input.accountId);
        const snaps = await Promise.all(
          input.symbols.map((s) => broker.snapshot(s, { at: input.at, since: input.since[s], limit: input.limit })),
        );
        return Object.fromEntries(input.symbols.map((s, i) => [s, snaps[i]])) as Record<string, MarketSnapshot>;
      });
    },

    /**
     * Open the run's account as its venue kind does (a simulated account is funded once with the capital,
     * a real one is read). Either way the portfolio starts from the venue's balance of the quote currency,
     * so portfolio and venue agree from the first tick.
     */
    async 'account.open'(input: VenueRef & { quote: string; capital: string }): Promise<Record<string, Balance>> {
      return guarded('account.open', async () => {
        const venue = await deps.brokers.session(input.venue, input.accountId);
        const balances = await venue.openAccount({ [input.quote]: input.capital });
        if (!balances[input.quote])
          throw new TempotradeError('VENUE_STATE', `account ${input.accountId} holds no ${input.quote}`);
        return balances;
      });
    },

    /**
     * Open a run on a venue whose capital is paper money the run brings: credit the capital to the account
     * (opened empty if new) once per depositId, so a retried activity or a replayed workflow never deposits twice.
     */
    async 'account.deposit'(
      input: VenueRef & { asset: string; amount: string; depositId: string },
    ): Promise<DepositOutcome> {
      return guarded('account.deposit', async () => {
        const venue = await deps.brokers.session(input.venue, input.accountId);
        return venue.deposit({ asset: input.asset, amount: input.amount, depositId: input.depositId });
      });
    },
  };
}
