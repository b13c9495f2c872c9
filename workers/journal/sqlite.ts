/** The journal in a SQLite file (the default): WAL, so the export reads while a worker writes. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunFeedBatch } from '../../domain/run/feed';
import type { AuditEvent } from '../../domain/run/state';
import {
  eventOfRow,
  eventParams,
  insertEventsSql,
  journalSchema,
  latestRuns,
  rowsOf,
  runOfRow,
  runParams,
  selectEvents,
  selectRuns,
  upsertRunSql,
  type EventRow,
  type JournalRun,
  type JournalStore,
  type RunRow,
} from './store';

const SCHEMA = journalSchema({ integer: 'INTEGER', json: 'TEXT' });
const placeholder = () => '?';

export function openSqliteJournal(file: string): JournalStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const insert = db.prepare(insertEventsSql(1, placeholder));
  const upsert = db.prepare(upsertRunSql(placeholder));
  const writeAll = db.transaction((batches: readonly RunFeedBatch[]) => {
    for (const r of rowsOf(batches)) insert.run(...eventParams(r));
    const now = Date.now();
    for (const r of latestRuns(batches)) upsert.run(...runParams(r, now));
  });
  return {
    where: `SQLite ${file}`,
    write: async (batches) => {
      writeAll(batches);
    },
    events: async (q) => {
      const s = selectEvents(q, placeholder);
      const rows = db.prepare(s.sql).all(...s.args) as EventRow<string>[];
      return rows.map((r) => eventOfRow(r, (p) => JSON.parse(p) as AuditEvent));
    },
    runs: async (q) => {
      const s = selectRuns(q, placeholder);
      const rows = db.prepare(s.sql).all(...s.args) as RunRow<string>[];
      return rows.map((r) => runOfRow(r, (p) => JSON.parse(p) as JournalRun['summary']));
    },
    close: async () => {
      db.close();
    },
  };
}
