/**
 * `schedule.deliverTick`: the one step of a scheduledTick workflow (tick mode, docs/decisions/0005):
 * signal-with-start the schedule's long-lived strategyRun with one `tick`. Uses the worker's own client.
 * A run that has ended is not started again (its state would be lost): the tick fails, non-retryably.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import { runSearchAttributes, validateRunInput, WORKFLOW_TYPE } from '../temporal/runs-client';
import { tickSignal, type ScheduledTickInput, type TickDelivery, type TickDriver } from '../workflows/scheduling';

export function createSchedulingActivities() {
  return {
    async 'schedule.deliverTick'(req: ScheduledTickInput): Promise<TickDelivery> {
      const input = validateRunInput(req.run);
      const driver: TickDriver = { kind: 'signals', pending: 0 };
      try {
        const handle = await Context.current().client.workflow.signalWithStart(WORKFLOW_TYPE, {
          workflowId: input.runId,
          taskQueue: req.taskQueue,
          args: [input, undefined, driver],
          signal: tickSignal,
          signalArgs: [{ scheduleId: req.scheduleId, at: Date.now() }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: runSearchAttributes(input),
        });
        return { runWorkflowId: handle.workflowId, signaledRunId: handle.signaledRunId };
      } catch (e) {
        if (e instanceof WorkflowExecutionAlreadyStartedError) {
          throw ApplicationFailure.nonRetryable(
            `the strategy run "${input.runId}" of schedule "${req.scheduleId}" has ended; a tick-mode run is not restarted (its state would be lost): delete the schedule or create it with a new run id`,
            'RUN_ALREADY_EXISTS',
          );
        }
        throw e;
      }
    },
  };
}
