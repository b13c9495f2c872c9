/**
 * The trade journal on the run feed: one run that continues as new every third of its ticks is journaled to
 * SQLite and to PostgreSQL at once; the PostgreSQL one goes through a proxy that is cut mid-run. Trading goes on
 * while it is cut, and after the restore both journals hold exactly one row per audit event.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAudit } from '../../temporal/runs-client';
import { journalConfigFrom, openJournal } from '../../workers/journal/config';
import { JournalWriter } from '../../workers/journal/writer';
import { result } from '../helpers/runs';
import { sma, workflowSuite } from '../helpers/workflow-harness';
import { expectWhole, tickOf } from '../helpers/workflow-journal';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { createTestDatabase, PG_HOST, PG_PORT, type TestDatabase } from '../helpers/postgres';

// The acceptance run: 1,500 ticks (about 80 s alone). TEMPOTRADE_JOURNAL_TEST_TICKS=300 for a quick local try.
const TICKS = Number(process.env.TEMPOTRADE_JOURNAL_TEST_TICKS ?? 1500);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-wf-'));
const writers: JournalWriter[] = [];
const logs: string[] = [];
const suite = workflowSuite('journal', ['ETH/BTC'], {
  feed: [{ name: 'journals', onBatch: (b) => writers.forEach((w) => w.onBatch(b)) }],
});
let pg: TestDatabase;
let proxy: TcpProxy;

beforeAll(async () => {
  pg = await createTestDatabase('tt_journal_wf');
  proxy = await startTcpProxy({ host: PG_HOST, port: PG_PORT });
  const open = (url: string) => openJournal(journalConfigFrom({ TEMPOTRADE_JOURNAL_URL: url }));
  writers.push(new JournalWriter(await open(`sqlite:${path.join(dir, 'journal.sqlite')}`)));
  writers.push(
    new JournalWriter(await open(pg.url({ host: '127.0.0.1', port: proxy.port })), {
      retryMinMs: 100,
      retryMaxMs: 500,
      log: (m) => logs.push(m),
    }),
  );
});
afterAll(async () => {
  for (const w of writers) await w.close();
  await proxy?.close();
  await pg?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GIVEN a worker journaling to SQLite and, through a proxy, to PostgreSQL', () => {
  it('WHEN a run continues as new twice and PostgreSQL is cut mid-run THEN trading goes on and both journals hold each event exactly once', async () => {
    const t0 = Date.now();
    const id = await suite.start(
      suite.input('journal', { strategy: sma(3, 8, 20), ticks: TICKS, continueAsNewAfterTicks: Math.ceil(TICKS / 3) }),
    );
    const cutAt = await tickOf(suite.client, id, Math.round(TICKS / 5));
    proxy.cut();
    const tradedTo = await tickOf(suite.client, id, cutAt + Math.round(TICKS / 8));
    proxy.restore();
    const summary = await result(suite.client, id);
    console.log(`${TICKS} ticks in ${Date.now() - t0} ms; cut at ${cutAt}, restored at ${tradedTo}`);
    for (const w of writers) await w.flush();
    expect(summary.ticks).toBe(TICKS);
    expect(summary.fills).toBeGreaterThan(0);
    expect(logs.some((m) => m.includes('failed'))).toBe(true);
    expect(logs.some((m) => m.includes('is back'))).toBe(true);

    const audit = await runAudit(suite.client, id);
    for (const w of writers) {
      const store = await openJournal(
        journalConfigFrom({
          TEMPOTRADE_JOURNAL_URL: w.where.startsWith('SQLite')
            ? `sqlite:${path.join(dir, 'journal.sqlite')}`
            : pg.url(),
        }),
      );
      try {
        const events = await store.events({ run: id });
        expect(new Set(events.map((e) => e.executionRunId)).size).toBeGreaterThanOrEqual(3);
        expectWhole(
          events.map((e) => e.event),
          audit,
          summary,
        );
        expect((await store.runs({ run: id })).map((r) => r.ticks)).toEqual([TICKS]);
      } finally {
        await store.close();
      }
    }
    expect(await pg.count('SELECT count(*) AS n FROM journal_events')).toBe(audit[audit.length - 1].seq);
  }, 600_000);
});
