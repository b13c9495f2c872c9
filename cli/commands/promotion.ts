/**
 * `tempotrade strategy promote | approve | status`: the promotion gates of an untrusted strategy (generated →
 * backtested → paper → live), kept by its strategyPromotion workflow (docs/strategies.md, "Promotion gates").
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { TempotradeError } from '../../domain/errors';
import {
  GATES,
  missingGates,
  shortHash,
  type HashRecord,
  type PromotionStatus,
} from '../../domain/strategy-lifecycle/promotion';
import {
  approveStrategy,
  parseStrategyRef,
  promotedVersions,
  promotionStatus,
  recordEvidence,
} from '../../temporal/promotion-client';
import { TASK_QUEUES } from '../../temporal/task-queues';
import { parseFlags, wholeNumberFlag } from '../flags';
import { withTemporalClient } from '../with-client';

const TaskQueueFlag = z.string().min(1).max(200);
const queueOption = () =>
  new Option(
    '--task-queue <name>',
    "where the strategy's promotion workflow starts if it is not running (a worker must poll it)",
  ).default(TASK_QUEUES.strategies);
const Sha256Flag = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex (strategy list --json shows it)');
const PromoteFlags = z
  .object({
    gate: z.enum(['backtest', 'paper'], { message: 'must be backtest or paper' }),
    run: z
      .string({ error: 'is required: the finished run (its workflow id)' })
      .min(1, 'must name the finished run')
      .max(400),
    minTrades: wholeNumberFlag(0, 1_000_000).optional(),
    maxDrawdown: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a percentage like 25 or 12.5')
      .transform(Number)
      .pipe(z.number().min(0).max(100, 'must be at most 100'))
      .optional(),
    paperTicks: wholeNumberFlag(1, 10_000_000).optional(),
    taskQueue: TaskQueueFlag,
    json: z.boolean().default(false),
  })
  .strict();
const ApproveFlags = z
  .object({
    by: z.string({ error: 'is required: who approves' }).trim().min(1, 'must name who approves').max(200),
    note: z.string().max(2_000).default(''),
    hash: Sha256Flag.optional(),
    taskQueue: TaskQueueFlag,
    json: z.boolean().default(false),
  })
  .strict();
const StatusFlags = z.object({ json: z.boolean().default(false) }).strict();

function requireVersion(ref: string): { name: string; version: string } {
  const r = parseStrategyRef(ref);
  if (!r.version)
    throw new TempotradeError('VALIDATION', `NAME@VERSION: "${ref}" names no version (e.g. ${ref}@1.0.0)`);
  return { name: r.name, version: r.version };
}

const iso = (ms: number) => new Date(ms).toISOString();

function recordLines(r: HashRecord, latest: boolean): string[] {
  const p = r.policy;
  const lines = [
    `sha256 ${r.hash}${latest ? ' (latest)' : ''}`,
    `  policy    minTrades ${p.minTrades}, maxDrawdownPct ${p.maxDrawdownPct}, paperTicks ${p.paperTicks}`,
  ];
  for (const g of GATES) {
    if (g === 'approval') {
      const a = r.approval;
      lines.push(
        a ? `  approval  passed  by ${a.by} at ${iso(a.at)}${a.note ? `: ${a.note}` : ''}` : '  approval  missing',
      );
      continue;
    }
    const e = r[g];
    if (!e) {
      lines.push(`  ${g.padEnd(8)}  missing`);
      continue;
    }
    const numbers = Object.entries(e.numbers)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const data = Object.entries(e.data)
      .map(([s, f]) => `${s}=${f}`)
      .join(', ');
    lines.push(
      `  ${g.padEnd(8)}  passed  run ${e.workflowId} (${numbers}) on ${data || e.symbols.join(', ')} at ${iso(e.at)}`,
    );
  }
  const missing = missingGates(r);
  lines.push(missing.length ? `  live: refused, lacks ${missing.join(', ')}` : '  live: allowed');
  return lines;
}

export function formatPromotion(s: PromotionStatus): string {
  const head = `${s.name}@${s.version} (${s.workflowId})`;
  if (s.records.length === 0) return `${head}\nno evidence yet: lacks ${GATES.join(', ')}`;
  return [head, ...s.records.flatMap((r) => recordLines(r, r.hash === s.latestHash))].join('\n');
}

export function addPromotionCommands(cmd: Command): void {
  cmd
    .command('promote <ref>')
    .description(
      'record a finished run as the evidence of a gate of NAME@VERSION (backtest: a replay with enough trades and a small enough drawdown; paper: enough ticks, no STRATEGY_FAILED); the workflow reads and judges the run',
    )
    .option('--gate <gate>', 'backtest or paper')
    .option('--run <id>', "the finished run's workflow id")
    .option('--min-trades <n>', 'backtest: fills at least (with the first evidence of a hash; default 5)')
    .option('--max-drawdown <pct>', 'backtest: max drawdown at most, in % (with the first evidence; default 25)')
    .option('--paper-ticks <n>', 'paper: ticks at least (with the first evidence; default 100)')
    .addOption(queueOption())
    .option('--json', 'print JSON', false)
    .action(async (ref: string, opts) => {
      const { name, version } = requireVersion(ref);
      const f = parseFlags(PromoteFlags, opts);
      const policy = {
        ...(f.minTrades !== undefined ? { minTrades: f.minTrades } : {}),
        ...(f.maxDrawdown !== undefined ? { maxDrawdownPct: f.maxDrawdown } : {}),
        ...(f.paperTicks !== undefined ? { paperTicks: f.paperTicks } : {}),
      };
      const req = { gate: f.gate, workflowId: f.run, ...(Object.keys(policy).length ? { policy } : {}) };
      const e = await withTemporalClient((c) => recordEvidence(c, name, version, req, { taskQueue: f.taskQueue }));
      if (f.json) console.log(JSON.stringify(e, null, 2));
      else
        console.log(
          `${f.gate} gate of ${name}@${version} (sha256 ${shortHash(e.hash)}) passed: run ${e.workflowId} (${Object.entries(
            e.numbers,
          )
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`,
        );
    });
  cmd
    .command('approve <ref>')
    .description(
      'approve NAME@VERSION for live runs, recorded with who and when; refused until backtest and paper passed',
    )
    .option('--by <who>', 'who approves')
    .option('--note <text>', 'why')
    .option('--hash <sha256>', 'the module hash to approve (default: the one with the latest evidence)')
    .addOption(queueOption())
    .option('--json', 'print JSON', false)
    .action(async (ref: string, opts) => {
      const { name, version } = requireVersion(ref);
      const f = parseFlags(ApproveFlags, opts);
      const a = await withTemporalClient((c) =>
        approveStrategy(
          c,
          name,
          version,
          { by: f.by, note: f.note, ...(f.hash ? { hash: f.hash } : {}) },
          { taskQueue: f.taskQueue },
        ),
      );
      if (f.json) console.log(JSON.stringify(a, null, 2));
      else console.log(`${name}@${version} (sha256 ${shortHash(a.hash)}) approved by ${a.by} at ${iso(a.at)}`);
    });
  cmd
    .command('status <ref>')
    .description('the promotion gates of NAME[@VERSION]: each gate passed or missing, with its evidence')
    .option('--json', 'print JSON', false)
    .action(async (ref: string, opts) => {
      const f = parseFlags(StatusFlags, opts);
      const r = parseStrategyRef(ref, 'NAME[@VERSION]');
      const all = await withTemporalClient(async (c) => {
        const versions = r.version ? [r.version] : await promotedVersions(c, r.name);
        const found = await Promise.all(versions.map((v) => promotionStatus(c, r.name, v)));
        return versions.map(
          (v, i) =>
            found[i] ?? { workflowId: `strategy-promotion:${r.name}@${v}`, name: r.name, version: v, records: [] },
        );
      });
      if (f.json) console.log(JSON.stringify(r.version ? all[0] : all, null, 2));
      else if (all.length === 0) console.log(`${r.name}: no promotion record: a live run lacks ${GATES.join(', ')}`);
      else console.log(all.map(formatPromotion).join('\n\n'));
    });
}
