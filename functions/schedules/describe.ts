/** GET /schedules/{id} — spec, policies, recent and next starts. */
import { describeSchedule } from '../../temporal/schedules-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler({ path: IdPath }, async ({ path }, client) =>
  json(200, await describeSchedule(client, path.id)),
);
