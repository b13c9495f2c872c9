/**
 * accountSupervisor: one per account, long-running (continue-as-new), the account's risk authority.
 *  - Strategy runs register (registerRun) and ask before every opening order (approveOrder). Approvals
 *    reserve the order's notional, and handlers are synchronous, so runs asking at the same moment can
 *    never together pass a cap: one decision finishes before the next starts.
 *  - Runs report equity and positions (runReport); a report releases finished orders' reservations.
 *  - A breach (account daily loss, drawdown) changes the account's trading state and signals every
 *    registered run: halt (with the halt policy) or reduce-only. People do the same with haltAccount /
 *    resumeAccount; limits change at run time through updateLimits, whose validator refuses bad values.
 *  - A Temporal Schedule (accountDayStart) starts the account's day: daily counters reset.
 * This file wires the messages to the AccountSupervisor (./supervisor.ts); decisions are in
 * domain/risk/account.ts.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
} from '@temporalio/workflow';
import { parseOrThrow } from '../../domain/errors';
import { AccountId } from '../../domain/ids';
import { ApprovalRequest } from '../../domain/risk/account';
import { HaltSignal } from '../../domain/run/input';
import {
  AccountResumeRequest,
  RegisterRunRequest,
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
  type SupervisorInput,
} from '../account-definitions';
import { AccountSupervisor, type SupervisorCarry } from './supervisor';

export type { SupervisorCarry } from './supervisor';

export async function accountSupervisor(input: SupervisorInput, carried?: SupervisorCarry): Promise<void> {
  const sup = new AccountSupervisor(input, carried);

  // Registered in this order: messages that came with the start are delivered as each handler is set.
  setHandler(accountStatusQuery, () => sup.status());
  setHandler(accountEventsQuery, () => sup.events());
  setHandler(registerRunUpdate, (req) => sup.registerRun(req), {
    validator: (req) => void parseOrThrow(RegisterRunRequest, req, 'registerRun'),
  });
  setHandler(approveOrderUpdate, (req) => sup.approveOrder(req), {
    validator: (req) => void parseOrThrow(ApprovalRequest, req, 'approval request'),
  });
  setHandler(updateLimitsUpdate, (patch) => sup.updateLimits(patch), {
    validator: (patch) => sup.validateLimits(patch),
  });
  setHandler(haltAccountUpdate, (req) => sup.halt(req), {
    validator: (req) => void parseOrThrow(HaltSignal, req, 'halt'),
  });
  setHandler(resumeAccountUpdate, (req) => sup.resume(req), {
    validator: (req) => void parseOrThrow(AccountResumeRequest, req, 'resume'),
  });
  setHandler(runReportSignal, (raw) => sup.runReport(raw));
  setHandler(newDaySignal, () => sup.newDay());
  sup.showDetails();

  // The main loop sends the commands the handlers asked for, and hands over when the history grows.
  for (;;) {
    await condition(() => sup.hasWork());
    await sup.work();
    if (!sup.shouldContinueAsNew()) continue;
    await condition(allHandlersFinished);
    if (sup.hasFanOutPending()) continue;
    await continueAsNew<typeof accountSupervisor>({ accountId: sup.accountId }, sup.carry());
  }
}

/** Started by the account's day-start Schedule: tells the supervisor a new day began. */
export async function accountDayStart(input: { accountId: string }): Promise<void> {
  const accountId = parseOrThrow(AccountId, input.accountId, 'accountId') as string;
  await getExternalWorkflowHandle(supervisorWorkflowId(accountId)).signal(newDaySignal, { at: Date.now() });
}
