/**
 * Paper fills on live data, runtime half: public data only, no credentials asked for; the simulated
 * account lives in a state file per (exchange, account) under the worker's paper state dir.
 */
import type { VenueAdapter } from '../adapter-kind';
import { ccxtApiOverrides } from '../ccxt/runtime';
import type { CcxtVenueSpec } from '../ccxt/venue';
import { PaperOnLiveBrokerage } from './brokerage';
import { paperStateFile } from './state-file';
import { paperLiveVenue } from './venue';

export const paperLiveAdapter: VenueAdapter<typeof CcxtVenueSpec, PaperOnLiveBrokerage> = {
  kind: paperLiveVenue,
  create: (venue, accountId, env) =>
    new PaperOnLiveBrokerage({
      feed: {
        exchangeId: venue.exchangeId,
        sandbox: venue.sandbox,
        timeframe: venue.timeframe,
        timeoutMs: venue.requestTimeout,
        ...ccxtApiOverrides(venue),
      },
      accountId,
      stateFile: paperStateFile(env.paperStateDir, venue, accountId),
    }),
  openAccount: (broker, funds) => broker.openAccount(funds),
  deposit: (broker, d) => broker.deposit(d),
};
