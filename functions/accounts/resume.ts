/** POST /accounts/{id}/resume — body { reason? } (optional): resume every running run of the account. */
import { ResumeSignal } from '../../domain/run/input';
import { resumeAccount } from '../../temporal/accounts-client';
import { IdPath, httpHandler, json, taskQueue } from '../http';

export const handler = httpHandler({ path: IdPath, body: ResumeSignal.optional() }, async ({ path, body }, client) =>
  json(200, await resumeAccount(client, path.id, body ?? {}, { taskQueue: taskQueue() })),
);
