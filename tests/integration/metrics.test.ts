/**
 * `tempotrade worker --metrics-port` as a user runs it (its own process: the Temporal Runtime is
 * process-wide): after a paper run, /metrics carries order counters equal to the run's summary and the
 * SDK's `temporal_` metrics, and the worker's stdout is JSON lines with the run's fields. Bad ports exit 2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { startRun } from '../../temporal/runs-client';
import { CLI_BIN, runCli } from '../helpers/cli';
import { result, runInput, startVenue } from '../helpers/runs';
import { testClient, uniqueQueue, waitFor } from '../helpers/temporal';

let client: Client;
let venue: PaperVenueServer;
let worker: (ChildProcess & { out: () => string }) | undefined;
const stamp = Date.now().toString(36);

beforeAll(async () => {
  client = await testClient();
  venue = await startVenue(['ETH/BTC']);
});
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const gone = new Promise((resolve) => worker!.once('exit', resolve));
    worker.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
  await venue?.close();
  await client?.connection.close();
});

function startWorker(args: string[]): ChildProcess & { out: () => string } {
  const p = spawn(process.execPath, [CLI_BIN, 'worker', ...args], {
    env: { ...process.env, TEMPOTRADE_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(p, { out: () => out });
}

/** Sum of a metric's samples whose labels include `match` (Prometheus text format). */
function sample(text: string, name: string, match: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

describe('GIVEN a worker started with --metrics-port', () => {
  it('WHEN a paper run finishes THEN /metrics has order counters equal to its summary, temporal_ metrics, and the log lines are JSON with the run fields', async () => {
    const queue = uniqueQueue('metrics');
    worker = startWorker(['--task-queue', queue, '--metrics-port', '0']);
    const url = await waitFor(
      'the worker to log its metrics URL and poll',
      async () => {
        if (worker!.exitCode !== null) throw new Error(`worker exited ${worker!.exitCode}:\n${worker!.out()}`);
        const at = /metrics at (http:\/\/\S+\/metrics)/.exec(worker!.out());
        return (at && /worker polling task queue/.test(worker!.out()) && at[1]) || undefined;
      },
      90_000,
      250,
    );

    const runId = `metrics-${stamp}`;
    const accountId = `acct-metrics-${stamp}`;
    const input = runInput({
      runId,
      accountId,
      venueUrl: venue.url,
      symbols: ['ETH/BTC'],
      strategy: { name: 'sma-crossover', params: { fast: 3, slow: 8, orderPct: 20 } },
      stop: { maxTicks: 200, endOfData: true },
      continueAsNewAfterTicks: 80,
    });
    const { workflowId } = await startRun(client, input, { taskQueue: queue });
    const summary = await result(client, workflowId);
    expect(summary.orders.placed).toBeGreaterThan(0);

    const text = await (await fetch(url)).text();
    const mine = { account: accountId };
    expect({
      placed: sample(text, 'tempotrade_orders_placed_total', mine),
      filled: sample(text, 'tempotrade_orders_filled_total', mine),
      canceled: sample(text, 'tempotrade_orders_canceled_total', mine),
      expired: sample(text, 'tempotrade_orders_expired_total', mine),
      rejected: sample(text, 'tempotrade_orders_rejected_total', mine),
      denied: sample(text, 'tempotrade_orders_denied_total', mine),
      fills: sample(text, 'tempotrade_fills_total', mine),
    }).toEqual({
      placed: summary.orders.placed,
      filled: summary.orders.filled,
      canceled: summary.orders.canceled,
      expired: summary.orders.expired,
      rejected: summary.orders.rejected,
      denied: summary.orders.denied,
      fills: summary.fills,
    });
    for (const [reason, n] of Object.entries(summary.orders.deniedByReason))
      expect(sample(text, 'tempotrade_orders_denied_total', { ...mine, reason })).toBe(n);
    expect(sample(text, 'tempotrade_run_equity', { run: workflowId })).toBeCloseTo(Number(summary.equity), 9);
    expect(sample(text, 'tempotrade_run_trading_state', { run: workflowId, state: summary.tradingState })).toBe(1);
    expect(text).toMatch(/^tempotrade_strategy_step_duration_seconds_count\{strategy="sma-crossover"/m);
    expect(text).toMatch(/^tempotrade_venue_call_duration_seconds_count\{venue="paper",method="market\.snapshot"/m);
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).not.toMatch(/clientOrderId|client_order_id/);

    // Every stdout line is a JSON object; the trading lines carry the run's ids.
    const lines = worker
      .out()
      .split('\n')
      .filter((l) => l.trim() !== '');
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${l}`);
      }
    });
    expect(parsed.find((l) => /worker polling task queue/.test(String(l.msg)))).toMatchObject({
      level: 30,
      taskQueue: queue,
    });
    // The counters above held across two continue-as-new hand-overs.
    expect(parsed.filter((l) => l.kind === 'CONTINUED_AS_NEW' && l.workflowId === workflowId)).toHaveLength(2);
    const placed = parsed.filter((l) => l.kind === 'ORDER_PLACED' && l.workflowId === workflowId);
    expect(placed).toHaveLength(summary.orders.placed);
    expect(placed[0]).toMatchObject({
      runId,
      account: accountId,
      strategy: 'sma-crossover',
      venue: 'paper',
      clientOrderId: expect.any(String),
    });
  });
});

describe('GIVEN a bad metrics port', () => {
  it('WHEN the worker starts with --metrics-port abc or TEMPOTRADE_METRICS_PORT=abc THEN it exits 2 naming the flag or the variable', async () => {
    const [flag, env] = await Promise.all([
      runCli(['worker', '--metrics-port', 'abc'], {}, true),
      runCli(['worker'], { TEMPOTRADE_METRICS_PORT: 'abc' }, true),
    ]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--metrics-port: must be a port number/);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/TEMPOTRADE_METRICS_PORT: must be a port number/);
  });
});

describe('GIVEN a bad alert webhook setting', () => {
  it('WHEN the worker starts with TEMPOTRADE_ALERT_WEBHOOK_URL=not-a-url or telegram without a chat id THEN it exits 2 naming the variable, before polling', async () => {
    const [url, chat] = await Promise.all([
      runCli(['worker', '--no-journal'], { TEMPOTRADE_ALERT_WEBHOOK_URL: 'not-a-url' }, true),
      runCli(
        ['worker', '--no-journal'],
        {
          TEMPOTRADE_ALERT_WEBHOOK_URL: 'https://api.telegram.org/botX/sendMessage',
          TEMPOTRADE_ALERT_WEBHOOK_FORMAT: 'telegram',
        },
        true,
      ),
    ]);
    expect([url.code, url.stderr]).toEqual([
      2,
      expect.stringMatching(/TEMPOTRADE_ALERT_WEBHOOK_URL: must be an http\(s\) URL/),
    ]);
    expect([chat.code, chat.stderr]).toEqual([
      2,
      expect.stringMatching(/TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID: is required/),
    ]);
    expect(url.stdout + chat.stdout).not.toMatch(/worker polling/);
  });
});
