/** `tempotrade strategy …`: list the strategies this process can load, check a strategy module. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { TempotradeError } from '../../domain/errors';
import type { Candle } from '../../domain/market/candles';
import { Dec, cmp, display, str } from '../../domain/money';
import { loadStrategyFile, StrategyLoadError, strategyDirsFrom } from '../../domain/strategies/loader';
import { StrategyRegistry, builtinEntry, type StrategyEntry } from '../../domain/strategies/registry';
import { BUILTIN_STRATEGIES } from '../../domain/strategies/builtins';
import { runStrategyStep } from '../../domain/strategies/sdk/run';
import { explainSpec, specJsonSchema, specOf } from '../../domain/strategies/spec';
import type { JsonObject } from '../../domain/strategies/sdk/types';
import { toCandles } from '../../simulators/paper-venue/market-data';
import { readDatasetText } from '../../simulators/paper-venue/state';
import { MARKET_DATA_DIR } from '../../simulators/paper-venue/bundled-data';
import {
  collect,
  paramValues,
  parseFlags,
  strategiesOption,
  untrustedStrategiesOption,
  wholeNumberFlag,
} from '../flags';
import { loadAllStrategies, loadUntrustedFile, untrustedDirsFrom } from '../../domain/strategies/sandbox/untrusted';
import { table } from '../format';
import { SANDBOX_REFERENCE } from '../../domain/strategies/sandbox/reference';
import type { GenerationKind } from '../../domain/strategy-lifecycle/generation';
import { generateCommand } from './strategy-generate';
import { addPromotionCommands } from './promotion';

/** The defaults a strategy runs with when given no --param, or the fields it requires. */
function paramsText(e: StrategyEntry): string {
  const r = (e.definition.params as unknown as z.ZodType).safeParse({});
  if (r.success) return JSON.stringify(r.data);
  return `requires ${[...new Set(r.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ')}`;
}

/** "ETH/BTC" → the bundled data/market/ETH_BTC-*.csv.gz bars. */
function bundledBars(symbol: string): Candle[] {
  const prefix = `${symbol.replace('/', '_')}-`;
  const file = fs.readdirSync(MARKET_DATA_DIR).find((f) => f.startsWith(prefix) && f.endsWith('.csv.gz'));
  if (!file) {
    const have = fs
      .readdirSync(MARKET_DATA_DIR)
      .filter((f) => f.endsWith('.csv.gz'))
      .map((f) => f.split('-')[0].replace('_', '/'));
    throw new TempotradeError('VALIDATION', `--symbol: no bundled data for ${symbol} (bundled: ${have.join(', ')})`);
  }
  return toCandles(readDatasetText(path.join(MARKET_DATA_DIR, file)), file);
}

export interface CheckReport {
  file: string;
  name: string;
  version: string;
  hash: string;
  params: Record<string, unknown>;
  lookback: number;
  symbols: string[];
  ticks: number;
  intents: number;
  cancels: number;
  first?: string;
}

/**
 * Load `file`, parse its params, and run it over `bars` bundled bars of each symbol after its lookback, filling
 * every market intent at the mark (so entries and exits both get exercised). Errors name the file and the field.
 */
export function checkStrategyFile(
  file: string,
  opts: { params?: Record<string, unknown>; symbols?: string[]; bars?: number } = {},
  loaded?: StrategyEntry,
): CheckReport {
  // `loaded`: the file already loaded some other way (a sandboxed module must never be required).
  const entry = loaded ?? loadStrategyFile(file);
  const abs = entry.source;
  try {
    new StrategyRegistry([...BUILTIN_STRATEGIES.map(builtinEntry), entry]);
  } catch (e) {
    throw new StrategyLoadError(abs, (e as Error).message.replace(/^[^:]+: /, ''), 'name');
  }
  const resolved = new StrategyRegistry([entry]).resolve(entry.name, opts.params ?? {});
  if (!resolved.ok) throw new StrategyLoadError(abs, resolved.error);
  const { lookback, params } = resolved.strategy;
  const specSymbols = specOf(entry.definition)?.symbols;
  const symbols = opts.symbols && opts.symbols.length > 0 ? opts.symbols : (specSymbols ?? ['ETH/BTC']);
  const data = Object.fromEntries(symbols.map((s) => [s, bundledBars(s)]));
  const n = Math.min(opts.bars ?? 200, ...symbols.map((s) => data[s].length - lookback));
  const positions: Record<string, string> = Object.fromEntries(symbols.map((s) => [s, '0']));
  let cash = new Dec(1);
  let state: JsonObject = {};
  const report: CheckReport = {
    file: abs,
    name: entry.name,
    version: entry.version,
    hash: entry.hash,
    params,
    lookback,
    symbols,
    ticks: 0,
    intents: 0,
    cancels: 0,
  };
  for (let i = 0; i < n; i += 1) {
    const end = lookback + i;
    const windows = Object.fromEntries(symbols.map((s) => [s, data[s].slice(end - lookback, end)]));
    const marks = Object.fromEntries(symbols.map((s) => [s, String(windows[s][windows[s].length - 1].close)]));
    const equity = symbols.reduce((eq, s) => eq.plus(new Dec(positions[s]).times(marks[s])), cash);
    let step;
    try {
      step = runStrategyStep(entry.definition, {
        strategyId: 'check',
        windows,
        positions: { ...positions },
        marks,
        equity: str(equity),
        params,
        state,
      });
    } catch (e) {
      throw new StrategyLoadError(abs, (e as Error).message);
    }
    state = step.state;
    report.ticks += 1;
    report.intents += step.intents.length;
    report.cancels += step.cancels.length;
    for (const it of step.intents) {
      report.first ??= `${it.side} ${display(it.quantity)} ${it.symbol} ${it.type}${it.reason ? ` (${it.reason})` : ''}`;
      if (it.type !== 'market') continue;
      const qty = it.side === 'buy' ? new Dec(it.quantity) : Dec.min(new Dec(it.quantity), positions[it.symbol]);
      const cost = qty.times(marks[it.symbol]);
      if (it.side === 'buy' && cost.gt(cash)) continue;
      positions[it.symbol] = str(new Dec(positions[it.symbol]).plus(it.side === 'buy' ? qty : qty.neg()));
      cash = it.side === 'buy' ? cash.minus(cost) : cash.plus(cost);
      if (cmp(positions[it.symbol], 0) < 0) positions[it.symbol] = '0';
    }
  }
  return report;
}

const ListFlags = z
  .object({
    strategies: z.array(z.string().min(1)).default([]),
    untrustedStrategies: z.array(z.string().min(1)).default([]),
    json: z.boolean().default(false),
  })
  .strict();
const CheckFlags = z
  .object({
    param: z.array(z.string()).default([]),
    symbol: z.array(z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/, 'must be like ETH/BTC')).default([]),
    bars: wholeNumberFlag(1, 5_000).default(200),
    json: z.boolean().default(false),
    sandboxed: z.boolean().default(false),
  })
  .strict();

export function strategyCommand(): Command {
  const cmd = new Command('strategy').description('the strategies: the built-ins and your own (docs/strategies.md)');
  cmd
    .command('list')
    .description('every loaded strategy: name, version, source, parameters (defaults)')
    .addOption(strategiesOption('also load'))
    .addOption(untrustedStrategiesOption('also load'))
    .option('--json', 'print JSON', false)
    .action(async (opts) => {
      const f = parseFlags(ListFlags, opts);
      const registry = await loadAllStrategies(
        strategyDirsFrom(f.strategies),
        untrustedDirsFrom(f.untrustedStrategies),
      );
      const rows = registry.list().map((e) => ({
        name: e.name,
        version: e.version,
        source: e.source,
        hash: e.hash,
        params: paramsText(e),
        description: e.description,
      }));
      if (f.json) console.log(JSON.stringify(rows, null, 2));
      else
        console.log(
          table(
            rows.map((r) => ({ ...r, hash: r.hash.slice(0, 12) })),
            ['name', 'version', 'source', 'hash', 'params'],
          ),
        );
    });
  cmd
    .command('check <file>')
    .description(
      'load a strategy module or spec file, parse its params and run it over a few bundled bars; exit 2 naming the file and field on error',
    )
    .option('--param <k=v>', 'strategy parameter (repeatable)', collect)
    .option('--symbol <SYM>', 'bundled market to run it on (repeatable; default ETH/BTC)', collect)
    .option('--bars <n>', 'bars to run after the lookback', '200')
    .option('--json', 'print JSON', false)
    .option('--sandboxed', 'load it as an untrusted module, in the sandbox (never required)', false)
    .action(async (file: string, opts) => {
      const f = parseFlags(CheckFlags, opts);
      const sandboxed = f.sandboxed ? await loadUntrustedFile(file) : undefined;
      const r = checkStrategyFile(file, { params: paramValues(f.param), symbols: f.symbol, bars: f.bars }, sandboxed);
      if (f.json) {
        console.log(JSON.stringify(r, null, 2));
        return;
      }
      console.log(`ok: ${r.name}@${r.version} (${r.file}, sha256 ${r.hash.slice(0, 12)})`);
      console.log(`params ${JSON.stringify(r.params)}, lookback ${r.lookback}`);
      console.log(
        `${r.ticks} bars of ${r.symbols.join(', ')}: ${r.intents} order intent(s), ${r.cancels} cancel(s)${r.first ? `; first: ${r.first}` : ''}`,
      );
    });
  cmd
    .command('schema')
    .description('print the JSON Schema of strategy spec files (*.strategy.yaml, *.strategy.json)')
    .action(() => console.log(JSON.stringify(specJsonSchema(), null, 2)));
  cmd
    .command('explain <file>')
    .description('print a strategy spec file in plain words; exit 2 naming the file and field on error')
    .action((file: string) => {
      const entry = loadStrategyFile(file);
      const spec = specOf(entry.definition);
      if (!spec)
        throw new StrategyLoadError(
          entry.source,
          'explain reads spec files (*.strategy.yaml, *.strategy.json)',
          'file',
        );
      const lookback = entry.definition.lookback((entry.definition.params as unknown as z.ZodType).parse({}) as never);
      console.log(explainSpec(spec, lookback));
    });
  cmd.addCommand(generateCommand({ reference: generationReference, validate: validateGenerated, defaultOutDir }));
  addPromotionCommands(cmd);
  return cmd;
}

/** What the model writes against: the spec's JSON Schema, or the sandbox's API. */
function generationReference(kind: GenerationKind): string {
  return kind === 'spec' ? JSON.stringify(specJsonSchema()) : SANDBOX_REFERENCE;
}

/**
 * A generated file is checked as `strategy check` checks a user's: loaded (a spec interpreted, code only in its
 * sandbox) and run over bundled bars, so a loop, an escape or bad output is refused before it reaches a folder.
 */
async function validateGenerated(file: string, kind: GenerationKind): Promise<{ name: string; version: string }> {
  const entry = kind === 'spec' ? loadStrategyFile(file) : await loadUntrustedFile(file);
  const r = checkStrategyFile(file, {}, entry);
  return { name: r.name, version: r.version };
}

function defaultOutDir(env: Record<string, string | undefined>): string {
  return untrustedDirsFrom([], env)[0] ?? path.resolve('untrusted-strategies');
}
