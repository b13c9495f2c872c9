/** POST /schedules/{id}/trigger — body { overlap? } (optional): one start now, also while paused. */
import { TriggerRequest, triggerSchedule } from '../../temporal/schedules-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler(
  { path: IdPath, body: TriggerRequest.optional() },
  async ({ path, body }, client) => {
    await triggerSchedule(client, path.id, body ?? {});
    return json(202, { scheduleId: path.id, triggered: true });
  },
);
