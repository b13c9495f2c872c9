/** GET /runs?accountId=&strategy=&tradingState=&status=&limit= — runs with their search attributes. */
import { z } from 'zod';
import { listRuns } from '../../temporal/runs-client';
import { httpHandler, json } from '../http';

const Keyword = z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, 'letters, digits and . _ : @ - only');
export const ListRunsQuery = z
  .object({
    accountId: Keyword.optional(),
    strategy: Keyword.optional(),
    tradingState: z.enum(['ACTIVE', 'REDUCING', 'HALTED']).optional(),
    status: z
      .enum(['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'])
      .optional(),
    scheduleId: Keyword.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** Visibility query from validated values only (nothing the caller typed is pasted in unchecked). */
export function runsQuery(q: z.output<typeof ListRunsQuery>): string | undefined {
  const parts = [
    q.accountId && `AccountId = '${q.accountId}'`,
    q.strategy && `StrategyId = '${q.strategy}'`,
    q.tradingState && `TradingState = '${q.tradingState}'`,
    q.status && `ExecutionStatus = '${q.status}'`,
    q.scheduleId && `TemporalScheduledById = '${q.scheduleId}'`,
  ].filter(Boolean);
  return parts.length ? parts.join(' AND ') : undefined;
}

export const handler = httpHandler({ query: ListRunsQuery }, async ({ query }, client) => {
  const runs = await listRuns(client, { query: runsQuery(query), limit: query.limit });
  return json(200, { runs });
});
