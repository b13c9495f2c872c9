/**
 * Before a run starts on a venue that holds its capital (a real exchange): the account's free balance of the
 * quote, less the capital its other running runs were started with, must cover the new run's capital. The
 * opening reconciliation stays the fail-closed guard behind this (another trader can move the balance after).
 */
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { Brokerage } from '../brokers/brokerage';
import { TempotradeError } from '../domain/errors';
import { add, cmp, sub } from '../domain/money';
import { StrategyRunInput } from '../domain/run/input';
import { WORKFLOW_TYPE } from './runs-client';

export interface CommittedRun {
  workflowId: string;
  capital: string;
}

export interface CapitalCheck {
  quote: string;
  free: string;
  committed: string;
  others: CommittedRun[];
  requested: string;
  available: string;
  ok: boolean;
}

/** The running runs of `accountId` and the capital each was started with (its input, as its execution holds it). */
export async function committedCapital(client: Client, accountId: string, quote: string): Promise<CommittedRun[]> {
  const out: CommittedRun[] = [];
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND AccountId = '${accountId.replace(/'/g, "\\'")}'`;
  for await (const w of client.workflow.list({ query })) {
    const resp = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId: w.workflowId, runId: w.runId },
      maximumPageSize: 1,
    });
    const payloads = resp.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    const raw = await decodeFromPayloadsAtIndex<unknown>(client.options.loadedDataConverter, 0, payloads);
    const input = StrategyRunInput.safeParse(raw);
    // A run whose input cannot be read is counted as unknown, not as zero: refuse rather than over-commit.
    if (!input.success)
      throw new TempotradeError(
        'VENUE_STATE',
        `cannot read the capital of run ${w.workflowId} on account ${accountId}`,
      );
    if (input.data.symbols[0].split('/')[1] === quote)
      out.push({ workflowId: w.workflowId, capital: input.data.capital });
  }
  return out.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
}

export async function checkCapital(
  client: Client,
  broker: Brokerage,
  run: { accountId: string; quote: string; capital: string },
): Promise<CapitalCheck> {
  const [balances, others] = await Promise.all([broker.balances(), committedCapital(client, run.accountId, run.quote)]);
  const free = balances[run.quote]?.free ?? '0';
  const committed = add('0', ...others.map((o) => o.capital));
  const available = sub(free, committed);
  return {
    quote: run.quote,
    free,
    committed,
    others,
    requested: run.capital,
    available,
    ok: cmp(available, run.capital) >= 0,
  };
}

export function refusal(accountId: string, c: CapitalCheck): string {
  const named = c.others.length
    ? `: ${c.others.map((o) => `${o.workflowId} (${o.capital} ${c.quote})`).join(', ')}`
    : '';
  return (
    `--capital: account ${accountId} cannot cover ${c.requested} ${c.quote}: free ${c.free} ${c.quote}, ` +
    `committed by ${c.others.length} other running run(s) ${c.committed} ${c.quote}${named}; ` +
    `available ${c.available} ${c.quote}, requested ${c.requested} ${c.quote}`
  );
}
