/**
 * The venue calls of a workflow (strategy run, algo order). A ccxt venue's go to the venue account's own
 * task queue (rate limit shared by all workers); the paper venue's to the workflow's queue.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

export function venueActivities(taskQueue: string | undefined) {
  const q = taskQueue ? { taskQueue } : {};
  return {
    io: proxyActivities<Activities>({
      ...q,
      startToCloseTimeout: '30s',
      // Retryable venue errors (network, 5xx, rate limits) retry with backoff for as long as it takes;
      // non-retryable ones (auth, invalid order, insufficient funds) are marked so by the error table.
      retry: { initialInterval: '250ms', backoffCoefficient: 2, maximumInterval: '30s' },
    }),
    follow: proxyActivities<Activities>({
      ...q,
      startToCloseTimeout: '2m',
      heartbeatTimeout: '10s',
      retry: { initialInterval: '250ms', maximumInterval: '30s' },
    }),
    /** A strategy run's market snapshot as a local activity (LOCAL_SNAPSHOT_PATCH): venues without a venue queue. */
    local: proxyLocalActivities<Activities>({
      startToCloseTimeout: '30s',
      retry: { initialInterval: '250ms', backoffCoefficient: 2, maximumInterval: '30s' },
    }),
  };
}
