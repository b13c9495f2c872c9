/**
 * scheduledTick: what a tick-mode schedule starts at each scheduled time (docs/decisions/0005). It delivers
 * one tick to the schedule's long-lived strategyRun and returns; the run keeps the portfolio state.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ScheduledTickInput, TickDelivery } from './scheduling';

const deliver = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '10s', maximumAttempts: 10 },
});

export async function scheduledTick(req: ScheduledTickInput): Promise<TickDelivery> {
  return deliver['schedule.deliverTick'](req);
}
