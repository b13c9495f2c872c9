/**
 * The trade journal: every audit event of every run, one row per (workflowId, seq), in SQLite or PostgreSQL.
 * Writes are idempotent, so a replayed execution or a re-sent carried window never adds a row.
 */
import { executionRunIdOf, type RunFeedBatch } from '../../domain/run/feed';
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
    b.events.map((event) => ({
      workflowId: b.workflowId,
      executionRunId: executionRunIdOf(b, event.seq),
      ...b.labels,
      event,
    })),
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

/** A driver's placeholder for the n-th parameter (1-based): `?` in SQLite, `$n` in PostgreSQL. */
export type Placeholder = (n: number) => string;

/** `(p1, p2, …)` for `count` parameters starting at the `first`-th. */
function tuple(count: number, placeholder: Placeholder, first = 1): string {
  return `(${Array.from({ length: count }, (_, k) => placeholder(first + k)).join(', ')})`;
}

const EVENT_COLUMNS = 11;

/** Parameters of one journal_events row, in the order of insertEventsSql's columns. */
export function eventParams(r: JournalEvent): unknown[] {
  const e = r.event;
  return [
    r.workflowId,
    e.seq,
    r.executionRunId,
    r.runId,
    r.accountId,
    r.strategy,
    r.venue,
    r.engine,
    e.kind,
    e.at,
    JSON.stringify(e),
  ];
}

/** An INSERT of `rows` journal_events rows (eventParams of each, in turn); a (workflowId, seq) already there is kept. */
export function insertEventsSql(rows: number, placeholder: Placeholder): string {
  const values = Array.from({ length: rows }, (_, i) => tuple(EVENT_COLUMNS, placeholder, i * EVENT_COLUMNS + 1));
  return `INSERT INTO journal_events (workflow_id, seq, execution_run_id, run_id, account_id, strategy, venue, engine, kind, at, payload)
     VALUES ${values.join(', ')} ON CONFLICT (workflow_id, seq) DO NOTHING`;
}

/** Parameters of one journal_runs row, in the order of upsertRunSql's columns. */
export function runParams(r: JournalRun, now: number): unknown[] {
  return [r.workflowId, r.runId, r.accountId, r.strategy, r.venue, r.engine, r.ticks, JSON.stringify(r.summary), now];
}

/** Upsert of one run's summary (runParams) into journal_runs; an older tick never overwrites a newer one. */
export function upsertRunSql(placeholder: Placeholder): string {
  return `INSERT INTO journal_runs (workflow_id, run_id, account_id, strategy, venue, engine, ticks, summary, updated_at)
     VALUES ${tuple(9, placeholder)}
     ON CONFLICT (workflow_id) DO UPDATE SET
       run_id = excluded.run_id, account_id = excluded.account_id, strategy = excluded.strategy, venue = excluded.venue,
       engine = excluded.engine, ticks = excluded.ticks, summary = excluded.summary, updated_at = excluded.updated_at
       WHERE excluded.ticks >= journal_runs.ticks`;
}

/** The run or account condition, then the time bounds that are set. */
function filter(q: JournalQuery, placeholder: Placeholder): { sql: string; args: (string | number)[] } {
  const args: (string | number)[] = ['run' in q ? q.run : q.account];
  const parts = ['run' in q ? `run_id = ${placeholder(1)}` : `account_id = ${placeholder(1)}`];
  if (q.from !== undefined) {
    args.push(q.from);
    parts.push(`at >= ${placeholder(args.length)}`);
  }
  if (q.to !== undefined) {
    args.push(q.to);
    parts.push(`at <= ${placeholder(args.length)}`);
  }
  return { sql: parts.join(' AND '), args };
}

/** The SELECT behind JournalStore.events: by run then seq for a run, by time for an account. */
export function selectEvents(q: JournalQuery, placeholder: Placeholder): { sql: string; args: (string | number)[] } {
  const f = filter(q, placeholder);
  const order = 'run' in q ? 'workflow_id, seq' : 'at, workflow_id, seq';
  return { sql: `SELECT * FROM journal_events WHERE ${f.sql} ORDER BY ${order}`, args: f.args };
}

/** The SELECT behind JournalStore.runs (time bounds do not apply to runs). */
export function selectRuns(q: JournalQuery, placeholder: Placeholder): { sql: string; args: (string | number)[] } {
  const f = filter({ ...q, from: undefined, to: undefined } as JournalQuery, placeholder);
  return { sql: `SELECT * FROM journal_runs WHERE ${f.sql} ORDER BY workflow_id`, args: f.args };
}

/** A journal_events row as the driver returns it; the payload is text in SQLite, parsed JSONB in PostgreSQL. */
export interface EventRow<Payload> {
  workflow_id: string;
  execution_run_id: string;
  run_id: string;
  account_id: string;
  strategy: string;
  venue: string;
  engine: string;
  payload: Payload;
}

/** A journal_runs row as the driver returns it; the summary is text in SQLite, parsed JSONB in PostgreSQL. */
export interface RunRow<Summary> {
  workflow_id: string;
  run_id: string;
  account_id: string;
  strategy: string;
  venue: string;
  engine: string;
  ticks: number;
  summary: Summary;
}

export function eventOfRow<P>(r: EventRow<P>, decode: (payload: P) => AuditEvent): JournalEvent {
  return {
    workflowId: r.workflow_id,
    executionRunId: r.execution_run_id,
    runId: r.run_id,
    accountId: r.account_id,
    strategy: r.strategy,
    venue: r.venue,
    engine: r.engine,
    event: decode(r.payload),
  };
}

export function runOfRow<S>(r: RunRow<S>, decode: (summary: S) => JournalRun['summary']): JournalRun {
  return {
    workflowId: r.workflow_id,
    runId: r.run_id,
    accountId: r.account_id,
    strategy: r.strategy,
    venue: r.venue,
    engine: r.engine,
    ticks: r.ticks,
    summary: decode(r.summary),
  };
}
