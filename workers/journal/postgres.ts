/** The journal in PostgreSQL (TEMPOTRADE_JOURNAL_URL=postgres://…): tables created if missing. */
import { Pool, type PoolClient } from 'pg';
import type { AuditEvent } from '../../domain/run/state';
import { TempotradeError } from '../../domain/errors';
import * as store from './store';

const SCHEMA = store.journalSchema({ integer: 'BIGINT', json: 'JSONB' });

/** Rows per INSERT statement: 11 parameters each, well under PostgreSQL's 65,535. */
const CHUNK = 1000;
/** Any fixed key: only journal schema creation takes this lock. */
const SCHEMA_LOCK = 7_301_117;

/** host:port/database of a postgres URL, without user or password (for logs and errors). */
export function postgresWhere(url: string): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
}

async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  // A connection lost mid-transaction is also emitted as 'error': the failed query already reports it.
  const ignore = () => undefined;
  c.on('error', ignore);
  let broken = false;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    broken = true;
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.off('error', ignore);
    // A client that failed is dropped, not reused: its connection may be gone.
    c.release(broken);
  }
}

/** Connect (failing fast, naming host:port, when the database cannot be reached) and create the tables. */
export async function openPostgresJournal(
  url: string,
  opts: { connectTimeoutMs?: number } = {},
): Promise<store.JournalStore> {
  const where = postgresWhere(url);
  // query_timeout: a write on a connection that silently died fails and is retried instead of hanging the queue.
  const pool = new Pool({
    connectionString: url,
    max: 2,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    query_timeout: 30_000,
  });
  // An idle client whose server went away emits 'error': the next write fails and is retried instead.
  pool.on('error', () => undefined);
  try {
    await inTransaction(pool, async (c) => {
      // Two workers starting together would race on CREATE ... IF NOT EXISTS.
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await c.query(SCHEMA);
    });
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new TempotradeError(
      'CONFIG',
      `TEMPOTRADE_JOURNAL_URL: cannot use the PostgreSQL journal at ${where}: ${(e as Error).message || String(e)}`,
    );
  }

  const placeholder = (n: number) => `$${n}`;
  return {
    where: `PostgreSQL ${where}`,
    write: async (batches) => {
      const rows = store.rowsOf(batches);
      const runs = store.latestRuns(batches);
      if (rows.length === 0 && runs.length === 0) return;
      await inTransaction(pool, async (c) => {
        for (let i = 0; i < rows.length; i += CHUNK) {
          const chunk = rows.slice(i, i + CHUNK);
          await c.query(store.insertEventsSql(chunk.length, placeholder), chunk.flatMap(store.eventParams));
        }
        const now = Date.now();
        for (const r of runs) await c.query(store.upsertRunSql(placeholder), store.runParams(r, now));
      });
    },
    events: async (q) => {
      const s = store.selectEvents(q, placeholder);
      const r = await pool.query<store.EventRow<AuditEvent>>(s.sql, s.args);
      return r.rows.map((x) => store.eventOfRow(x, (p) => p));
    },
    runs: async (q) => {
      const s = store.selectRuns(q, placeholder);
      const r = await pool.query<store.RunRow<store.JournalRun['summary']>>(s.sql, s.args);
      return r.rows.map((x) => store.runOfRow(x, (p) => p));
    },
    close: () => pool.end(),
  };
}
