/** POST /schedules/{id}/unpause — body { note? } (optional). */
import { PauseRequest, unpauseSchedule } from '../../temporal/schedules-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler({ path: IdPath, body: PauseRequest.optional() }, async ({ path, body }, client) => {
  await unpauseSchedule(client, path.id, body ?? {});
  return json(200, { scheduleId: path.id, unpaused: true });
});
