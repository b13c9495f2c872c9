/** Flag validation: commander collects, zod decides. Errors name the flag as the user typed it. */
import { Option } from 'commander';
import { z } from 'zod';
import { TempotradeError } from '../domain/errors';

export function flagName(path: PropertyKey[]): string {
  const head = String(path[0] ?? '');
  const kebab = head.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return `--${kebab}${path.length > 1 ? ` (${path.slice(1).map(String).join('.')})` : ''}`;
}

export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new TempotradeError('VALIDATION', r.error.issues.map((i) => `${flagName(i.path)}: ${i.message}`).join('\n'));
  }
  return r.data;
}

/** Collect a repeatable flag into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** "KEY=VALUE" pairs → object; a pair without "=" is an error naming the flag. */
export function pairs(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw new TempotradeError('VALIDATION', `${flag}: expected KEY=VALUE, got "${v}"`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** "k=v" strategy params: numbers and booleans are converted, the rest kept as text. */
export function paramValues(values: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(pairs(values, '--param'))) {
    out[k] = v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

/** A whole-number flag (commander passes text) from min to max. */
export function wholeNumberFlag(min: number, max: number, message = 'must be a whole number') {
  return z.string().regex(/^\d+$/, message).transform(Number).pipe(z.number().int().min(min).max(max));
}

/** --strategies DIR (repeatable): folders of user strategies, `verb` (load, also load…); TEMPOTRADE_STRATEGIES adds more. */
export function strategiesOption(verb: string): Option {
  const what = `${verb} the strategies of this folder (repeatable; and TEMPOTRADE_STRATEGIES=dir1:dir2)`;
  return new Option('--strategies <DIR>', what).argParser(collect);
}

/** --untrusted-strategies DIR (repeatable): every module of the folder runs in the QuickJS sandbox, never required. */
export function untrustedStrategiesOption(verb: string): Option {
  const what = `${verb} the strategies of this folder in the sandbox, never require()d (repeatable; and TEMPOTRADE_UNTRUSTED_STRATEGIES=dir1:dir2)`;
  return new Option('--untrusted-strategies <DIR>', what).argParser(collect);
}
