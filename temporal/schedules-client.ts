/**
 * Temporal Schedules for strategy workflows, shared by the CLI and the Lambda handlers. Every request is
 * validated (zod, field-named errors) before anything reaches Temporal.
 *
 * Two modes per schedule (docs/decisions/0005-scheduled-tick-mode.md):
 * - `run`: each scheduled time starts a whole strategyRun (workflow id = run id + the scheduled time,
 *   which Temporal appends); it runs to its stop condition.
 * - `tick`: each scheduled time starts a short `scheduledTick` workflow that delivers one tick to one
 *   long-lived strategyRun (workflow id = run id) and returns: the portfolio state stays in that run.
 * Scheduled workflows carry the run's search attributes (StrategyId, AccountId, Engine, TradingMode)
 * plus Temporal's own TemporalScheduledById = the schedule id, so the UI can filter them.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import { z } from 'zod';
import { TempotradeError, parseOrThrow } from '../domain/errors';
import { StrategyRunInput } from '../domain/run/input';
import { SCHEDULED_TICK_WORKFLOW_TYPE, type ScheduledTickInput } from '../workflows/scheduling';
import { AccountIdKey, StrategyIdKey } from '../workflows/search-attributes';
import { StrategyRegistry } from '../domain/strategies/registry';
import { WORKFLOW_TYPE, pinRunStrategy, runSearchAttributes } from './runs-client';
import { TASK_QUEUES } from './task-queues';

export const OVERLAP_POLICIES = [
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
  'TERMINATE_OTHER',
  'ALLOW_ALL',
] as const;
export const OverlapPolicy = z.enum(OVERLAP_POLICIES, { message: `must be one of: ${OVERLAP_POLICIES.join(', ')}` });
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

export const ScheduleId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    'letters, digits, ".", "_" and "-" only (at most 100), starting with a letter or digit',
  );

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** "30s", "5m", "1h", "1d" (what Temporal's interval spec takes). */
export const Every = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, 'must be like 2s, 5m, 1h or 1d')
  .refine((v) => everyMs(v) >= 1000, 'must be at least 1s');
export function everyMs(v: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(v);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : NaN;
}

const CRON_FIELD = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;
/** Five fields (minute hour day-of-month month day-of-week), UTC, e.g. "*\/5 * * * *". */
export const Cron = z
  .string()
  .trim()
  .refine((v) => {
    const f = v.split(/\s+/);
    return f.length === 5 && f.every((x) => CRON_FIELD.test(x));
  }, 'must be a cron expression with 5 fields (minute hour day month weekday), e.g. "*/5 * * * *"');

export const ScheduleMode = z.enum(['run', 'tick'], {
  message: 'must be "run" (each start is a whole run) or "tick" (each start is one tick of a long-lived run)',
});
export type ScheduleMode = z.infer<typeof ScheduleMode>;

export const CreateScheduleRequest = z
  .object({
    scheduleId: ScheduleId,
    every: Every.optional(),
    cron: Cron.optional(),
    mode: ScheduleMode.default('run'),
    overlap: OverlapPolicy.default('SKIP'),
    /** After an outage, missed starts within this window are still taken (at least 10s). */
    catchupWindow: Every.refine((v) => everyMs(v) >= 10_000, 'must be at least 10s').optional(),
    pauseOnFailure: z.boolean().default(false),
    paused: z.boolean().default(false),
    note: z.string().max(500).optional(),
    /** The strategy run (same fields as `run start`). `runId` defaults to the schedule id. */
    run: StrategyRunInput,
  })
  .strict()
  .superRefine((r, ctx) => {
    if (Boolean(r.every) === Boolean(r.cron))
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'give exactly one of every or cron' });
    if (r.mode === 'tick' && r.run.tickInterval !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['run', 'tickInterval'],
        message: 'a tick-mode run takes one tick per scheduled start: leave tickInterval at 0',
      });
  });
export type CreateScheduleRequest = z.infer<typeof CreateScheduleRequest>;
export type CreateScheduleRequestRaw = z.input<typeof CreateScheduleRequest>;

export const BackfillRequest = z
  .object({
    from: z.iso.datetime({ offset: true, message: 'must be an ISO date-time, e.g. 2026-01-01T00:00:00Z' }),
    to: z.iso.datetime({ offset: true, message: 'must be an ISO date-time, e.g. 2026-01-02T00:00:00Z' }),
    /** Backfills usually want BUFFER_ALL (one after the other) or ALLOW_ALL (all at once). */
    overlap: OverlapPolicy.default('BUFFER_ALL'),
  })
  .strict()
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), { message: 'must be after --from', path: ['to'] });

export const PauseRequest = z.object({ note: z.string().max(500).optional() }).strict();
export const TriggerRequest = z.object({ overlap: OverlapPolicy.optional() }).strict();

/** Default run id: the schedule id (run mode: Temporal appends each start's time), `<id>-run` in tick mode. */
export function defaultRunId(scheduleId: string, mode: ScheduleMode): string {
  return mode === 'tick' ? `${scheduleId}-run` : scheduleId;
}

export function validateCreateSchedule(raw: unknown): CreateScheduleRequest {
  // Fill the run id before validating, so that a schedule needs no second name.
  const obj = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
  const run = obj?.run && typeof obj.run === 'object' ? (obj.run as Record<string, unknown>) : undefined;
  const withId =
    obj && run && run.runId === undefined && typeof obj.scheduleId === 'string'
      ? { ...obj, run: { ...run, runId: defaultRunId(obj.scheduleId, obj.mode === 'tick' ? 'tick' : 'run') } }
      : raw;
  return parseOrThrow(CreateScheduleRequest, withId, 'schedule');
}

export interface ScheduleCreated {
  scheduleId: string;
  mode: ScheduleMode;
  /** run mode: prefix of every run's workflow id; tick mode: the one long-lived run's workflow id. */
  runWorkflowId: string;
}

/**
 * Create the schedule. Its run names a strategy of `strategies` (default: the built-ins) and is pinned to it
 * now, as `run start` pins: every run the schedule starts carries the same version and module hash.
 */
export async function createSchedule(
  client: Client,
  raw: unknown,
  opts: { taskQueue?: string; strategies?: StrategyRegistry } = {},
): Promise<ScheduleCreated> {
  const req = validateCreateSchedule(raw);
  const registry = opts.strategies ?? StrategyRegistry.builtins();
  const name = req.run.strategy.name;
  if (!registry.get(name) && req.run.strategy.hash === undefined)
    throw new TempotradeError(
      'VALIDATION',
      `invalid schedule: run.strategy.name: unknown strategy "${name}" (known: ${registry.names().join(', ')}; a user strategy needs --strategies DIR)`,
      { fields: ['run.strategy.name'] },
    );
  const input = pinRunStrategy(req.run, registry);
  const taskQueue = opts.taskQueue ?? TASK_QUEUES.strategies;
  const tick: ScheduledTickInput = { scheduleId: req.scheduleId, run: input, taskQueue };
  const action: ScheduleOptionsAction =
    req.mode === 'run'
      ? {
          type: 'startWorkflow',
          workflowType: WORKFLOW_TYPE,
          workflowId: input.runId,
          taskQueue,
          args: [input],
          typedSearchAttributes: runSearchAttributes(input),
        }
      : {
          type: 'startWorkflow',
          workflowType: SCHEDULED_TICK_WORKFLOW_TYPE,
          workflowId: `${req.scheduleId}-tick`,
          taskQueue,
          args: [tick],
          typedSearchAttributes: runSearchAttributes(input, false),
        };
  try {
    await client.schedule.create({
      scheduleId: req.scheduleId,
      spec: req.every ? { intervals: [{ every: everyMs(req.every) }] } : { cronExpressions: [req.cron!] },
      action,
      policies: {
        overlap: ScheduleOverlapPolicy[req.overlap],
        pauseOnFailure: req.pauseOnFailure,
        ...(req.catchupWindow ? { catchupWindow: everyMs(req.catchupWindow) } : {}),
      },
      memo: { mode: req.mode, every: req.every, cron: req.cron, runWorkflowId: input.runId },
      typedSearchAttributes: runSearchAttributes(input, false),
      state: { paused: req.paused, ...(req.note ? { note: req.note } : {}) },
    });
  } catch (e) {
    if (e instanceof ScheduleAlreadyRunning)
      throw new TempotradeError('SCHEDULE_ALREADY_EXISTS', `a schedule with id "${req.scheduleId}" already exists`);
    throw e;
  }
  return { scheduleId: req.scheduleId, mode: req.mode, runWorkflowId: input.runId };
}

async function withSchedule<T>(id: string, fn: () => Promise<T>): Promise<T> {
  parseOrThrow(ScheduleId, id, 'schedule id');
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError || (e instanceof Error && /not found/i.test(e.message)))
      throw new TempotradeError('SCHEDULE_NOT_FOUND', `no schedule with id "${id}"`);
    throw e;
  }
}

export interface ScheduleListItem {
  scheduleId: string;
  paused: boolean;
  note?: string;
  mode?: ScheduleMode;
  workflowType?: string;
  strategy?: string;
  accountId?: string;
  recentRuns: string[];
  nextActionAt?: Date;
}

export async function listSchedules(
  client: Client,
  opts: { query?: string; limit?: number } = {},
): Promise<ScheduleListItem[]> {
  const out: ScheduleListItem[] = [];
  for await (const s of client.schedule.list(opts.query ? { query: opts.query } : {})) {
    const memo = (s.memo ?? {}) as { mode?: ScheduleMode };
    out.push({
      scheduleId: s.scheduleId,
      paused: s.state.paused,
      ...(s.state.note ? { note: s.state.note } : {}),
      ...(memo.mode ? { mode: memo.mode } : {}),
      workflowType: s.action?.workflowType,
      strategy: s.typedSearchAttributes?.get(StrategyIdKey),
      accountId: s.typedSearchAttributes?.get(AccountIdKey),
      recentRuns: s.info.recentActions.map((a) => a.action.workflow.workflowId),
      ...(s.info.nextActionTimes[0] ? { nextActionAt: s.info.nextActionTimes[0] } : {}),
    });
    if (out.length >= (opts.limit ?? 100)) break;
  }
  return out;
}

export interface ScheduleView {
  scheduleId: string;
  mode: ScheduleMode;
  every?: string;
  cron?: string;
  workflowType: string;
  runWorkflowId: string;
  overlap: string;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  paused: boolean;
  note?: string;
  actionsTaken: number;
  skippedOverlap: number;
  missedCatchupWindow: number;
  recent: Array<{ scheduledAt: Date; takenAt: Date; workflowId: string }>;
  running: string[];
  next: Date[];
  createdAt: Date;
}

export async function describeSchedule(client: Client, id: string): Promise<ScheduleView> {
  return withSchedule(id, async () => {
    const d = await client.schedule.getHandle(id).describe();
    const memo = (d.memo ?? {}) as { mode?: ScheduleMode; every?: string; cron?: string; runWorkflowId?: string };
    return {
      scheduleId: d.scheduleId,
      mode: memo.mode ?? 'run',
      ...(memo.every ? { every: memo.every } : {}),
      ...(memo.cron ? { cron: memo.cron } : {}),
      workflowType: d.action.workflowType,
      runWorkflowId: memo.runWorkflowId ?? d.action.workflowId,
      overlap: String(d.policies.overlap),
      catchupWindowMs: d.policies.catchupWindow,
      pauseOnFailure: d.policies.pauseOnFailure,
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      actionsTaken: d.info.numActionsTaken,
      skippedOverlap: d.info.numActionsSkippedOverlap,
      missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
      recent: d.info.recentActions.map((a) => ({
        scheduledAt: a.scheduledAt,
        takenAt: a.takenAt,
        workflowId: a.action.workflow.workflowId,
      })),
      running: d.info.runningActions.map((a) => a.workflow.workflowId),
      next: d.info.nextActionTimes,
      createdAt: d.info.createdAt,
    };
  });
}

export async function pauseSchedule(client: Client, id: string, raw: unknown = {}): Promise<void> {
  const r = parseOrThrow(PauseRequest, raw ?? {}, 'pause');
  await withSchedule(id, () => client.schedule.getHandle(id).pause(r.note ?? 'paused by operator'));
}

export async function unpauseSchedule(client: Client, id: string, raw: unknown = {}): Promise<void> {
  const r = parseOrThrow(PauseRequest, raw ?? {}, 'unpause');
  await withSchedule(id, () => client.schedule.getHandle(id).unpause(r.note ?? 'unpaused by operator'));
}

/** Start one action now (also while paused), with the schedule's overlap policy unless told otherwise. */
export async function triggerSchedule(client: Client, id: string, raw: unknown = {}): Promise<void> {
  const r = parseOrThrow(TriggerRequest, raw ?? {}, 'trigger');
  await withSchedule(id, () =>
    client.schedule.getHandle(id).trigger(r.overlap ? ScheduleOverlapPolicy[r.overlap] : undefined),
  );
}

export async function backfillSchedule(client: Client, id: string, raw: unknown): Promise<void> {
  const r = parseOrThrow(BackfillRequest, raw, 'backfill');
  await withSchedule(id, () =>
    client.schedule
      .getHandle(id)
      .backfill({ start: new Date(r.from), end: new Date(r.to), overlap: ScheduleOverlapPolicy[r.overlap] }),
  );
}

export async function deleteSchedule(client: Client, id: string): Promise<void> {
  await withSchedule(id, () => client.schedule.getHandle(id).delete());
}
