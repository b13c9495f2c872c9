/**
 * Loading strategies from the user's folders (--strategies DIR, TEMPOTRADE_STRATEGIES=dir1:dir2). Node-side
 * I/O, never imported by the workflow bundle. Every .ts/.js module of a folder whose default export came
 * from defineStrategy is loaded; a module that fails to load, has no such export, or repeats a name is an
 * error naming the file. `tempotrade/strategy` resolves to this SDK even where the folder has no node_modules.
 * A `*.strategy.yaml|yml|json` file is a declarative spec (./spec): interpreted, never evaluated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';
import { TempotradeError } from '../errors';
import { isDefinedStrategy, type DefinedStrategy } from './sdk/define';
import { BUILTIN_STRATEGIES } from './builtins';
import { builtinEntry, sha256, StrategyRegistry, type StrategyEntry } from './registry';
import { loadSpec, specFormatOf, StrategySpecError } from './spec';

export const STRATEGIES_ENV = 'TEMPOTRADE_STRATEGIES';
const SDK_SPECIFIER = 'tempotrade/strategy';
const MODULE_EXTENSIONS = ['.ts', '.js', '.mts', '.cts', '.mjs', '.cjs'];

/** A strategy module that cannot be used; `file` and `field` say where. */
export class StrategyLoadError extends TempotradeError {
  readonly file: string;
  constructor(file: string, message: string, field?: string) {
    super('VALIDATION', `${file}: ${field ? `${field}: ` : ''}${message}`, { file, ...(field ? { field } : {}) });
    this.file = file;
  }
}

/** The folders to load: the flags' (in order), then TEMPOTRADE_STRATEGIES (`:`-separated). Relative to cwd. */
export function strategyDirsFrom(
  flags: readonly string[] | undefined,
  env: Record<string, string | undefined> = process.env,
  envName = STRATEGIES_ENV,
): string[] {
  const fromEnv = (env[envName] ?? '').split(':').filter((d) => d.trim() !== '');
  return [
    ...new Set(
      [...(flags ?? []), ...fromEnv].map((d) => path.resolve(d.replace(/^~(?=$|\/)/, process.env.HOME ?? '~'))),
    ),
  ];
}

let aliased = false;
/** Make `require('tempotrade/strategy')` (and a transpiled `import`) resolve to this SDK from any folder. */
export function registerSdkAlias(): void {
  if (aliased) return;
  aliased = true;
  const target = require.resolve('./sdk');
  const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = M._resolveFilename;
  M._resolveFilename = function (request: string, ...rest: unknown[]): string {
    if (request === SDK_SPECIFIER) return target;
    return original.call(this, request, ...rest);
  };
}

/** The line of a load error that says where (esbuild: "file:3:0: ERROR: …"), else its first line. */
/** The compiled CLI (TEMPOTRADE_DIST=1) runs without tsx: register it so a user's .ts module still loads. */
function registerTypeScript(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!(require.extensions as Record<string, unknown>)['.ts']) require('tsx/cjs');
}

function firstLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.find((l) => /ERROR:|:\d+:\d+/.test(l)) ?? lines[0] ?? message;
}

/** A spec file (*.strategy.yaml|yml|json): interpreted, never evaluated; its hash is of the file's text. */
function loadSpecFile(abs: string, source: string, format: 'yaml' | 'json'): StrategyEntry {
  let def;
  try {
    def = loadSpec(source, format);
  } catch (e) {
    if (e instanceof StrategySpecError) throw new StrategyLoadError(abs, e.message);
    throw new StrategyLoadError(abs, `invalid spec: ${(e as Error).message}`);
  }
  return fileEntry(def as never, source, abs);
}

/** The registry entry of a file's strategy: pinned by the sha256 of the file's text. */
export function fileEntry(
  def: DefinedStrategy<never>,
  text: string,
  source: string,
  trust?: StrategyEntry['trust'],
): StrategyEntry {
  return {
    name: def.name,
    version: def.version,
    description: def.description,
    source,
    hash: sha256(text),
    ...(trust ? { trust } : {}),
    definition: def,
  };
}

/** The text of a strategy file; one that cannot be read is a StrategyLoadError naming it. */
export function readStrategyText(abs: string): string {
  try {
    return fs.readFileSync(abs, 'utf8');
  } catch (e) {
    throw new StrategyLoadError(abs, `cannot read (${(e as Error).message})`);
  }
}

/** Load one module or spec file; throws StrategyLoadError naming the file. */
export function loadStrategyFile(file: string): StrategyEntry {
  const abs = path.resolve(file);
  const source = readStrategyText(abs);
  const format = specFormatOf(abs);
  if (format) return loadSpecFile(abs, source, format);
  registerSdkAlias();
  registerTypeScript();
  let mod: unknown;
  try {
    // A synchronous require: under tsx it loads .ts and ESM-syntax .js alike, and it keeps loading ordered.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(abs);
  } catch (e) {
    if (e instanceof TempotradeError) throw new StrategyLoadError(abs, e.message);
    const err = e as Error;
    const what =
      err.name === 'SyntaxError' || /Transform failed|Expected|Unexpected/.test(err.message)
        ? 'syntax error'
        : 'failed to load';
    throw new StrategyLoadError(abs, `${what}: ${firstLine(err.message)}`);
  }
  const m = mod as { default?: unknown; __esModule?: boolean } | undefined;
  const def = m && typeof m === 'object' && 'default' in m ? m.default : undefined;
  if (def === undefined)
    throw new StrategyLoadError(abs, 'no default export (export default defineStrategy({...}))', 'default');
  if (!isDefinedStrategy(def))
    throw new StrategyLoadError(
      abs,
      'the default export was not made by defineStrategy from tempotrade/strategy',
      'default',
    );
  return fileEntry(def, source, abs);
}

/**
 * The strategy modules of a folder (not recursive; .d.ts, dotfiles and tests skipped), sorted by name. Two
 * modules with one stem (x.ts and x.js: usually a source and its compiled copy) are refused, naming both:
 * which one runs must not depend on the order of extensions.
 */
export function strategyFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new StrategyLoadError(dir, `cannot read the strategies folder (${(e as Error).message})`);
  }
  const files = names
    .filter(
      (n) =>
        (MODULE_EXTENSIONS.includes(path.extname(n)) || specFormatOf(n) !== undefined) &&
        !n.endsWith('.d.ts') &&
        !n.startsWith('.') &&
        !/\.(test|spec)\.[cm]?[jt]s$/.test(n),
    )
    .sort()
    .map((n) => path.join(dir, n))
    .filter((f) => fs.statSync(f).isFile());
  const byStem = new Map<string, string>();
  for (const f of files) {
    const stem = f.slice(0, -path.extname(f).length);
    const other = byStem.get(stem);
    if (other)
      throw new StrategyLoadError(
        f,
        `two modules named ${path.basename(stem)} (also ${path.basename(other)}): keep one, e.g. move a compiled copy to another folder`,
        'file',
      );
    byStem.set(stem, f);
  }
  return files;
}

/**
 * Built-ins plus every strategy of `dirs` (and `extra`: the sandboxed entries of ./sandbox/untrusted.ts);
 * throws StrategyLoadError (a duplicate names both files).
 */
export function loadStrategies(dirs: readonly string[], extra: readonly StrategyEntry[] = []): StrategyRegistry {
  const entries: StrategyEntry[] = BUILTIN_STRATEGIES.map(builtinEntry);
  for (const dir of dirs) for (const file of strategyFilesIn(dir)) entries.push(loadStrategyFile(file));
  entries.push(...extra);
  try {
    return new StrategyRegistry(entries);
  } catch (e) {
    const files = ((e as TempotradeError).details?.files as string[] | undefined) ?? [];
    throw new StrategyLoadError(
      files[files.length - 1] ?? '(strategies)',
      (e as Error).message.replace(/^[^:]+: /, ''),
      'name',
    );
  }
}
