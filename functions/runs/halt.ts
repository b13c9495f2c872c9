/** POST /runs/{id}/halt — body { reason }: no new orders until resumed. */
import { HaltSignal } from '../../domain/run/input';
import { haltRun } from '../../temporal/runs-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler({ path: IdPath, body: HaltSignal }, async ({ path, body }, client) => {
  await haltRun(client, path.id, body);
  return json(202, { workflowId: path.id, sent: 'halt' });
});
