/**
 * Where the journal goes, from TEMPOTRADE_JOURNAL_URL: unset → SQLite at .tempotrade/journal.sqlite under the
 * current directory; sqlite:PATH or file:PATH → that SQLite file; postgres:// or postgresql:// → PostgreSQL.
 */
import path from 'node:path';
import { z } from 'zod';
import { TempotradeError } from '../../domain/errors';
import { openPostgresJournal, postgresWhere } from './postgres';
import { openSqliteJournal } from './sqlite';
import type { JournalStore } from './store';

export const JOURNAL_URL_ENV = 'TEMPOTRADE_JOURNAL_URL';
export const DEFAULT_SQLITE_FILE = path.join('.tempotrade', 'journal.sqlite');

export type JournalConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; where: string };

const JournalUrl = z
  .string()
  .trim()
  .min(1, 'is empty (unset it for the SQLite default)')
  .transform((raw, ctx): JournalConfig => {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
    if (scheme === 'sqlite' || scheme === 'file') {
      // sqlite:PATH, sqlite://PATH, file:PATH, file:///abs/path
      const rest = raw
        .slice(scheme.length + 1)
        .replace(/^\/\/(?=\/)/, '')
        .replace(/^\/\/(?!\/)/, '');
      if (!rest) {
        ctx.addIssue({ code: 'custom', message: `${scheme}: needs a file path, e.g. sqlite:./journal.sqlite` });
        return z.NEVER;
      }
      return { kind: 'sqlite', file: path.resolve(rest) };
    }
    if (scheme === 'postgres' || scheme === 'postgresql') {
      try {
        return { kind: 'postgres', url: raw, where: postgresWhere(raw) };
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a valid postgres:// URL' });
        return z.NEVER;
      }
    }
    ctx.addIssue({
      code: 'custom',
      message: `unknown scheme "${scheme ?? raw}": use sqlite:PATH, file:PATH, postgres:// or postgresql://`,
    });
    return z.NEVER;
  });

/** The journal config from the environment; a bad URL is a VALIDATION error naming the variable. */
export function journalConfigFrom(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): JournalConfig {
  const raw = env[JOURNAL_URL_ENV];
  if (raw === undefined) return { kind: 'sqlite', file: path.resolve(cwd, DEFAULT_SQLITE_FILE) };
  const r = JournalUrl.safeParse(raw);
  if (!r.success)
    throw new TempotradeError('VALIDATION', `${JOURNAL_URL_ENV}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

/** Open the store; an unreachable database fails here, naming host:port. */
export async function openJournal(cfg: JournalConfig, opts: { connectTimeoutMs?: number } = {}): Promise<JournalStore> {
  if (cfg.kind === 'postgres') return openPostgresJournal(cfg.url, opts);
  try {
    return openSqliteJournal(cfg.file);
  } catch (e) {
    throw new TempotradeError(
      'CONFIG',
      `${JOURNAL_URL_ENV}: cannot open the SQLite journal ${cfg.file}: ${(e as Error).message}`,
    );
  }
}
