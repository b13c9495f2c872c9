/**
 * The run's link to its account's supervisor: it registers, asks before each opening order (the account
 * reserves what it approves, so concurrent runs cannot together pass a cap), follows the account's halts
 * and their policies, and reports its equity and positions.
 */
import { condition, getExternalWorkflowHandle } from '@temporalio/workflow';
import { dueReport, reportDelivered } from '../../domain/run/account-link';
import { runStateFor, type ReportingNeeds } from '../../domain/risk/account';
import { isReducing, tradingStateDenial } from '../../domain/risk/engine';
import type { HaltSignal } from '../../domain/run/input';
import { initialRunRisk } from '../../domain/run/risk';
import { audit, countDenial } from '../../domain/run/transitions';
import type { TradingState } from '../../domain/run/trading-state';
import { runReportSignal, supervisorWorkflowId } from '../account-definitions';
import { setTradingState } from './details';
import type { RunContext } from './context';
import type { Routed } from './orders';

/** Join the account (a run started in a halted account starts halted). */
export async function registerWithAccount(run: RunContext): Promise<void> {
  const { st, input } = run;
  st.account ??= { released: [] };
  st.risk ??= initialRunRisk();
  const dir = await run.flags.accountCalls['account.register']({
    accountId: input.accountId,
    workflowId: run.info.workflowId,
    strategy: input.strategy.name,
    equity: st.portfolio.equity,
  });
  const policy = dir.policy ? ` (${dir.policy})` : '';
  const is = `the account is ${dir.tradingState}${policy} — ${dir.reason}`;
  const message = `joined account ${input.accountId}'s supervisor: ${is}`;
  audit(st, 'ACCOUNT_REGISTERED', message, { code: dir.tradingState });
  applyNeeds(run, dir);
  if (dir.tradingState !== 'ACTIVE') {
    const reason = `account ${input.accountId} is ${dir.tradingState}: ${dir.reason}`.slice(0, 500);
    applyHalt(run, { reason, policy: dir.policy ?? accountPolicy(dir.tradingState) });
  }
}

const ACCOUNT_KIND = { APPROVED: 'ACCOUNT_APPROVED', RESIZED: 'ACCOUNT_RESIZED', DENIED: 'ACCOUNT_DENIED' } as const;

/** The policy a run follows for an account state given without one. */
const accountPolicy = (s: TradingState) => (s === 'REDUCING' ? 'stop-entries' : 'cancel-orders');

/** What the account's supervisor asks the run to report (at registration and when its limits change). */
export function applyNeeds(run: RunContext, needs: ReportingNeeds): void {
  const a = run.state?.account;
  if (!a) return;
  if (needs.correlation) a.correlation = needs.correlation;
  else delete a.correlation;
  if (needs.reportStepPct !== undefined) a.reportStepPct = needs.reportStepPct;
  else delete a.reportStepPct;
}

/** A halt without policy stops trading; with one (sent by the account supervisor or a person) it also acts. */
export function applyHalt(run: RunContext, h: HaltSignal): void {
  const state = run.state;
  if (!state) return;
  if (!h.policy || !state.account) return setTradingState(run, 'HALTED', h.reason, 'signal');
  // stop-entries never weakens a HALTED run; the others halt it and queue their actions for the loop.
  if (h.policy === 'stop-entries' && state.tradingState === 'HALTED') return;
  setTradingState(run, runStateFor(h.policy), h.reason, 'signal');
  if (h.policy !== 'stop-entries') state.account.cancelAll = true;
  if (h.policy === 'flatten') state.account.flatten = true;
}

/** Order routing's account stage: an opening order needs the account's approval (it may resize it). */
export async function askAccount(run: RunContext, o: Routed): Promise<boolean> {
  const { st, input } = run;
  const { intent } = o.v;
  if (!st.account || o.flatten || isReducing(intent)) return true;
  const price = intent.limitPrice ?? st.portfolio.marks[intent.symbol] ?? o.snapshot.mark;
  const av = await run.flags.accountCalls['account.approve']({
    accountId: input.accountId,
    requestId: o.clientOrderId,
    workflowId: run.info.workflowId,
    strategy: input.strategy.name,
    symbol: intent.symbol,
    side: intent.side,
    quantity: o.quantity,
    price,
    reducing: false,
  });
  const kind = ACCOUNT_KIND[av.decision];
  const verdict = `account ${input.accountId} ${av.decision} ${av.code} — ${av.message}`;
  audit(st, kind, `${intent.side} ${o.quantity} ${intent.symbol}: ${verdict}`, {
    code: av.code,
    clientOrderId: o.clientOrderId,
    numbers: { ...av.numbers, approvedQuantity: av.quantity },
  });
  if (av.decision === 'DENIED') {
    countDenial(st, av.code);
    if (av.tradingState !== 'ACTIVE' && st.tradingState === 'ACTIVE') {
      const reason = `account ${input.accountId} is ${av.tradingState}`;
      applyHalt(run, { reason, policy: accountPolicy(av.tradingState) });
    }
    return false;
  }
  o.quantity = av.quantity;
  o.approved = true;
  return true;
}

/** A halt may have arrived while the account was deciding: check again, right before the venue. */
export function recheckAfterApproval(run: RunContext, o: Routed): boolean {
  const st = run.st;
  if (!o.approved || !run.flags.recheckAfterApproval) return true;
  const halted = tradingStateDenial(o.v.intent, st.tradingState, run.risk());
  if (!halted) return true;
  st.account?.released.push(o.clientOrderId);
  const { side, symbol } = o.v.intent;
  const why = `the run became ${st.tradingState} while the account approved it`;
  audit(st, 'RISK_DENIED', `${side} ${symbol} not placed: ${why}`, {
    code: halted.code,
    clientOrderId: o.clientOrderId,
    numbers: halted.numbers,
  });
  countDenial(st, halted.code);
  return false;
}

/**
 * Tell the supervisor the run's equity and positions (and which approvals ended), without holding up the
 * tick: one report in flight at a time (so they arrive in order), skipped when nothing moved. `ended`
 * waits for the report in flight, then sends the last one and waits for it.
 */
export async function reportToAccount(run: RunContext, ended = false): Promise<void> {
  const { st, input } = run;
  const a = st.account;
  if (!a) return;
  if (ended) await reportsSent(run);
  else if (run.reportInFlight) return;
  const due = dueReport({
    link: a,
    risk: st.risk,
    portfolio: st.portfolio,
    workflowId: run.info.workflowId,
    strategy: input.strategy.name,
    ended,
    stepped: run.flags.reportSteps,
  });
  if (!due) return;
  run.reportInFlight = true;
  const supervisor = `account ${input.accountId}'s supervisor`;
  const sent = getExternalWorkflowHandle(supervisorWorkflowId(input.accountId))
    .signal(runReportSignal, due.report)
    .then(
      () => {
        reportDelivered(a, due);
        const again = { code: 'ACCOUNT_REACHABLE' };
        if (a.unreachable) audit(st, 'ACCOUNT_REACHABLE', `${supervisor} reachable again`, again);
        a.unreachable = false;
      },
      (e: unknown) => {
        // Kept for the next report; the supervisor keeps the reservations meanwhile (it errs on the safe side).
        const message = `could not report to ${supervisor}: ${(e as Error).message}`;
        if (!a.unreachable) audit(st, 'ACCOUNT_UNREACHABLE', message, { code: 'ACCOUNT_UNREACHABLE' });
        a.unreachable = true;
      },
    )
    .finally(() => (run.reportInFlight = false));
  if (ended) await sent;
}

export const reportsSent = (run: RunContext) => condition(() => !run.reportInFlight);
