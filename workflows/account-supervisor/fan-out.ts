/**
 * The account supervisor's signals to its runs: a change of trading state and the reporting needs. A run that
 * cannot be signalled has ended without saying so and leaves the books.
 */
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { keepNewest } from '../../domain/bounded';
import * as books from '../../domain/risk/account';
import type { AccountState, HaltPolicy } from '../../domain/risk/account';
import type { TradingState } from '../../domain/run/trading-state';
import { accountNeedsSignal, haltSignal, resumeSignal } from '../definitions';
import type { AccountFanOutResult, FanOutRecord } from '../account-definitions';

const MAX_FAN_OUTS = 20;

/** A state change to tell every run about; `done` answers the Update that asked for it. */
export interface FanOut {
  to: TradingState;
  reason: string;
  policy?: HaltPolicy;
  decidedAt: number;
  done?: (r: AccountFanOutResult) => void;
}

/** Tell every registered run about the account's new state; each run applies it at once (signals wake it). */
export async function fanOut(
  accountId: string,
  st: AccountState,
  item: FanOut,
  fanOuts: FanOutRecord[],
): Promise<AccountFanOutResult> {
  const runs = Object.keys(st.runs);
  const settled = await Promise.allSettled(runs.map((w) => signalState(accountId, w, item)));
  const policy = item.policy ? { policy: item.policy } : {};
  const result: AccountFanOutResult = { accountId, tradingState: item.to, ...policy, signalled: [], failed: [] };
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') result.signalled.push(runs[i]);
    else result.failed.push({ workflowId: runs[i], error: String((s.reason as Error)?.message ?? s.reason) });
  });
  for (const f of result.failed) forget(st, f.workflowId);
  const doneAt = Date.now();
  const { signalled, failed } = result;
  const rec: FanOutRecord = { to: item.to, ...policy, decidedAt: item.decidedAt, doneAt, signalled, failed };
  fanOuts.push(rec);
  keepNewest(fanOuts, MAX_FAN_OUTS);
  const ms = String(rec.doneAt - rec.decidedAt);
  const what = item.to === 'ACTIVE' ? 'resume' : `halt (${item.policy})`;
  const gone = failed.length ? `, ${failed.length} gone` : '';
  const numbers = { signalled: String(signalled.length), failed: String(failed.length), ms };
  const message = `${what} sent to ${signalled.length} run(s)${gone} in ${ms} ms`;
  books.record(st, Date.now(), 'RUNS_SIGNALLED', message, { code: item.to, numbers });
  return result;
}

function signalState(accountId: string, workflowId: string, item: FanOut): Promise<void> {
  const run = getExternalWorkflowHandle(workflowId);
  if (item.to === 'ACTIVE') {
    return run.signal(resumeSignal, { reason: `account ${accountId} resumed: ${item.reason}`.slice(0, 500) });
  }
  const reason = `account ${accountId} ${item.to}: ${item.reason}`.slice(0, 500);
  return run.signal(haltSignal, { reason, policy: item.policy ?? 'stop-entries' });
}

/** A run that is gone leaves the account's books, as if it had reported its end. */
function forget(st: AccountState, workflowId: string): void {
  const run = st.runs[workflowId];
  const [strategy, equity] = [run?.strategy ?? '?', run?.equity ?? '0'];
  books.applyReport(st, { workflowId, strategy, equity, positions: {}, released: [], ended: true }, Date.now());
}

export async function sendReportingNeeds(st: AccountState): Promise<void> {
  const needs = books.reportingNeeds(st);
  const runs = Object.keys(st.runs);
  await Promise.allSettled(runs.map((w) => getExternalWorkflowHandle(w).signal(accountNeedsSignal, needs)));
  const message = `reporting needs sent to ${Object.keys(st.runs).length} run(s): ${JSON.stringify(needs)}`;
  books.record(st, Date.now(), 'REPORTING_NEEDS_SENT', message, { code: 'ACCOUNT_NEEDS' });
}
