/** The paper venue, runtime half: an HTTP client per account; datasets loaded before describe. */
import type { VenueAdapter } from '../adapter-kind';
import { PaperBrokerage } from './client';
import { paperVenue, type PaperVenueSpec } from './venue';

export const paperAdapter: VenueAdapter<typeof PaperVenueSpec, PaperBrokerage> = {
  kind: paperVenue,
  create: (venue, accountId) => new PaperBrokerage({ url: venue.url, account: accountId }),
  async prepare(broker, venue) {
    for (const [symbol, path] of Object.entries(venue.data)) await broker.ensureMarket(symbol, path);
  },
  openAccount: (broker, funds) => broker.openAccount(funds),
  deposit: (broker, d) => broker.deposit(d),
};
