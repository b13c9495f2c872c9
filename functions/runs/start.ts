/** POST /runs — start a strategy run. Body: the run input (as `tempotrade run start` builds it). */
import { z } from 'zod';
import { startRun } from '../../temporal/runs-client';
import { httpHandler, json, taskQueue } from '../http';

export const handler = httpHandler(
  { body: z.record(z.string(), z.unknown(), { message: 'must be a JSON object (the run input)' }) },
  async ({ body }, client) => {
    const started = await startRun(client, body as never, { taskQueue: taskQueue() });
    return json(201, started);
  },
);
