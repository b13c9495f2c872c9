/**
 * The trade journal end to end, with the worker in its own process: a run that continues as new every 60 ticks,
 * whose worker is SIGKILLed mid-run and replaced, journals exactly one row per audit event, in SQLite and in
 * PostgreSQL (the 1,500-tick run with both journals is tests/workflow/journal.test.ts). The PostgreSQL worker reaches the database through a proxy that is cut mid-run: trading goes on,
 * and the journal catches up. `tempotrade journal export` then equals the run's audit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import Database from 'better-sqlite3';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import type { AuditEvent, RunSummary } from '../../domain/run/state';
import { runAudit, startRun } from '../../temporal/runs-client';
import { spawnWorker, type Child } from '../../cli/spawn';
import { NAMESPACE, serverAddress, uniqueQueue } from '../helpers/temporal';
import { expectWhole, tickOf } from '../helpers/workflow-journal';
import { result, runInput, withVenueSuite } from '../helpers/runs';
import { runCli } from '../helpers/cli';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { createTestDatabase, PG_HOST, PG_PORT, type TestDatabase } from '../helpers/postgres';

const TICKS = 240;
const KILL_AT = 150;
const stamp = Date.now().toString(36);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-it-'));
const sqliteFile = path.join(dir, 'journal.sqlite');
let client: Client;
let venue: PaperVenueServer;
let pg: TestDatabase;
let proxy: TcpProxy;

withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));
beforeAll(async () => {
  pg = await createTestDatabase('tt_journal_it');
  proxy = await startTcpProxy({ host: PG_HOST, port: PG_PORT });
});
afterAll(async () => {
  await proxy?.close();
  await pg?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const inputFor = (runId: string) =>
  runInput({
    runId,
    venueUrl: venue.url,
    symbols: ['ETH/BTC'],
    strategy: { name: 'sma-crossover', params: { fast: 3, slow: 8, orderPct: 20 } },
    stop: { maxTicks: TICKS, endOfData: true },
    continueAsNewAfterTicks: 60,
  });

/** Start a run on a worker of its own whose journal goes to `journalUrl`, kill the worker at KILL_AT, replace it. */
async function runWithKill(
  id: string,
  journalUrl: string,
  midRun?: () => Promise<void>,
): Promise<{ summary: RunSummary; audit: AuditEvent[] }> {
  const queue = uniqueQueue(`journal-${id}`);
  const env = {
    TEMPORAL_ADDRESS: serverAddress(),
    TEMPORAL_NAMESPACE: NAMESPACE(),
    TEMPOTRADE_JOURNAL_URL: journalUrl,
  };
  let worker: Child = await spawnWorker(env, undefined, queue);
  try {
    expect(worker.output()).toMatch(/journal: (SQLite|PostgreSQL) /);
    expect(worker.output()).not.toContain('postgres://');
    await startRun(client, inputFor(id), { taskQueue: queue });
    await midRun?.();
    await tickOf(client, id, KILL_AT);
    await worker.kill9();
    worker = await spawnWorker(env, undefined, queue);
    const summary = await result(client, id);
    // Asked while a worker is up; then the worker stops, writing what its journal still holds.
    const audit = await runAudit(client, id);
    await worker.stop();
    return { summary, audit };
  } finally {
    await worker.stop();
  }
}

describe('GIVEN a 240-tick run with continue-as-new every 60 ticks and its worker process SIGKILLed at tick 150', () => {
  it('WHEN the journal is SQLite (kill) and PostgreSQL (kill, and the database cut mid-run) THEN each has exactly one row per event and the export equals the audit', async () => {
    const sqliteId = `journal-sqlite-${stamp}`;
    const pgId = `journal-pg-${stamp}`;
    const pgUrl = pg.url({ host: '127.0.0.1', port: proxy.port });
    let tradedWhileCut = 0;
    const [{ summary: sqliteSummary, audit: sqliteAudit }, { summary: pgSummary, audit: pgAudit }] = await Promise.all([
      runWithKill(sqliteId, `sqlite:${sqliteFile}`),
      runWithKill(pgId, pgUrl, async () => {
        const cutAt = await tickOf(client, pgId, 40);
        proxy.cut();
        tradedWhileCut = (await tickOf(client, pgId, cutAt + 40)) - cutAt;
        proxy.restore();
      }),
    ]);
    expect(tradedWhileCut).toBeGreaterThanOrEqual(40);
    expect([sqliteSummary.ticks, pgSummary.ticks]).toEqual([TICKS, TICKS]);
    expect(sqliteSummary.fills).toBeGreaterThan(0);

    // SQLite: rows as stored, and the CSV export.
    const db = new Database(sqliteFile, { readonly: true });
    const rows = db.prepare('SELECT payload FROM journal_events WHERE workflow_id = ? ORDER BY seq').all(sqliteId) as {
      payload: string;
    }[];
    db.close();
    expectWhole(
      rows.map((r) => JSON.parse(r.payload) as AuditEvent),
      sqliteAudit,
      sqliteSummary,
    );
    const csv = await runCli(['journal', 'export', '--run', sqliteId, '--format', 'csv'], {
      TEMPOTRADE_JOURNAL_URL: `sqlite:${sqliteFile}`,
    });
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'workflowId,executionRunId,runId,accountId,strategy,venue,engine,seq,tick,at,kind,code,clientOrderId,message,numbers',
    );
    expect(lines.length - 1).toBe(rows.length);

    // PostgreSQL: counted in the database, and the JSONL export compared event by event.
    expect(await pg.count('SELECT count(*) AS n FROM journal_events WHERE workflow_id = $1', [pgId])).toBe(
      await pg.count('SELECT max(seq) AS n FROM journal_events WHERE workflow_id = $1', [pgId]),
    );
    const out = path.join(dir, 'pg.jsonl');
    const jsonl = await runCli(['journal', 'export', '--run', pgId, '--format', 'jsonl', '--out', out], {
      TEMPOTRADE_JOURNAL_URL: pg.url(),
    });
    expect(jsonl.stderr).toContain(`written to ${out}`);
    expect(jsonl.stderr).toContain(`${pgId}: sma-crossover on ${inputFor(pgId).accountId}, tick ${TICKS}`);
    const exported = fs
      .readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { workflowId: string; executionRunId: string; event: AuditEvent });
    // Four executions, each event labelled with the one that recorded it (even those a dead worker never wrote).
    const labels = exported.map((e) => e.executionRunId).filter((id, i, all) => id !== all[i - 1]);
    expect(labels).toHaveLength(4);
    expect(new Set(labels).size).toBe(4);
    expectWhole(
      exported.map((e) => e.event),
      pgAudit,
      pgSummary,
    );
  }, 240_000);

  it('WHEN the export names both --run and --account, a bad --format or --from, or a journal URL of another scheme THEN it exits 2 naming it', async () => {
    const env = { TEMPOTRADE_JOURNAL_URL: `sqlite:${sqliteFile}` };
    const both = await runCli(['journal', 'export', '--run', 'a', '--account', 'b', '--format', 'csv'], env, true);
    expect([both.code, both.stderr]).toEqual([
      2,
      expect.stringContaining('--run: give exactly one of --run ID or --account A'),
    ]);
    const fmt = await runCli(['journal', 'export', '--run', 'a', '--format', 'xml'], env, true);
    expect([fmt.code, fmt.stderr]).toEqual([2, expect.stringContaining('--format: must be csv or jsonl')]);
    const from = await runCli(
      ['journal', 'export', '--account', 'a', '--from', 'yesterday', '--format', 'csv'],
      env,
      true,
    );
    expect([from.code, from.stderr]).toEqual([2, expect.stringContaining('--from: must be an ISO time')]);
    const scheme = await runCli(
      ['journal', 'export', '--run', 'a', '--format', 'csv'],
      { TEMPOTRADE_JOURNAL_URL: 'mysql://x/y' },
      true,
    );
    expect([scheme.code, scheme.stderr]).toEqual([
      2,
      expect.stringContaining('TEMPOTRADE_JOURNAL_URL: unknown scheme "mysql"'),
    ]);
  });

  it('WHEN a worker starts with its journal database unreachable THEN it fails at once naming host:port, without the password', async () => {
    const closed = await startTcpProxy({ host: PG_HOST, port: PG_PORT });
    const port = closed.port;
    await closed.close();
    const env = {
      TEMPORAL_ADDRESS: serverAddress(),
      TEMPOTRADE_JOURNAL_URL: `postgres://u:hunter2@127.0.0.1:${port}/j`,
    };
    const w = await runCli(['worker', '--task-queue', uniqueQueue('journal-down')], env, true);
    expect(w.code).toBe(1);
    expect(w.stderr).toContain(`TEMPOTRADE_JOURNAL_URL: cannot use the PostgreSQL journal at 127.0.0.1:${port}/j`);
    expect(w.stderr + w.stdout).not.toContain('hunter2');
  });
});
