/** Publishes the run feed (domain/run/feed.ts) through the worker's `runFeed` sink; no history, no I/O here. */
import { proxySinks, workflowInfo } from '@temporalio/workflow';
import { venueKindOf } from '../../brokers/venues';
import type { RunFeedSinks } from '../../domain/run/feed';
import { summarize } from '../../domain/run/transitions';
import type { RunContext } from './context';

const { runFeed } = proxySinks<RunFeedSinks>();

/** Events newer than the last batch of this execution (a new execution re-sends its carried window). */
export function publishFeed(run: RunContext): void {
  const st = run.state;
  if (!st) return;
  const events = st.audit.filter((e) => e.seq > run.feedSeq);
  run.feedSeq = st.auditSeq;
  const venue = run.input.venue;
  const summary = summarize(st, run.input, run.info.workflowId);
  runFeed.publish({
    workflowId: run.info.workflowId,
    executionRunId: run.info.runId,
    // Only the starts that label this batch's events (the first event's execution and later ones).
    executions: st.executions?.filter(
      (_, i, all) => events.length > 0 && (all[i + 1]?.fromSeq ?? Infinity) > events[0].seq,
    ),
    replaying: workflowInfo().unsafe.isReplaying,
    labels: {
      runId: run.input.runId,
      accountId: run.input.accountId,
      strategy: run.input.strategy.name,
      venue: 'exchange' in venue ? `${venueKindOf(venue).id}:${venue.exchange}` : venueKindOf(venue).id,
      engine: st.engine.engine,
    },
    events,
    summary,
  });
}
