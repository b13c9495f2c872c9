/**
 * Finds (or, failing that, builds) the Temporal CLI binary that runs the local dev server.
 *
 * Lookup order (first hit wins):
 *   1. env TEMPORAL_CLI_PATH                      → source 'env'   (a bad value is an error, never skipped)
 *   2. a `temporal` executable on PATH             → source 'path'
 *   3. <cacheDir>/temporal-cli/v1.5.1/temporal     → source 'cache'
 *   4. `go install …/cmd/temporal@v1.5.1` into the cache (needs Go on PATH or /usr/local/go/bin/go)
 *                                                  → source 'built'
 *   5. otherwise: one error listing everything that was tried and what to do about it.
 *
 * The cache lives outside the repository (TEMPOTRADE_CACHE_DIR, else $XDG_CACHE_HOME/tempotrade, else
 * ~/.cache/tempotrade) so a fresh clone / `npm ci` never throws the 3-minute build away.
 *
 * The build is crash-safe and concurrency-safe: Go writes into a private temp dir inside the cache and the
 * binary is renamed into place atomically, and an exclusive lock file (with a heartbeat) makes a second
 * caller wait for the first build instead of starting its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** Later tags of the CLI do not `go install` cleanly (replace directives); keep this pinned with the version. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** Oldest Go we try to build with (older toolchains cannot build the CLI's module graph). */
export const MIN_GO_VERSION: readonly [number, number] = [1, 22];

export type TemporalCliSource = 'env' | 'path' | 'cache' | 'built';

export interface ResolvedTemporalCli {
  /** Absolute path of the executable. */
  path: string;
  source: TemporalCliSource;
}

export interface ResolveTemporalCliOptions {
  /** Build with Go when nothing else is found. Default true. */
  build?: boolean;
  /** Progress sink (the build takes minutes on a cold Go cache). Default: silent. */
  log?: (msg: string) => void;
}

const BINARY_NAME = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
const GO_NAME = process.platform === 'win32' ? 'go.exe' : 'go';
const WELL_KNOWN_GO = '/usr/local/go/bin/go';

/** The repository this file lives in (temporal/ is one level below the root). */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Lock heartbeat: the builder touches its lock this often; a lock not touched for STALE ms is abandoned. */
const LOCK_HEARTBEAT_MS = 5_000;
const LOCK_STALE_MS = 60_000;
const LOCK_POLL_MS = 1_000;
/** Give up waiting on somebody else's (alive, heart-beating) build after this long. */
const LOCK_MAX_WAIT_MS = 30 * 60_000;
/** While building, report progress at least this often. */
const BUILD_PROGRESS_EVERY_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------------
// Environment (validated with zod: empty strings count as unset, paths must be usable)
// ---------------------------------------------------------------------------------------------------------------

const optionalNonEmpty = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().optional(),
);

const CliEnvSchema = z.object({
  TEMPORAL_CLI_PATH: optionalNonEmpty,
  TEMPOTRADE_CACHE_DIR: optionalNonEmpty,
  XDG_CACHE_HOME: optionalNonEmpty,
  PATH: optionalNonEmpty,
});
type CliEnv = z.infer<typeof CliEnvSchema>;

function readEnv(env: NodeJS.ProcessEnv): CliEnv {
  const parsed = CliEnvSchema.safeParse({
    TEMPORAL_CLI_PATH: env.TEMPORAL_CLI_PATH,
    TEMPOTRADE_CACHE_DIR: env.TEMPOTRADE_CACHE_DIR,
    XDG_CACHE_HOME: env.XDG_CACHE_HOME,
    PATH: env.PATH ?? env.Path,
  });
  if (!parsed.success) {
    throw new Error(`Invalid Temporal CLI environment:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Root of tempotrade's machine-wide cache: TEMPOTRADE_CACHE_DIR, else $XDG_CACHE_HOME/tempotrade, else
 * ~/.cache/tempotrade. Always absolute, and never inside this repository (a clean clone must not lose it, and
 * a 100 MB binary must never be committed).
 */
export function temporalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const e = readEnv(env);
  let dir: string;
  let origin: string;
  if (e.TEMPOTRADE_CACHE_DIR !== undefined) {
    dir = path.resolve(e.TEMPOTRADE_CACHE_DIR);
    origin = 'TEMPOTRADE_CACHE_DIR';
  } else if (e.XDG_CACHE_HOME !== undefined && path.isAbsolute(e.XDG_CACHE_HOME)) {
    // The XDG spec says relative values are invalid and must be ignored.
    dir = path.join(e.XDG_CACHE_HOME, 'tempotrade');
    origin = 'XDG_CACHE_HOME';
  } else {
    dir = path.join(os.homedir(), '.cache', 'tempotrade');
    origin = 'the home directory';
  }
  if (isInside(dir, REPO_ROOT)) {
    throw new Error(
      `The tempotrade cache dir ${dir} (from ${origin}) is inside the repository ${REPO_ROOT}. ` +
        'It must live outside the clone: set TEMPOTRADE_CACHE_DIR to a directory elsewhere (e.g. ~/.cache/tempotrade).',
    );
  }
  return dir;
}

/** Where the pinned CLI lives in the cache: <cacheDir>/temporal-cli/v1.5.1/temporal. */
export function cachedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(temporalCacheDir(env), 'temporal-cli', TEMPORAL_CLI_VERSION, BINARY_NAME);
}

// ---------------------------------------------------------------------------------------------------------------
// Small fs helpers
// ---------------------------------------------------------------------------------------------------------------

type ExecCheck = { ok: true } | { ok: false; reason: string };

/** A regular file (after following symlinks) that we may execute. Directories named `temporal` don't count. */
async function checkExecutable(file: string): Promise<ExecCheck> {
  let st;
  try {
    st = await fsp.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})` };
  }
  if (!st.isFile()) return { ok: false, reason: 'is not a regular file' };
  try {
    await fsp.access(file, fsConstants.X_OK);
  } catch {
    return { ok: false, reason: 'is not executable (chmod +x it)' };
  }
  return { ok: true };
}

/** All directories of PATH, in order, without empty entries (an empty entry would mean "the cwd"). */
function pathDirs(env: CliEnv): string[] {
  return (env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => d.trim())
    .filter((d) => d !== '');
}

async function findOnPath(name: string, env: CliEnv): Promise<string | undefined> {
  for (const dir of pathDirs(env)) {
    const candidate = path.resolve(dir, name);
    if ((await checkExecutable(candidate)).ok) return candidate;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Go toolchain
// ---------------------------------------------------------------------------------------------------------------

interface GoToolchain {
  path: string;
  version: string;
}

type GoLookup = { found: true; go: GoToolchain } | { found: false; reason: string };

function parseGoVersion(output: string): [number, number] | undefined {
  const m = /go(\d+)\.(\d+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

async function findGo(env: CliEnv): Promise<GoLookup> {
  const candidates: string[] = [];
  const onPath = await findOnPath(GO_NAME, env);
  if (onPath !== undefined) candidates.push(onPath);
  if (
    process.platform !== 'win32' &&
    (await checkExecutable(WELL_KNOWN_GO)).ok &&
    !candidates.includes(WELL_KNOWN_GO)
  ) {
    candidates.push(WELL_KNOWN_GO);
  }
  if (candidates.length === 0) return { found: false, reason: `no \`go\` on PATH and no ${WELL_KNOWN_GO}` };

  const problems: string[] = [];
  for (const goPath of candidates) {
    const r = spawnSync(goPath, ['version'], { encoding: 'utf8', timeout: 30_000 });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    if (r.error !== undefined || r.status !== 0) {
      problems.push(`${goPath} version failed: ${r.error?.message ?? out}`);
      continue;
    }
    const v = parseGoVersion(out);
    const [minMajor, minMinor] = MIN_GO_VERSION;
    if (v === undefined || v[0] < minMajor || (v[0] === minMajor && v[1] < minMinor)) {
      problems.push(`${goPath} is "${out}", need Go >= ${minMajor}.${minMinor}`);
      continue;
    }
    return { found: true, go: { path: goPath, version: out } };
  }
  return { found: false, reason: problems.join('; ') };
}

// ---------------------------------------------------------------------------------------------------------------
// Build lock: exclusive-create file + heartbeat, so a killed builder never blocks others for long
// ---------------------------------------------------------------------------------------------------------------

const LockInfoSchema = z.object({ pid: z.number().int(), host: z.string(), startedAt: z.string() });
type LockInfo = z.infer<typeof LockInfoSchema>;

interface HeldLock {
  release(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(lockFile: string): Promise<{ info?: LockInfo; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([fsp.readFile(lockFile, 'utf8'), fsp.stat(lockFile)]);
    let info: LockInfo | undefined;
    try {
      const parsed = LockInfoSchema.safeParse(JSON.parse(text));
      info = parsed.success ? parsed.data : undefined;
    } catch {
      info = undefined; // half-written lock file: judged by its mtime only
    }
    return { info, mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function lockIsStale(lock: { info?: LockInfo; mtimeMs: number }): boolean {
  if (Date.now() - lock.mtimeMs > LOCK_STALE_MS) return true; // no heartbeat for a minute
  // Same machine and the owner is gone: stale right away, no need to wait for the heartbeat to age.
  return lock.info !== undefined && lock.info.host === os.hostname() && !pidAlive(lock.info.pid);
}

/**
 * Takes the build lock. Returns undefined (without the lock) if `stopWaiting()` becomes true while another
 * process holds it — i.e. that process finished the build for us.
 */
async function acquireLock(
  lockFile: string,
  stopWaiting: () => Promise<boolean>,
  log: (msg: string) => void,
): Promise<HeldLock | undefined> {
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      const handle = await fsp.open(lockFile, 'wx');
      const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
      await handle.writeFile(JSON.stringify(info));
      await handle.close();
      const heartbeat = setInterval(() => {
        const now = new Date();
        fsp.utimes(lockFile, now, now).catch(() => undefined);
      }, LOCK_HEARTBEAT_MS);
      heartbeat.unref();
      return {
        release: async () => {
          clearInterval(heartbeat);
          await fsp.rm(lockFile, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await stopWaiting()) return undefined;
    const lock = await readLock(lockFile);
    if (lock === undefined) continue; // released between our attempts: retry immediately
    if (lockIsStale(lock)) {
      log(
        `Removing stale build lock ${lockFile} (${lock.info ? `pid ${lock.info.pid} on ${lock.info.host}` : 'unreadable'}).`,
      );
      await fsp.rm(lockFile, { force: true });
      continue;
    }
    if (!announced) {
      const who = lock.info
        ? `pid ${lock.info.pid} on ${lock.info.host}, since ${lock.info.startedAt}`
        : 'another process';
      log(`Another process is building the Temporal CLI (${who}); waiting for it to finish…`);
      announced = true;
    }
    if (Date.now() - started > LOCK_MAX_WAIT_MS) {
      throw new Error(
        `Gave up after ${Math.round(LOCK_MAX_WAIT_MS / 60_000)} min waiting for another Temporal CLI build ` +
          `(lock file ${lockFile}). If no build is running, delete that file and retry.`,
      );
    }
    await sleep(LOCK_POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// go install into a temp dir, then atomic rename
// ---------------------------------------------------------------------------------------------------------------

/** Runs `go install -v MODULE@VERSION` with GOBIN=binDir; progress goes to `log`. Rejects with the output tail. */
function goInstall(go: GoToolchain, binDir: string, log: (msg: string) => void): Promise<void> {
  const target = `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tail: string[] = [];
    let packages = 0;
    let downloads = 0;
    const child = spawn(go.path, ['install', '-v', target], {
      env: { ...process.env, GOBIN: binDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seconds = (): number => Math.round((Date.now() - started) / 1000);
    const progress = setInterval(() => {
      log(`  … still building: ${downloads} modules downloaded, ${packages} packages compiled, ${seconds()} s elapsed`);
    }, BUILD_PROGRESS_EVERY_MS);

    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.trimEnd();
        if (line === '') continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (line.startsWith('go: downloading')) {
          downloads += 1;
          log(`  ${line}`);
        } else if (/^[\w.-]+(\/[\w.~+-]+)*$/.test(line)) {
          packages += 1; // `-v` prints one import path per compiled package: counted, not echoed
        } else {
          log(`  ${line}`); // anything else (warnings, errors) is worth showing as is
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearInterval(progress);
      reject(new Error(`Could not run ${go.path}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(progress);
      if (pending.trim() !== '') tail.push(pending.trim());
      if (code === 0) {
        log(
          `  go install finished in ${seconds()} s (${packages} packages compiled, the rest came from the Go build cache).`,
        );
        resolve();
        return;
      }
      reject(
        new Error(
          `\`go install ${target}\` failed (${signal !== null ? `signal ${signal}` : `exit code ${String(code)}`}) ` +
            `after ${seconds()} s. Last output:\n${tail.map((l) => `    ${l}`).join('\n')}`,
        ),
      );
    });
  });
}

async function buildIntoCache(
  go: GoToolchain,
  finalPath: string,
  log: (msg: string) => void,
): Promise<'built' | 'cache'> {
  const versionDir = path.dirname(finalPath);
  const cliRoot = path.dirname(versionDir);
  await fsp.mkdir(cliRoot, { recursive: true });
  const lockFile = path.join(cliRoot, `${TEMPORAL_CLI_VERSION}.lock`);

  const lock = await acquireLock(lockFile, async () => (await checkExecutable(finalPath)).ok, log);
  if (lock === undefined) {
    log(`Another process finished building ${finalPath}.`);
    return 'cache';
  }
  let tmpDir: string | undefined;
  try {
    // Re-check under the lock: a concurrent builder may have finished just before we got it.
    if ((await checkExecutable(finalPath)).ok) return 'cache';

    // Leftovers of builds that were killed (we hold the lock, so none of these is in use).
    for (const entry of await fsp.readdir(cliRoot)) {
      if (entry.startsWith(`.build-${TEMPORAL_CLI_VERSION}-`)) {
        await fsp.rm(path.join(cliRoot, entry), { recursive: true, force: true });
      }
    }

    tmpDir = await fsp.mkdtemp(path.join(cliRoot, `.build-${TEMPORAL_CLI_VERSION}-`));
    log(`Building Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go.version} (a few minutes on a cold Go cache)…`);
    await goInstall(go, tmpDir, log);

    const built = path.join(tmpDir, BINARY_NAME);
    const check = await checkExecutable(built);
    if (!check.ok) throw new Error(`go install reported success but ${built} ${check.reason}.`);
    await fsp.mkdir(versionDir, { recursive: true });
    await fsp.rename(built, finalPath); // same filesystem → atomic: readers see no binary or a whole one
    log(`Temporal CLI ${TEMPORAL_CLI_VERSION} installed at ${finalPath}`);
    return 'built';
  } finally {
    if (tmpDir !== undefined) await fsp.rm(tmpDir, { recursive: true, force: true });
    await lock.release();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Public entry point
// ---------------------------------------------------------------------------------------------------------------

/** Resolves the Temporal CLI; see the module comment for the lookup order. */
export async function resolveTemporalCli(opts: ResolveTemporalCliOptions = {}): Promise<ResolvedTemporalCli> {
  const log = opts.log ?? ((): void => undefined);
  const build = opts.build ?? true;
  const env = readEnv(process.env);
  const tried: string[] = [];

  // (1) Explicit override: if it is set it must work — silently falling through would hide a typo.
  if (env.TEMPORAL_CLI_PATH !== undefined) {
    const p = path.resolve(env.TEMPORAL_CLI_PATH);
    const check = await checkExecutable(p);
    if (!check.ok) {
      throw new Error(
        `TEMPORAL_CLI_PATH is set to ${env.TEMPORAL_CLI_PATH}` +
          (p !== env.TEMPORAL_CLI_PATH ? ` (resolved: ${p})` : '') +
          `, but that path ${check.reason}. Point TEMPORAL_CLI_PATH at a Temporal CLI executable or unset it.`,
      );
    }
    return { path: p, source: 'env' };
  }
  tried.push('TEMPORAL_CLI_PATH: not set');

  // (2) PATH
  const onPath = await findOnPath(BINARY_NAME, env);
  if (onPath !== undefined) return { path: onPath, source: 'path' };
  tried.push(`PATH: no \`${BINARY_NAME}\` executable in ${pathDirs(env).length} directories`);

  // (3) cache
  const cached = cachedTemporalCliPath();
  const cacheCheck = await checkExecutable(cached);
  if (cacheCheck.ok) return { path: cached, source: 'cache' };
  tried.push(`cache: ${cached} ${cacheCheck.reason}`);

  // (4) build with Go
  if (!build) {
    tried.push('build with Go: skipped (build: false)');
  } else {
    const go = await findGo(env);
    if (!go.found) {
      tried.push(`build with Go: ${go.reason}`);
    } else {
      try {
        const source = await buildIntoCache(go.go, cached, log);
        return { path: cached, source };
      } catch (err) {
        tried.push(`build with Go (${go.go.path}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  // (5) nothing worked
  throw new Error(
    `Temporal CLI ${TEMPORAL_CLI_VERSION} not found. Tried:\n` +
      tried.map((t) => `  - ${t}`).join('\n') +
      '\nTo fix, do one of:\n' +
      '  - set TEMPORAL_CLI_PATH to an existing `temporal` binary;\n' +
      `  - install Go >= ${MIN_GO_VERSION.join('.')} (https://go.dev/dl) and retry: it builds ` +
      `\`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}\` into ${path.dirname(cached)};\n` +
      '  - or run on a machine with internet access, where `npm run temporal` falls back to the SDK download.',
  );
}
