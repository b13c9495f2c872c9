/**
 * `npm run bench [-- --quick]`: starts its own Temporal dev server, paper venue and worker, runs the
 * benchmarks and writes bench/results/latest.json, latest.md and the SVG plots (a --quick
 * run writes quick.json and quick.md and prints the same table).
 *
 *   P1  tick → venue-ack latency (p50/p95/p99) of timer-driven ticks that each place an order, and
 *       server round trips per tick (workflow tasks + activity tasks, counted in the histories)
 *   P2  orders/s end to end on one worker, and in the same run the raw capacity of this server and
 *       worker (an empty workflow + one no-op activity): the ratio
 *   P3  N concurrent runs ticking at a fixed interval: p99 tick lag, worker RSS per cached run
 *   P4  pure core bars/s (bench/core.ts)
 *   S   the strategy step per tick: a user strategy module against the built-in of the same logic
 *       (bench/strategy-step.ts)
 *   X   the QuickJS sandbox: a sandboxed onBar against the same logic native, per call and per 100-symbol
 *       tick (bench/sandbox.ts)
 *   D   durability overhead: the same run in-process (bench/in-process.ts) vs through Temporal
 *   R   resources: events and bytes of history per tick and per run-day, continue-as-new frequency
 *
 * The server's sqlite file lives in /dev/shm (tmpfs) when there is one (--db-dir to choose): on this shared
 * machine fsync latency on the disk, not CPU, capped raw Temporal at ~7 workflows/s (docs/performance.md).
 *
 * Flags: --quick, --only p1,p2,raw,p3,p4,step,sandbox,d (default all but raw alone), --scale 100,1000, --scale-interval 60s,
 * --db-dir DIR, --p1-orders N, --p1-interval 10ms,
 * --tuning '<json WorkerTuningConfig>', --server-config key=value (repeatable), --label name (writes
 * bench/results/experiments/<name>.{json,md} instead of latest, no plots: for tuning experiments).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { StrategyRunInputRaw } from '../domain/run/input';
import type { RunSummary } from '../domain/run/state';
import { Duration } from '../domain/run/input';
import { startRun } from '../temporal/runs-client';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../dev/temporal/dev-server';
import { loadBars, runCore } from './core';
import { cpuSeconds, dataFile, rssOf, serverMetrics, startRig, type BenchWorker, type Rig } from './harness';
import { fetchChain, indexTimings, tickLatencies, totals, type ChainStats } from './history';
import { runInProcess } from './in-process';
import { benchStrategyStep, type StepRow } from './strategy-step';
import { benchSandbox } from './sandbox';
import { WorkerTuningConfig } from './protocol';
import { TARGETS, fmtS, markdown, mb, plots, type Results } from './report';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit, percentile, round, summarize } from './stats';
import { BUNDLED_PAIRS as PAIRS } from '../simulators/paper-venue/bundled-data';

/** P3: runs per account (one per pair, so no two runs of an account trade the same pair) and each run's capital. */
const RUNS_PER_ACCOUNT = PAIRS.length;
const P3_CAPITAL = 1;

const Flags = z
  .object({
    quick: z.boolean(),
    only: z.array(z.enum(['p1', 'p2', 'raw', 'p3', 'p4', 'step', 'sandbox', 'd'])),
    scale: z.array(z.number().int().min(1).max(20_000)),
    scaleInterval: Duration.pipe(z.number().int().min(1000, 'must be at least 1s')),
    tuning: WorkerTuningConfig,
    serverConfig: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
    label: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'letters, digits and "-" only')
      .optional(),
    p1Orders: z.number().int().min(10),
    p1Interval: Duration,
    dbDir: z.string().min(1).optional(),
  })
  .strict();
type Flags = z.infer<typeof Flags>;

function argValues(argv: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name && i + 1 < argv.length) out.push(argv[++i]);
    else if (argv[i].startsWith(`${name}=`)) out.push(argv[i].slice(name.length + 1));
  }
  return out;
}

function parseFlags(argv: string[]): Flags {
  const known = new Set([
    '--db-dir',
    '--quick',
    '--only',
    '--scale',
    '--scale-interval',
    '--tuning',
    '--server-config',
    '--label',
    '--p1-orders',
    '--p1-interval',
  ]);
  for (const a of argv)
    if (a.startsWith('--') && !known.has(a.split('=')[0]))
      throw new Error(`unknown flag ${a} (known: ${[...known].join(', ')})`);
  const quick = argv.includes('--quick');
  const one = (n: string) => argValues(argv, n).at(-1);
  const list = (n: string) =>
    one(n)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const serverConfig: Record<string, unknown> = {};
  for (const kv of argValues(argv, '--server-config')) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--server-config: expected key=value, got "${kv}"`);
    const v = kv.slice(i + 1);
    serverConfig[kv.slice(0, i)] =
      v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v;
  }
  const r = Flags.safeParse({
    quick,
    only: list('--only') ?? ['p1', 'p2', 'p3', 'p4', 'step', 'sandbox', 'd'],
    scale: (list('--scale') ?? (quick ? ['20'] : ['100', '1000'])).map(Number),
    scaleInterval: one('--scale-interval') ?? (quick ? '5s' : '60s'),
    tuning: JSON.parse(one('--tuning') ?? '{}'),
    serverConfig,
    label: one('--label'),
    p1Orders: Number(one('--p1-orders') ?? (quick ? 100 : 1000)),
    p1Interval: one('--p1-interval') ?? '10ms',
    dbDir: one('--db-dir') ?? (existsSync('/dev/shm') ? '/dev/shm' : undefined),
  });
  if (!r.success)
    throw new Error(
      `bench flags: ${r.error.issues.map((i) => `${i.path.join('.') || 'flags'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

const log = (m: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

function orderCycleInput(
  runId: string,
  venueUrl: string,
  symbol: string,
  over: Partial<StrategyRunInputRaw> = {},
): StrategyRunInputRaw {
  return {
    runId,
    accountId: `acct-${runId}`,
    strategy: { name: 'order-cycle', params: { everyBars: 1, orderType: 'market', orderPct: 10 } },
    symbols: [symbol],
    venue: { kind: 'paper', url: venueUrl, data: { [symbol]: dataFile(symbol) } },
    engine: 'live',
    capital: '1',
    ...over,
  } as StrategyRunInputRaw;
}

async function result(client: Client, id: string): Promise<RunSummary> {
  return (await client.workflow.getHandle(id).result()) as RunSummary;
}

/** CPU use of server, worker and venue over `fn`, as % of one core. */
async function measureCpu<T>(
  rig: Rig,
  fn: () => Promise<T>,
): Promise<{ value: T; seconds: number; cpu: { server: number; worker: number; venue: number; bench: number } }> {
  const pids = { server: rig.server.pid, worker: rig.worker.pid, venue: rig.venue.pid };
  const before = {
    server: cpuSeconds(pids.server),
    worker: cpuSeconds(pids.worker),
    venue: cpuSeconds(pids.venue),
    bench: process.cpuUsage(),
  };
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const bu = process.cpuUsage(before.bench);
  const pct = (a: number, b: number) => round(((b - a) / seconds) * 100, 0);
  return {
    value,
    seconds,
    cpu: {
      server: pct(before.server, cpuSeconds(pids.server)),
      worker: pct(before.worker, cpuSeconds(rig.worker.pid)),
      venue: pct(before.venue, cpuSeconds(pids.venue)),
      bench: round(((bu.user + bu.system) / 1e6 / seconds) * 100, 0),
    },
  };
}

/** Pull the worker's timings every second while `p` runs. */
async function pulling<T>(w: BenchWorker, p: Promise<T>): Promise<T> {
  let done = false;
  const loop = (async () => {
    while (!done) {
      await sleep(1000);
      if (!done) await w.pull().catch(() => 0);
    }
  })();
  try {
    return await p;
  } finally {
    done = true;
    await loop;
    await w.pull();
  }
}

/** Rate over the middle 80 % of a set of completion times (drops ramp-up and tail). */
function steadyRate(ends: number[]): { rate: number; count: number; windowS: number } {
  const s = [...ends].sort((a, b) => a - b);
  if (s.length < 10) return { rate: Number.NaN, count: s.length, windowS: Number.NaN };
  const a = s[Math.floor(s.length * 0.1)];
  const b = s[Math.floor(s.length * 0.9)];
  const n = Math.floor(s.length * 0.9) - Math.floor(s.length * 0.1);
  return { rate: round((n / (b - a)) * 1000, 1), count: s.length, windowS: round((b - a) / 1000, 1) };
}

// ---------------------------------------------------------------------------------------------------------------

async function benchP1(rig: Rig, f: Flags) {
  const id = `bench-p1-${Date.now().toString(36)}`;
  // Every tick places a market order (order-cycle every bar); the first tick of each execution has no timer
  // before it, so a few more ticks than orders wanted.
  // (the server suggests continue-as-new every ~200 ticks of this run).
  const maxTicks = f.p1Orders + Math.ceil(f.p1Orders / 100) + 2;
  const input = orderCycleInput(id, rig.venue.url, 'ETH/BTC', {
    tickInterval: f.p1Interval,
    stop: { maxTicks, endOfData: true },
  });
  const m = await measureCpu(rig, () =>
    pulling(
      rig.worker,
      (async () => {
        const { firstExecutionRunId } = await startRun(rig.client, input, { taskQueue: rig.taskQueue });
        const summary = await result(rig.client, id);
        return { summary, firstExecutionRunId };
      })(),
    ),
  );
  const chain = await fetchChain(rig.client, id, m.value.firstExecutionRunId);
  const lat = tickLatencies([chain], indexTimings(rig.worker.timings));
  const acks = lat.filter((l) => l.dueToAck !== undefined);
  const t = totals([chain]);
  const stage = (k: keyof NonNullable<(typeof acks)[number]['stages']>) => summarize(acks.map((a) => a.stages![k]));
  return {
    runs: 1,
    tickInterval: f.p1Interval,
    ticks: t.ticks,
    orders: m.value.summary.orders.placed,
    latencyMs: summarize(acks.map((a) => a.dueToAck!)),
    percentiles: [50, 75, 90, 95, 99, 99.9, 100].map(
      (p) =>
        [
          p,
          round(
            percentile(
              acks.map((a) => a.dueToAck!),
              p,
            ),
          ),
        ] as [number, number],
    ),
    stagesMs: {
      timerFire: stage('timerFire'),
      toSnapshotStart: stage('toSnapshotStart'),
      snapshot: stage('snapshot'),
      toPlaceStart: stage('toPlaceStart'),
      place: stage('place'),
    },
    perTick: {
      workflowTasks: round(t.workflowTasks / t.ticks, 2),
      activityTasks: round(t.activityTasks / t.ticks, 2),
      localActivities: round(t.localActivities / t.ticks, 2),
      roundTrips: round((t.workflowTasks + t.activityTasks) / t.ticks, 2),
      events: round(t.events / t.ticks, 2),
      bytes: round(t.bytes / t.ticks, 0),
    },
    executions: t.executions,
    historyBytes: t.allBytes,
    historyEvents: t.allEvents,
    wallSeconds: round(m.seconds),
    cpuPct: m.cpu,
  };
}

async function benchRaw(rig: Rig, count: number, concurrency: number) {
  const stamp = Date.now().toString(36);
  const ids = Array.from({ length: count }, (_, i) => `bench-raw-${stamp}-${i}`);
  rig.worker.timings.length = 0;
  const m = await measureCpu(rig, () =>
    pulling(
      rig.worker,
      mapLimit(ids, concurrency, async (id) => {
        const h = await rig.client.workflow.start('rawOrder', {
          workflowId: id,
          taskQueue: rig.rawTaskQueue,
          args: [],
        });
        await h.result();
      }),
    ),
  );
  const ends = rig.worker.timings.filter((t) => t.type === 'noop').map((t) => t.end);
  const steady = steadyRate(ends);
  return {
    workflows: count,
    concurrency,
    perSecond: steady.rate,
    wallPerSecond: round(count / m.seconds, 1),
    steadyWindowS: steady.windowS,
    cpuPct: m.cpu,
  };
}

async function benchP2(rig: Rig, runs: number, ticks: number) {
  const stamp = Date.now().toString(36);
  const inputs = Array.from({ length: runs }, (_, i) =>
    orderCycleInput(`bench-p2-${stamp}-${i}`, rig.venue.url, PAIRS[i % PAIRS.length], {
      stop: { maxTicks: ticks, endOfData: true },
    }),
  );
  rig.worker.timings.length = 0;
  const m = await measureCpu(rig, () =>
    pulling(
      rig.worker,
      mapLimit(inputs, runs, async (input) => {
        await startRun(rig.client, input, { taskQueue: rig.taskQueue });
        return result(rig.client, input.runId);
      }),
    ),
  );
  const acks = rig.worker.timings.filter((t) => t.type.endsWith('.placeOrder')).map((t) => t.end);
  const placed = m.value.reduce((a, s) => a + s.orders.placed, 0);
  const steady = steadyRate(acks);
  return {
    runs,
    ticksPerRun: ticks,
    ordersPlaced: placed,
    ordersPerSecond: steady.rate,
    steadyWindowS: steady.windowS,
    wallSeconds: round(m.seconds),
    cpuPct: m.cpu,
    everyTickOrdered: m.value.every((s) => s.orders.placed === s.ticks),
  };
}

async function benchDurability(rig: Rig, ticks: number) {
  const stamp = Date.now().toString(36);
  const over = { stop: { maxTicks: ticks, endOfData: true } };
  const tId = `bench-d-temporal-${stamp}`;
  const temporal = await measureCpu(rig, async () => {
    await startRun(rig.client, orderCycleInput(tId, rig.venue.url, 'LTC/BTC', over), { taskQueue: rig.taskQueue });
    return result(rig.client, tId);
  });
  const inProc = await runInProcess(orderCycleInput(`bench-d-inproc-${stamp}`, rig.venue.url, 'LTC/BTC', over));
  const a = temporal.value;
  const b = inProc.summary;
  const same =
    a.orders.placed === b.orders.placed &&
    a.cash === b.cash &&
    JSON.stringify(a.positions) === JSON.stringify(b.positions);
  const tMs = (temporal.seconds * 1000) / a.ticks;
  const iMs = inProc.ms / b.ticks;
  return {
    ticks,
    temporalMsPerTick: round(tMs, 2),
    inProcessMsPerTick: round(iMs, 2),
    ratio: round(tMs / iMs, 1),
    sameResult: same,
    ordersTemporal: a.orders.placed,
    ordersInProcess: b.orders.placed,
    cashTemporal: a.cash,
    cashInProcess: b.cash,
  };
}

async function benchP3(rig: Rig, f: Flags, n: number) {
  const interval = f.scaleInterval;
  // Cache room for every run and every account supervisor (an evicted workflow replays its history on its next task).
  const worker = await rig.startWorker({
    ...f.tuning,
    maxCachedWorkflows: Math.max(f.tuning.maxCachedWorkflows ?? 0, n + Math.ceil(n / RUNS_PER_ACCOUNT) + 100),
  });
  // Warm the worker (bundle loaded, a workflow context created) before the baseline.
  await rig.client.workflow.execute('rawOrder', {
    workflowId: `bench-p3-warm-${n}-${Date.now().toString(36)}`,
    taskQueue: rig.rawTaskQueue,
    args: [],
  });
  const base = await worker.memory(true);
  const baseRss = rssOf(worker.pid);
  const stamp = Date.now().toString(36);
  const ids = Array.from({ length: n }, (_, i) => `bench-p3-${stamp}-${i}`);
  // Runs share accounts as a desk's do: RUNS_PER_ACCOUNT runs (one pair each, all different) per venue
  // account and account supervisor, each run depositing its capital as it opens; balances are then 'shared'.
  const accountOf = (i: number) => `bench-p3-${stamp}-acct-${Math.floor(i / RUNS_PER_ACCOUNT)}`;
  const accounts = new Set(ids.map((_, i) => accountOf(i)));
  const firstRuns = new Map<string, string>();
  worker.timings.length = 0;
  const t0 = Date.now();
  // Starts spread over one interval (runs of a fleet do not all start in the same second).
  const startWindowMs = Math.min(interval, 60_000);
  await mapLimit(ids, 50, async (id, i) => {
    const at = t0 + (i / n) * startWindowMs;
    if (at > Date.now()) await sleep(at - Date.now());
    const { firstExecutionRunId } = await startRun(
      rig.client,
      {
        runId: id,
        accountId: accountOf(i),
        strategy: { name: 'sma-crossover', params: { fast: 5, slow: 20, orderPct: 10 } },
        symbols: [PAIRS[i % PAIRS.length]],
        venue: {
          kind: 'paper',
          url: rig.venue.url,
          data: { [PAIRS[i % PAIRS.length]]: dataFile(PAIRS[i % PAIRS.length]) },
        },
        engine: 'live',
        capital: String(P3_CAPITAL),
        reconciliation: { balances: 'shared' },
        tickInterval: interval,
        stop: { endOfData: true },
      },
      { taskQueue: rig.taskQueue },
    );
    firstRuns.set(id, firstExecutionRunId);
  });
  const startedS = (Date.now() - t0) / 1000;
  // Wait until every run has taken its first tick, then measure over a window of whole intervals.
  const deadline = Date.now() + Math.max(120_000, 4 * interval);
  let tickedRuns = 0;
  for (;;) {
    await worker.pull();
    const ticked = new Set(worker.timings.filter((t) => t.type === 'market.snapshot').map((t) => t.workflowId));
    tickedRuns = ticked.size;
    if (ticked.size >= n) break;
    if (Date.now() > deadline) {
      log(`P3 N=${n}: only ${ticked.size} of ${n} runs ticked before the deadline; measuring anyway`);
      break;
    }
    await sleep(1000);
  }
  const allTickedS = (Date.now() - t0) / 1000;
  const windowMs = (f.quick ? 3 : 2) * interval;
  const windowStart = Date.now();
  const m = await measureCpu(rig, () => pulling(worker, sleep(windowMs)));
  const windowEnd = Date.now();
  const mem = await worker.memory(true);
  const rss = rssOf(worker.pid);
  const serverRss = rssOf(rig.server.pid);
  // Lag of every timer-driven tick that was due inside the window.
  const chains: ChainStats[] = await mapLimit(ids, 16, (id) => fetchChain(rig.client, id, firstRuns.get(id)));
  const lat = tickLatencies(chains, indexTimings(worker.timings)).filter((l) => l.lag !== undefined);
  const inWindow: number[] = [];
  const index = indexTimings(worker.timings);
  for (const c of chains)
    for (const ex of c.executions)
      for (const t of ex.tickRecords) {
        if (t.dueAt === undefined || t.dueAt < windowStart || t.dueAt > windowEnd - 2000) continue;
        const snap = index.get(`${t.runId}/${t.snapshotActivityId}`);
        // A tick due in the window that had not started by the end of it is at least that late.
        inWindow.push(snap ? snap.start - t.dueAt : windowEnd - t.dueAt);
      }
  const tt = totals(chains);
  await mapLimit(ids, 50, (id) =>
    rig.client.workflow
      .getHandle(id)
      .terminate('bench done')
      .catch(() => undefined),
  );
  void lat;
  return {
    runs: n,
    accounts: accounts.size,
    runsPerAccount: RUNS_PER_ACCOUNT,
    tickedRuns,
    tickIntervalMs: interval,
    ticksPerSecondOffered: round(n / (interval / 1000), 1),
    startSeconds: round(startedS),
    allTickedSeconds: round(allTickedS),
    windowSeconds: round(windowMs / 1000),
    lagMs: summarize(inWindow),
    ticksInWindow: inWindow.length,
    workerRssBytes: rss,
    workerBaseRssBytes: baseRss,
    rssPerRunBytes: Math.round((rss - baseRss) / n),
    heapPerRunBytes: Math.round((mem.heapUsed - base.heapUsed) / n),
    serverRssBytes: serverRss,
    cpuPct: m.cpu,
    perTick: {
      events: round(tt.events / tt.ticks, 2),
      bytes: round(tt.bytes / tt.ticks, 0),
      roundTrips: round((tt.workflowTasks + tt.activityTasks) / tt.ticks, 2),
      workflowTasks: round(tt.workflowTasks / tt.ticks, 2),
      activityTasks: round(tt.activityTasks / tt.ticks, 2),
      localActivities: round(tt.localActivities / tt.ticks, 2),
    },
  };
}

function benchP4(quick: boolean) {
  const pairs = quick ? PAIRS.slice(0, 2) : PAIRS;
  const repeats = quick ? 1 : 3;
  const rows: Array<{ pair: string; strategy: string; bars: number; barsPerSecond: number }> = [];
  for (const pair of pairs) {
    const bars = loadBars(pair);
    for (const strategy of ['sma-crossover', 'rsi-mean-reversion']) {
      const params = strategy === 'sma-crossover' ? { fast: 10, slow: 30 } : {};
      runCore(pair, bars, strategy, params);
      const best = Array.from({ length: repeats }, () => runCore(pair, bars, strategy, params)).sort(
        (a, b) => b.barsPerSecond - a.barsPerSecond,
      )[0];
      rows.push({ pair, strategy, bars: best.bars, barsPerSecond: Math.round(best.barsPerSecond) });
    }
  }
  const total = rows.reduce((a, r) => a + r.bars, 0);
  const seconds = rows.reduce((a, r) => a + r.bars / r.barsPerSecond, 0);
  return { barsPerSecond: Math.round(total / seconds), rows };
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2));
  const t0 = performance.now();
  const results: Results = {
    when: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      node: process.version,
      memGiB: round(os.totalmem() / 2 ** 30, 1),
    },
    quick: f.quick,
    tuning: f.tuning,
    serverConfig: f.serverConfig,
    serverDynamicConfig: { ...DEV_SERVER_DYNAMIC_CONFIG, ...f.serverConfig },
    dbDir: f.dbDir ?? os.tmpdir(),
    load: { before: os.loadavg().map((v) => round(v, 2)) },
    targets: TARGETS,
  };
  const needsTemporal = f.only.some((o) => o !== 'p4' && o !== 'step' && o !== 'sandbox');
  let rig: Rig | undefined;
  try {
    if (f.only.includes('p4')) {
      log('P4: pure core');
      results.p4 = benchP4(f.quick);
      log(`P4: ${results.p4.barsPerSecond} bars/s`);
    }
    if (f.only.includes('step')) {
      log('S: strategy step, user module vs built-in');
      results.strategyStep = await benchStrategyStep(loadBars('ETH/BTC'), 'ETH/BTC', f.quick);
      log(`S: ${results.strategyStep.rows.map((r: StepRow) => `${r.strategy} mean ${r.us.mean} µs`).join(', ')}`);
    }
    if (f.only.includes('sandbox')) {
      log('X: sandboxed onBar vs native');
      results.sandbox = await benchSandbox(f.quick);
      log(`X: p50 ${results.sandbox.perCall.sandboxed.p50} vs ${results.sandbox.perCall.native.p50} µs per call`);
    }
    if (needsTemporal) {
      rig = await startRig({
        pairs: [...PAIRS],
        tuning: f.tuning,
        dynamicConfig: f.serverConfig,
        ...(f.dbDir ? { dbDir: f.dbDir } : {}),
        log,
      });
      // Warm-up: bundle, connections, venue markets.
      await rig.client.workflow.execute('rawOrder', {
        workflowId: `bench-warm-${Date.now().toString(36)}`,
        taskQueue: rig.rawTaskQueue,
        args: [],
      });
      const warm = `bench-warm-run-${Date.now().toString(36)}`;
      await startRun(
        rig.client,
        orderCycleInput(warm, rig.venue.url, 'ETH/BTC', { stop: { maxTicks: 5, endOfData: true } }),
        { taskQueue: rig.taskQueue },
      );
      await result(rig.client, warm);
      rig.worker.timings.length = 0;
      if (f.only.includes('p1')) {
        log(`P1: ${f.p1Orders} orders, one run, tick every ${f.p1Interval} ms`);
        results.p1 = await benchP1(rig, f);
        log(`P1: ${fmtS(results.p1.latencyMs)}; round trips/tick ${results.p1.perTick.roundTrips}`);
      }
      if (f.only.includes('p2')) {
        const concurrency = f.quick ? 10 : 50;
        log(`P2: raw capacity (${f.quick ? 200 : 1000} workflows, ${concurrency} in flight)`);
        const raw = await benchRaw(rig, f.quick ? 200 : 1000, concurrency);
        log(`P2: raw ${raw.perSecond}/s; orders (${concurrency} runs)`);
        const orders = await benchP2(rig, concurrency, f.quick ? 20 : 20);
        results.p2 = { raw, orders, ratio: round(orders.ordersPerSecond / raw.perSecond, 3) };
        log(`P2: ${orders.ordersPerSecond} orders/s, ratio ${results.p2.ratio}`);
      }
      if (f.only.includes('raw') && !f.only.includes('p2')) {
        results.raw = await benchRaw(rig, f.quick ? 200 : 1000, f.quick ? 10 : 50);
        log(`raw: ${JSON.stringify(results.raw)}`);
      }
      if (f.only.includes('d')) {
        const ticks = f.quick ? 50 : 300;
        log(`Durability: ${ticks} ticks in-process vs through Temporal`);
        results.durability = await benchDurability(rig, ticks);
        log(
          `Durability: ${results.durability.temporalMsPerTick} vs ${results.durability.inProcessMsPerTick} ms/tick = ${results.durability.ratio}x`,
        );
      }
      if (f.only.includes('p3')) {
        results.p3 = [];
        for (const n of f.scale) {
          log(`P3: ${n} runs, tick every ${f.scaleInterval} ms`);
          const s = await benchP3(rig, f, n);
          results.p3.push(s);
          log(`P3: ${n} runs: lag ${fmtS(s.lagMs)}; ${mb(s.rssPerRunBytes)} RSS per run`);
        }
      }
      results.serverMetrics = await serverMetrics(
        rig.metricsPort,
        /^(task_latency_load|task_latency_processing|task_schedule_to_start_latency|persistence_latency)_(sum|count)$/,
      ).catch(() => undefined);
    }
  } finally {
    await rig?.close();
  }
  const rows = [];
  if (results.p1)
    rows.push({
      what: 'a tick that places an order (P1)',
      eventsPerTick: results.p1.perTick.events,
      bytesPerTick: results.p1.perTick.bytes,
      measuredTicksPerExecution: round(results.p1.ticks / results.p1.executions, 0),
    });
  const quiet = results.p3?.at(-1);
  if (quiet)
    rows.push({
      what: `a quiet tick, sma-crossover (P3, ${quiet.runs} runs)`,
      eventsPerTick: quiet.perTick.events,
      bytesPerTick: quiet.perTick.bytes,
    });
  if (rows.length > 0)
    results.resources = {
      rows,
      continueAsNewAfterTicks: 500,
      p1Executions: results.p1?.executions,
      p1HistoryBytes: results.p1?.historyBytes,
    };
  results.load.after = os.loadavg().map((v) => round(v, 2));
  results.wallSeconds = round((performance.now() - t0) / 1000, 0);

  const dir = f.label ? path.join(__dirname, 'results', 'experiments') : path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  // latest.* always holds the latest full run (docs/performance.md quotes it); a quick run writes quick.*.
  const name = f.label ?? (f.quick ? 'quick' : 'latest');
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
  const md = markdown(results);
  writeFileSync(path.join(dir, `${name}.md`), md);
  if (!f.label && !f.quick) plots(results, dir);
  console.log(md);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
