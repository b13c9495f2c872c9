/**
 * The run feed: what a strategy run tells the worker process after each tick, through a Temporal sink
 * (not a command, so it is not in the history and changes no replay). The journal and the metrics read it.
 * A replayed execution publishes its events again (`replaying`): consumers key events by (workflowId, seq).
 */
import type { Sinks } from '@temporalio/workflow';
import type { AuditEvent, ExecutionStart, RunSummary } from './state';

export interface RunFeedBatch {
  /** The run's workflow id: one per chain of continue-as-new executions. */
  workflowId: string;
  /** The Temporal run id of the execution that published the batch. */
  executionRunId: string;
  /**
   * Where the executions of the batch's events began: a new execution re-sends its carried window, whose
   * events belong to earlier executions (absent: every event is labelled with executionRunId).
   */
  executions?: ExecutionStart[];
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

/** The execution that recorded the event `seq` of `batch`. */
export function executionRunIdOf(batch: Pick<RunFeedBatch, 'executionRunId' | 'executions'>, seq: number): string {
  let id = batch.executionRunId;
  for (const e of batch.executions ?? []) if (e.fromSeq <= seq) id = e.executionRunId;
  return id;
}
