/**
 * The trade journal's parts without Temporal: where TEMPOTRADE_JOURNAL_URL sends it, that a database that
 * cannot be reached fails the start naming host:port, that writing a batch twice keeps one row per event
 * (SQLite and PostgreSQL), and that the writer buffers while PostgreSQL is cut and catches up after.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunFeedBatch } from '../../domain/run/feed';
import type { AuditEvent } from '../../domain/run/state';
import { TempotradeError } from '../../domain/errors';
import { journalConfigFrom, openJournal } from '../../workers/journal/config';
import { JournalWriter } from '../../workers/journal/writer';
import { formatEvents } from '../../workers/journal/export';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { createTestDatabase, PG_HOST, PG_PORT, type TestDatabase } from '../helpers/postgres';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-unit-'));
let pg: TestDatabase;
beforeAll(async () => {
  pg = await createTestDatabase('tt_journal_unit');
});
afterAll(async () => {
  await pg?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function event(seq: number): AuditEvent {
  return {
    seq,
    tick: seq,
    at: 1_700_000_000_000 + seq * 1000,
    kind: 'ORDER_FILLED',
    message: `fill ${seq}`,
    numbers: { qty: '0.1' },
  };
}
function batch(workflowId: string, seqs: number[], ticks = seqs[seqs.length - 1] ?? 0): RunFeedBatch {
  return {
    workflowId,
    executionRunId: 'exec-1',
    replaying: false,
    labels: { runId: workflowId, accountId: 'acct-u', strategy: 'sma-crossover', venue: 'paper', engine: 'builtin' },
    events: seqs.map(event),
    summary: {
      ticks,
      equity: '1',
      quote: 'BTC',
      orders: { filled: seqs.length },
    } as unknown as RunFeedBatch['summary'],
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('GIVEN TEMPOTRADE_JOURNAL_URL', () => {
  it('WHEN it is unset, sqlite:, file: or postgres:// THEN the journal goes where it says', () => {
    expect(journalConfigFrom({}, '/srv/app')).toEqual({ kind: 'sqlite', file: '/srv/app/.tempotrade/journal.sqlite' });
    expect(journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: 'sqlite:/tmp/j.sqlite' })).toEqual({
      kind: 'sqlite',
      file: '/tmp/j.sqlite',
    });
    expect(journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: 'file:///tmp/j.sqlite' })).toEqual({
      kind: 'sqlite',
      file: '/tmp/j.sqlite',
    });
    expect(journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: 'postgresql://u:secret@db.example:6543/trades' })).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:secret@db.example:6543/trades',
      where: 'db.example:6543/trades',
    });
  });

  it('WHEN the scheme is unknown THEN a validation error names the variable and the scheme', () => {
    const bad = () => journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: 'mysql://localhost/trades' });
    expect(bad).toThrow(TempotradeError);
    expect(bad).toThrow(/TEMPOTRADE_JOURNAL_URL: unknown scheme "mysql"/);
    expect(() => journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: 'sqlite:' })).toThrow(
      /TEMPOTRADE_JOURNAL_URL: sqlite: needs a file path/,
    );
  });

  it('WHEN PostgreSQL cannot be reached THEN opening fails fast naming host:port, and not the password', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const err = await openJournal(
      journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: `postgres://u:hunter2@127.0.0.1:${port}/x` }),
      {
        connectTimeoutMs: 2000,
      },
    ).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(TempotradeError);
    expect((err as Error).message).toContain(
      `TEMPOTRADE_JOURNAL_URL: cannot use the PostgreSQL journal at 127.0.0.1:${port}/x`,
    );
    expect((err as Error).message).not.toContain('hunter2');
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('GIVEN a journal', () => {
  it.each(['sqlite', 'postgres'])(
    'WHEN the same batch is written twice (%s) THEN each event has one row and the latest summary is kept',
    async (kind) => {
      const url = kind === 'sqlite' ? `sqlite:${path.join(dir, 'idem.sqlite')}` : pg.url();
      const store = await openJournal(journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: url }));
      try {
        await store.write([batch('wf-idem', [1, 2, 3])]);
        await store.write([batch('wf-idem', [1, 2, 3])]);
        // A new execution re-sends its carried window with new events; an older summary never wins.
        await store.write([batch('wf-idem', [2, 3, 4, 5]), batch('wf-idem', [], 2)]);
        const events = await store.events({ run: 'wf-idem' });
        expect(events.map((e) => e.event)).toEqual(range(1, 5).map(event));
        const runs = await store.runs({ account: 'acct-u' });
        expect(runs.map((r) => [r.workflowId, r.ticks])).toEqual([['wf-idem', 5]]);
        expect(await store.events({ account: 'acct-u', from: event(2).at, to: event(3).at })).toHaveLength(2);
        const csv = formatEvents(events, 'csv').trim().split('\n');
        expect(csv).toHaveLength(6);
        expect(csv[1]).toBe(
          'wf-idem,exec-1,wf-idem,acct-u,sma-crossover,paper,builtin,1,1,2023-11-14T22:13:21.000Z,ORDER_FILLED,,,fill 1,"{""qty"":""0.1""}"',
        );
      } finally {
        await store.close();
      }
    },
  );

  it('WHEN a new execution re-sends a carried window whose first worker died unwritten THEN each event keeps the execution that recorded it', async () => {
    const store = await openJournal(
      journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: `sqlite:${path.join(dir, 'exec.sqlite')}` }),
    );
    try {
      const resent: RunFeedBatch = {
        ...batch('wf-exec', range(1, 6)),
        executionRunId: 'exec-3',
        executions: [
          { fromSeq: 1, executionRunId: 'exec-1' },
          { fromSeq: 3, executionRunId: 'exec-2' },
          { fromSeq: 6, executionRunId: 'exec-3' },
        ],
      };
      await store.write([resent]);
      const events = await store.events({ run: 'wf-exec' });
      expect(events.map((e) => [e.event.seq, e.executionRunId])).toEqual([
        [1, 'exec-1'],
        [2, 'exec-1'],
        [3, 'exec-2'],
        [4, 'exec-2'],
        [5, 'exec-2'],
        [6, 'exec-3'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('WHEN it is SQLite THEN the file is in WAL mode', async () => {
    const file = path.join(dir, 'wal.sqlite');
    const store = await openJournal({ kind: 'sqlite', file });
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('GIVEN the journal writer on PostgreSQL through a proxy', () => {
  it('WHEN the proxy is cut THEN onBatch returns at once, events are buffered, and after restore each is written once', async () => {
    const proxy = await startTcpProxy({ host: PG_HOST, port: PG_PORT });
    const logs: string[] = [];
    const store = await openJournal(
      journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: pg.url({ host: '127.0.0.1', port: proxy.port }) }),
    );
    const writer = new JournalWriter(store, { retryMinMs: 50, retryMaxMs: 200, log: (m) => logs.push(m) });
    try {
      writer.onBatch(batch('wf-cut', range(1, 10)));
      await writer.flush();
      proxy.cut();
      const t0 = Date.now();
      for (let s = 11; s <= 200; s += 10) writer.onBatch(batch('wf-cut', range(s, s + 9)));
      expect(Date.now() - t0).toBeLessThan(50);
      await new Promise((r) => setTimeout(r, 600));
      expect(writer.stats().pending).toBe(190);
      expect(writer.stats().failedWrites).toBeGreaterThan(0);
      // The run re-sends a window while the database is away: still one row each.
      writer.onBatch(batch('wf-cut', range(195, 205)));
      proxy.restore();
      await writer.flush();
      expect(writer.stats()).toMatchObject({ pending: 0, dropped: 0 });
      expect(await pg.count(`SELECT count(*) AS n FROM journal_events WHERE workflow_id = 'wf-cut'`)).toBe(205);
      expect(await pg.count(`SELECT count(DISTINCT seq) AS n FROM journal_events WHERE workflow_id = 'wf-cut'`)).toBe(
        205,
      );
      expect(logs.some((m) => /write to PostgreSQL 127\.0\.0\.1:\d+\/\w+ failed/.test(m))).toBe(true);
      expect(logs.some((m) => /is back/.test(m))).toBe(true);
    } finally {
      await writer.close();
      await proxy.close();
    }
  });

  it('WHEN more events arrive than the buffer holds THEN the excess is dropped and counted in the log', async () => {
    const proxy = await startTcpProxy({ host: PG_HOST, port: PG_PORT });
    const logs: string[] = [];
    const store = await openJournal(
      journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: pg.url({ host: '127.0.0.1', port: proxy.port }) }),
    );
    const writer = new JournalWriter(store, {
      maxBufferedEvents: 25,
      retryMinMs: 50,
      retryMaxMs: 100,
      log: (m) => logs.push(m),
    });
    try {
      proxy.cut();
      for (let s = 1; s <= 40; s += 10) writer.onBatch(batch('wf-drop', range(s, s + 9)));
      expect(writer.stats()).toMatchObject({ pending: 25, dropped: 15 });
      expect(logs.filter((m) => m.includes('buffer full (25 events)'))).toHaveLength(2);
      expect(logs[logs.length - 1]).toContain('15 dropped in all');
      proxy.restore();
      await writer.flush();
      expect(await pg.count(`SELECT count(*) AS n FROM journal_events WHERE workflow_id = 'wf-drop'`)).toBe(25);
    } finally {
      await writer.close();
      await proxy.close();
    }
  });
});
