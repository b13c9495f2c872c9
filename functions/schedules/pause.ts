/** POST /schedules/{id}/pause — body { note? } (optional). */
import { PauseRequest, pauseSchedule } from '../../temporal/schedules-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler({ path: IdPath, body: PauseRequest.optional() }, async ({ path, body }, client) => {
  await pauseSchedule(client, path.id, body ?? {});
  return json(200, { scheduleId: path.id, paused: true });
});
