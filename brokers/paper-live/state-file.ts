/**
 * Where a paper-on-live account's engine state lives, and the lock around it.
 *
 * One state file per (exchange, account): `<dir>/<exchange>/<account>.json`, where `<exchange>` is the
 * ccxt id, `-sandbox` for a sandbox, and `@host_port` for an `apiUrl` (a local exchange), so simulated
 * accounts on different data never mix. `dir` is TEMPOTRADE_PAPER_STATE_DIR, default
 * `.tempotrade/paper-live` under the worker's working directory.
 *
 * Several workers (processes, or registries in one process) may serve the same account: every change
 * happens under an exclusive lock file (`<file>.lock`, created with O_EXCL), after re-reading the state
 * when another holder changed it. Locked sections are synchronous and short (no network inside), so a
 * lock older than LOCK_STALE_MS belongs to a process that died holding it and is broken.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TempotradeError } from '../../domain/errors';

export const PAPER_STATE_DIR_ENV = 'TEMPOTRADE_PAPER_STATE_DIR';
export const DEFAULT_PAPER_STATE_DIR = path.join('.tempotrade', 'paper-live');
export const LOCK_STALE_MS = 30_000;
export const LOCK_WAIT_MS = 15_000;

export function paperStateDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return path.resolve(cwd, env[PAPER_STATE_DIR_ENV] || DEFAULT_PAPER_STATE_DIR);
}

/** `binance`, `binance-sandbox`, `binance@127.0.0.1_8701`: the data source a simulated account belongs to. */
export function exchangeDirName(v: { exchangeId: string; sandbox: boolean; apiUrl?: string }): string {
  const at = v.apiUrl !== undefined ? `@${new URL(v.apiUrl).host.replace(/[^A-Za-z0-9.-]/g, '_')}` : '';
  return `${v.exchangeId}${v.sandbox ? '-sandbox' : ''}${at}`;
}

export function paperStateFile(
  dir: string,
  v: { exchangeId: string; sandbox: boolean; apiUrl?: string },
  accountId: string,
): string {
  return path.join(dir, exchangeDirName(v), `${accountId}.json`);
}

/** Identity of the file's current content (inode, size, mtime); 'missing' when there is none. */
export function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
}

/** Take `<file>.lock`; the returned function releases it (only if still ours). */
export async function acquireLock(file: string, waitMs = LOCK_WAIT_MS): Promise<() => void> {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const token = `${process.pid}:${randomUUID()}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(lock, token, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lock, 'utf8') === token) fs.unlinkSync(lock);
        } catch {
          // already gone (broken as stale by another holder): nothing to release
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new TempotradeError('CONFIG', `cannot lock paper account state ${file}: ${(e as Error).message}`);
    }
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.unlinkSync(lock);
    } catch {
      // released meanwhile
    }
    if (Date.now() > deadline)
      throw new TempotradeError(
        'VENUE_STATE',
        `paper account state ${file} stayed locked for ${waitMs} ms (another worker holds ${lock})`,
      );
    await sleep(2 + Math.floor(Math.random() * 8));
  }
}
