/**
 * Untrusted strategies: every module of an --untrusted-strategies folder (TEMPOTRADE_UNTRUSTED_STRATEGIES)
 * runs in its own QuickJS sandbox (./runtime.ts), never through Node's require. Trust is the folder's: a file
 * cannot opt out. The module's default export has defineStrategy's shape with params as plain data; it becomes
 * a DefinedStrategy whose zod schema is built from that data and whose onBar calls the sandbox, so the run
 * step validates its orders like any strategy's.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { formatZodIssues } from '../../errors';
import {
  fileEntry,
  loadStrategies,
  loadStrategyFile,
  readStrategyText,
  StrategyLoadError,
  strategyDirsFrom,
  strategyFilesIn,
} from '../loader';
import { specFormatOf } from '../spec';
import type { StrategyEntry, StrategyRegistry } from '../registry';
import { defineStrategy, type DefinedStrategy } from '../sdk/define';
import type { Bar, StrategyContext } from '../sdk/types';
import { MAX_ORDERS, MAX_OUTPUT_BYTES } from './prelude';
import { ParamSpec, paramsSchema } from '../sdk/plain-params';
import { Sandbox, SandboxFault, sandboxLimitsFrom, type SandboxLimits } from './runtime';

export const UNTRUSTED_STRATEGIES_ENV = 'TEMPOTRADE_UNTRUSTED_STRATEGIES';
/** What `strategy list` and a run's audit show as the source of a sandboxed module. */
export const SANDBOXED = '(sandboxed)';
/** …and of a spec file found in an untrusted folder. */
export const UNTRUSTED_SPEC = '(untrusted spec)';

/** The untrusted folders: the flags' (in order), then TEMPOTRADE_UNTRUSTED_STRATEGIES (`:`-separated). */
export function untrustedDirsFrom(
  flags: readonly string[] | undefined,
  env: Record<string, string | undefined> = process.env,
): string[] {
  return strategyDirsFrom(flags, env, UNTRUSTED_STRATEGIES_ENV);
}

const Described = z
  .object({
    name: z.string(),
    version: z.string(),
    description: z.string().default(''),
    params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), ParamSpec).default({}),
    lookback: z.union([z.literal('function'), z.number().int().min(1).max(100_000)]),
    onBar: z.literal('function', { message: 'must be a function' }),
  })
  .strict();

const Returned = z.union([
  z
    .object({ ok: z.literal(true), out: z.unknown(), undef: z.boolean(), state: z.record(z.string(), z.unknown()) })
    .strict(),
  z.object({ ok: z.literal(false), invalid: z.string().max(2_000) }).strict(),
]);

/** A 32-bit seed from the strategy, the symbol and the bar time (FNV-1a). */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

const sameBar = (a: Bar, b: Bar): boolean =>
  a.ts === b.ts &&
  a.open === b.open &&
  a.high === b.high &&
  a.low === b.low &&
  a.close === b.close &&
  a.volume === b.volume;

/**
 * How `next` follows from `prev` (what the sandbox holds): drop bars from the front and add new ones, when every
 * bar they share is equal; else the whole window. Another run's bars of the same symbol are simply sent whole.
 */
function windowChange(prev: readonly Bar[] | undefined, next: readonly Bar[]) {
  const whole = { full: true, drop: 0, add: next };
  if (!prev || prev.length === 0 || next.length === 0) return whole;
  const drop = prev.findIndex((b) => b.ts === next[0].ts);
  if (drop < 0) return whole;
  const kept = prev.length - drop;
  if (kept > next.length) return whole;
  for (let i = 0; i < kept; i++) if (!sameBar(prev[drop + i], next[i])) return whole;
  return { full: false, drop, add: next.slice(kept) };
}

/** The host side of a sandboxed onBar: the ctx as JSON in, the orders and state as JSON out, checked. */
function sandboxedOnBar(sandbox: Sandbox, name: string) {
  let uploadedFor: { universe: readonly string[]; generation: number } | undefined;
  /** The bars last sent per symbol, and into which runtime: a next window that extends them sends only the change. */
  let sent: { generation: number; bars: Map<string, readonly Bar[]> } = { generation: -1, bars: new Map() };
  return (ctx: StrategyContext<Record<string, unknown>>): unknown[] => {
    // What all symbols of a step share crosses once a step (runStrategyStep gives them one universe array).
    if (uploadedFor?.universe !== ctx.universe || uploadedFor.generation !== sandbox.generation) {
      if (sent.generation !== sandbox.generation) sent = { generation: sandbox.generation, bars: new Map() };
      const previous = sent.bars;
      const next = new Map(ctx.universe.map((s) => [s, ctx.barsOf(s)]));
      const shared = {
        windows: Object.fromEntries([...next].map(([s, bars]) => [s, windowChange(previous.get(s), bars)])),
        universe: ctx.universe,
        positions: ctx.positions,
        marks: ctx.marks,
        equity: ctx.equity,
        params: ctx.params,
        openOrders: ctx.openOrders,
      };
      // Forgotten before the call: a failed upload leaves the sandbox's copy unknown.
      sent = { generation: -1, bars: new Map() };
      sandbox.call('setStep', [JSON.stringify(shared)], 'onBar (its bars)');
      sent = { generation: sandbox.generation, bars: next };
      uploadedFor = { universe: ctx.universe, generation: sandbox.generation };
    }
    const input = JSON.stringify({
      symbol: ctx.symbol,
      position: ctx.position,
      mark: ctx.mark,
      time: ctx.time,
      state: ctx.state,
      seed: seedOf(`${name}|${ctx.symbol}|${ctx.time}`),
    });
    const text = sandbox.call('onBar', [input], 'onBar');
    if (typeof text !== 'string' || text.length > 2 * MAX_OUTPUT_BYTES) {
      throw new SandboxFault(
        'invalid output',
        `invalid output: output is over the ${MAX_OUTPUT_BYTES / 1_048_576} MB cap (${typeof text === 'string' ? `${text.length} characters` : typeof text})`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SandboxFault('invalid output', 'invalid output: the sandbox returned text that is not JSON');
    }
    const r = Returned.safeParse(parsed);
    if (!r.success) throw new SandboxFault('invalid output', `invalid output: ${formatZodIssues(r.error, 'sandbox')}`);
    if (!r.data.ok) throw new SandboxFault('invalid output', `invalid output: ${r.data.invalid}`);
    const { out, undef, state } = r.data;
    if (Array.isArray(out) && out.length > MAX_ORDERS) {
      throw new SandboxFault('invalid output', `invalid output: ${out.length} orders, over the cap of ${MAX_ORDERS}`);
    }
    (ctx as { state: unknown }).state = state;
    // Not a list: runStrategyStep words it ("onBar returned …") like a native strategy's.
    return (undef ? undefined : out) as unknown[];
  };
}

/** Load one untrusted module file into its sandbox; throws StrategyLoadError naming the file and field. */
export async function loadUntrustedFile(file: string, limits?: SandboxLimits): Promise<StrategyEntry> {
  const abs = path.resolve(file);
  const source = readStrategyText(abs);
  // A spec runs no code: interpreted as anywhere, but still untrusted (a generated one needs its gates).
  if (specFormatOf(abs)) return { ...loadStrategyFile(abs), source: `${abs} ${UNTRUSTED_SPEC}`, trust: 'untrusted' };
  if (!/\.m?js$/.test(abs)) {
    throw new StrategyLoadError(
      abs,
      'an untrusted strategy is plain JavaScript (.js or .mjs, with no imports) or a spec file (*.strategy.yaml|json)',
      'file',
    );
  }
  const l = limits ?? sandboxLimitsFrom();
  let sandbox: Sandbox;
  try {
    sandbox = await Sandbox.create(abs, source, l);
  } catch (e) {
    throw new StrategyLoadError(abs, `in the sandbox: ${(e as Error).message}`);
  }
  try {
    const text = sandbox.call('describe', [], 'describe');
    const raw = JSON.parse(String(text)) as Record<string, unknown>;
    if (raw.missing)
      throw new StrategyLoadError(
        abs,
        `no default export object (export default {...}; got ${String(raw.type)})`,
        'default',
      );
    const d = Described.safeParse(raw);
    if (!d.success) throw new StrategyLoadError(abs, formatZodIssues(d.error, 'default'));
    const spec = d.data;
    let params: z.ZodType<Record<string, unknown>>;
    try {
      params = paramsSchema(spec.params);
    } catch (e) {
      throw new StrategyLoadError(abs, (e as Error).message, 'params');
    }
    const lookbackValue = spec.lookback;
    let def: DefinedStrategy<Record<string, unknown>>;
    try {
      def = defineStrategy({
        name: spec.name,
        version: spec.version,
        description: spec.description,
        params,
        lookback:
          lookbackValue === 'function'
            ? (p: Record<string, unknown>) => Number(sandbox.call('lookback', [JSON.stringify(p)], 'lookback'))
            : () => lookbackValue,
        onBar: sandboxedOnBar(sandbox, spec.name) as never,
      });
    } catch (e) {
      throw new StrategyLoadError(abs, (e as Error).message.replace(/^defineStrategy: /, ''));
    }
    return fileEntry(def as unknown as DefinedStrategy<never>, source, `${abs} ${SANDBOXED}`, 'untrusted');
  } catch (e) {
    sandbox.dispose();
    if (e instanceof StrategyLoadError) throw e;
    throw new StrategyLoadError(abs, `in the sandbox: ${(e as Error).message}`);
  }
}

/** Every module of the untrusted folders, each in its own sandbox, in folder then name order. */
export async function loadUntrustedStrategies(
  dirs: readonly string[],
  limits?: SandboxLimits,
): Promise<StrategyEntry[]> {
  const entries: StrategyEntry[] = [];
  if (dirs.length === 0) return entries;
  // Once, before any file: a bad TEMPOTRADE_SANDBOX_* value is the environment's fault, not a module's.
  const l = limits ?? sandboxLimitsFrom();
  for (const dir of dirs) for (const file of strategyFilesIn(dir)) entries.push(await loadUntrustedFile(file, l));
  return entries;
}

/** The built-ins, the trusted folders' modules (require) and the untrusted folders' (sandboxed). */
export async function loadAllStrategies(
  dirs: readonly string[],
  untrustedDirs: readonly string[],
  limits?: SandboxLimits,
): Promise<StrategyRegistry> {
  return loadStrategies(dirs, await loadUntrustedStrategies(untrustedDirs, limits));
}
