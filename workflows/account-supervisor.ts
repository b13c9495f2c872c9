/**
 * accountSupervisor: one per account, long-running (continue-as-new), the account's risk authority.
 *  - Strategy runs register (registerRun Update) and ask before every opening order (approveOrder Update
 *    with a validator). Approvals reserve the order's notional, so runs asking at the same moment can
 *    never together pass a cap: handlers are synchronous, so one decision finishes before the next starts.
 *  - Runs report equity and positions (runReport signal); a report releases finished orders' reservations.
 *  - A breach (account daily loss, drawdown) changes the account's trading state and signals every
 *    registered run: halt (with the halt policy) or reduce-only. People do the same with haltAccount /
 *    resumeAccount; limits change at run time through updateLimits, whose validator rejects bad values.
 *  - A Temporal Schedule (accountDayStart) starts the account's day: daily counters reset.
 * Orchestration only: every decision is in domain/risk/account.ts.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { keepNewest } from '../domain/bounded';
import { formatZodIssues, parseOrThrow } from '../domain/errors';
import { AccountId } from '../domain/ids';
import { add, max, sub } from '../domain/money';
import {
  AccountLimits,
  AccountLimitsPatch,
  ApprovalRequest,
  RunReport,
  accountDayStartEquity,
  accountDrawdownPct,
  accountEquity,
  applyReport,
  approve,
  changeAccountState,
  committedExposure,
  detectBreach,
  directive,
  openAccount,
  patchAccountLimits,
  record,
  needsDayStart,
  registerRun,
  reportingNeeds,
  runStateFor,
  startNewDay,
  type AccountState,
  type HaltPolicy,
} from '../domain/risk/account';
import { TradingState } from '../domain/run/trading-state';
import { HaltSignal } from '../domain/run/input';
import { accountNeedsSignal, haltSignal, resumeSignal } from './definitions';
import {
  accountEventsQuery,
  accountStatusQuery,
  approveOrderUpdate,
  haltAccountUpdate,
  newDaySignal,
  registerRunUpdate,
  resumeAccountUpdate,
  runReportSignal,
  supervisorWorkflowId,
  updateLimitsUpdate,
  type AccountFanOutResult,
  type AccountStatus,
  type FanOutRecord,
  type SupervisorInput,
} from './account-definitions';

const scheduling = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '30s' } });

/** Carried through continue-as-new. */
export interface SupervisorCarry {
  state: AccountState;
  fanOuts: FanOutRecord[];
  continuedAsNew: number;
}

const CONTINUE_AS_NEW_EVENTS = 5_000;
/** From this patch on, the day-start Schedule is created only for limits with something daily. */
const DAY_START_WHEN_NEEDED_PATCH = 'day-start-when-needed-v1';

export async function accountSupervisor(input: SupervisorInput, carried?: SupervisorCarry): Promise<void> {
  const accountId = parseOrThrow(AccountId, input.accountId, 'accountId') as string;
  const st: AccountState = carried?.state ?? openAccount(accountId, parseOrThrow(AccountLimits, input.limits ?? {}, 'account limits'), Date.now());
  const fanOuts: FanOutRecord[] = carried?.fanOuts ?? [];
  // The day-start schedule exists once the limits have something daily (and is kept in line with them).
  const dayStartWhenNeeded = patched(DAY_START_WHEN_NEEDED_PATCH);
  let scheduleDue = !carried && (!dayStartWhenNeeded || needsDayStart(st.limits));
  let needsDue = false; // tell the runs what to report (after a change of limits)

  /** Runs to tell about a state change, processed by the main loop (signals are commands, not handlers). */
  const outbox: Array<{ to: TradingState; reason: string; policy?: HaltPolicy; decidedAt: number; done?: (r: AccountFanOutResult) => void }> = [];

  function status(): AccountStatus {
    const equity = accountEquity(st);
    const dayStart = accountDayStartEquity(st);
    const reservedBy: Record<string, string> = {};
    for (const r of Object.values(st.reservations)) reservedBy[r.workflowId] = add(reservedBy[r.workflowId] ?? '0', r.notional);
    return {
      accountId,
      tradingState: st.tradingState,
      stateReason: st.stateReason,
      ...(st.haltPolicy ? { haltPolicy: st.haltPolicy } : {}),
      limits: st.limits,
      equity,
      highWaterMark: st.highWaterMark,
      drawdownPct: accountDrawdownPct(st, equity),
      dayStartEquity: dayStart,
      dailyPnl: sub(equity, dayStart),
      exposure: committedExposure(st),
      peakCommitted: st.peakCommitted,
      runs: Object.entries(st.runs).map(([workflowId, r]) => ({ workflowId, strategy: r.strategy, equity: r.equity, dayStartEquity: r.dayStartEquity, positions: r.positions, reserved: reservedBy[workflowId] ?? '0' })),
      reservations: Object.keys(st.reservations).length,
      counters: st.counters,
      stateChanges: st.stateChanges,
      dayStartedAt: st.day.startedAt,
      fanOuts,
      continuedAsNew: carried?.continuedAsNew ?? 0,
    };
  }

  function showDetails(): void {
    const s = status();
    setCurrentDetails(
      [
        `**Account ${accountId}: ${st.tradingState}**${st.haltPolicy ? ` (${st.haltPolicy})` : ''} — ${st.stateReason}`,
        `Equity ${s.equity} (day start ${s.dayStartEquity}, high-water mark ${s.highWaterMark}, drawdown ${max(s.drawdownPct, '0')}%)`,
        `Committed exposure ${s.exposure.total} (peak ${s.peakCommitted}); ${s.reservations} pending approval(s); ${s.runs.length} run(s)`,
        `Decisions: ${st.counters.approved} approved, ${st.counters.resized} resized, ${st.counters.denied} denied`,
      ].join('\n'),
    );
  }

  /** Change the account's state and queue the fan-out to every run. */
  function moveTo(to: TradingState, reason: string, by: 'operator' | 'breach' | 'schedule', policy?: HaltPolicy, code?: string, numbers?: Record<string, string>, done?: (r: AccountFanOutResult) => void): boolean {
    const changed = changeAccountState(st, to, reason, by, Date.now(), to === 'ACTIVE' ? undefined : policy, code, numbers);
    if (changed || done) outbox.push({ to, reason, ...(to === 'ACTIVE' ? {} : { policy }), decidedAt: Date.now(), ...(done ? { done } : {}) });
    showDetails();
    return changed;
  }

  function checkBreach(): void {
    const breach = detectBreach(st);
    if (!breach) return;
    const policy: HaltPolicy = breach.target === 'REDUCING' ? 'stop-entries' : st.limits.haltPolicy;
    moveTo(breach.target, breach.message, 'breach', policy, breach.code, breach.numbers);
  }

  // ---- handlers ----
  setHandler(accountStatusQuery, status);
  setHandler(accountEventsQuery, () => st.events);

  setHandler(
    registerRunUpdate,
    (req) => {
      registerRun(st, req.workflowId, req.strategy, req.equity, Date.now());
      showDetails();
      return directive(st);
    },
    {
      validator: (req) => {
        if (!req || typeof req.workflowId !== 'string' || !req.workflowId || typeof req.strategy !== 'string' || typeof req.equity !== 'string' || !/^\d+(\.\d+)?$/.test(req.equity)) throw new Error('invalid registerRun: workflowId, strategy and equity (a decimal string) are required');
      },
    },
  );

  // Synchronous: each approval sees every reservation made before it.
  setHandler(
    approveOrderUpdate,
    (req) => {
      const v = approve(st, req, Date.now());
      showDetails();
      return v;
    },
    { validator: (req) => void parseOrThrow(ApprovalRequest, req, 'approval request') },
  );

  setHandler(
    updateLimitsUpdate,
    (patch) => {
      const r = patchAccountLimits(st.limits, patch);
      if (!r.ok) throw new Error(r.error); // unreachable after the validator, kept for safety
      const dayChanged = JSON.stringify(r.limits.dayStart) !== JSON.stringify(st.limits.dayStart);
      const needsBefore = JSON.stringify(reportingNeeds(st));
      st.limits = r.limits;
      if (JSON.stringify(reportingNeeds(st)) !== needsBefore) needsDue = true; // runs must report differently
      record(st, Date.now(), 'LIMITS_UPDATED', `limits updated: ${Object.keys(patch ?? {}).join(', ')}`, { code: 'LIMITS_UPDATED', numbers: Object.fromEntries(Object.entries(patch ?? {}).map(([k, v]) => [k, JSON.stringify(v)])) });
      if (dayStartWhenNeeded ? needsDayStart(st.limits) && (dayChanged || !st.dayScheduled) : dayChanged) scheduleDue = true;
      if (st.limits.killSwitch && st.tradingState !== 'HALTED') moveTo('HALTED', 'kill switch engaged', 'operator', st.limits.haltPolicy, 'KILL_SWITCH_ENGAGED');
      else checkBreach();
      showDetails();
      return st.limits;
    },
    {
      // Bad values are rejected before they reach the history's state: the current limits stay.
      validator: (patch) => {
        const shape = AccountLimitsPatch.safeParse(patch);
        if (!shape.success) throw new Error(`invalid limits: ${formatZodIssues(shape.error)}`);
        const r = patchAccountLimits(st.limits, patch);
        if (!r.ok) throw new Error(`invalid limits: ${r.error}`);
      },
    },
  );

  setHandler(
    haltAccountUpdate,
    async (req) => {
      const policy = req.policy ?? st.limits.haltPolicy;
      let result: AccountFanOutResult | undefined;
      moveTo(runStateFor(policy), req.reason, 'operator', policy, 'ACCOUNT_HALTED_BY_OPERATOR', undefined, (r) => (result = r));
      await condition(() => result !== undefined);
      return result as AccountFanOutResult;
    },
    { validator: (req) => void parseOrThrow(HaltSignal, req, 'halt') },
  );

  setHandler(
    resumeAccountUpdate,
    async (req) => {
      let result: AccountFanOutResult | undefined;
      moveTo('ACTIVE', req.reason ?? 'resumed by operator', 'operator', undefined, 'ACCOUNT_RESUMED', undefined, (r) => (result = r));
      await condition(() => result !== undefined);
      return result as AccountFanOutResult;
    },
    {
      validator: (req) => {
        if (typeof req !== 'object' || req === null || (req.reason !== undefined && (typeof req.reason !== 'string' || req.reason.length > 500))) throw new Error('invalid resume: reason must be a string of at most 500 characters');
      },
    },
  );

  setHandler(runReportSignal, (raw) => {
    const r = RunReport.safeParse(raw);
    if (!r.success) {
      record(st, Date.now(), 'LIMITS_REJECTED', `run report rejected: ${formatZodIssues(r.error)}`, { code: 'INVALID_REPORT' });
      return;
    }
    applyReport(st, r.data, Date.now());
    checkBreach();
    showDetails();
  });

  setHandler(newDaySignal, () => {
    const { lifted } = startNewDay(st, Date.now());
    if (lifted) outbox.push({ to: 'ACTIVE', reason: st.stateReason, decidedAt: Date.now() });
    showDetails();
  });

  showDetails();

  /** Tell every registered run about the account's new state; each run applies it at once (signals wake it). */
  async function fanOut(item: (typeof outbox)[number]): Promise<void> {
    const runs = Object.keys(st.runs);
    const settled = await Promise.allSettled(
      runs.map((w) =>
        item.to === 'ACTIVE'
          ? getExternalWorkflowHandle(w).signal(resumeSignal, { reason: `account ${accountId} resumed: ${item.reason}`.slice(0, 500) })
          : getExternalWorkflowHandle(w).signal(haltSignal, { reason: `account ${accountId} ${item.to}: ${item.reason}`.slice(0, 500), policy: item.policy ?? 'stop-entries' }),
      ),
    );
    const result: AccountFanOutResult = { accountId, tradingState: item.to, ...(item.policy ? { policy: item.policy } : {}), signalled: [], failed: [] };
    settled.forEach((s, i) => (s.status === 'fulfilled' ? result.signalled.push(runs[i]) : result.failed.push({ workflowId: runs[i], error: String((s.reason as Error)?.message ?? s.reason) })));
    // A run that cannot be signalled has ended without saying so: it leaves the books.
    for (const f of result.failed) applyReport(st, { workflowId: f.workflowId, strategy: st.runs[f.workflowId]?.strategy ?? '?', equity: st.runs[f.workflowId]?.equity ?? '0', positions: {}, released: [], ended: true }, Date.now());
    const rec: FanOutRecord = { to: item.to, ...(item.policy ? { policy: item.policy } : {}), decidedAt: item.decidedAt, doneAt: Date.now(), signalled: result.signalled, failed: result.failed };
    fanOuts.push(rec);
    keepNewest(fanOuts, 20);
    record(st, Date.now(), 'RUNS_SIGNALLED', `${item.to === 'ACTIVE' ? 'resume' : `halt (${item.policy})`} sent to ${result.signalled.length} run(s)${result.failed.length ? `, ${result.failed.length} gone` : ''} in ${rec.doneAt - rec.decidedAt} ms`, { code: item.to, numbers: { signalled: String(result.signalled.length), failed: String(result.failed.length), ms: String(rec.doneAt - rec.decidedAt) } });
    showDetails();
    item.done?.(result);
  }

  // ---- main loop: fan-outs and the day-start schedule; continue-as-new when the history grows ----
  for (;;) {
    await condition(() => outbox.length > 0 || scheduleDue || needsDue || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > CONTINUE_AS_NEW_EVENTS);
    if (scheduleDue) {
      scheduleDue = false;
      try {
        await scheduling['account.ensureDayStartSchedule']({ accountId, dayStart: st.limits.dayStart, taskQueue: workflowInfo().taskQueue });
        st.dayScheduled = true;
      } catch (e) {
        record(st, Date.now(), 'LIMITS_REJECTED', `the day-start schedule could not be set: ${(e as Error).message}`, { code: 'DAY_SCHEDULE_FAILED' });
      }
    }
    while (outbox.length > 0) await fanOut(outbox.shift() as (typeof outbox)[number]);
    if (needsDue) {
      needsDue = false;
      const needs = reportingNeeds(st);
      await Promise.allSettled(Object.keys(st.runs).map((w) => getExternalWorkflowHandle(w).signal(accountNeedsSignal, needs)));
      record(st, Date.now(), 'RUNS_SIGNALLED', `reporting needs sent to ${Object.keys(st.runs).length} run(s): ${JSON.stringify(needs)}`, { code: 'ACCOUNT_NEEDS' });
    }
    if (outbox.length === 0 && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > CONTINUE_AS_NEW_EVENTS)) {
      await condition(allHandlersFinished);
      if (outbox.length > 0) continue;
      await continueAsNew<typeof accountSupervisor>({ accountId }, { state: st, fanOuts, continuedAsNew: (carried?.continuedAsNew ?? 0) + 1 });
    }
  }
}

/** Started by the account's day-start Schedule: tells the supervisor a new day began. */
export async function accountDayStart(input: { accountId: string }): Promise<void> {
  const accountId = parseOrThrow(AccountId, input.accountId, 'accountId') as string;
  await getExternalWorkflowHandle(supervisorWorkflowId(accountId)).signal(newDaySignal, { at: Date.now() });
}
