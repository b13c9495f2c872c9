/** `tempotrade run …`: start, halt, resume, status, list, audit. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { TempotradeError } from '../../domain/errors';
import { RiskConfig, loadRiskConfig as loadRiskConfigLayers } from '../../domain/risk/config';
import type { Client } from '@temporalio/client';
import { createBrokerRegistry } from '../../brokers/registry';
import { venueKindOf } from '../../brokers/venues';
import { DEFAULT_PAPER_VENUE_URL, type StrategyRunInput, type StrategyRunInputRaw } from '../../domain/run/input';
import { checkCapital, refusal } from '../../temporal/capital-check';
import { STRATEGY_NAMES } from '../../domain/strategies';
import { loadStrategies, strategyDirsFrom } from '../../domain/strategies/loader';
import {
  loadAllStrategies,
  loadUntrustedStrategies,
  untrustedDirsFrom,
} from '../../domain/strategies/sandbox/untrusted';
import type { StrategyEntry, StrategyRegistry } from '../../domain/strategies/registry';
import { display } from '../../domain/money';
import {
  haltRun,
  listRuns,
  reconcileRun,
  resumeRun,
  runAudit,
  runOrders,
  runStatus,
  runWaiting,
  startRun,
  upgradeRunStrategy,
  updateRunRisk,
  validateRunInput,
  waitForRun,
  pinRunStrategy,
  type RunWaiting,
} from '../../temporal/runs-client';
import { refuseUnpromoted } from '../../temporal/promotion-client';
import { collect, pairs, paramValues, parseFlags, strategiesOption, untrustedStrategiesOption } from '../flags';
import { formatSummary, formatWaiting, keyValues, runListRows, table, uiLink } from '../format';
import type { RunStatus } from '../../workflows/definitions';
import { formatExecution } from '../execution-view';
import { withTemporalClient } from '../with-client';

const UI_BASE = process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233';

/** The run a `run start` (or a `schedule create`) describes, as flags. */
export const RunFlags = z
  .object({
    strategy: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, `must be a strategy name (built-in: ${STRATEGY_NAMES.join(', ')})`),
    symbol: z.array(z.string()).min(1, 'give at least one --symbol'),
    data: z.array(z.string()).default([]),
    account: z.string().default('paper-1'),
    engine: z.enum(['live', 'advanced']).optional(),
    mode: z.enum(['paper', 'live']).default('paper'),
    capital: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
      .refine((v) => Number(v) > 0, 'must be greater than 0')
      .default('1'),
    param: z.array(z.string()).default([]),
    riskFile: z.string().optional(),
    risk: z.array(z.string()).default([]),
    tickInterval: z.string().default('0'),
    balances: z.enum(['exclusive', 'shared']).default('exclusive'),
    maxTicks: z.string().regex(/^\d+$/, 'must be a whole number').optional(),
    id: z.string().optional(),
    venueUrl: z
      .string()
      .url()
      .default(process.env.TEMPOTRADE_PAPER_URL ?? DEFAULT_PAPER_VENUE_URL),
    exchange: z.string().optional(),
    sandbox: z.boolean().default(false),
    apiUrl: z.string().url().optional(),
    fills: z.enum(['venue', 'paper']).optional(),
    timeframe: z
      .string()
      .regex(/^\d+[smhd]$/, 'must be like 1s, 5m, 1h or 1d')
      .optional(),
  })
  .strict();

const StartFlags = RunFlags.extend({
  wait: z.boolean().default(false),
  json: z.boolean().default(false),
  strategies: z.array(z.string().min(1)).default([]),
  untrustedStrategies: z.array(z.string().min(1)).default([]),
}).strict();

/**
 * The strategies this run can name (built-ins + --strategies + TEMPOTRADE_STRATEGIES), checked against the
 * flags: a broken module, an unknown name or bad params exit 2 naming the file or the field.
 */
export function loadRunStrategies(
  flags: {
    strategy: string;
    strategies: string[];
    param: string[];
  },
  untrusted: readonly StrategyEntry[] = [],
): StrategyRegistry {
  const registry = loadStrategies(strategyDirsFrom(flags.strategies), untrusted);
  if (!registry.get(flags.strategy)) {
    throw new TempotradeError(
      'VALIDATION',
      `--strategy: unknown strategy "${flags.strategy}" (known: ${registry.names().join(', ')}; a folder of your own: --strategies DIR)`,
    );
  }
  const r = registry.resolve(flags.strategy, paramValues(flags.param));
  const source = registry.get(flags.strategy)!.source;
  if (!r.ok) {
    const where = `${flags.param.length ? '--param: ' : ''}${source === 'built-in' ? '' : `${source}: `}`;
    throw new TempotradeError('VALIDATION', `${where}${r.error}`);
  }
  return registry;
}

const ListFlags = z
  .object({
    query: z.string().min(1).optional(),
    allExecutions: z.boolean().default(false),
    limit: z
      .string()
      .regex(/^[1-9]\d*$/, 'must be a positive whole number')
      .transform(Number),
    json: z.boolean().default(false),
  })
  .strict();

/**
 * The run's risk config: defaults < --risk-file < RISK_* env < --risk FIELD=VALUE overrides (nested
 * objects merge field by field; docs/risk.md). Errors name the field.
 */
export function loadRiskConfig(
  file: string | undefined,
  env: Record<string, string | undefined> = process.env,
  overrides: string[] = [],
): z.input<typeof RiskConfig> {
  let fromFile: unknown;
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new TempotradeError('VALIDATION', `--risk-file: cannot read ${file} as JSON (${(e as Error).message})`);
    }
  }
  // "maxDrawdownPct=10", "volBreaker={\"haltPct\":3}": JSON when the value parses as JSON, else text.
  const over = Object.fromEntries(
    Object.entries(pairs(overrides, '--risk')).map(([k, v]) => {
      try {
        return [k, JSON.parse(v) as unknown];
      } catch {
        return [k, v];
      }
    }),
  );
  const r = loadRiskConfigLayers({ file: fromFile, env, overrides: over });
  if (!r.ok) throw new TempotradeError('VALIDATION', `risk config: ${r.error}`, { fields: r.fields });
  return r.config;
}

/** The options of a run (`run start`, `schedule create`); `tickHelp` words the per-command meaning of tick flags. */
export function addRunOptions(
  cmd: Command,
  tickHelp: { tickInterval?: string; maxTicks?: string; id?: string } = {},
): Command {
  return cmd
    .requiredOption('--strategy <name>', `strategy: ${STRATEGY_NAMES.join(' | ')}, or one loaded with --strategies`)
    .option('--symbol <SYM>', 'market, e.g. ETH/BTC (repeatable)', collect)
    .option('--data <SYM=PATH>', 'CSV data for the paper venue (repeatable)', collect)
    .option('--account <id>', 'account id', 'paper-1')
    .addOption(
      new Option('--engine <engine>', 'execution engine (default: by risk flags)').choices(['live', 'advanced']),
    )
    .addOption(new Option('--mode <mode>', 'paper or live').choices(['paper', 'live']).default('paper'))
    .option(
      '--capital <n>',
      "the run's capital in the quote currency; the default 1 is this flag's own, not read from the account or " +
        'the venue. Paper venues (paper, --fills paper): paper money the run deposits into the account as it ' +
        'opens. A real exchange: the account must hold it free, beyond what its other running runs were started with',
      '1',
    )
    .addOption(
      new Option(
        '--balances <scope>',
        "exclusive: the run is the account's only trader, its balances must match the run's fills; shared: several runs trade the account (compare orders and fills only)",
      )
        .choices(['exclusive', 'shared'])
        .default('exclusive'),
    )
    .option('--param <k=v>', 'strategy parameter (repeatable)', collect)
    .option('--risk-file <path>', 'risk config JSON (RISK_* env vars override it; docs/risk.md)')
    .option(
      '--risk <field=value>',
      'risk config override for this run, e.g. maxDrawdownPct=10 (repeatable; wins over file and env)',
      collect,
    )
    .option('--tick-interval <duration>', tickHelp.tickInterval ?? 'pause between ticks: 0, 250ms, 5m …', '0')
    .option('--max-ticks <n>', tickHelp.maxTicks ?? 'stop after N ticks')
    .option('--id <runId>', tickHelp.id ?? 'workflow id (default: generated)')
    .option('--venue-url <url>', 'paper venue URL')
    .option('--exchange <id>', 'trade on a ccxt exchange instead of the paper venue')
    .option('--sandbox', 'use the exchange sandbox', false)
    .option(
      '--api-url <url>',
      'send the exchange calls here: the local Binance-protocol exchange (tempotrade venue), e.g. http://127.0.0.1:8701',
    )
    .option('--timeframe <tf>', 'bar timeframe of a ccxt venue (default 5m; the local exchange serves 1s)')
    .addOption(
      new Option(
        '--fills <where>',
        "ccxt venue: 'venue' sends orders to the exchange; 'paper' fills them in the worker on the exchange's live public data (paper mode)",
      ).choices(['venue', 'paper']),
    );
}

export function buildRunInput(flags: z.output<typeof RunFlags>): StrategyRunInputRaw {
  const data = Object.fromEntries(Object.entries(pairs(flags.data, '--data')).map(([s, p]) => [s, path.resolve(p)]));
  return {
    runId: flags.id ?? `${flags.strategy}-${flags.account}-${Date.now().toString(36)}`,
    accountId: flags.account,
    strategy: { name: flags.strategy, params: paramValues(flags.param) },
    symbols: flags.symbol,
    venue: flags.exchange
      ? {
          kind: 'ccxt',
          exchangeId: flags.exchange,
          sandbox: flags.sandbox,
          ...(flags.apiUrl ? { apiUrl: flags.apiUrl } : {}),
          ...(flags.timeframe ? { timeframe: flags.timeframe } : {}),
          ...(flags.fills ? { fills: flags.fills } : {}),
        }
      : { kind: 'paper', url: flags.venueUrl, data },
    mode: flags.mode,
    ...(flags.engine ? { engine: flags.engine } : {}),
    risk: loadRiskConfig(flags.riskFile, process.env, flags.risk),
    capital: flags.capital,
    tickInterval: /^\d+$/.test(flags.tickInterval) ? Number(flags.tickInterval) : flags.tickInterval,
    stop: { endOfData: true, ...(flags.maxTicks ? { maxTicks: Number(flags.maxTicks) } : {}) },
    ...(flags.balances === 'shared' ? { reconciliation: { balances: 'shared' } } : {}),
  };
}

/** A real venue holds the capital: refuse (exit 2, VALIDATION) a run the account cannot cover beside its other runs. */
async function refuseUncovered(client: Client, input: StrategyRunInput): Promise<void> {
  const brokers = createBrokerRegistry();
  try {
    const broker = await brokers.get(input.venue, input.accountId);
    const quote = input.symbols[0].split('/')[1];
    const c = await checkCapital(client, broker, { accountId: input.accountId, quote, capital: input.capital });
    if (!c.ok)
      throw new TempotradeError('VALIDATION', refusal(input.accountId, c), {
        numbers: { free: c.free, committed: c.committed, requested: c.requested, available: c.available },
        otherRuns: c.others.map((o) => o.workflowId),
      });
  } finally {
    await brokers.closeAll();
  }
}

export function progressLine(s: RunStatus): string {
  const t = s.marketTime ? new Date(s.marketTime).toISOString().replace('T', ' ').slice(0, 16) : '-';
  const c = s.counters;
  return `${s.workflowId}  tick ${s.tick}  ${t}  equity ${s.equity ? display(s.equity) : '-'} ${s.quote ?? ''}  ${s.tradingState}  orders ${c?.placed ?? 0} placed / ${c?.fills ?? 0} fills / ${c?.denied ?? 0} denied`;
}

/**
 * `run <what> <id> --reason <text>`: one signal to the run, with why (recorded in the audit trail). Without a
 * default reason, --reason is required.
 */
function reasonSignalCommand(
  run: Command,
  what: string,
  description: string,
  opts: { defaultReason?: string },
  send: (c: Client, id: string, signal: { reason: string }) => Promise<void>,
): void {
  const cmd = run.command(`${what} <id>`).description(description);
  const help = 'why (recorded in the audit trail)';
  if (opts.defaultReason === undefined) cmd.requiredOption('--reason <text>', help);
  else cmd.option('--reason <text>', help, opts.defaultReason);
  cmd.action(async (id: string, flags: { reason: string }) => {
    await withTemporalClient((c) => send(c, id, { reason: flags.reason }));
    console.log(`${what} sent to ${id}`);
  });
}

export function runCommand(): Command {
  const run = new Command('run').description('start and control strategy runs (Temporal workflows)');

  addRunOptions(run.command('start').description('start a strategy run; with --wait, follow it to the end'))
    .option('--wait', 'wait for the run to end, showing progress', false)
    .option('--json', 'print one JSON summary', false)
    .addOption(strategiesOption('load'))
    .addOption(untrustedStrategiesOption('load'))
    .action(async (opts) => {
      const flags = parseFlags(StartFlags, opts);
      const untrusted = await loadUntrustedStrategies(untrustedDirsFrom(flags.untrustedStrategies));
      const strategies = loadRunStrategies(flags, untrusted); // strategy modules and params, before anything connects
      const input = buildRunInput(flags);
      const parsed = validateRunInput(input, strategies); // the whole input, before anything connects
      await withTemporalClient(async (client, ns) => {
        // The worker refuses too (promotion.check); asking first saves starting a run that only fails.
        if (parsed.mode === 'live')
          await refuseUnpromoted(client, strategies, pinRunStrategy(parsed, strategies).strategy);
        if (venueKindOf(parsed.venue).capital === 'held') await refuseUncovered(client, parsed);
        const { workflowId } = await startRun(client, input, { strategies });
        const link = uiLink(UI_BASE, ns, workflowId);
        if (!flags.wait) {
          console.log(flags.json ? JSON.stringify({ workflowId, ui: link }) : `started ${workflowId}\n${link}`);
          return;
        }
        if (!flags.json) console.log(`started ${workflowId}\n${link}`);
        const out = flags.json ? process.stderr : process.stdout;
        const summary = await waitForRun(
          client,
          workflowId,
          (s) => out.write(progressLine(s) + '\n'),
          2000,
          (w) => {
            if (w.reasons.length) out.write(formatWaiting(w) + '\n');
          },
        );
        console.log(flags.json ? JSON.stringify(summary, null, 2) : `\n${formatSummary(summary, link)}`);
      });
    });

  reasonSignalCommand(run, 'halt', 'halt a run: no new orders until resumed', {}, haltRun);

  run
    .command('resume <id>')
    .description('resume a halted run')
    .option('--reason <text>', 'why', 'resumed by operator')
    .option(
      '--adopt-venue-balances',
      "after a reconciliation halt: take the venue's balances as right (order differences must be fixed at the venue)",
      false,
    )
    .action(async (id: string, opts: { reason: string; adoptVenueBalances: boolean }) => {
      await withTemporalClient((c) =>
        resumeRun(c, id, { reason: opts.reason, adoptVenueBalances: opts.adoptVenueBalances }),
      );
      console.log(`resume sent to ${id}${opts.adoptVenueBalances ? ' (adopting the venue balances)' : ''}`);
    });

  reasonSignalCommand(
    run,
    'reconcile',
    'compare the venue with the run before its next trade; any difference halts it (see `run status`)',
    { defaultReason: 'requested by operator' },
    reconcileRun,
  );

  run
    .command('upgrade-strategy <id>')
    .description("pin a run to its strategy's module as the workers load it now (after a STRATEGY_CHANGED halt)")
    .option('--strategies <DIR>', 'the folders the workers load (repeatable; and TEMPOTRADE_STRATEGIES)', collect)
    .addOption(untrustedStrategiesOption('as the workers do, load'))
    .action(async (id: string, opts: { strategies?: string[]; untrustedStrategies?: string[] }) => {
      const registry = await loadAllStrategies(
        strategyDirsFrom(opts.strategies ?? []),
        untrustedDirsFrom(opts.untrustedStrategies),
      );
      const pin = await withTemporalClient(async (c) => {
        const { status } = await runStatus(c, id);
        const entry = registry.require(status.strategy);
        if (status.strategyPin?.hash === entry.hash) {
          throw new TempotradeError(
            'VALIDATION',
            `${entry.source}: the run is already pinned to ${entry.name}@${entry.version} (${entry.hash}): ` +
              'nothing to upgrade',
          );
        }
        return upgradeRunStrategy(c, id, { version: entry.version, hash: entry.hash });
      });
      console.log(`${id} now runs ${pin.name}@${pin.version} (${pin.hash})`);
    });

  run
    .command('status <id>')
    .description('state, portfolio and counters of a run')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      const [view, ns] = await withTemporalClient(async (c, n) => {
        try {
          return [await runStatus(c, id), n] as const;
        } catch (e) {
          // No worker answers the run's queries: say what the server knows of why, then the error.
          if (!(e instanceof TempotradeError) || e.code !== 'EXCHANGE_UNAVAILABLE') throw e;
          const waiting =
            (e.details.waiting as RunWaiting | undefined) ?? (await runWaiting(c, id).catch(() => undefined));
          if (waiting?.reasons.length)
            console.log(opts.json ? JSON.stringify({ waiting }, null, 2) : `run      ${id}\n${formatWaiting(waiting)}`);
          throw e;
        }
      });
      if (opts.json) return console.log(JSON.stringify(view, null, 2));
      const s = view.status;
      const p = view.portfolio;
      console.log(
        keyValues([
          ['run', s.workflowId],
          ['execution', view.execution],
          ['phase', s.phase],
          ['strategy', `${s.strategy} on ${s.symbols.join(', ')}`],
          [
            'strategy pin',
            s.strategyPin
              ? `${s.strategyPin.name}@${s.strategyPin.version}, module ${s.strategyPin.hash.slice(0, 12)}`
              : '-',
          ],
          ['account', s.accountId],
          ['engine', s.engine ? `${s.engine.engine} (${s.engine.reason})` : '-'],
          ['trading state', `${s.tradingState}${s.stateReason ? ` (${s.stateReason})` : ''}`],
          ['tick', s.tick],
          ['market time', s.marketTime ? new Date(s.marketTime).toISOString() : '-'],
          ['open orders', s.openOrders],
          [
            'orders',
            s.counters
              ? `${s.counters.placed} placed, ${s.counters.filled} filled, ${s.counters.denied} denied, ${s.counters.fills} fills`
              : '-',
          ],
          ['equity', p ? `${display(p.equity)} ${p.quote}` : '-'],
          ['cash', p ? `${display(p.cash)} ${p.quote}` : '-'],
          ['realized / unrealized', p ? `${display(p.realizedPnl)} / ${display(p.unrealizedPnl)} ${p.quote}` : '-'],
          ['max drawdown', p ? `${display(p.maxDrawdownPct, 2)} %` : '-'],
          ['UI', uiLink(UI_BASE, ns, s.workflowId)],
        ]),
      );
      const rec = s.reconciliation;
      if (rec) {
        console.log(
          `\nreconciliation at tick ${rec.tick} (${rec.trigger}): ${rec.ok ? 'venue agrees' : `${rec.differences.length} difference(s)`}`,
        );
        if (!rec.ok)
          console.log(
            table(
              rec.differences.map((d) => ({
                code: d.code,
                order: d.clientOrderId ?? '',
                asset: d.asset ?? '',
                what: d.message,
              })),
            ),
          );
      }
      if (view.waiting?.reasons.length) console.log(`\n${formatWaiting(view.waiting)}`);
      if (s.execution) console.log(formatExecution(s.execution));
      if (p)
        console.log(
          '\n' +
            table(
              Object.values(p.positions).map((x) => ({
                symbol: x.symbol,
                quantity: display(x.quantity),
                avgPrice: display(x.avgPrice, 10),
                mark: p.marks[x.symbol] ?? '',
                realized: display(x.realizedPnl),
              })),
            ),
        );
    });

  run
    .command('list')
    .description(
      'runs, one row each (the latest execution of its continue-as-new chain), with tick, equity and trading state',
    )
    .option('--query <visibility query>', 'extra filter, e.g. "AccountId = \'paper-1\'"')
    .option('--all-executions', 'one row per execution instead, continued-as-new ones too', false)
    .option('--limit <n>', 'at most this many rows', '100')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean; query?: string; allExecutions: boolean; limit: string }) => {
      const f = parseFlags(ListFlags, opts);
      const runs = await withTemporalClient((c) =>
        listRuns(c, { query: f.query, allExecutions: f.allExecutions, limit: f.limit }),
      );
      if (f.json) return console.log(JSON.stringify(runs, null, 2));
      console.log(table(runListRows(runs, f.allExecutions)));
    });

  run
    .command('risk <id>')
    .description(
      "change a running run's risk limits (any RiskConfig fields); bad values are refused and the current limits kept",
    )
    .option('--file <path>', 'JSON object of the fields to change')
    .option(
      '--set <field=value>',
      'one field to change, e.g. maxDrawdownPct=10 (repeatable; JSON values allowed)',
      collect,
    )
    .option('--json', 'print the new limits as JSON', false)
    .action(async (id: string, opts: { file?: string; set?: string[]; json: boolean }) => {
      let patch: Record<string, unknown> = {};
      if (opts.file) {
        try {
          patch = JSON.parse(readFileSync(opts.file, 'utf8')) as Record<string, unknown>;
        } catch (e) {
          throw new TempotradeError(
            'VALIDATION',
            `--file: cannot read JSON from ${opts.file}: ${(e as Error).message}`,
          );
        }
      }
      for (const [k, v] of Object.entries(pairs(opts.set, '--set'))) {
        try {
          patch[k] = JSON.parse(v) as unknown;
        } catch {
          patch[k] = v;
        }
      }
      if (Object.keys(patch).length === 0) throw new TempotradeError('VALIDATION', 'give --file or at least one --set');
      const config = await withTemporalClient((c) => updateRunRisk(c, id, patch));
      if (opts.json) return console.log(JSON.stringify(config, null, 2));
      console.log(
        `risk limits of ${id} changed: ${Object.keys(patch)
          .map((k) => `${k}=${JSON.stringify((config as Record<string, unknown>)[k] ?? null)}`)
          .join(' ')}`,
      );
    });

  run
    .command('audit <id>')
    .description('timeline of intents, verdicts, orders, fills and state changes')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      const [events, orders] = await withTemporalClient((c) => Promise.all([runAudit(c, id), runOrders(c, id)]));
      if (opts.json) return console.log(JSON.stringify({ events, orders }, null, 2));
      // Verdicts and state changes carry the numbers that decided them.
      const withNumbers = (e: (typeof events)[number]) =>
        e.numbers && /^(RISK_|ACCOUNT_|STATE_|RECONCILIATION_FAILED|HALT_POLICY)/.test(e.kind)
          ? `${e.message} [${Object.entries(e.numbers)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}]`
          : e.message;
      console.log(
        table(
          events.map((e) => ({
            seq: e.seq,
            tick: e.tick,
            time: new Date(e.at).toISOString().slice(0, 16),
            event: e.kind,
            code: e.code,
            order: e.clientOrderId,
            what: withNumbers(e),
          })),
        ),
      );
    });

  return run;
}
