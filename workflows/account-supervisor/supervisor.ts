/**
 * The account supervisor's state and what each of its messages does to it (the workflow file registers the
 * handlers). Every decision is in domain/risk/account.ts; this class holds the state between messages and
 * sends the commands: signals to the runs (./fan-out.ts), the day-start Schedule activity.
 */
import { condition, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { formatZodIssues, parseOrThrow } from '../../domain/errors';
import { AccountId } from '../../domain/ids';
/** The account's books and every decision made with them. */
import * as books from '../../domain/risk/account';
import type {
  AccountEvent,
  AccountState,
  AccountVerdict,
  ApprovalRequest,
  HaltPolicy,
  StateChangeBy,
} from '../../domain/risk/account';
import type { TradingState } from '../../domain/run/trading-state';
import type {
  AccountFanOutResult,
  AccountHaltRequest,
  AccountResumeRequest,
  AccountStatus,
  FanOutRecord,
  RegisterRunRequest,
  SupervisorInput,
} from '../account-definitions';
import { fanOut, sendReportingNeeds, type FanOut } from './fan-out';
import { DAY_START_WHEN_NEEDED_PATCH } from './patches';
import { accountStatus, showAccountDetails } from './status';

const scheduling = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** Carried through continue-as-new. */
export interface SupervisorCarry {
  state: AccountState;
  fanOuts: FanOutRecord[];
  continuedAsNew: number;
}

const CONTINUE_AS_NEW_EVENTS = 5_000;

interface Move {
  to: TradingState;
  reason: string;
  by: StateChangeBy;
  policy?: HaltPolicy;
  code?: string;
  numbers?: Record<string, string>;
  done?: (r: AccountFanOutResult) => void;
}

export class AccountSupervisor {
  readonly accountId: string;
  private readonly st: AccountState;
  private readonly fanOuts: FanOutRecord[];
  private readonly continuedAsNew: number;
  private readonly dayStartWhenNeeded: boolean;
  /** The day-start Schedule must be created or brought in line with the limits. */
  private scheduleDue: boolean;
  /** The runs must be told what to report (after a change of limits). */
  private needsDue = false;
  /** Runs to tell about a state change: sent by the main loop, since signals are commands. */
  private readonly outbox: FanOut[] = [];

  constructor(input: SupervisorInput, carried?: SupervisorCarry) {
    this.accountId = parseOrThrow(AccountId, input.accountId, 'accountId') as string;
    const limits = () => parseOrThrow(books.AccountLimits, input.limits ?? {}, 'account limits');
    this.st = carried?.state ?? books.openAccount(this.accountId, limits(), Date.now());
    this.fanOuts = carried?.fanOuts ?? [];
    this.continuedAsNew = carried?.continuedAsNew ?? 0;
    this.dayStartWhenNeeded = patched(DAY_START_WHEN_NEEDED_PATCH);
    this.scheduleDue = !carried && (!this.dayStartWhenNeeded || books.needsDayStart(this.st.limits));
  }

  // ---- queries ----

  status(): AccountStatus {
    return accountStatus(this.accountId, this.st, this.fanOuts, this.continuedAsNew);
  }

  events(): AccountEvent[] {
    return this.st.events;
  }

  /** The account at a glance in the Temporal UI. */
  showDetails(): void {
    showAccountDetails(this.st, this.status());
  }

  // ---- updates and signals ----

  registerRun(req: RegisterRunRequest): books.AccountDirective {
    books.registerRun(this.st, req.workflowId, req.strategy, req.equity, Date.now());
    this.showDetails();
    return books.directive(this.st);
  }

  /** Synchronous: each approval sees every reservation made before it. */
  approveOrder(req: ApprovalRequest): AccountVerdict {
    const v = books.approve(this.st, req, Date.now());
    this.showDetails();
    return v;
  }

  /** Bad values are refused before they reach the history's state: the current limits stay. */
  validateLimits(patch: unknown): void {
    const shape = books.AccountLimitsPatch.safeParse(patch);
    if (!shape.success) throw new Error(`invalid limits: ${formatZodIssues(shape.error)}`);
    const r = books.patchAccountLimits(this.st.limits, patch);
    if (!r.ok) throw new Error(`invalid limits: ${r.error}`);
  }

  updateLimits(patch: books.AccountLimitsPatch): books.AccountLimits {
    const st = this.st;
    const r = books.patchAccountLimits(st.limits, patch);
    if (!r.ok) throw new Error(r.error); // the validator has refused it already
    const dayChanged = JSON.stringify(r.limits.dayStart) !== JSON.stringify(st.limits.dayStart);
    const needsBefore = JSON.stringify(books.reportingNeeds(st));
    st.limits = r.limits;
    if (JSON.stringify(books.reportingNeeds(st)) !== needsBefore) this.needsDue = true;
    const fields = Object.entries(patch ?? {});
    const numbers = Object.fromEntries(fields.map(([k, v]) => [k, JSON.stringify(v)]));
    const message = `limits updated: ${Object.keys(patch ?? {}).join(', ')}`;
    books.record(st, Date.now(), 'LIMITS_UPDATED', message, { code: 'LIMITS_UPDATED', numbers });
    const scheduleOutOfLine = this.dayStartWhenNeeded
      ? books.needsDayStart(st.limits) && (dayChanged || !st.dayScheduled)
      : dayChanged;
    if (scheduleOutOfLine) this.scheduleDue = true;
    if (st.limits.killSwitch && st.tradingState !== 'HALTED') {
      const policy = st.limits.haltPolicy;
      this.moveTo({ to: 'HALTED', reason: 'kill switch engaged', by: 'operator', policy, code: 'KILL_SWITCH_ENGAGED' });
    } else this.checkBreach();
    this.showDetails();
    return st.limits;
  }

  /** Halt the account and every run; answers once every run has been signalled. */
  async halt(req: AccountHaltRequest): Promise<AccountFanOutResult> {
    const policy = req.policy ?? this.st.limits.haltPolicy;
    const to = books.runStateFor(policy);
    return this.moveAndWait({ to, reason: req.reason, by: 'operator', policy, code: 'ACCOUNT_HALTED_BY_OPERATOR' });
  }

  async resume(req: AccountResumeRequest): Promise<AccountFanOutResult> {
    const reason = req.reason ?? 'resumed by operator';
    return this.moveAndWait({ to: 'ACTIVE', reason, by: 'operator', code: 'ACCOUNT_RESUMED' });
  }

  /** A run's equity and positions; a bad report is recorded and changes nothing. */
  runReport(raw: unknown): void {
    const r = books.RunReport.safeParse(raw);
    if (!r.success) {
      const message = `run report rejected: ${formatZodIssues(r.error)}`;
      books.record(this.st, Date.now(), 'REPORT_REJECTED', message, { code: 'INVALID_REPORT' });
      return;
    }
    books.applyReport(this.st, r.data, Date.now());
    this.checkBreach();
    this.showDetails();
  }

  newDay(): void {
    const { lifted } = books.startNewDay(this.st, Date.now());
    if (lifted) this.outbox.push({ to: 'ACTIVE', reason: this.st.stateReason, decidedAt: Date.now() });
    this.showDetails();
  }

  // ---- the main loop's work ----

  private historyFull(): boolean {
    return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > CONTINUE_AS_NEW_EVENTS;
  }

  /** Something for the main loop: a fan-out, the schedule, reporting needs, or a history to hand over. */
  hasWork(): boolean {
    return this.outbox.length > 0 || this.scheduleDue || this.needsDue || this.historyFull();
  }

  /** The main loop's commands, in this order: the schedule, the fan-outs, the reporting needs. */
  async work(): Promise<void> {
    if (this.scheduleDue) await this.ensureDayStartSchedule();
    while (this.outbox.length > 0) await this.fanOut(this.outbox.shift() as FanOut);
    if (this.needsDue) await this.sendReportingNeeds();
  }

  /** Time to continue as new: the history is long and no fan-out waits. */
  shouldContinueAsNew(): boolean {
    return this.outbox.length === 0 && this.historyFull();
  }

  hasFanOutPending(): boolean {
    return this.outbox.length > 0;
  }

  carry(): SupervisorCarry {
    return { state: this.st, fanOuts: this.fanOuts, continuedAsNew: this.continuedAsNew + 1 };
  }

  // ---- internals ----

  /** Change the account's state and queue the fan-out to every run. */
  private moveTo(m: Move): void {
    const policy = m.to === 'ACTIVE' ? undefined : m.policy;
    const changed = books.changeAccountState(this.st, m.to, m.reason, m.by, Date.now(), policy, m.code, m.numbers);
    if (changed || m.done) {
      const policyPart = m.to === 'ACTIVE' ? {} : { policy: m.policy };
      const done = m.done ? { done: m.done } : {};
      this.outbox.push({ to: m.to, reason: m.reason, ...policyPart, decidedAt: Date.now(), ...done });
    }
    this.showDetails();
  }

  private async moveAndWait(m: Omit<Move, 'done'>): Promise<AccountFanOutResult> {
    let result: AccountFanOutResult | undefined;
    this.moveTo({ ...m, done: (r) => (result = r) });
    await condition(() => result !== undefined);
    return result as AccountFanOutResult;
  }

  private checkBreach(): void {
    const breach = books.detectBreach(this.st);
    if (!breach) return;
    const policy: HaltPolicy = breach.target === 'REDUCING' ? 'stop-entries' : this.st.limits.haltPolicy;
    const { target: to, message: reason, code, numbers } = breach;
    this.moveTo({ to, reason, by: 'breach', policy, code, numbers });
  }

  private async ensureDayStartSchedule(): Promise<void> {
    this.scheduleDue = false;
    const st = this.st;
    try {
      const taskQueue = workflowInfo().taskQueue;
      const dayStart = st.limits.dayStart;
      await scheduling['account.ensureDayStartSchedule']({ accountId: this.accountId, dayStart, taskQueue });
      st.dayScheduled = true;
    } catch (e) {
      const message = `the day-start schedule could not be set: ${(e as Error).message}`;
      books.record(st, Date.now(), 'DAY_SCHEDULE_FAILED', message, { code: 'DAY_SCHEDULE_FAILED' });
    }
  }

  private async fanOut(item: FanOut): Promise<void> {
    const result = await fanOut(this.accountId, this.st, item, this.fanOuts);
    this.showDetails();
    item.done?.(result);
  }

  private async sendReportingNeeds(): Promise<void> {
    this.needsDue = false;
    await sendReportingNeeds(this.st);
  }
}
