/**
 * StrategyRegistry: the strategies a process knows — the built-ins and those loaded from the user's folders
 * (./loader.ts) — each with its version, where it came from and a content hash (sha256) to pin runs to.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { formatZodIssues, TempotradeError } from '../errors';
import type { DefinedStrategy } from './sdk/define';
import { BUILTIN_STRATEGIES } from './builtins';

export interface StrategyEntry {
  name: string;
  version: string;
  description: string;
  /** 'built-in', or the module file it was loaded from. */
  source: string;
  /** sha256 (hex) of the module's source; a built-in's is of its name and version (it ships with tempotrade). */
  hash: string;
  /** 'untrusted': loaded from an untrusted folder; a live run needs its promotion gates (../strategy-lifecycle/promotion.ts). */
  trust?: 'untrusted';
  definition: DefinedStrategy<never>;
}

/** What a run records about its strategy, and what the workflow needs as data (no code). */
export interface ResolvedStrategy {
  name: string;
  version: string;
  hash: string;
  source: string;
  params: Record<string, unknown>;
  lookback: number;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function builtinEntry(def: DefinedStrategy<never>): StrategyEntry {
  return {
    name: def.name,
    version: def.version,
    description: def.description,
    source: 'built-in',
    hash: sha256(`built-in:${def.name}@${def.version}`),
    definition: def,
  };
}

export class StrategyRegistry {
  private readonly byName = new Map<string, StrategyEntry>();

  /** Throws CONFIG on a duplicate name, naming both sources. */
  constructor(entries: readonly StrategyEntry[]) {
    for (const e of entries) {
      const prior = this.byName.get(e.name);
      if (prior)
        throw new TempotradeError(
          'CONFIG',
          `${e.source}: duplicate strategy name "${e.name}" (also in ${prior.source})`,
          { name: e.name, files: [prior.source, e.source] },
        );
      this.byName.set(e.name, e);
    }
  }

  static builtins(): StrategyRegistry {
    return new StrategyRegistry(BUILTIN_STRATEGIES.map(builtinEntry));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  list(): StrategyEntry[] {
    return [...this.byName.values()];
  }

  get(name: string): StrategyEntry | undefined {
    return this.byName.get(name);
  }

  /** The entry, or a CONFIG error listing what this process knows. */
  require(name: string): StrategyEntry {
    const e = this.byName.get(name);
    if (!e)
      throw new TempotradeError(
        'CONFIG',
        `unknown strategy "${name}" (known here: ${this.names().join(', ')}; load a folder with --strategies or TEMPOTRADE_STRATEGIES)`,
        { name },
      );
    return e;
  }

  parseParams(
    name: string,
    params: unknown,
  ): { ok: true; params: Record<string, unknown> } | { ok: false; error: string } {
    const e = this.byName.get(name);
    if (!e)
      return { ok: false, error: `strategy.name: unknown strategy "${name}" (known: ${this.names().join(', ')})` };
    const r = (e.definition.params as unknown as z.ZodType).safeParse(params ?? {});
    if (!r.success) return { ok: false, error: formatZodIssues(r.error, 'strategy.params') };
    return { ok: true, params: r.data as Record<string, unknown> };
  }

  /** Name, version, hash, parsed params and lookback: what a run start records and passes to the workflow. */
  resolve(name: string, params: unknown): { ok: true; strategy: ResolvedStrategy } | { ok: false; error: string } {
    const p = this.parseParams(name, params);
    if (!p.ok) return p;
    const e = this.byName.get(name)!;
    let lookback: number;
    try {
      lookback = e.definition.lookback(p.params as never);
    } catch (err) {
      return { ok: false, error: `strategy.lookback: ${name} threw: ${(err as Error).message}` };
    }
    if (!Number.isInteger(lookback) || lookback < 1 || lookback > 100_000) {
      return {
        ok: false,
        error: `strategy.lookback: ${name} returned ${String(lookback)}, expected a whole number from 1 to 100000`,
      };
    }
    return {
      ok: true,
      strategy: { name, version: e.version, hash: e.hash, source: e.source, params: p.params, lookback },
    };
  }
}
