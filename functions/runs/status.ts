/** GET /runs/{id} — state, portfolio and counters of a run. */
import { runStatus } from '../../temporal/runs-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler({ path: IdPath }, async ({ path }, client) =>
  json(200, await runStatus(client, path.id)),
);
