/**
 * The trade journal: every audit event of every run, one row per (workflowId, seq), in SQLite or PostgreSQL.
 * Writes are idempotent, so a replayed execution or a re-sent carried window never adds a row.
 */
import type { RunFeedBatch } from '../../domain/run/feed';
import type { AuditEvent } from '../../domain/run/state';

/** One journal row: an audit event and the labels of the run that wrote it. */
export interface JournalEvent {
  workflowId: string;
  executionRunId: string;
  runId: string;
  accountId: string;
  strategy: string;
  venue: string;
  engine: string;
  event: AuditEvent;
}

/** The latest summary of a run (a chain of continue-as-new executions). */
export interface JournalRun {
  workflowId: string;
  runId: string;
  accountId: string;
  strategy: string;
  venue: string;
  engine: string;
  ticks: number;
  summary: RunFeedBatch['summary'];
}

/** Exactly one of run/account; from/to bound the event time (epoch ms, inclusive). */
export type JournalQuery = ({ run: string } | { account: string }) & { from?: number; to?: number };

export interface JournalStore {
  /** Where the journal goes, for logs (never a password). */
  readonly where: string;
  /** Write the batches' events (existing (workflowId, seq) rows are kept) and upsert each run's latest summary. */
  write(batches: readonly RunFeedBatch[]): Promise<void>;
  /** Events oldest first: by run then seq for --run, by time for --account. */
  events(q: JournalQuery): Promise<JournalEvent[]>;
  runs(q: JournalQuery): Promise<JournalRun[]>;
  close(): Promise<void>;
}

/** A batch's events as flat rows (shared by both stores). */
export function rowsOf(batches: readonly RunFeedBatch[]): JournalEvent[] {
  return batches.flatMap((b) =>
    b.events.map((event) => ({ workflowId: b.workflowId, executionRunId: b.executionRunId, ...b.labels, event })),
  );
}

/** The newest summary of each run among the batches (a later tick wins; the stores keep the highest tick). */
export function latestRuns(batches: readonly RunFeedBatch[]): JournalRun[] {
  const by = new Map<string, JournalRun>();
  for (const b of batches) {
    const prev = by.get(b.workflowId);
    if (prev && prev.ticks > b.summary.ticks) continue;
    by.set(b.workflowId, { workflowId: b.workflowId, ...b.labels, ticks: b.summary.ticks, summary: b.summary });
  }
  return [...by.values()];
}

/** The journal's tables, one definition for both stores; only the big-integer and JSON column types differ. */
export function journalSchema(types: { integer: string; json: string }): string {
  return `
CREATE TABLE IF NOT EXISTS journal_events (
  workflow_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  execution_run_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  strategy TEXT NOT NULL,
  venue TEXT NOT NULL,
  engine TEXT NOT NULL,
  kind TEXT NOT NULL,
  at ${types.integer} NOT NULL,
  payload ${types.json} NOT NULL,
  PRIMARY KEY (workflow_id, seq)
);
CREATE INDEX IF NOT EXISTS journal_events_run ON journal_events (run_id, seq);
CREATE INDEX IF NOT EXISTS journal_events_account ON journal_events (account_id, at);
CREATE TABLE IF NOT EXISTS journal_runs (
  workflow_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  strategy TEXT NOT NULL,
  venue TEXT NOT NULL,
  engine TEXT NOT NULL,
  ticks INTEGER NOT NULL,
  summary ${types.json} NOT NULL,
  updated_at ${types.integer} NOT NULL
);`;
}
