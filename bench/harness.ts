/**
 * The bench's processes: its own Temporal dev server (dev/temporal/dev-server.ts, sqlite in a temp dir, free
 * ports, server metrics on), the paper venue in its own process (the real `tempotrade venue` command),
 * and bench/worker-main.ts in its own process with an IPC channel. CPU time of each is read from /proc
 * so that every scenario can say where the two cores went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundledDataFile as dataFile } from '../simulators/paper-venue/bundled-data';
import { Client, Connection } from '@temporalio/client';
import { findFreePort, startDevServer, type DevServer } from '../dev/temporal/dev-server';
import { spawnVenue, type Child } from '../cli/spawn';
import type { ActivityTiming, BenchWorkerConfig, ParentMessage, WorkerMessage, WorkerTuningConfig } from './protocol';

export const REPO = path.resolve(__dirname, '..');
export { dataFile };

/** CPU seconds (user + system) a process has used so far, from /proc; NaN when unavailable. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (clock ticks; 100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export class BenchWorker {
  private waiters: Array<{ kind: WorkerMessage['kind']; resolve: (m: WorkerMessage) => void }> = [];
  readonly timings: ActivityTiming[] = [];
  private constructor(
    readonly proc: ChildProcess,
    readonly pid: number,
    private readonly logs: string[],
  ) {
    proc.on('message', (m: WorkerMessage) => {
      const i = this.waiters.findIndex((w) => w.kind === m.kind);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
    });
  }

  static async start(config: BenchWorkerConfig): Promise<BenchWorker> {
    // BENCH_WORKER_CPU_PROF=<dir>: the worker writes a V8 CPU profile there when it stops (bottleneck hunting).
    const prof = process.env.BENCH_WORKER_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_CPU_PROF}`]
      : [];
    const proc = spawn(
      process.execPath,
      ['--expose-gc', ...prof, '-r', 'tsx/cjs', path.join(__dirname, 'worker-main.ts')],
      {
        cwd: REPO,
        env: { ...process.env, BENCH_WORKER_CONFIG: JSON.stringify(config) },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    const logs: string[] = [];
    const keep = (d: Buffer) => {
      logs.push(d.toString());
      if (logs.length > 200) logs.shift();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const ready = await new Promise<{ pid: number }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`bench worker not ready in 120 s:\n${logs.join('')}`)), 120_000);
      proc.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`bench worker exited (${code}) before ready:\n${logs.join('')}`));
      });
      proc.on('message', (m: WorkerMessage) => {
        if (m.kind === 'ready') {
          clearTimeout(t);
          resolve(m);
        }
      });
    });
    return new BenchWorker(proc, ready.pid, logs);
  }

  private ask<K extends WorkerMessage['kind']>(
    msg: ParentMessage,
    kind: K,
  ): Promise<Extract<WorkerMessage, { kind: K }>> {
    return new Promise((resolve, reject) => {
      if (!this.proc.connected) return reject(new Error(`bench worker is gone:\n${this.logs.join('')}`));
      this.waiters.push({ kind, resolve: resolve as (m: WorkerMessage) => void });
      this.proc.send(msg);
    });
  }

  /** Pull the worker's new activity timings into `this.timings`; returns how many arrived. */
  async pull(): Promise<number> {
    const m = await this.ask({ kind: 'timings' }, 'timings');
    for (const t of m.timings) this.timings.push(t);
    return m.timings.length;
  }

  memory(gc = true) {
    return this.ask({ kind: 'memory', gc }, 'memory');
  }

  cpu(): number {
    return cpuSeconds(this.pid);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    if (this.proc.connected) this.proc.send({ kind: 'stop' } satisfies ParentMessage);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
  }
}

export interface Rig {
  server: DevServer;
  metricsPort: number;
  venue: Child & { url: string };
  client: Client;
  taskQueue: string;
  rawTaskQueue: string;
  worker: BenchWorker;
  startWorker(tuning?: WorkerTuningConfig): Promise<BenchWorker>;
  close(): Promise<void>;
}

export async function startRig(opts: {
  pairs: string[];
  tuning: WorkerTuningConfig;
  dynamicConfig: Record<string, string | number | boolean>;
  dbDir?: string;
  log: (m: string) => void;
}): Promise<Rig> {
  const dataDir = mkdtempSync(path.join(opts.dbDir ?? os.tmpdir(), 'tempotrade-bench-'));
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(dataDir, { recursive: true, force: true })];
  try {
    const port = await findFreePort();
    const metricsPort = await findFreePort();
    const server = await startDevServer({
      port,
      headless: true,
      reuse: false,
      dataDir,
      metricsPort,
      dynamicConfig: opts.dynamicConfig,
      log: (m) => opts.log(`[temporal] ${m}`),
    });
    cleanups.unshift(() => server.stop());
    const venue = await spawnVenue(Object.fromEntries(opts.pairs.map((p) => [p, dataFile(p)])));
    cleanups.unshift(() => venue.stop());
    opts.log(`[venue] ${venue.url} (pid ${venue.pid})`);
    const connection = await Connection.connect({ address: server.address });
    cleanups.unshift(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });
    const stamp = Date.now().toString(36);
    const taskQueue = `bench-${stamp}`;
    const rawTaskQueue = `bench-raw-${stamp}`;
    const cfg = { address: server.address, namespace: server.namespace, taskQueue, rawTaskQueue };
    let worker = await BenchWorker.start({ ...cfg, tuning: opts.tuning });
    opts.log(
      `[worker] pid ${worker.pid} on ${taskQueue} (+ raw on ${rawTaskQueue}), tuning ${JSON.stringify(opts.tuning)}`,
    );
    const rig: Rig = {
      server,
      metricsPort,
      venue,
      client,
      taskQueue,
      rawTaskQueue,
      worker,
      async startWorker(tuning = opts.tuning) {
        await rig.worker.stop();
        worker = await BenchWorker.start({ ...cfg, tuning });
        rig.worker = worker;
        return worker;
      },
      async close() {
        await rig.worker.stop().catch(() => undefined);
        for (const c of cleanups) await c().catch(() => undefined);
      },
    };
    return rig;
  } catch (e) {
    for (const c of cleanups) await c().catch(() => undefined);
    throw e;
  }
}

/** Counters scraped from the server's Prometheus endpoint whose names match `filter`, summed by name. */
export async function serverMetrics(metricsPort: number, filter: RegExp): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (!m || !filter.test(m[1])) continue;
    out[m[1]] = (out[m[1]] ?? 0) + Number(m[3]);
  }
  return out;
}
