/** POST /accounts/{id}/halt — body { reason }: halt every running run of the account; answers which. */
import { HaltSignal } from '../../domain/run/input';
import { haltAccount } from '../../temporal/accounts-client';
import { IdPath, httpHandler, json } from '../http';

export const handler = httpHandler({ path: IdPath, body: HaltSignal }, async ({ path, body }, client) => json(200, await haltAccount(client, path.id, body)));
