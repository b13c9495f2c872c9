/** POST /runs/{id}/resume — body { reason? } (optional). */
import { ResumeSignal } from '../../domain/run/input';
import { resumeRun } from '../../temporal/runs-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler({ path: IdPath, body: ResumeSignal.optional() }, async ({ path, body }, client) => {
  await resumeRun(client, path.id, body ?? {});
  return json(202, { workflowId: path.id, sent: 'resume' });
});
