/**
 * Start tempotrade processes (venue, worker) as children, wait until they are ready, stop them.
 * Used by the demo and by tests that need a real separate process (e.g. to SIGKILL a worker).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'tempotrade.js');

export interface Child {
  proc: ChildProcess;
  pid: number;
  output: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** SIGKILL every child this process spawned that is still alive (test clean-up after a timeout). */
export async function killAllChildren(): Promise<void> {
  const procs = [...live];
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGKILL');
        }),
    ),
  );
}

export async function spawnTempotrade(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number; label: string; echo?: (line: string) => void },
): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  const onData = (d: Buffer) => {
    const s = d.toString();
    out += s;
    if (out.length > 200_000) out = out.slice(-100_000);
    if (opts.echo) for (const line of s.split('\n').filter(Boolean)) opts.echo(line);
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      live.delete(proc);
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${opts.label} did not become ready in ${opts.timeoutMs ?? 60_000} ms:\n${out.slice(-2000)}`)),
      opts.timeoutMs ?? 60_000,
    );
    const check = () => {
      if (opts.ready.test(out)) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        proc.stderr!.off('data', check);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    proc.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.label} exited (code ${code}) before it was ready:\n${out.slice(-2000)}`));
    });
  });
  const child: Child = {
    proc,
    pid: proc.pid!,
    output: () => out,
    exited,
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
  return child;
}

/** Paper venue in its own process on a free port; resolves once it listens. */
export async function spawnVenue(
  datasets: Record<string, string>,
  opts: {
    port?: number;
    stateFile?: string;
    apiKeys?: Array<{ apiKey: string; secret: string; balances: Record<string, string> }>;
  } = {},
): Promise<Child & { url: string }> {
  const keyArgs = (opts.apiKeys ?? []).flatMap((k) => [
    '--api-key',
    k.apiKey,
    '--api-secret',
    k.secret,
    ...Object.entries(k.balances).flatMap(([a, v]) => ['--balance', `${a}=${v}`]),
  ]);
  const args = [
    'venue',
    '--port',
    String(opts.port ?? 0),
    ...Object.entries(datasets).flatMap(([s, p]) => ['--data', `${s}=${p}`]),
    ...(opts.stateFile ? ['--state', opts.stateFile] : []),
    ...keyArgs,
  ];
  const child = await spawnTempotrade(args, { ready: /paper venue listening on (http:\/\/\S+)/, label: 'paper venue' });
  const url = /paper venue listening on (http:\/\/\S+)/.exec(child.output())![1];
  return Object.assign(child, { url });
}

/** A worker in its own process; resolves once it polls. */
export function spawnWorker(
  env: { TEMPORAL_ADDRESS: string; TEMPORAL_NAMESPACE?: string } & Record<string, string>,
  echo?: (line: string) => void,
  taskQueue?: string,
  venue: { accounts?: string[]; activitiesPerSecond?: number } = {},
): Promise<Child> {
  const venueArgs = [
    ...(venue.accounts ?? []).flatMap((a) => ['--venue', a]),
    ...(venue.activitiesPerSecond !== undefined ? ['--venue-rate', String(venue.activitiesPerSecond)] : []),
  ];
  return spawnTempotrade(['worker', ...(taskQueue ? ['--task-queue', taskQueue] : []), ...venueArgs], {
    env: { ...env },
    ready: /worker polling task queue/,
    label: 'worker',
    timeoutMs: 120_000,
    ...(echo ? { echo } : {}),
  });
}
