/** POST /accounts/{id}/halt — body { reason, policy? }: halt the account through its supervisor; answers which runs were told. */
import { HaltSignal } from '../../domain/run/input';
import { haltAccount } from '../../temporal/accounts-client';
import { IdPath, httpHandler, json, taskQueue } from '../http';

export const handler = httpHandler({ path: IdPath, body: HaltSignal }, async ({ path, body }, client) =>
  json(200, await haltAccount(client, path.id, body, { taskQueue: taskQueue() })),
);
