/** DELETE /schedules/{id} — the runs it started are not affected. */
import { deleteSchedule } from '../../temporal/schedules-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler({ path: IdPath }, async ({ path }, client) => {
  await deleteSchedule(client, path.id);
  return json(200, { scheduleId: path.id, deleted: true });
});
