/**
 * Raw Temporal, for comparison (bench/): an empty workflow that runs one no-op activity. Its rate on
 * this server and worker is the ceiling an order flow is measured against in the same run.
 */
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10s' });

export async function rawOrder(): Promise<void> {
  await noop();
}
