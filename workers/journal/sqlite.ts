/** The journal in a SQLite file (the default): WAL, so the export reads while a worker writes. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunFeedBatch } from '../../domain/run/feed';
import type { AuditEvent } from '../../domain/run/state';
import {
  journalSchema,
  latestRuns,
  rowsOf,
  type JournalEvent,
  type JournalQuery,
  type JournalRun,
  type JournalStore,
} from './store';

const SCHEMA = journalSchema({ integer: 'INTEGER', json: 'TEXT' });

interface EventRow {
  workflow_id: string;
  execution_run_id: string;
  run_id: string;
  account_id: string;
  strategy: string;
  venue: string;
  engine: string;
  payload: string;
}
interface RunRow {
  workflow_id: string;
  run_id: string;
  account_id: string;
  strategy: string;
  venue: string;
  engine: string;
  ticks: number;
  summary: string;
}

function where(q: JournalQuery): { sql: string; args: (string | number)[] } {
  const parts: string[] = [];
  const args: (string | number)[] = [];
  if ('run' in q) {
    parts.push('run_id = ?');
    args.push(q.run);
  } else {
    parts.push('account_id = ?');
    args.push(q.account);
  }
  return { sql: parts.join(' AND '), args };
}

export function openSqliteJournal(file: string): JournalStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const insert = db.prepare(
    `INSERT INTO journal_events (workflow_id, seq, execution_run_id, run_id, account_id, strategy, venue, engine, kind, at, payload)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workflow_id, seq) DO NOTHING`,
  );
  const upsert = db.prepare(
    `INSERT INTO journal_runs (workflow_id, run_id, account_id, strategy, venue, engine, ticks, summary, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (workflow_id) DO UPDATE SET
       run_id = excluded.run_id, account_id = excluded.account_id, strategy = excluded.strategy, venue = excluded.venue,
       engine = excluded.engine, ticks = excluded.ticks, summary = excluded.summary, updated_at = excluded.updated_at
       WHERE excluded.ticks >= journal_runs.ticks`,
  );
  const writeAll = db.transaction((batches: readonly RunFeedBatch[]) => {
    for (const r of rowsOf(batches)) {
      const e = r.event;
      insert.run(
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
      );
    }
    const now = Date.now();
    for (const r of latestRuns(batches))
      upsert.run(
        r.workflowId,
        r.runId,
        r.accountId,
        r.strategy,
        r.venue,
        r.engine,
        r.ticks,
        JSON.stringify(r.summary),
        now,
      );
  });
  return {
    where: `SQLite ${file}`,
    write: async (batches) => {
      writeAll(batches);
    },
    events: async (q) => {
      const w = where(q);
      const time: string[] = [];
      if (q.from !== undefined) time.push('at >= ?');
      if (q.to !== undefined) time.push('at <= ?');
      const order = 'run' in q ? 'workflow_id, seq' : 'at, workflow_id, seq';
      const rows = db
        .prepare(`SELECT * FROM journal_events WHERE ${[w.sql, ...time].join(' AND ')} ORDER BY ${order}`)
        .all(...w.args, ...(q.from !== undefined ? [q.from] : []), ...(q.to !== undefined ? [q.to] : [])) as EventRow[];
      return rows.map((r): JournalEvent => ({
        workflowId: r.workflow_id,
        executionRunId: r.execution_run_id,
        runId: r.run_id,
        accountId: r.account_id,
        strategy: r.strategy,
        venue: r.venue,
        engine: r.engine,
        event: JSON.parse(r.payload) as AuditEvent,
      }));
    },
    runs: async (q) => {
      const w = where(q);
      const rows = db
        .prepare(`SELECT * FROM journal_runs WHERE ${w.sql} ORDER BY workflow_id`)
        .all(...w.args) as RunRow[];
      return rows.map((r): JournalRun => ({
        workflowId: r.workflow_id,
        runId: r.run_id,
        accountId: r.account_id,
        strategy: r.strategy,
        venue: r.venue,
        engine: r.engine,
        ticks: r.ticks,
        summary: JSON.parse(r.summary) as JournalRun['summary'],
      }));
    },
    close: async () => {
      db.close();
    },
  };
}
