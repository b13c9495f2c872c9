/** The journal in PostgreSQL (TEMPOTRADE_JOURNAL_URL=postgres://…): tables created if missing. */
import { Pool, type PoolClient } from 'pg';
import type { AuditEvent } from '../../domain/run/state';
import { TempotradeError } from '../../domain/errors';
import {
  journalSchema,
  latestRuns,
  rowsOf,
  type JournalEvent,
  type JournalQuery,
  type JournalRun,
  type JournalStore,
} from './store';

const SCHEMA = journalSchema({ integer: 'BIGINT', json: 'JSONB' });

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
): Promise<JournalStore> {
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

  const filter = (q: JournalQuery, first = 1) => {
    const parts = ['run' in q ? `run_id = $${first}` : `account_id = $${first}`];
    const args: (string | number)[] = ['run' in q ? q.run : q.account];
    if (q.from !== undefined) {
      args.push(q.from);
      parts.push(`at >= $${first + args.length - 1}`);
    }
    if (q.to !== undefined) {
      args.push(q.to);
      parts.push(`at <= $${first + args.length - 1}`);
    }
    return { sql: parts.join(' AND '), args };
  };

  return {
    where: `PostgreSQL ${where}`,
    write: async (batches) => {
      const rows = rowsOf(batches);
      const runs = latestRuns(batches);
      if (rows.length === 0 && runs.length === 0) return;
      await inTransaction(pool, async (c) => {
        for (let i = 0; i < rows.length; i += CHUNK) {
          const chunk = rows.slice(i, i + CHUNK);
          const args: unknown[] = [];
          const values = chunk.map((r) => {
            const e = r.event;
            const base = args.length;
            args.push(
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
            return `(${Array.from({ length: 11 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
          });
          await c.query(
            `INSERT INTO journal_events (workflow_id, seq, execution_run_id, run_id, account_id, strategy, venue, engine, kind, at, payload)
             VALUES ${values.join(', ')} ON CONFLICT (workflow_id, seq) DO NOTHING`,
            args,
          );
        }
        const now = Date.now();
        for (const r of runs) {
          await c.query(
            `INSERT INTO journal_runs (workflow_id, run_id, account_id, strategy, venue, engine, ticks, summary, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (workflow_id) DO UPDATE SET
               run_id = excluded.run_id, account_id = excluded.account_id, strategy = excluded.strategy, venue = excluded.venue,
               engine = excluded.engine, ticks = excluded.ticks, summary = excluded.summary, updated_at = excluded.updated_at
               WHERE excluded.ticks >= journal_runs.ticks`,
            [
              r.workflowId,
              r.runId,
              r.accountId,
              r.strategy,
              r.venue,
              r.engine,
              r.ticks,
              JSON.stringify(r.summary),
              now,
            ],
          );
        }
      });
    },
    events: async (q) => {
      const f = filter(q);
      const order = 'run' in q ? 'workflow_id, seq' : 'at, workflow_id, seq';
      const r = await pool.query<{
        workflow_id: string;
        execution_run_id: string;
        run_id: string;
        account_id: string;
        strategy: string;
        venue: string;
        engine: string;
        payload: AuditEvent;
      }>(`SELECT * FROM journal_events WHERE ${f.sql} ORDER BY ${order}`, f.args);
      return r.rows.map((x): JournalEvent => ({
        workflowId: x.workflow_id,
        executionRunId: x.execution_run_id,
        runId: x.run_id,
        accountId: x.account_id,
        strategy: x.strategy,
        venue: x.venue,
        engine: x.engine,
        event: x.payload,
      }));
    },
    runs: async (q) => {
      const f = filter({ ...q, from: undefined, to: undefined } as JournalQuery);
      const r = await pool.query<{
        workflow_id: string;
        run_id: string;
        account_id: string;
        strategy: string;
        venue: string;
        engine: string;
        ticks: number;
        summary: JournalRun['summary'];
      }>(`SELECT * FROM journal_runs WHERE ${f.sql} ORDER BY workflow_id`, f.args);
      return r.rows.map((x) => ({
        workflowId: x.workflow_id,
        runId: x.run_id,
        accountId: x.account_id,
        strategy: x.strategy,
        venue: x.venue,
        engine: x.engine,
        ticks: x.ticks,
        summary: x.summary,
      }));
    },
    close: () => pool.end(),
  };
}
