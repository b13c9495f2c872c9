/**
 * Task queue names, in one place. Pure (no I/O): workflows import it too.
 *
 * Venue calls of a ccxt venue go to one task queue per venue account, polled with the server-enforced
 * `maxTaskQueueActivitiesPerSecond`: however many workers poll it, together they start at most that
 * many venue activities per second, so the account stays under the exchange's rate limit.
 * The paper venue (no rate limit) keeps its calls on the strategies queue. Each venue kind says which
 * (brokers/venues.ts).
 */
import type { VenueSpec } from '../domain/run/input';
import { venueKindOf } from '../brokers/venues';

export { venueAccountName } from '../brokers/ccxt/venue';

export const TASK_QUEUES = {
  /** Strategy workflows, their local activities, and paper-venue activities. */
  strategies: 'tempotrade-strategies',
} as const;

/** The task queue of one venue account's calls. */
export function venueTaskQueueOf(name: string): string {
  return `tempotrade-venue-${name.replace(':', '.')}`;
}

/** Where a run's venue activities go; undefined: the workflow's own queue. */
export function venueTaskQueue(venue: VenueSpec, accountId: string): string | undefined {
  const account = venueKindOf(venue).venueAccount(venue, accountId);
  return account === undefined ? undefined : venueTaskQueueOf(account);
}
