/** The journal in a SQLite file (the default): WAL, so the export reads while a worker writes. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunFeedBatch } from '../../domain/run/feed';
import type { AuditEvent } from '../../domain/run/state';
import * as store from './store';

const SCHEMA = store.journalSchema({ integer: 'INTEGER', json: 'TEXT' });
const placeholder = () => '?';

export function openSqliteJournal(file: string): store.JournalStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const insert = db.prepare(store.insertEventsSql(1, placeholder));
  const upsert = db.prepare(store.upsertRunSql(placeholder));
  const writeAll = db.transaction((batches: readonly RunFeedBatch[]) => {
    for (const r of store.rowsOf(batches)) insert.run(...store.eventParams(r));
    const now = Date.now();
    for (const r of store.latestRuns(batches)) upsert.run(...store.runParams(r, now));
  });
  return {
    where: `SQLite ${file}`,
    write: async (batches) => {
      writeAll(batches);
    },
    events: async (q) => {
      const s = store.selectEvents(q, placeholder);
      const rows = db.prepare(s.sql).all(...s.args) as store.EventRow<string>[];
      return rows.map((r) => store.eventOfRow(r, (p) => JSON.parse(p) as AuditEvent));
    },
    runs: async (q) => {
      const s = store.selectRuns(q, placeholder);
      const rows = db.prepare(s.sql).all(...s.args) as store.RunRow<string>[];
      return rows.map((r) => store.runOfRow(r, (p) => JSON.parse(p) as store.JournalRun['summary']));
    },
    close: async () => {
      db.close();
    },
  };
}
