/**
 * Accounts, from the outside (CLI and Lambda handlers): halt, resume, status and limits go to the account's
 * supervisor workflow (workflows/account-supervisor/) as Updates, with Update-with-Start so that an
 * account nobody has traded yet can be configured or halted before its first run. The supervisor signals
 * every run that joined it; runs of the account that have not joined (started before the supervisor
 * existed, or still opening) are found by a visibility query and signalled too, so nothing is missed.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, type UpdateDefinition } from '@temporalio/common';
import { TempotradeError, formatZodIssues, parseOrThrow } from '../domain/errors';
import { AccountId } from '../domain/ids';
import { AccountLimitsPatch, type AccountEvent, type AccountLimits } from '../domain/risk/account';
import { HaltSignal, ResumeSignal } from '../domain/run/input';
import {
  ACCOUNT_SUPERVISOR_WORKFLOW_TYPE,
  accountEventsQuery,
  accountStatusQuery,
  haltAccountUpdate,
  resumeAccountUpdate,
  supervisorWorkflowId,
  updateLimitsUpdate,
  type AccountFanOutResult,
  type AccountStatus,
  type SupervisorInput,
} from '../workflows/account-definitions';
import { TASK_QUEUES } from './task-queues';
import { haltRun, listRuns, resumeRun } from './runs-client';

export type AccountFanOut = AccountFanOutResult;

export interface AccountClientOptions {
  /** Where a supervisor that is not running yet is started (a worker must poll it). */
  taskQueue?: string;
}

function accountId(raw: string): string {
  const r = AccountId.safeParse(raw);
  if (!r.success)
    throw new TempotradeError('VALIDATION', `invalid account id: ${formatZodIssues(r.error, 'accountId')}`, {
      fields: ['accountId'],
    });
  return r.data;
}

/**
 * How an account's supervisor is started when an Update finds it not running (Update-with-Start): on
 * `taskQueue`, with default limits unless `limits` are given; an existing supervisor is used as it is.
 */
export function supervisorStart(
  accountId: string,
  taskQueue: string,
  limits?: unknown,
): WithStartWorkflowOperation<(input: SupervisorInput) => Promise<void>> {
  return new WithStartWorkflowOperation<(input: SupervisorInput) => Promise<void>>(ACCOUNT_SUPERVISOR_WORKFLOW_TYPE, {
    workflowId: supervisorWorkflowId(accountId),
    taskQueue,
    args: [{ accountId, ...(limits !== undefined ? { limits } : {}) }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
}

function withStart(id: string, opts: AccountClientOptions) {
  return supervisorStart(id, opts.taskQueue ?? TASK_QUEUES.strategies);
}

/** An Update the supervisor's validator rejected becomes a VALIDATION error naming the fields. */
/** An Update to the account's supervisor, started by it when it is not running. */
function updateSupervisor<Ret, Arg>(
  client: Client,
  update: UpdateDefinition<Ret, [Arg]>,
  id: string,
  arg: Arg,
  opts: AccountClientOptions,
): Promise<Ret> {
  return client.workflow
    .executeUpdateWithStart(update, { args: [arg], startWorkflowOperation: withStart(id, opts) })
    .catch(rejected);
}

function rejected(e: unknown): never {
  const msg = (e as Error)?.message ?? String(e);
  const cause = (e as { cause?: Error })?.cause?.message;
  const text = cause && !msg.includes(cause) ? `${msg}: ${cause}` : msg;
  if (/invalid (limits|halt|resume|approval)/.test(text))
    throw new TempotradeError('VALIDATION', text.replace(/^.*?(invalid )/, '$1'), {
      fields: [...text.matchAll(/([A-Za-z.0-9]+): /g)].map((m) => m[1]),
    });
  throw e;
}

/** Running strategy runs of one account (the id is validated, so it cannot break out of the query). */
export async function runningRunsOf(client: Client, account: string): Promise<string[]> {
  const id = accountId(account);
  const runs = await listRuns(client, { query: `ExecutionStatus = 'Running' AND AccountId = '${id}'`, limit: 10_000 });
  return runs.map((r) => r.workflowId);
}

/** Signal the account's running runs the supervisor did not know about (it told the others itself). */
async function alsoUnregistered(
  client: Client,
  account: string,
  r: AccountFanOutResult,
  send: (workflowId: string) => Promise<void>,
): Promise<AccountFanOutResult> {
  const known = new Set([...r.signalled, ...r.failed.map((f) => f.workflowId)]);
  const rest = (await runningRunsOf(client, account)).filter((w) => !known.has(w));
  const settled = await Promise.allSettled(rest.map((w) => send(w)));
  const out = { ...r, signalled: [...r.signalled], failed: [...r.failed] };
  settled.forEach((s, i) =>
    s.status === 'fulfilled'
      ? out.signalled.push(rest[i])
      : out.failed.push({ workflowId: rest[i], error: (s.reason as Error).message }),
  );
  return out;
}

/** Halt the account: the supervisor changes its state and signals every run (policy: what the runs do). */
export async function haltAccount(
  client: Client,
  account: string,
  raw: unknown,
  opts: AccountClientOptions = {},
): Promise<AccountFanOut> {
  const id = accountId(account);
  const req = parseOrThrow(HaltSignal, raw, 'halt');
  const r = await updateSupervisor(client, haltAccountUpdate, id, req, opts);
  return alsoUnregistered(client, id, r, (w) =>
    haltRun(client, w, {
      reason: `account ${id} halted: ${req.reason}`.slice(0, 500),
      ...(req.policy ? { policy: req.policy } : {}),
    }),
  );
}

export async function resumeAccount(
  client: Client,
  account: string,
  raw: unknown = {},
  opts: AccountClientOptions = {},
): Promise<AccountFanOut> {
  const id = accountId(account);
  const req = parseOrThrow(ResumeSignal, raw ?? {}, 'resume');
  const r = await updateSupervisor(client, resumeAccountUpdate, id, { reason: req.reason }, opts);
  return alsoUnregistered(client, id, r, (w) =>
    resumeRun(client, w, { reason: `account ${id} resumed: ${req.reason}`.slice(0, 500) }),
  );
}

/** Change limits at run time; bad values are rejected by the supervisor's validator and nothing changes. */
export async function updateAccountLimits(
  client: Client,
  account: string,
  raw: unknown,
  opts: AccountClientOptions = {},
): Promise<AccountLimits> {
  const id = accountId(account);
  const patch = parseOrThrow(AccountLimitsPatch, raw, 'limits');
  return updateSupervisor(client, updateLimitsUpdate, id, patch, opts);
}

/** Query the account's supervisor; an account without one gets a clear ACCOUNT_NOT_FOUND. */
async function querySupervisor<T>(
  client: Client,
  account: string,
  query: import('@temporalio/client').QueryDefinition<T, []>,
): Promise<T> {
  const id = accountId(account);
  try {
    return await client.workflow.getHandle(supervisorWorkflowId(id)).query(query);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError || /workflow not found/i.test((e as Error)?.message ?? ''))
      throw new TempotradeError(
        'ACCOUNT_NOT_FOUND',
        `account ${id} has no supervisor yet: no run has joined it and it was never configured (tempotrade account limits ${id} --file …)`,
      );
    throw e;
  }
}

/** The supervisor's view of the account. */
export function accountStatus(client: Client, account: string): Promise<AccountStatus> {
  return querySupervisor(client, account, accountStatusQuery);
}

/** The supervisor's latest events (decisions, state changes, fan-outs). */
export function accountEvents(client: Client, account: string): Promise<AccountEvent[]> {
  return querySupervisor(client, account, accountEventsQuery);
}
