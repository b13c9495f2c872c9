/**
 * Task queue names, in one place. Pure (no I/O): workflows import it too.
 *
 * Venue calls of a ccxt venue go to one task queue per venue account, polled with the server-enforced
 * `maxTaskQueueActivitiesPerSecond`: however many workers poll it, together they start at most that
 * many venue activities per second, so the account stays under the exchange's rate limit.
 * The paper venue (no rate limit) keeps its calls on the strategies queue.
 */
import type { VenueSpec } from '../domain/run/input';

export const TASK_QUEUES = {
  /** Strategy workflows, their local activities, and paper-venue activities. */
  strategies: 'tempotrade-strategies',
} as const;

/** "binance:acct-1" or "binance-sandbox:acct-1": how operators name a venue account. */
export function venueAccountName(venue: Extract<VenueSpec, { kind: 'ccxt' }>, accountId: string): string {
  return `${venue.exchangeId}${venue.sandbox ? '-sandbox' : ''}:${accountId}`;
}

/** The task queue of one venue account's calls. */
export function venueTaskQueueOf(name: string): string {
  return `tempotrade-venue-${name.replace(':', '.')}`;
}

/** Where a run's venue activities go; undefined: the workflow's own queue. */
export function venueTaskQueue(venue: VenueSpec, accountId: string): string | undefined {
  return venue.kind === 'ccxt' ? venueTaskQueueOf(venueAccountName(venue, accountId)) : undefined;
}
