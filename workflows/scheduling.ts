/**
 * Tick mode of scheduled strategies (docs/decisions/0005-scheduled-tick-mode.md): a Temporal Schedule
 * starts a short `scheduledTick` workflow per scheduled time; it delivers one `tick` signal to a
 * long-lived strategyRun (signal-with-start) and returns. The run then takes exactly one tick per
 * signal instead of ticking on a timer, and keeps its state across ticks (and continue-as-new).
 * Pure definitions: safe to import from workflow and client code.
 */
import { defineSignal } from '@temporalio/workflow';
import type { StrategyRunInputRaw } from '../domain/run/input';

export const SCHEDULED_TICK_WORKFLOW_TYPE = 'scheduledTick';

/** One tick to take. `scheduleId` and `at` are recorded for the audit only. */
export const tickSignal = defineSignal<[{ scheduleId?: string; at?: number }?]>('tick');

/** strategyRun's third argument: present iff the run is driven by tick signals. */
export interface TickDriver {
  kind: 'signals';
  /** Ticks delivered but not taken yet (carried over continue-as-new). */
  pending: number;
}

export interface ScheduledTickInput {
  scheduleId: string;
  /** The long-lived run this schedule drives (its workflow id is `run.runId`). */
  run: StrategyRunInputRaw;
  /** Task queue of the strategy run (the scheduledTick itself runs on the same queue). */
  taskQueue: string;
}

export interface TickDelivery {
  runWorkflowId: string;
  /** The run's execution that got the tick (a new one when this tick started the run). */
  signaledRunId: string;
}
