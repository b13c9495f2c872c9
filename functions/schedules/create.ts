/** POST /schedules — body: { scheduleId, every | cron, mode?, overlap?, catchupWindow?, pauseOnFailure?, paused?, note?, run }. */
import { z } from 'zod';
import { createSchedule } from '../../temporal/schedules-client';
import { httpHandler, json, taskQueue } from '../http';

export const handler = httpHandler(
  { body: z.record(z.string(), z.unknown(), { message: 'must be a JSON object (the schedule)' }) },
  async ({ body }, client) => {
    const created = await createSchedule(client, body, { taskQueue: taskQueue() });
    return json(201, created);
  },
);
