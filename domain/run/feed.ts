/**
 * The run feed: what a strategy run tells the worker process after each tick, through a Temporal sink
 * (not a command, so it is not in the history and changes no replay). The journal and the metrics read it.
 * A replayed execution publishes its events again (`replaying`): consumers key events by (workflowId, seq).
 */
import type { Sinks } from '@temporalio/workflow';
import type { AuditEvent, RunSummary } from './state';

export interface RunFeedBatch {
  /** The run's workflow id: one per chain of continue-as-new executions. */
  workflowId: string;
  /** The Temporal run id of the execution that published the batch. */
  executionRunId: string;
  /** True while the worker replays history: these events were published before (metrics skip them). */
  replaying: boolean;
  /** Bounded labels (never an order id). */
  labels: { runId: string; accountId: string; strategy: string; venue: string; engine: string };
  /** Audit events with seq above the last batch's of this execution, oldest first (seq is unique per chain). */
  events: AuditEvent[];
  /** The run's summary after the tick, without the execution monitor. */
  summary: Omit<RunSummary, 'execution'>;
}

export interface RunFeedSinks extends Sinks {
  runFeed: { publish(batch: RunFeedBatch): void };
}
