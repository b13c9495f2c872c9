/**
 * The README's CLI lines, run as written (`npx tempotrade …` in the clone) against the suite's Temporal
 * server: a venue and a worker as processes, then a run followed to its end with --wait while the other
 * lines (status, halt, resume, list, audit, risk, account, schedule) act on it, each with real ids for
 * RUN_ID, ACCOUNT and ID. Each must exit 0 and print what it says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../cli/spawn';
import { NAMESPACE, serverAddress, waitFor } from '../helpers/temporal';

const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: serverAddress(),
    TEMPORAL_NAMESPACE: NAMESPACE(),
    npm_config_yes: 'true',
  };
  // The README's defaults, not this machine's.
  delete e.TEMPORAL_SECRET_ARN;
  delete e.TEMPOTRADE_PAPER_URL;
  return e;
}
const started: ChildProcess[] = [];

/** Split a README line into argv the way a shell would (double quotes only: the README uses nothing else). */
function argv(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** The line must be in the README (after `npx tempotrade `), with `[…]` parts written there or not. */
function fromReadme(line: string): string[] {
  const readmeLines = README.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim());
  const variants = (l: string) => [l, l.replace(/ \[[^\]]*\]/g, ''), l.replace(/ \[([^\]|]*)\]/g, ' $1')];
  const written = readmeLines.some((l) => variants(l).includes(`npx tempotrade ${line}`));
  if (!written) throw new Error(`not a README line: npx tempotrade ${line}`);
  return argv(line);
}

function npx(args: string[]): ChildProcess & { out: () => string } {
  const p = spawn('npx', ['tempotrade', ...args], {
    cwd: REPO_ROOT,
    env: env(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(p, { out: () => out });
}

/** Run a line to its end: exit 0 or throw with its output. */
async function run(args: string[], timeoutMs = 60_000): Promise<string> {
  const p = npx(args);
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => (process.kill(-p.pid!, 'SIGKILL'), resolve(null)), timeoutMs);
    p.once('exit', (c) => (clearTimeout(t), resolve(c)));
  });
  if (code !== 0) throw new Error(`npx tempotrade ${args.join(' ')} exited ${code}:\n${p.out()}`);
  return p.out();
}

async function background(args: string[], ready: RegExp, timeoutMs = 120_000) {
  const p = npx(args);
  started.push(p);
  const deadline = Date.now() + timeoutMs;
  while (!ready.test(p.out())) {
    if (p.exitCode !== null || Date.now() > deadline)
      throw new Error(
        `npx tempotrade ${args.join(' ')} ${p.exitCode !== null ? `exited ${p.exitCode}` : `did not print ${ready}`}:\n${p.out()}`,
      );
    await sleep(200);
  }
  return p;
}

const portInUse = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

afterAll(async () => {
  for (const p of started) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const gone = new Promise((resolve) => p.once('exit', resolve));
    process.kill(-p.pid!, 'SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
    if (p.exitCode === null && p.signalCode === null) process.kill(-p.pid!, 'SIGKILL');
  }
});

describe("GIVEN the README's CLI lines", () => {
  it('WHEN a user runs them as written, in order, with real ids THEN each exits 0 and prints what it says', async () => {
    // The README's venue and runs use the default port: nothing else may hold it.
    expect(await portInUse(8701)).toBe(false);
    await background(
      fromReadme('venue --data ETH/BTC=data/market/ETH_BTC-5m.csv.gz'),
      /paper venue listening on http:\/\/127\.0\.0\.1:8701/,
    );
    await background(fromReadme('worker'), /worker polling task queue \\?"tempotrade-strategies\\?"/);

    const start = await background(
      fromReadme('run start --strategy sma-crossover --symbol ETH/BTC \\')
        .slice(0, -1)
        .concat(
          argv(
            '--data ETH/BTC=data/market/ETH_BTC-5m.csv.gz --account acct-1 --engine live --capital 1 --max-ticks 2000 --wait',
          ),
        ),
      /started (\S+)/,
    );
    expect(README).toContain(
      '  --data ETH/BTC=data/market/ETH_BTC-5m.csv.gz --account acct-1 --engine live --capital 1 --max-ticks 2000 --wait',
    );
    const RUN_ID = /started (\S+)/.exec(start.out())![1];
    const ACCOUNT = 'acct-1';
    const sub = (line: string) => line.replace(/RUN_ID/g, RUN_ID).replace(/ACCOUNT/g, ACCOUNT);
    const line = (l: string) => {
      fromReadme(l);
      return argv(sub(l));
    };

    await waitFor('the run to tick', async () => / tick \d*[1-9]/.test(start.out()), 120_000, 500);
    const status = await run(line('run status RUN_ID'));
    expect(status).toMatch(new RegExp(`run\\s+${RUN_ID}`));
    expect(status).toMatch(/trading state\s+ACTIVE/);
    expect(JSON.parse(await run(line('run status RUN_ID --json')))).toMatchObject({
      status: { workflowId: RUN_ID, accountId: ACCOUNT },
    });

    expect(await run(line('run halt RUN_ID --reason "news"'))).toContain(`halt sent to ${RUN_ID}`);
    await waitFor(
      'HALTED',
      async () => /trading state\s+HALTED \(news/.test(await run(line('run status RUN_ID')).catch(() => '')),
      60_000,
      500,
    );
    expect(await run(line('run resume RUN_ID'))).toContain(`resume sent to ${RUN_ID}`);
    await waitFor(
      'ACTIVE again',
      async () => /trading state\s+ACTIVE/.test(await run(line('run status RUN_ID')).catch(() => '')),
      60_000,
      500,
    );

    const list = await run(line('run list'));
    expect(list.split('\n').filter((l) => l.startsWith(RUN_ID))).toEqual([
      expect.stringMatching(/RUNNING .*sma-crossover .*acct-1 .*live .*ACTIVE/),
    ]);
    expect(
      (JSON.parse(await run(line('run list --json'))) as Array<{ workflowId: string }>).filter(
        (r) => r.workflowId === RUN_ID,
      ),
    ).toHaveLength(1);
    const audit = await run(line('run audit RUN_ID'));
    expect(audit).toMatch(/HALT.*news/);
    expect(audit).toMatch(/RESUME|ACTIVE/);
    expect(await run(line('run risk RUN_ID --set maxDrawdownPct=10'))).toContain(
      `risk limits of ${RUN_ID} changed: maxDrawdownPct=10`,
    );

    expect(await run(line('account status ACCOUNT'))).toContain(RUN_ID);
    expect(JSON.parse(await run(line('account status ACCOUNT --json')))).toMatchObject({ accountId: ACCOUNT });
    expect(await run(line('account limits ACCOUNT'))).toContain(`limits of account ${ACCOUNT}:`);
    expect(await run(line('account halt ACCOUNT --reason "venue incident"'))).toMatch(
      new RegExp(`account ${ACCOUNT} is HALTED.*halt sent to 1 run\\(s\\): ${RUN_ID}`),
    );
    expect(await run(line('account resume ACCOUNT'))).toMatch(
      new RegExp(`account ${ACCOUNT} is ACTIVE.*resume sent to 1 run\\(s\\): ${RUN_ID}`),
    );

    // `[run options]`: a short run on the README's data, so a triggered start ends quickly.
    const runOptions = argv('--data ETH/BTC=data/market/ETH_BTC-5m.csv.gz --account acct-sched --max-ticks 20');
    fromReadme('schedule create hourly --every 1h --strategy sma-crossover --symbol ETH/BTC');
    expect(
      await run([
        ...argv('schedule create hourly --every 1h --strategy sma-crossover --symbol ETH/BTC'),
        ...runOptions,
      ]),
    ).toContain('created schedule hourly (run mode)');
    expect(README).toContain(
      'npx tempotrade schedule list | describe ID | pause ID | unpause ID | trigger ID | backfill ID --from T --to T | delete ID',
    );
    expect(await run(['schedule', 'list'])).toMatch(/hourly\s+run\s+ACTIVE\s+sma-crossover\s+acct-sched/);
    expect(await run(['schedule', 'describe', 'hourly'])).toContain('hourly');
    expect(await run(['schedule', 'pause', 'hourly'])).toContain('paused hourly');
    expect(await run(['schedule', 'list'])).toMatch(/hourly\s+run\s+PAUSED/);
    expect(await run(['schedule', 'unpause', 'hourly'])).toContain('unpaused hourly');
    expect(await run(['schedule', 'trigger', 'hourly'])).toContain('triggered hourly');
    await waitFor(
      'the triggered run',
      async () => /hourly-/.test(await run(['schedule', 'describe', 'hourly'])),
      60_000,
      1000,
    );
    const [from, to] = ['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z'];
    expect(await run(['schedule', 'backfill', 'hourly', '--from', from, '--to', to])).toContain(
      `backfill of hourly from ${from} to ${to} requested`,
    );
    expect(await run(['schedule', 'delete', 'hourly'])).toContain('deleted hourly');

    // The run started first follows to its end and prints its summary.
    const code = await new Promise<number | null>((resolve) =>
      start.exitCode !== null ? resolve(start.exitCode) : start.once('exit', resolve),
    );
    expect({ code, tail: start.out().slice(-1500) }).toEqual({
      code: 0,
      tail: expect.stringMatching(/net PnL[\s\S]*trading state\s+\w+[\s\S]*finished\s+\S+/),
    });

    // Operating it. The journal holds the whole finished run: every event once, in seq order.
    await waitFor(
      'the journal to hold the run',
      async () => /RUN_FINISHED/.test(await run(line('journal export --run RUN_ID --format csv'))),
      30_000,
      1000,
    );
    const csv = (await run(line('journal export --run RUN_ID --format csv'))).trim().split('\n');
    expect(csv[0]).toMatch(/^workflowId,executionRunId,runId,accountId,strategy,venue,engine,seq,/);
    const seqs = csv.slice(1).map((l) => Number(l.split(',')[7]));
    expect(seqs.length).toBeGreaterThan(20);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const out = path.join(REPO_ROOT, 'acct.jsonl');
    try {
      await run(
        line(
          'journal export --account ACCOUNT --from 2018-01-10T00:00:00Z --to 2018-01-31T00:00:00Z --format jsonl --out acct.jsonl',
        ),
      );
      const events = fs
        .readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { accountId: string });
      expect(events.length).toBeGreaterThanOrEqual(seqs.length);
      expect(events.every((e) => e.accountId === ACCOUNT)).toBe(true);
    } finally {
      fs.rmSync(out, { force: true });
    }

    // A paper account funded up front, then a run that brings its own capital and shares it.
    expect(await run(fromReadme('account fund paper-desk --amount 2 --asset BTC'))).toMatch(
      /deposited 2 BTC into paper-desk: it holds 2 BTC/,
    );
    const shared = await run(
      fromReadme(
        'run start --strategy sma-crossover --symbol ETH/BTC --account paper-desk --capital 0.3 --balances shared --max-ticks 300',
      ),
    );
    const SHARED = /started (\S+)/.exec(shared)![1];
    await waitFor(
      'the shared run to deposit and trade',
      async () => /CAPITAL_DEPOSITED/.test(await run(['run', 'audit', SHARED]).catch(() => '')),
      60_000,
      1000,
    );

    // A second worker with metrics: the SDK's and tempotrade's series on one scrape.
    expect(await portInUse(9464)).toBe(false);
    await background(fromReadme('worker --metrics-port 9464'), /metrics at http/);
    await waitFor(
      'both metric families',
      async () => {
        const text = await fetch('http://127.0.0.1:9464/metrics').then(
          (r) => r.text(),
          () => '',
        );
        return /# TYPE tempotrade_orders_placed_total counter/.test(text) && /\btemporal_\w+/.test(text);
      },
      60_000,
      1000,
    );
  }, 1_200_000);
});
