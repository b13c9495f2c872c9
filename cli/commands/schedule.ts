/** `tempotrade schedule …`: Temporal Schedules that start strategy runs (or ticks of one run). */
import { Command, Option } from 'commander';
import { z } from 'zod';
import {
  OVERLAP_POLICIES,
  ScheduleId,
  BackfillRequest,
  backfillSchedule,
  createSchedule,
  defaultRunId,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
  validateCreateSchedule,
  type CreateScheduleRequestRaw,
} from '../../temporal/schedules-client';
import { collect, parseFlags } from '../flags';
import { keyValues, table, uiLink } from '../format';
import { withTemporalClient } from '../with-client';
import type { StrategyRegistry } from '../../domain/strategies/registry';
import { RunFlags, addRunOptions, buildRunInput, loadRunStrategies } from './run';

const UI_BASE = process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233';
const OVERLAP_FLAG_VALUES = OVERLAP_POLICIES.map((p) => p.toLowerCase().replace(/_/g, '-'));
/** "buffer-one" → "BUFFER_ONE" (the schedules client validates the result). */
const overlapFlag = z.string().transform((v) => v.toUpperCase().replace(/-/g, '_'));

const CreateFlags = RunFlags.extend({
  every: z.string().optional(),
  cron: z.string().optional(),
  tick: z.boolean().default(false),
  overlap: overlapFlag.default('SKIP'),
  catchupWindow: z.string().optional(),
  pauseOnFailure: z.boolean().default(false),
  paused: z.boolean().default(false),
  note: z.string().optional(),
  json: z.boolean().default(false),
  strategies: z.array(z.string().min(1)).default([]),
}).strict();

/** The schedule request from `schedule create` flags: everything validated before anything connects. */
export function buildScheduleRequest(
  scheduleId: string,
  opts: unknown,
): CreateScheduleRequestRaw & { json: boolean; strategies: StrategyRegistry } {
  const f = parseFlags(CreateFlags, opts);
  const strategies = loadRunStrategies(f); // strategy modules and params, as `run start` loads them
  const mode = f.tick ? 'tick' : 'run';
  const run = buildRunInput({ ...f, id: f.id ?? defaultRunId(scheduleId, mode) });
  const request = {
    scheduleId,
    mode,
    ...(f.every !== undefined ? { every: f.every } : {}),
    ...(f.cron !== undefined ? { cron: f.cron } : {}),
    overlap: f.overlap,
    ...(f.catchupWindow !== undefined ? { catchupWindow: f.catchupWindow } : {}),
    pauseOnFailure: f.pauseOnFailure,
    paused: f.paused,
    ...(f.note !== undefined ? { note: f.note } : {}),
    run,
  } as CreateScheduleRequestRaw;
  try {
    validateCreateSchedule(request);
  } catch (e) {
    // Name flags, not request fields: every → --every, run.symbols.0 stays as it is (like `run start`).
    if (e instanceof Error)
      e.message = e.message
        .replace(/\brun\.tickInterval(?=:)/g, '--tick-interval')
        .replace(
          /\b(every|cron|overlap|catchupWindow|scheduleId)\b(?=:)/g,
          (m) => `--${m.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
        );
    throw e;
  }
  return { ...request, json: f.json, strategies };
}

/** A schedule id argument, checked before anything connects. */
function scheduleIdArg(id: string): string {
  return parseFlags(z.object({ scheduleId: ScheduleId }), { scheduleId: id }).scheduleId;
}

const scheduleUi = (ns: string, id: string) =>
  `${UI_BASE.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ns)}/schedules/${encodeURIComponent(id)}`;

export function scheduleCommand(): Command {
  const schedule = new Command('schedule').description(
    'Temporal Schedules that start strategy runs, or ticks of one long-lived run (--tick)',
  );

  addRunOptions(schedule.command('create <id>'), {
    tickInterval: 'run mode: pause between ticks of each run',
    maxTicks: 'stop each run (tick mode: the one run) after N ticks',
    id: 'run id (default: the schedule id; tick mode: <id>-run)',
  })
    .description('create a schedule: --every 5m or --cron "*/5 * * * *", and the run options of `run start`')
    .option('--every <interval>', 'start every 2s, 5m, 1h, 1d …')
    .option('--cron <expr>', 'start on a 5-field cron expression (UTC)')
    .option('--tick', 'tick mode: each start is one tick of one long-lived run that keeps its portfolio', false)
    .addOption(
      new Option('--overlap <policy>', 'when the previous start is still running')
        .choices(OVERLAP_FLAG_VALUES)
        .default('skip'),
    )
    .option(
      '--catchup-window <interval>',
      'after an outage, still take starts missed within this window (≥ 10s; default 1 year)',
    )
    .option('--pause-on-failure', 'pause the schedule when a started workflow fails', false)
    .option('--paused', 'create it paused', false)
    .option('--note <text>', 'a note shown with the schedule')
    .option('--json', 'print JSON', false)
    .option(
      '--strategies <DIR>',
      'load the strategies of this folder (repeatable; and TEMPOTRADE_STRATEGIES=dir1:dir2); the runs are pinned',
      collect,
    )
    .action(async (id: string, opts) => {
      const { json, strategies, ...request } = buildScheduleRequest(id, opts);
      await withTemporalClient(async (c, ns) => {
        const created = await createSchedule(c, request, { strategies });
        if (json) return console.log(JSON.stringify({ ...created, ui: scheduleUi(ns, id) }));
        const what =
          created.mode === 'tick'
            ? `each start delivers one tick to run ${created.runWorkflowId}`
            : `each start is a new run ${created.runWorkflowId}-<time>`;
        console.log(`created schedule ${id} (${created.mode} mode): ${what}\n${scheduleUi(ns, id)}`);
      });
    });

  schedule
    .command('list')
    .description('schedules, with their mode, strategy, account and state')
    .option('--query <visibility query>', 'filter, e.g. "AccountId = \'paper-1\'"')
    .option('--json', 'print JSON', false)
    .action(async (opts: { query?: string; json: boolean }) => {
      const items = await withTemporalClient((c) => listSchedules(c, { query: opts.query }));
      if (opts.json) return console.log(JSON.stringify(items, null, 2));
      console.log(
        table(
          items.map((s) => ({
            id: s.scheduleId,
            mode: s.mode,
            state: s.paused ? 'PAUSED' : 'ACTIVE',
            strategy: s.strategy,
            account: s.accountId,
            next: s.nextActionAt?.toISOString().slice(0, 19),
            note: s.note,
          })),
        ),
      );
    });

  schedule
    .command('describe <id>')
    .description('spec, policies, recent and next starts of a schedule')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      scheduleIdArg(id);
      const [d, ns] = await withTemporalClient(async (c, n) => [await describeSchedule(c, id), n] as const);
      if (opts.json) return console.log(JSON.stringify(d, null, 2));
      console.log(
        keyValues([
          ['schedule', d.scheduleId],
          [
            'mode',
            d.mode === 'tick'
              ? `tick (one tick of ${d.runWorkflowId} per start)`
              : `run (a new run per start, ${d.runWorkflowId}-<time>)`,
          ],
          ['spec', d.every ? `every ${d.every}` : d.cron ? `cron ${d.cron}` : '-'],
          ['state', d.paused ? `PAUSED${d.note ? ` (${d.note})` : ''}` : 'ACTIVE'],
          ['overlap', d.overlap],
          ['catch-up window', `${d.catchupWindowMs / 1000} s`],
          ['pause on failure', String(d.pauseOnFailure)],
          [
            'starts',
            `${d.actionsTaken} taken, ${d.skippedOverlap} skipped (overlap), ${d.missedCatchupWindow} missed (catch-up window)`,
          ],
          ['running', d.running.join(', ') || '-'],
          [
            'next',
            d.next
              .slice(0, 3)
              .map((t) => t.toISOString())
              .join(', ') || '-',
          ],
          ['UI', scheduleUi(ns, d.scheduleId)],
        ]),
      );
      if (d.recent.length)
        console.log(
          '\n' +
            table(
              d.recent.map((r) => ({
                scheduled: r.scheduledAt.toISOString(),
                workflow: r.workflowId,
                link: uiLink(UI_BASE, ns, r.workflowId),
              })),
            ),
        );
    });

  for (const [name, description, send] of [
    ['pause', 'stop new starts until unpaused', pauseSchedule],
    ['unpause', 'resume starts', unpauseSchedule],
  ] as const) {
    schedule
      .command(`${name} <id>`)
      .description(description)
      .option('--note <text>', 'why')
      .action(async (id: string, opts: { note?: string }) => {
        scheduleIdArg(id);
        await withTemporalClient((c) => send(c, id, opts.note ? { note: opts.note } : {}));
        console.log(`${name}d ${id}`);
      });
  }

  schedule
    .command('trigger <id>')
    .description('start one action now (also while paused)')
    .addOption(
      new Option('--overlap <policy>', "overlap policy for this start (default: the schedule's)").choices(
        OVERLAP_FLAG_VALUES,
      ),
    )
    .action(async (id: string, opts: { overlap?: string }) => {
      scheduleIdArg(id);
      const f = parseFlags(z.object({ overlap: overlapFlag.optional() }).strict(), opts);
      await withTemporalClient((c) => triggerSchedule(c, id, f.overlap ? { overlap: f.overlap } : {}));
      console.log(`triggered ${id}`);
    });

  schedule
    .command('backfill <id>')
    .description('take now the starts the schedule would have taken between --from and --to')
    .requiredOption('--from <iso>', 'start of the period, e.g. 2026-01-01T00:00:00Z')
    .requiredOption('--to <iso>', 'end of the period')
    .addOption(
      new Option('--overlap <policy>', 'overlap policy for the backfill')
        .choices(OVERLAP_FLAG_VALUES)
        .default('buffer-all'),
    )
    .action(async (id: string, opts: { from: string; to: string; overlap: string }) => {
      opts.overlap = opts.overlap.toUpperCase().replace(/-/g, '_');
      scheduleIdArg(id);
      const f = parseFlags(BackfillRequest, opts);
      await withTemporalClient((c) => backfillSchedule(c, id, f));
      console.log(`backfill of ${id} from ${f.from} to ${f.to} requested`);
    });

  schedule
    .command('delete <id>')
    .description('delete a schedule (runs it started are not affected)')
    .action(async (id: string) => {
      scheduleIdArg(id);
      await withTemporalClient((c) => deleteSchedule(c, id));
      console.log(`deleted ${id}`);
    });

  return schedule;
}
