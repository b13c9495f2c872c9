/**
 * A BrokerRegistry over one in-process paper venue: every paper venue spec naming `venue.url` is `venue`.
 * The activities (createActivities) run over it unchanged: the fast workflow tests and the backtest use it.
 */
import type { BrokerRegistry, VenueSession } from '../../brokers/registry';
import { TempotradeError } from '../../domain/errors';
import type { VenueSpec } from '../../domain/run/input';
import type { InProcessPaperVenue } from './in-process';

export function inProcessBrokers(venue: InProcessPaperVenue): BrokerRegistry {
  const session = async (spec: VenueSpec, accountId: string): Promise<VenueSession> => {
    if (spec.kind !== 'paper' || spec.url !== venue.url) {
      throw new TempotradeError(
        'CONFIG',
        `venue: this worker only knows the in-process paper venue ${venue.url}, not ${JSON.stringify(spec)}`,
      );
    }
    const broker = venue.brokerage(accountId);
    return {
      broker,
      // As market.describe does over HTTP (ensureMarket): the datasets the run names are loaded first.
      prepare: async () => {
        for (const [symbol, file] of Object.entries(spec.data)) venue.ensureMarket(symbol, file);
      },
      openAccount: (funds) => broker.openAccount(funds),
      deposit: (d) => broker.deposit(d),
    };
  };
  return {
    session,
    get: async (spec, accountId) => (await session(spec, accountId)).broker,
    // The venue lives as long as its owner (a test suite, a backtest).
    closeAll: async () => undefined,
  };
}
