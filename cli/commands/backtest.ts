/**
 * `tempotrade backtest`: a strategy over CSV data in this process, through the run's own code (backtest/),
 * with no Temporal server, worker or venue process. Text summary, `--json` for every order and fill.
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { runBacktest } from '../../backtest';
import type { BacktestResult } from '../../backtest/result';
import { display } from '../../domain/money';
import type { RunState } from '../../domain/run/state';
import { untrustedDirsFrom, loadUntrustedStrategies } from '../../domain/strategies/sandbox/untrusted';
import { collect, pairs, paramValues, parseFlags, strategiesOption, untrustedStrategiesOption } from '../flags';
import { keyValues, table } from '../format';
import { loadRiskConfig, loadRunStrategies } from './run';

/** A market time flag: epoch ms or an ISO date. */
const MarketTime = z
  .string()
  .refine((v) => /^\d+$/.test(v) || !Number.isNaN(Date.parse(v)), 'must be an ISO date or epoch milliseconds')
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)));

const BacktestFlags = z
  .object({
    strategy: z.string().min(1),
    strategies: z.array(z.string().min(1)).default([]),
    untrustedStrategies: z.array(z.string().min(1)).default([]),
    symbol: z.array(z.string()).min(1, 'give at least one --symbol'),
    data: z.array(z.string()).min(1, 'give --data SYMBOL=PATH for each --symbol'),
    engine: z.enum(['live', 'advanced']).optional(),
    param: z.array(z.string()).default([]),
    risk: z.array(z.string()).default([]),
    riskFile: z.string().optional(),
    capital: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
      .refine((v) => Number(v) > 0, 'must be greater than 0')
      .default('1'),
    from: MarketTime.optional(),
    to: MarketTime.optional(),
    maxTicks: z
      .string()
      .regex(/^[1-9]\d*$/, 'must be a positive whole number')
      .transform(Number)
      .optional(),
    json: z.boolean().default(false),
  })
  .strict()
  .refine((f) => f.from === undefined || f.to === undefined || f.from < f.to, {
    message: 'must be after --from',
    path: ['to'],
  });

/** A progress bar on a terminal (stderr), redrawn at most every 100 ms. */
function progressBar(maxTicks: number | undefined): ((st: RunState) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let first: number | undefined;
  let last = 0;
  return (st) => {
    first ??= st.marketTime;
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const end = st.clock.kind === 'replay' ? st.clock.end : first;
    const byData = Math.floor((end - first) / st.clock.barMs) + 1;
    const total = Math.max(1, Math.min(maxTicks ?? byData, byData));
    const done = Math.min(1, st.tick / total);
    const bar = '#'.repeat(Math.round(done * 30)).padEnd(30, '-');
    process.stderr.write(`\r[${bar}] ${(done * 100).toFixed(0).padStart(3)}%  tick ${st.tick}/${total}`);
  };
}

function pct(n: number): string {
  return `${n.toFixed(2)} %`;
}

export function formatBacktest(r: BacktestResult): string {
  const s = r.summary;
  const q = r.quote;
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const days = (ms: number) => `${(ms / 86_400_000).toFixed(2)} days`;
  const positions = Object.entries(r.positions).map(([k, v]) => `${display(v)} ${k.split('/')[0]}`);
  const head = keyValues([
    [
      'strategy',
      `${r.strategy.name}@${r.strategy.version} (${r.strategy.hash.slice(0, 12)}) on ${r.symbols.join(', ')}`,
    ],
    ['engine', r.engine],
    ['market time', `${iso(r.from)} → ${iso(r.to)} (${r.ticks} ticks)`],
    ['capital', `${r.capital} ${q}`],
    ['equity', `${display(s.equity)} ${q}`],
    ['net PnL', `${display(s.netPnl)} ${q} (${pct(s.returnPct)})`],
    ['CAGR', pct(s.cagrPct)],
    ['Sharpe / Sortino', `${s.sharpe.toFixed(2)} / ${s.sortino.toFixed(2)}`],
    ['max drawdown', `${pct(s.maxDrawdownPct)}, longest ${days(s.maxDrawdownDurationMs)}`],
    ['exposure time', pct(s.exposurePct)],
    ['trades', `${s.trades} closed, win rate ${pct(s.winRatePct)}, profit factor ${s.profitFactor?.toFixed(2) ?? '∞'}`],
    ['orders / fills', `${r.orders.length} / ${r.fills.length}`],
    ['fees', `${display(s.fees)} ${q}`],
    ['shortfall', `${s.shortfallBps.toFixed(2)} bps per filled order (vs the mid at decision)`],
    ['cash', `${display(r.cash)} ${q}`],
    ['positions', positions.join(', ') || 'none'],
  ]);
  const denials = Object.entries(r.denials).map(([code, n]) => ({ code, count: n }));
  return `${head}\n\ndenials and rejections by code:\n${table(denials)}`;
}

export function backtestCommand(): Command {
  return new Command('backtest')
    .description(
      'run a strategy over CSV data in this process (no Temporal): the run’s own code, the paper venue’s fills',
    )
    .requiredOption('--strategy <name>', 'a built-in strategy, or one loaded with --strategies')
    .addOption(strategiesOption('load'))
    .addOption(untrustedStrategiesOption('load'))
    .option('--symbol <SYM>', 'market, e.g. ETH/BTC (repeatable)', collect)
    .option('--data <SYM=PATH>', 'OHLCV CSV (.csv or .csv.gz) per symbol (repeatable)', collect)
    .addOption(
      new Option('--engine <engine>', 'execution engine (default: by risk config)').choices(['live', 'advanced']),
    )
    .option('--param <k=v>', 'strategy parameter (repeatable)', collect)
    .option('--risk <field=value>', 'risk config override, e.g. maxDrawdownPct=10 (repeatable)', collect)
    .option('--risk-file <path>', 'risk config JSON (docs/risk.md)')
    .option('--capital <n>', 'starting capital in the quote currency', '1')
    .option('--from <time>', 'market time of the first tick (ISO or epoch ms; default: data start + warm-up)')
    .option('--to <time>', 'market time at which the backtest ends (default: end of data)')
    .option('--max-ticks <n>', 'stop after N ticks')
    .option('--json', 'print the whole result (orders, fills, cash, positions, summary) as JSON', false)
    .action(async (opts) => {
      const flags = parseFlags(BacktestFlags, opts);
      const untrusted = await loadUntrustedStrategies(untrustedDirsFrom(flags.untrustedStrategies));
      const registry = loadRunStrategies(flags, untrusted);
      const data = pairs(flags.data, '--data');
      const onTick = progressBar(flags.maxTicks);
      const result = await runBacktest(
        {
          strategy: flags.strategy,
          params: paramValues(flags.param),
          symbols: flags.symbol,
          data,
          ...(flags.engine ? { engine: flags.engine } : {}),
          risk: loadRiskConfig(flags.riskFile, process.env, flags.risk) as Record<string, unknown>,
          capital: flags.capital,
          ...(flags.from !== undefined ? { from: flags.from } : {}),
          ...(flags.to !== undefined ? { to: flags.to } : {}),
          ...(flags.maxTicks !== undefined ? { maxTicks: flags.maxTicks } : {}),
        },
        registry,
        onTick,
      ).finally(() => onTick && process.stderr.write('\n'));
      console.log(flags.json ? JSON.stringify(result, null, 2) : formatBacktest(result));
    });
}
