/**
 * The account supervisor's messages, as module constants named by kind. Pure definitions: safe to import
 * from workflow, activity and client code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type {
  AccountDirective,
  AccountEvent,
  AccountLimits,
  AccountLimitsPatch,
  AccountState,
  AccountVerdict,
  ApprovalRequest,
  HaltPolicy,
  RunReport,
} from '../domain/risk/account';

export const ACCOUNT_SUPERVISOR_WORKFLOW_TYPE = 'accountSupervisor';
export const ACCOUNT_DAY_START_WORKFLOW_TYPE = 'accountDayStart';

/** One supervisor per account: its workflow id. */
export function supervisorWorkflowId(accountId: string): string {
  return `tempotrade-account-${accountId}`;
}

/** The id of the Temporal Schedule that starts the account's day (resets daily counters). */
export function dayStartScheduleId(accountId: string): string {
  return `tempotrade-account-day-${accountId}`;
}

export interface SupervisorInput {
  accountId: string;
  /** Limits of a new supervisor (defaults apply to what is absent). Ignored when state is carried. */
  limits?: unknown;
}

/** A run joining the account (validated by the registerRun Update's validator). */
export const RegisterRunRequest = z.object({
  workflowId: z.string().min(1, 'is required'),
  strategy: z.string(),
  equity: z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string'),
});
export type RegisterRunRequest = z.infer<typeof RegisterRunRequest>;

export interface AccountHaltRequest {
  reason: string;
  policy?: HaltPolicy;
}

export const AccountResumeRequest = z.object({ reason: z.string().max(500).optional() });
export type AccountResumeRequest = z.infer<typeof AccountResumeRequest>;

/** What a halt or resume did: the account's new state and every run told about it. */
export interface AccountFanOutResult {
  accountId: string;
  tradingState: AccountState['tradingState'];
  policy?: HaltPolicy;
  signalled: string[];
  failed: Array<{ workflowId: string; error: string }>;
}

export interface AccountStatus {
  accountId: string;
  tradingState: AccountState['tradingState'];
  stateReason: string;
  haltPolicy?: HaltPolicy;
  limits: AccountLimits;
  equity: string;
  highWaterMark: string;
  drawdownPct: string;
  dayStartEquity: string;
  dailyPnl: string;
  exposure: { total: string; bySymbol: Record<string, string> };
  peakCommitted: string;
  runs: Array<{
    workflowId: string;
    strategy: string;
    equity: string;
    dayStartEquity: string;
    positions: Record<string, string>;
    reserved: string;
  }>;
  reservations: number;
  counters: AccountState['counters'];
  stateChanges: AccountState['stateChanges'];
  dayStartedAt: number;
  /** Every halt's fan-out: when the supervisor decided and when each run was signalled (workflow time). */
  fanOuts: FanOutRecord[];
  continuedAsNew: number;
}

export interface FanOutRecord {
  to: AccountState['tradingState'];
  policy?: HaltPolicy;
  decidedAt: number;
  /** When the last signal was acknowledged by the server. */
  doneAt: number;
  signalled: string[];
  failed: Array<{ workflowId: string; error: string }>;
}

export const approveOrderUpdate = defineUpdate<AccountVerdict, [ApprovalRequest]>('approveOrder');
export const registerRunUpdate = defineUpdate<AccountDirective, [RegisterRunRequest]>('registerRun');
export const updateLimitsUpdate = defineUpdate<AccountLimits, [AccountLimitsPatch]>('updateLimits');
export const haltAccountUpdate = defineUpdate<AccountFanOutResult, [AccountHaltRequest]>('haltAccount');
export const resumeAccountUpdate = defineUpdate<AccountFanOutResult, [AccountResumeRequest]>('resumeAccount');
export const runReportSignal = defineSignal<[RunReport]>('runReport');
export const newDaySignal = defineSignal<[{ at?: number }?]>('newDay');
export const accountStatusQuery = defineQuery<AccountStatus>('status');
export const accountEventsQuery = defineQuery<AccountEvent[]>('events');
