/**
 * Why a run does not move, as `tempotrade run status` tells it: each pending activity of the run's current
 * execution with its attempt and last failure (and what to check), and each task queue no worker polls.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Client } from '@temporalio/client';
import { startRun } from '../../temporal/runs-client';
import { TASK_QUEUES } from '../../temporal/task-queues';
import { CLI_BIN, START_SMA, runCli } from '../helpers/cli';
import { runInput } from '../helpers/runs';
import { testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';

let client: Client;
const stamp = Date.now().toString(36);
const started: string[] = [];

beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  for (const id of started)
    await client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  await client.connection.close();
});

/** A local port where nothing listens: bound once by the OS, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('GIVEN a run whose paper venue is not running', () => {
  it('WHEN asked for its status on the CLI THEN within 30 s it names the failing activity, its attempt, the connection error and what to start', async () => {
    const queue = uniqueQueue('stuck-venue');
    const venueUrl = `http://127.0.0.1:${await freePort()}`;
    const runId = `stuck-venue-${stamp}`;
    await withWorker(queue, async () => {
      const t0 = Date.now();
      await startRun(client, runInput({ runId, venueUrl, symbols: ['ETH/BTC'] }), { taskQueue: queue });
      started.push(runId);
      const line =
        /market\.describe: attempt (\d+), paper venue at (\S+) is unreachable .*ECONNREFUSED.*\(is 'tempotrade venue' running\?\)/;
      const out = await waitFor(
        'the reason in run status',
        async () => {
          const r = await runCli(['run', 'status', runId], {});
          return line.test(r.stdout) && r.stdout;
        },
        30_000,
        500,
      );
      expect(Date.now() - t0).toBeLessThan(30_000);
      const [, attempt, url] = line.exec(out)!;
      expect(Number(attempt)).toBeGreaterThanOrEqual(2);
      expect(url).toBe(venueUrl);
      expect(out).toMatch(/tick\s+0/);
      expect(out).not.toMatch(/no worker polls/);

      const json = JSON.parse((await runCli(['run', 'status', runId, '--json'], {})).stdout) as {
        waiting: {
          pendingActivities: Array<Record<string, unknown>>;
          taskQueues: Array<{ name: string; pollers: number }>;
        };
      };
      expect(json.waiting.pendingActivities).toEqual([
        expect.objectContaining({
          activityType: 'market.describe',
          attempt: expect.any(Number),
          lastFailure: expect.stringContaining('ECONNREFUSED'),
          scheduledTime: expect.any(String),
          hint: "is 'tempotrade venue' running?",
        }),
      ]);
      expect(json.waiting.taskQueues).toEqual([expect.objectContaining({ name: queue, pollers: expect.any(Number) })]);
      expect(json.waiting.taskQueues[0].pollers).toBeGreaterThan(0);
    });
  }, 90_000);
});

describe('GIVEN a run started on the CLI with --wait while its paper venue is not running', () => {
  it('WHEN it waits THEN the progress output says which activity fails and why', async () => {
    const venueUrl = `http://127.0.0.1:${await freePort()}`;
    const runId = `stuck-wait-${stamp}`;
    // The CLI starts runs on the strategies queue: a real worker polls it here.
    await withWorker(TASK_QUEUES.strategies, async () => {
      const cli = spawn(process.execPath, [CLI_BIN, ...START_SMA, '--venue-url', venueUrl, '--id', runId, '--wait'], {
        env: process.env,
      });
      started.push(runId);
      let out = '';
      cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
      cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await waitFor(
          'the reason in the progress output',
          async () =>
            /waiting\s+market\.describe: attempt \d+, paper venue at \S+ is unreachable .*ECONNREFUSED \(is 'tempotrade venue' running\?\)/.test(
              out,
            ),
          30_000,
          250,
        );
        expect(out).toMatch(new RegExp(`${runId}\\s+tick 0`));
      } finally {
        cli.kill('SIGKILL');
      }
    });
  }, 90_000);
});

describe('GIVEN a run on a task queue that no worker polls', () => {
  it('WHEN asked for its status on the CLI THEN it says that no worker polls that queue and how to start one', async () => {
    const queue = uniqueQueue('stuck-no-worker');
    const runId = `stuck-no-worker-${stamp}`;
    await startRun(client, runInput({ runId, venueUrl: 'http://127.0.0.1:8701', symbols: ['ETH/BTC'] }), {
      taskQueue: queue,
    });
    started.push(runId);
    const r = await runCli(['run', 'status', runId], {}, true);
    expect(r.stdout).toContain(
      `no worker polls task queue ${queue} (start one: npx tempotrade worker --task-queue ${queue})`,
    );
    expect(r.stdout).toMatch(/RUNNING|waiting/);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no worker is polling/);
  }, 60_000);
});

describe('GIVEN a ccxt run whose venue account no worker serves', () => {
  it('WHEN asked for its status on the CLI THEN it names the venue queue and the worker flag that serves it', async () => {
    const queue = uniqueQueue('stuck-ccxt');
    const runId = `stuck-ccxt-${stamp}`;
    const venue = {
      kind: 'ccxt' as const,
      exchangeId: 'binance',
      apiUrl: `http://127.0.0.1:${await freePort()}`,
      timeframe: '1s',
    };
    await withWorker(queue, async () => {
      await startRun(
        client,
        { ...runInput({ runId, venueUrl: 'http://127.0.0.1:1', symbols: ['ETH/BTC'] }), venue, tickInterval: '1s' },
        { taskQueue: queue },
      );
      started.push(runId);
      const venueQueue = `tempotrade-venue-binance.acct-${runId}`;
      const out = await waitFor(
        'the venue queue in run status',
        async () => {
          const r = await runCli(['run', 'status', runId], {});
          return r.stdout.includes(`no worker polls task queue ${venueQueue}`) && r.stdout;
        },
        30_000,
        500,
      );
      expect(out).toContain(
        `no worker polls task queue ${venueQueue} (start one: npx tempotrade worker --venue binance:acct-${runId})`,
      );
      expect(out).not.toContain(`no worker polls task queue ${queue}`);
    });
  }, 90_000);
});
