/**
 * Local Temporal dev server for development (`npm run temporal`) and tests (jest global setup).
 *
 * - `startDevServer` reuses a server that already answers on the port (default) or spawns
 *   `temporal server start-dev` (binary from ./cli-binary.ts) with sqlite persistence under `.tempotrade/`,
 *   server output going to a log file, and tempotrade's custom search attributes registered.
 * - If no CLI can be found or built, it falls back to the SDK's `TestWorkflowEnvironment.createLocal()`,
 *   which downloads the server on a connected machine (disable with TEMPOTRADE_ALLOW_SDK_DOWNLOAD=0).
 * - A spawned server never outlives a normal exit of this process (synchronous 'exit' hook), nor a fatal
 *   SIGINT/SIGTERM/SIGHUP that nobody else handles.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fsp, openSync, closeSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { z } from 'zod';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { parseOrThrow } from '../../domain/errors';
import { resolveTemporalCli, type TemporalCliSource } from './cli-binary';

export const DEFAULT_IP = '127.0.0.1';
export const DEFAULT_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;
export const DEFAULT_NAMESPACE = 'default';
/** Default data dir, relative to process.cwd() (git-ignored). */
export const DEFAULT_DATA_DIR_NAME = '.tempotrade';

const START_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 250;
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 20;
/** How long a just-started server may answer NOT_FOUND for its namespace. */
const NAMESPACE_WAIT_MS = 5_000;
/** gRPC status NOT_FOUND (namespace not (yet) known to the frontend). */
const GRPC_NOT_FOUND = 5;

export interface DevServer {
  /** host:port to give to Connection / NativeConnection. */
  address: string;
  /** Web UI, when the server has one. */
  uiUrl?: string;
  namespace: string;
  /** True when an already-running server was found; stop() then does nothing. */
  reused: boolean;
  /** pid of the spawned `temporal` process (undefined when reused or started by the SDK fallback). */
  pid?: number;
  /** Which binary runs the server; undefined when reused. */
  binary?: { path?: string; source: TemporalCliSource | 'sdk-download' };
  /** Where the sqlite DB and (by default) the server log live; undefined when reused. */
  dataDir?: string;
  /** Server stdout/stderr (spawned servers only). */
  logFile?: string;
  /** Resolves when a spawned server process exits, for whatever reason. */
  exited?: Promise<ServerExit>;
  /** Stops a server this call started (SIGTERM, then SIGKILL after 10 s). Idempotent. */
  stop(): Promise<void>;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface StartDevServerOptions {
  ip?: string;
  port?: number;
  uiPort?: number;
  headless?: boolean;
  /** sqlite DB + log directory. Default: `.tempotrade/` under process.cwd(). Created if missing. */
  dataDir?: string;
  namespace?: string;
  /** Reuse a server that already answers at ip:port. Default true. */
  reuse?: boolean;
  log?: (m: string) => void;
  /** Default: <dataDir>/temporal-server.log */
  logFile?: string;
  /** Build the CLI with Go if it is missing. Default true. */
  build?: boolean;
  /** How long to wait for the frontend to answer. Default 60 s. */
  startTimeoutMs?: number;
  /** Dynamic config values on top of DEV_SERVER_DYNAMIC_CONFIG (bench/ tries settings with it). */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Serve the server's Prometheus metrics on this port (bench/ reads them to find bottlenecks). */
  metricsPort?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

export const PortSchema = z.number().int().min(1).max(65_535);

const StartOptionsSchema = z.object({
  ip: z.string().min(1).default(DEFAULT_IP),
  port: PortSchema.default(DEFAULT_PORT),
  uiPort: PortSchema.default(DEFAULT_UI_PORT),
  headless: z.boolean().default(false),
  dataDir: z.string().min(1).optional(),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'namespace: letters, digits, ".", "_" and "-" only')
    .default(DEFAULT_NAMESPACE),
  reuse: z.boolean().default(true),
  logFile: z.string().min(1).optional(),
  build: z.boolean().default(true),
  startTimeoutMs: z.number().int().positive().default(START_TIMEOUT_MS),
  dynamicConfig: z
    .record(
      z.string().regex(/^[A-Za-z0-9._]+$/, 'dynamic config keys: letters, digits, "." and "_"'),
      z.union([z.string(), z.number(), z.boolean()]),
    )
    .default({}),
  metricsPort: PortSchema.optional(),
});
type StartOptions = z.infer<typeof StartOptionsSchema>;

const AllowSdkDownloadSchema = z.string().optional();

function sdkDownloadAllowed(): boolean {
  return AllowSdkDownloadSchema.parse(process.env.TEMPOTRADE_ALLOW_SDK_DOWNLOAD) !== '0';
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

const errMsg = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Address a client should dial for a server bound to `ip` (wildcards → loopback, IPv6 in brackets). */
function dialAddress(ip: string, port: number): string {
  const host = ip === '0.0.0.0' ? '127.0.0.1' : ip === '::' ? '::1' : ip;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function uiUrlFor(ip: string, uiPort: number): string {
  const local = ['127.0.0.1', '0.0.0.0', 'localhost', '::1', '::'].includes(ip);
  const host = local ? 'localhost' : ip.includes(':') ? `[${ip}]` : ip;
  return `http://${host}:${uiPort}`;
}

function lastLines(file: string, n: number): string {
  try {
    const lines = readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
    if (lines.length === 0) return `  (${file} is empty)`;
    return lines
      .slice(-n)
      .map((l) => `  | ${l}`)
      .join('\n');
  } catch (err) {
    return `  (could not read ${file}: ${errMsg(err)})`;
  }
}

/** True if we can bind host:port ourselves right now. */
function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS considers free on 127.0.0.1 right now (listen on 0, read, close). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error(`Unexpected server address ${String(addr)} while looking for a free port`));
        return;
      }
      srv.close((err) => (err ? reject(err) : resolve(addr.port)));
    });
  });
}

/** True if something answers HTTP at url within timeoutMs (used to tell whether a reused server has a UI). */
async function httpAnswers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Talking to a server
// ---------------------------------------------------------------------------------------------------------------

/** True if a Temporal frontend answers GetSystemInfo at host:port within timeoutMs. Never throws. */
export async function isServerUp(address: string, timeoutMs = 1500): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    // lazy + ensureConnected (what Connection.connect does) so the channel can be closed even when it fails.
    connection = Connection.lazy({ address, connectTimeout: timeoutMs });
    await connection.ensureConnected();
    const conn = connection;
    await conn.withDeadline(Date.now() + timeoutMs, () => conn.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

async function withConnection<T>(address: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const connection = Connection.lazy({ address, connectTimeout: 5_000 });
  try {
    await connection.ensureConnected();
    return await fn(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

type CustomAttributes = Record<string, number>;

async function listCustomAttributes(connection: Connection, namespace: string): Promise<CustomAttributes> {
  const deadline = Date.now() + NAMESPACE_WAIT_MS;
  for (;;) {
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace });
      return { ...(res.customAttributes ?? {}) };
    } catch (err) {
      // Right after start the namespace registry may lag a moment behind the frontend.
      if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND && Date.now() < deadline) {
        await sleep(POLL_INTERVAL_MS);
        continue;
      }
      if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) {
        throw new Error(
          `Namespace "${namespace}" does not exist on the Temporal server. Create it with ` +
            `\`temporal operator namespace create --namespace ${namespace}\` or use another namespace.`,
        );
      }
      throw err;
    }
  }
}

/**
 * Makes sure tempotrade's custom search attributes (CUSTOM_SEARCH_ATTRIBUTES) exist as Keyword on the namespace,
 * adding the missing ones. Throws if one exists with another type (a type cannot be changed in place).
 */
export async function ensureSearchAttributes(address: string, namespace: string): Promise<{ added: string[] }> {
  const keyword = encodeSearchAttributeIndexedValueType(SearchAttributeType.KEYWORD);
  if (keyword === undefined) throw new Error('SDK cannot encode the Keyword search attribute type');
  return withConnection(address, async (connection) => {
    const existing = await listCustomAttributes(connection, namespace);
    const wrongType = CUSTOM_SEARCH_ATTRIBUTES.filter((a) => a.name in existing && existing[a.name] !== keyword);
    if (wrongType.length > 0) {
      throw new Error(
        `Search attributes on namespace "${namespace}" at ${address} have the wrong type (need Keyword): ` +
          `${wrongType.map((a) => a.name).join(', ')}. Remove them (temporal operator search-attribute remove) ` +
          'or use a fresh server/namespace.',
      );
    }
    const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((a) => !(a.name in existing)).map((a) => a.name);
    if (missing.length === 0) return { added: [] };

    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, keyword])),
    });
    // Verify: registration is asynchronous on some persistence back-ends.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const now = await listCustomAttributes(connection, namespace);
      const still = missing.filter((name) => now[name] !== keyword);
      if (still.length === 0) return { added: missing };
      if (Date.now() > deadline) {
        throw new Error(`Added search attributes ${still.join(', ')} to "${namespace}" but they never showed up.`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Child process bookkeeping: no spawned server outlives us
// ---------------------------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const HOOK_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooksInstalled = false;

function killAllChildrenSync(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
}

function onProcessExit(): void {
  killAllChildrenSync();
}

/**
 * Only acts when nobody else listens for the signal, i.e. when the default action (terminate) would have
 * killed us without running 'exit' handlers: kill children, then re-raise so we still die by that signal.
 */
function onFatalSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // someone else owns shutdown; the 'exit' hook is the backstop
  killAllChildrenSync();
  uninstallHooks();
  process.kill(process.pid, signal);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', onProcessExit);
  for (const s of HOOK_SIGNALS) process.on(s, onFatalSignal);
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.off('exit', onProcessExit);
  for (const s of HOOK_SIGNALS) process.off(s, onFatalSignal);
}

function track(child: ChildProcess): void {
  liveChildren.add(child);
  installHooks();
}

function untrack(child: ChildProcess): void {
  liveChildren.delete(child);
  if (liveChildren.size === 0) uninstallHooks();
}

// ---------------------------------------------------------------------------------------------------------------
// Data dir ownership (two servers on one sqlite file corrupt each other's view of the world)
// ---------------------------------------------------------------------------------------------------------------

const PidFileSchema = z.object({ pid: z.number().int().positive(), address: z.string() });

function isTemporalProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('temporal');
  } catch {
    return true; // alive, and no /proc to say otherwise
  }
}

async function assertDataDirFree(pidFile: string): Promise<void> {
  let text: string;
  try {
    text = await fsp.readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  let parsed: z.infer<typeof PidFileSchema> | undefined;
  try {
    const r = PidFileSchema.safeParse(JSON.parse(text));
    parsed = r.success ? r.data : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined && isTemporalProcess(parsed.pid)) {
    throw new Error(
      `Another Temporal dev server (pid ${parsed.pid}, ${parsed.address}) is using the data dir ` +
        `${path.dirname(pidFile)}. Stop it, connect to ${parsed.address}, or pass a different dataDir.`,
    );
  }
  await fsp.rm(pidFile, { force: true }); // stale
}

// ---------------------------------------------------------------------------------------------------------------
// Starting
// ---------------------------------------------------------------------------------------------------------------

async function reusedHandle(o: StartOptions, address: string, log: (m: string) => void): Promise<DevServer> {
  log(`A Temporal server already answers at ${address}; reusing it (it will not be stopped by us).`);
  const { added } = await ensureSearchAttributes(address, o.namespace);
  if (added.length > 0) log(`Registered missing search attributes on "${o.namespace}": ${added.join(', ')}`);
  const ui = uiUrlFor(o.ip, o.uiPort);
  return {
    address,
    uiUrl: (await httpAnswers(ui, 1_000)) ? ui : undefined,
    namespace: o.namespace,
    reused: true,
    stop: async () => undefined,
  };
}

async function assertPortsFree(o: StartOptions, address: string): Promise<void> {
  if (!(await canListen(o.ip, o.port))) {
    const hint = (await isServerUp(address))
      ? `a Temporal server already answers there${o.reuse ? '' : ' and reuse is off'}`
      : 'something that is not a Temporal server is listening there';
    throw new Error(`Cannot start a Temporal dev server on ${address}: ${hint}. Choose another port.`);
  }
  if (!o.headless && !(await canListen(o.ip, o.uiPort))) {
    throw new Error(`The Temporal UI port ${o.uiPort} on ${o.ip} is in use. Choose another uiPort or run headless.`);
  }
}

function devServerArgs(o: StartOptions, dbFile: string): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip, '--port', String(o.port), '--ui-port', String(o.uiPort)];
  if (o.headless) args.push('--headless');
  args.push('--db-filename', dbFile, '--namespace', o.namespace, '--log-level', 'warn');
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...o.dynamicConfig }))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  if (o.metricsPort !== undefined) args.push('--metrics-port', String(o.metricsPort));
  for (const a of CUSTOM_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${a.name}=${a.type}`);
  return args;
}

/**
 * The history service's queue readers poll at most 20 times a second by default, which adds ~40 ms to
 * every dispatch hop (task_latency_load in the server's metrics): a sequential activity cost 95 ms on
 * this project's machine, 38 ms with these values (docs/performance.md). Transfer tasks dispatch workflow
 * and activity tasks; timer tasks fire `sleep`s; visibility tasks make search attributes queryable.
 *
 * Measured with `npm run bench` (docs/performance.md, "Tuning"):
 * - `history.timerProcessorMaxTimeShift` (default 1 s) floors every new timer at now + 1 s: a 10 ms
 *   `sleep` between ticks fired after ~970 ms. At 10 ms it fires after ~3 ms (P1 p50 1,073 → 158 ms).
 * - `system.enableActivityEagerExecution`: an activity scheduled by a workflow task of a worker that also
 *   polls the activity's queue comes back in the answer to that workflow task's completion, skipping the
 *   matching service's dispatch (P1 p50 158 → 107 ms).
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, number | string | boolean>> = {
  'history.transferProcessorMaxPollRPS': 1000,
  'history.transferProcessorMaxPollHostRPS': 5000,
  'history.timerProcessorMaxPollRPS': 1000,
  'history.timerProcessorMaxPollHostRPS': 5000,
  'history.visibilityProcessorMaxPollRPS': 1000,
  'history.visibilityProcessorMaxPollHostRPS': 5000,
  'history.timerProcessorMaxTimeShift': '10ms',
  'system.enableActivityEagerExecution': true,
};

async function spawnCliServer(
  o: StartOptions,
  cli: { path: string; source: TemporalCliSource },
  address: string,
  dataDir: string,
  logFile: string,
  log: (m: string) => void,
): Promise<DevServer> {
  const pidFile = path.join(dataDir, 'temporal-server.pid');
  await assertDataDirFree(pidFile);

  const args = devServerArgs(o, path.join(dataDir, 'temporal.sqlite'));
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(cli.path, args, { stdio: ['ignore', fd, fd], detached: false });
  } finally {
    closeSync(fd); // the child has its own copy
  }
  // Never keep the parent alive just for the server; the 'exit' hook kills it when the parent goes.
  child.unref();
  track(child);

  const exited = new Promise<ServerExit>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  void exited.then(() => untrack(child));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const graceful = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STOP_GRACE_MS))),
        ]);
        clearTimeout(timer);
        if (!graceful) {
          log(`Temporal server pid ${child.pid} did not stop within ${STOP_GRACE_MS / 1000} s; sending SIGKILL.`);
          child.kill('SIGKILL');
          await exited;
        }
      }
      untrack(child);
      await fsp.rm(pidFile, { force: true });
    })());

  if (child.pid !== undefined) {
    await fsp.writeFile(pidFile, JSON.stringify({ pid: child.pid, address }));
  }
  log(`Starting Temporal dev server (${cli.source}: ${cli.path}) on ${address}, data in ${dataDir}, log ${logFile}`);

  // Wait for the frontend, or for the process to die trying.
  const started = Date.now();
  let exitedEarly: ServerExit | undefined;
  void exited.then((e) => (exitedEarly = e));
  for (;;) {
    if (exitedEarly !== undefined) {
      const how = exitedEarly.error
        ? `could not be run (${exitedEarly.error.message})`
        : `exited early (${exitedEarly.signal !== null ? `signal ${exitedEarly.signal}` : `code ${String(exitedEarly.code)}`})`;
      await stop();
      throw new Error(
        `Temporal dev server ${how}: ${cli.path} ${args.join(' ')}\nLast ${LOG_TAIL_LINES} lines of ${logFile}:\n` +
          lastLines(logFile, LOG_TAIL_LINES),
      );
    }
    if (await isServerUp(address)) break;
    if (Date.now() - started > o.startTimeoutMs) {
      await stop();
      throw new Error(
        `Temporal dev server did not answer at ${address} within ${Math.round(o.startTimeoutMs / 1000)} s ` +
          `(stopped it). Last ${LOG_TAIL_LINES} lines of ${logFile}:\n${lastLines(logFile, LOG_TAIL_LINES)}`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }

  try {
    const { added } = await ensureSearchAttributes(address, o.namespace);
    if (added.length > 0) log(`Registered search attributes the server did not have: ${added.join(', ')}`);
  } catch (err) {
    await stop();
    throw new Error(`Temporal dev server started at ${address} but search attributes failed: ${errMsg(err)}`);
  }
  log(`Temporal dev server up at ${address} after ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid}).`);

  return {
    address,
    uiUrl: o.headless ? undefined : uiUrlFor(o.ip, o.uiPort),
    namespace: o.namespace,
    reused: false,
    pid: child.pid,
    binary: cli,
    dataDir,
    logFile,
    exited,
    stop,
  };
}

/** Last resort when no CLI is available: the SDK downloads the dev server (needs internet). */
async function startViaSdkDownload(
  o: StartOptions,
  dataDir: string,
  cliError: unknown,
  log: (m: string) => void,
): Promise<DevServer> {
  log(`No Temporal CLI available; falling back to the SDK's dev-server download. (${errMsg(cliError).split('\n')[0]})`);
  const typeMap = { Keyword: SearchAttributeType.KEYWORD } as const;
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: o.ip,
        port: o.port,
        ui: !o.headless,
        uiPort: o.headless ? undefined : o.uiPort,
        dbFilename: path.join(dataDir, 'temporal.sqlite'),
        namespace: o.namespace,
        log: { format: 'pretty', level: 'warn' },
        searchAttributes: CUSTOM_SEARCH_ATTRIBUTES.map((a) => defineSearchAttributeKey(a.name, typeMap[a.type])),
      },
    });
    const address = env.address;
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => (stopping ??= env.teardown());
    try {
      await ensureSearchAttributes(address, o.namespace);
    } catch (err) {
      await stop();
      throw err;
    }
    log(`Temporal dev server (SDK download) up at ${address}.`);
    return {
      address,
      uiUrl: o.headless ? undefined : uiUrlFor(o.ip, o.uiPort),
      namespace: o.namespace,
      reused: false,
      binary: { source: 'sdk-download' },
      dataDir,
      stop,
    };
  } catch (sdkError) {
    throw new Error(
      'Could not start a Temporal dev server.\n' +
        `1) Temporal CLI:\n${errMsg(cliError)}\n` +
        `2) SDK download fallback (TestWorkflowEnvironment.createLocal; set TEMPOTRADE_ALLOW_SDK_DOWNLOAD=0 to skip it):\n` +
        `  ${errMsg(sdkError)}`,
    );
  }
}

/** Starts (or reuses) a local Temporal dev server; see the module comment. */
export async function startDevServer(opts: StartDevServerOptions = {}): Promise<DevServer> {
  const { log: logOpt, ...data } = opts;
  const log = logOpt ?? ((): void => undefined);
  const o = parseOrThrow(StartOptionsSchema, data, 'startDevServer options');
  const address = dialAddress(o.ip, o.port);

  if (o.reuse && (await isServerUp(address))) return reusedHandle(o, address, log);
  await assertPortsFree(o, address);

  const dataDir = path.resolve(o.dataDir ?? path.join(process.cwd(), DEFAULT_DATA_DIR_NAME));
  await fsp.mkdir(dataDir, { recursive: true });
  const logFile = path.resolve(o.logFile ?? path.join(dataDir, 'temporal-server.log'));
  await fsp.mkdir(path.dirname(logFile), { recursive: true });

  let cli: { path: string; source: TemporalCliSource };
  try {
    cli = await resolveTemporalCli({ build: o.build, log });
  } catch (err) {
    if (!sdkDownloadAllowed()) {
      throw new Error(`${errMsg(err)}\n(The SDK download fallback is disabled by TEMPOTRADE_ALLOW_SDK_DOWNLOAD=0.)`);
    }
    return startViaSdkDownload(o, dataDir, err, log);
  }
  return spawnCliServer(o, cli, address, dataDir, logFile, log);
}

// ---------------------------------------------------------------------------------------------------------------
// `npm run temporal`
// ---------------------------------------------------------------------------------------------------------------

export interface RunTemporalForegroundOptions {
  port?: number;
  uiPort?: number;
  dataDir?: string;
}

/**
 * Runs the dev server in the foreground until SIGINT/SIGTERM (then stops it). If a server is already running on
 * the port, says so and returns at once.
 */
export async function runTemporalForeground(opts: RunTemporalForegroundOptions = {}): Promise<void> {
  const log = (m: string): void => console.log(`[temporal] ${m}`);
  const uiPort = opts.uiPort ?? DEFAULT_UI_PORT;
  const server = await startDevServer({ ...opts, uiPort, reuse: true, build: true, log });

  if (server.reused) {
    log(`Reusing the Temporal server that is already running — nothing to start.`);
    log(`  gRPC address: ${server.address}   namespace: ${server.namespace}`);
    log(`  Web UI:       ${server.uiUrl ?? `none answering at http://localhost:${uiPort}`}`);
    return;
  }

  log(
    `Temporal dev server running (${server.binary?.source ?? 'unknown'} binary${server.binary?.path ? `: ${server.binary.path}` : ''}).`,
  );
  log(`  gRPC address: ${server.address}   namespace: ${server.namespace}`);
  log(`  Web UI:       ${server.uiUrl ?? '(headless)'}`);
  if (server.dataDir) log(`  Data dir:     ${server.dataDir}`);
  if (server.logFile) log(`  Server log:   ${server.logFile}`);
  log('Press Ctrl+C to stop.');

  const keepAlive = setInterval(() => undefined, 1 << 30); // signal listeners alone don't keep Node running
  // One handler for the whole lifetime, including the stop: `npm run` forwards SIGINT to us on top of the one the
  // terminal already sent, so a second signal within a second is the same Ctrl+C; a later one forces a SIGKILL.
  let firstSignalAt: number | undefined;
  let onFirstSignal: ((s: NodeJS.Signals) => void) | undefined;
  const onSignal = (s: NodeJS.Signals): void => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      onFirstSignal?.(s);
    } else if (Date.now() - firstSignalAt > 1_000 && server.pid !== undefined) {
      log(`${s} again: killing the Temporal dev server (pid ${server.pid}).`);
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const reason = await new Promise<string>((resolve, reject) => {
      onFirstSignal = resolve;
      void server.exited?.then((e) =>
        reject(
          new Error(
            `The Temporal dev server exited unexpectedly (${e.signal ?? `code ${String(e.code)}`}). ` +
              (server.logFile ? `Last lines of ${server.logFile}:\n${lastLines(server.logFile, LOG_TAIL_LINES)}` : ''),
          ),
        ),
      );
    });
    log(`${reason} received; stopping the Temporal dev server (Ctrl+C again to kill it)…`);
  } finally {
    try {
      await server.stop();
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      clearInterval(keepAlive);
    }
  }
  log('Stopped.');
}
