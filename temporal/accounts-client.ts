/**
 * Account-wide halt and resume, shared by the CLI and the Lambda handlers. Until the account supervisor
 * workflow exists (issue #4), this is a fan-out: list the running strategy runs whose AccountId search
 * attribute is the account (a visibility query, so a run started a moment ago may not be listed yet),
 * then signal each. The answer names every run signalled, and every run that could not be.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { TempotradeError, formatZodIssues } from '../domain/errors';
import { AccountId } from '../domain/ids';
import { HaltSignal, ResumeSignal } from '../domain/run/input';
import { haltRun, listRuns, resumeRun } from './runs-client';

export interface AccountFanOut {
  accountId: string;
  /** Workflow ids of the runs that got the signal. */
  signalled: string[];
  /** Runs listed as running that could not be signalled (e.g. they ended meanwhile). */
  failed: Array<{ workflowId: string; error: string }>;
}

function accountId(raw: string): string {
  const r = AccountId.safeParse(raw);
  if (!r.success) throw new TempotradeError('VALIDATION', `invalid account id: ${formatZodIssues(r.error, 'accountId')}`, { fields: ['accountId'] });
  return r.data;
}

function parseOr<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new TempotradeError('VALIDATION', `invalid ${what}: ${formatZodIssues(r.error)}`, { fields: r.error.issues.map((i) => i.path.join('.')) });
  return r.data;
}

/** Running strategy runs of one account (the id is validated, so it cannot break out of the query). */
export async function runningRunsOf(client: Client, account: string): Promise<string[]> {
  const id = accountId(account);
  const runs = await listRuns(client, { query: `ExecutionStatus = 'Running' AND AccountId = '${id}'`, limit: 10_000 });
  return runs.map((r) => r.workflowId);
}

async function fanOut(client: Client, account: string, send: (workflowId: string) => Promise<void>): Promise<AccountFanOut> {
  const ids = await runningRunsOf(client, account);
  const settled = await Promise.allSettled(ids.map((w) => send(w)));
  const out: AccountFanOut = { accountId: account, signalled: [], failed: [] };
  settled.forEach((s, i) => (s.status === 'fulfilled' ? out.signalled.push(ids[i]) : out.failed.push({ workflowId: ids[i], error: (s.reason as Error).message })));
  return out;
}

export async function haltAccount(client: Client, account: string, raw: unknown): Promise<AccountFanOut> {
  accountId(account);
  const signal = parseOr(HaltSignal, raw, 'halt');
  return fanOut(client, account, (w) => haltRun(client, w, { reason: `account ${account} halted: ${signal.reason}`.slice(0, 500) }));
}

export async function resumeAccount(client: Client, account: string, raw: unknown = {}): Promise<AccountFanOut> {
  accountId(account);
  const signal = parseOr(ResumeSignal, raw ?? {}, 'resume');
  return fanOut(client, account, (w) => resumeRun(client, w, { reason: `account ${account} resumed: ${signal.reason}`.slice(0, 500) }));
}
