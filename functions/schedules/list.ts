/** GET /schedules?accountId=&strategy= — schedules with mode, state and next start. */
import { z } from 'zod';
import { listSchedules } from '../../temporal/schedules-client';
import { httpHandler, json } from '../http';

const Keyword = z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, 'letters, digits and . _ : @ - only');
const Query = z
  .object({
    accountId: Keyword.optional(),
    strategy: Keyword.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const handler = httpHandler({ query: Query }, async ({ query }, client) => {
  const parts = [
    query.accountId && `AccountId = '${query.accountId}'`,
    query.strategy && `StrategyId = '${query.strategy}'`,
  ].filter(Boolean);
  const schedules = await listSchedules(client, {
    limit: query.limit,
    ...(parts.length ? { query: parts.join(' AND ') } : {}),
  });
  return json(200, { schedules });
});
