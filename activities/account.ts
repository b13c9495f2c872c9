/**
 * The strategy run's side of the account supervisor: register, and ask before an opening order. Both are
 * Update-with-Start on the account's supervisor workflow (started on this worker's task queue with default
 * limits if it is not running yet), with the order's clientOrderId as the Update id, so a retried activity
 * gets the same answer and never reserves twice. Also: the day-start Schedule of an account.
 */
import { Context } from '@temporalio/activity';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { supervisorStart } from '../temporal/accounts-client';
import type { AccountDirective, AccountLimits, AccountVerdict, ApprovalRequest } from '../domain/risk/account';
import {
  ACCOUNT_DAY_START_WORKFLOW_TYPE,
  approveOrderUpdate,
  dayStartScheduleId,
  registerRunUpdate,
  type RegisterRunRequest,
} from '../workflows/account-definitions';

export function createAccountActivities() {
  const ctx = () => Context.current();
  return {
    async 'account.register'(req: RegisterRunRequest & { accountId: string }): Promise<AccountDirective> {
      const { accountId, ...body } = req;
      return ctx().client.workflow.executeUpdateWithStart(registerRunUpdate, {
        args: [body],
        updateId: `register:${body.workflowId}:${ctx().info.workflowExecution?.runId ?? ''}`,
        startWorkflowOperation: supervisorStart(accountId, ctx().info.taskQueue),
      });
    },

    async 'account.approve'(req: ApprovalRequest & { accountId: string }): Promise<AccountVerdict> {
      return approveOnAccount(ctx().client, ctx().info.taskQueue, req);
    },

    async 'account.ensureDayStartSchedule'(req: {
      accountId: string;
      dayStart: AccountLimits['dayStart'];
      taskQueue: string;
    }): Promise<{ scheduleId: string; created: boolean }> {
      return ensureDayStartSchedule(ctx().client, req);
    },
  };
}

/** Ask the account's supervisor to approve (and reserve) one order; the Update id is the order's, so a retry gets the same verdict. */
export function approveOnAccount(
  client: Client,
  taskQueue: string,
  req: ApprovalRequest & { accountId: string },
): Promise<AccountVerdict> {
  const { accountId, ...body } = req;
  return client.workflow.executeUpdateWithStart(approveOrderUpdate, {
    args: [body],
    updateId: `approve:${body.requestId}`,
    startWorkflowOperation: supervisorStart(accountId, taskQueue),
  });
}

/** Create (or bring up to date) the Schedule that starts the account's day at dayStart in its time zone. */
export async function ensureDayStartSchedule(
  client: Client,
  req: { accountId: string; dayStart: AccountLimits['dayStart']; taskQueue: string },
): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = dayStartScheduleId(req.accountId);
  const spec = {
    calendars: [
      { hour: req.dayStart.hour, minute: req.dayStart.minute, comment: `start of day of account ${req.accountId}` },
    ],
    timezone: req.dayStart.timeZone,
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: ACCOUNT_DAY_START_WORKFLOW_TYPE,
        args: [{ accountId: req.accountId }],
        taskQueue: req.taskQueue,
        workflowId: `${scheduleId}-run`,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
    return { scheduleId, created: true };
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec }));
    return { scheduleId, created: false };
  }
}
