/**
 * The client side of strategy runs, shared by the CLI and the Lambda handlers. Every input is
 * validated before anything reaches Temporal: a bad input starts nothing and sends nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { SearchAttributePair } from '@temporalio/common';
import { TempotradeError, formatZodIssues } from '../domain/errors';
import { selectEngine } from '../domain/execution/selection';
import {
  HaltSignal,
  ReconcileSignal,
  ResumeSignal,
  StrategyRunInput,
  type StrategyRunInputRaw,
} from '../domain/run/input';
import type { AuditEvent, RunSummary, StrategyPin } from '../domain/run/state';
import type { Order } from '../domain/orders/order';
import type { Portfolio } from '../domain/portfolio/portfolio';
import { RiskConfigPatch, type RiskConfig } from '../domain/risk/config';
import {
  auditQuery,
  haltSignal,
  ordersQuery,
  portfolioQuery,
  reconcileSignal,
  resumeSignal,
  statusQuery,
  updateRiskUpdate,
  upgradeStrategyUpdate,
  type RunStatus,
} from '../workflows/definitions';
import {
  AccountIdKey,
  EngineKey,
  StrategyIdKey,
  TradingModeKey,
  TradingStateKey,
} from '../workflows/search-attributes';
import { StrategyRegistry } from '../domain/strategies/registry';
import { TASK_QUEUES, venueTaskQueueOf } from './task-queues';

export const WORKFLOW_TYPE = 'strategyRun';

/**
 * The input, validated; its strategy's params are checked against `strategies` (default: the built-ins) in the
 * same message. A strategy the registry lacks must come resolved already (version, hash, lookback).
 */
export function validateRunInput(raw: unknown, strategies?: StrategyRegistry): StrategyRunInput {
  const r = StrategyRunInput.safeParse(raw);
  const strategyError = strategyIssue(raw, strategies ?? StrategyRegistry.builtins());
  if (!r.success || strategyError) {
    const errors = [...(r.success ? [] : [formatZodIssues(r.error)]), ...(strategyError ? [strategyError] : [])];
    const fields = r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    throw new TempotradeError('VALIDATION', `invalid run input: ${errors.join('; ')}`, {
      fields: strategyError ? [...fields, strategyError.split(':')[0]] : fields,
    });
  }
  return r.data;
}

function strategyIssue(raw: unknown, registry: StrategyRegistry): string | undefined {
  const s = (raw as { strategy?: { name?: unknown; params?: unknown; hash?: unknown; lookback?: unknown } })?.strategy;
  if (!s || typeof s.name !== 'string') return undefined; // the schema names it
  if (!registry.get(s.name)) {
    if (s.hash !== undefined && s.lookback !== undefined) return undefined;
    const known = registry.names().join(', ');
    return `strategy.name: unknown strategy "${s.name}" (known: ${known}; a user strategy needs --strategies DIR)`;
  }
  const p = registry.parseParams(s.name, s.params);
  return p.ok ? undefined : p.error;
}

/** The search attributes of a strategy run, as startRun sets them (TradingState only on a run itself). */
export function runSearchAttributes(input: StrategyRunInput, withTradingState = true): SearchAttributePair[] {
  return [
    { key: StrategyIdKey, value: input.strategy.name },
    { key: AccountIdKey, value: input.accountId },
    { key: EngineKey, value: selectEngine(input.engine, input.risk).engine },
    { key: TradingModeKey, value: input.mode },
    ...(withTradingState ? [{ key: TradingStateKey, value: 'ACTIVE' }] : []),
  ];
}

/** The input with its strategy as data from `registry` (version, module hash, lookback): what the run pins. */
export function pinRunStrategy(input: StrategyRunInput, registry: StrategyRegistry): StrategyRunInput {
  const s = input.strategy;
  if (!registry.get(s.name)) return input; // resolved already (validateRunInput)
  const r = registry.resolve(s.name, s.params);
  if (!r.ok) throw new TempotradeError('VALIDATION', `invalid run input: ${r.error}`, { fields: ['strategy'] });
  const { version, hash, lookback } = r.strategy;
  return { ...input, strategy: { ...s, version, hash, lookback } };
}

export async function startRun(
  client: Client,
  raw: StrategyRunInputRaw,
  opts: { taskQueue?: string; strategies?: StrategyRegistry } = {},
): Promise<{ workflowId: string; firstExecutionRunId: string }> {
  const registry = opts.strategies ?? StrategyRegistry.builtins();
  const input = pinRunStrategy(validateRunInput(raw, registry), registry);
  try {
    const handle = await client.workflow.start(WORKFLOW_TYPE, {
      workflowId: input.runId,
      taskQueue: opts.taskQueue ?? TASK_QUEUES.strategies,
      args: [input],
      typedSearchAttributes: runSearchAttributes(input),
    });
    return { workflowId: handle.workflowId, firstExecutionRunId: handle.firstExecutionRunId };
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError)
      throw new TempotradeError('RUN_ALREADY_EXISTS', `a run with id "${input.runId}" already exists`);
    throw e;
  }
}

async function withRun<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError || (e instanceof Error && /not found/i.test(e.message)))
      throw new TempotradeError('RUN_NOT_FOUND', `no run with id "${id}"`);
    const cause = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : '';
    if (e instanceof TempotradeError) throw e;
    // Queries are answered by a worker replaying the run's history, also for finished runs.
    if (/no poller seen|query timed out before a worker/i.test(cause)) throw noWorkerError(id);
    throw e;
  }
}

function noWorkerError(id: string, waiting?: RunWaiting): TempotradeError {
  return new TempotradeError(
    'EXCHANGE_UNAVAILABLE',
    `run "${id}" exists, but no worker is polling its task queue to answer: start one with \`tempotrade worker\``,
    waiting ? { waiting } : {},
  );
}

export async function haltRun(client: Client, id: string, raw: unknown): Promise<void> {
  const r = HaltSignal.safeParse(raw);
  if (!r.success) throw new TempotradeError('VALIDATION', `invalid halt: ${formatZodIssues(r.error)}`);
  await withRun(id, () => client.workflow.getHandle(id).signal(haltSignal, r.data));
}

/** Change a run's risk limits at run time; bad values are refused by the run and nothing changes. */
export async function updateRunRisk(client: Client, id: string, patch: unknown): Promise<RiskConfig> {
  const r = RiskConfigPatch.safeParse(patch);
  if (!r.success)
    throw new TempotradeError('VALIDATION', `invalid risk limits: ${formatZodIssues(r.error, 'risk')}`, {
      fields: r.error.issues.map((i) => ['risk', ...i.path].join('.')),
    });
  return withRun(id, () =>
    client.workflow
      .getHandle(id)
      .executeUpdate(updateRiskUpdate, { args: [r.data] })
      .catch((e: unknown) => {
        const msg = [(e as Error)?.message, (e as { cause?: Error })?.cause?.message].filter(Boolean).join(': ');
        if (/invalid risk limits|still starting/.test(msg))
          throw new TempotradeError(
            'VALIDATION',
            msg.replace(/^.*?(invalid risk limits|the run is still starting)/, '$1'),
          );
        throw e;
      }),
  );
}

/**
 * Pin a run to `to`, the version and module hash of its strategy as the workers have it now; the run refuses a
 * hash it is already pinned to.
 */
export async function upgradeRunStrategy(
  client: Client,
  id: string,
  to: { version: string; hash: string },
): Promise<StrategyPin> {
  return withRun(id, () =>
    client.workflow
      .getHandle(id)
      .executeUpdate(upgradeStrategyUpdate, { args: [to] })
      .catch((e: unknown) => {
        const msg = [(e as Error)?.message, (e as { cause?: Error })?.cause?.message].filter(Boolean).join(': ');
        if (/already pinned|still starting|hash:|version:/.test(msg)) throw new TempotradeError('VALIDATION', msg);
        const cause = (e as { cause?: Error })?.cause;
        if (/^STRATEGY_NOT_PROMOTED: /.test(cause?.message ?? ''))
          throw new TempotradeError('STRATEGY_NOT_PROMOTED', cause!.message);
        throw e;
      }),
  );
}

export async function resumeRun(client: Client, id: string, raw: unknown = {}): Promise<void> {
  const r = ResumeSignal.safeParse(raw);
  if (!r.success) throw new TempotradeError('VALIDATION', `invalid resume: ${formatZodIssues(r.error)}`);
  await withRun(id, () => client.workflow.getHandle(id).signal(resumeSignal, r.data));
}

export async function reconcileRun(client: Client, id: string, raw: unknown): Promise<void> {
  const r = ReconcileSignal.safeParse(raw);
  if (!r.success) throw new TempotradeError('VALIDATION', `invalid reconcile: ${formatZodIssues(r.error)}`);
  await withRun(id, () => client.workflow.getHandle(id).signal(reconcileSignal, r.data));
}

export interface RunView {
  status: RunStatus;
  execution: WorkflowExecutionStatusName;
  portfolio?: Portfolio;
  /** What the current execution waits for (pending activities, task queues without a worker). */
  waiting?: RunWaiting;
}

export async function runStatus(client: Client, id: string): Promise<RunView> {
  return withRun(id, async () => {
    const h = client.workflow.getHandle(id);
    const d = await h.describe();
    const waiting = await runWaiting(client, id, d);
    // A query waits for a worker until it times out: without one, say so at once, with what the server knows.
    if (waiting.taskQueues.some((q) => q.name === d.taskQueue && q.pollers === 0)) throw noWorkerError(id, waiting);
    const [status, portfolio] = await Promise.all([h.query(statusQuery), h.query(portfolioQuery)]);
    return { status, execution: d.status.name, ...(portfolio ? { portfolio } : {}), waiting };
  });
}

export async function runOrders(client: Client, id: string): Promise<{ open: Order[]; recent: Order[] }> {
  return withRun(id, () => client.workflow.getHandle(id).query(ordersQuery));
}

export async function runAudit(client: Client, id: string): Promise<AuditEvent[]> {
  return withRun(id, () => client.workflow.getHandle(id).query(auditQuery));
}

export interface RunListItem {
  workflowId: string;
  /** The execution this row is (one run's continue-as-new chain has several). */
  runId: string;
  status: WorkflowExecutionStatusName;
  strategy?: string;
  accountId?: string;
  engine?: string;
  tradingMode?: string;
  tradingState?: string;
  startTime: Date;
  closeTime?: Date;
  /** From the run itself (its status query, or its result once finished); absent when it could not say. */
  tick?: number;
  equity?: string;
  quote?: string;
}

/** How long `listRuns` waits for one run to report its tick and equity. */
const DETAIL_DEADLINE_MS = 3_000;

async function runDetails(
  client: Client,
  item: RunListItem,
): Promise<Pick<RunListItem, 'tick' | 'equity' | 'quote' | 'tradingState'>> {
  const h = client.workflow.getHandle(item.workflowId, item.runId, { followRuns: false });
  const deadline = Date.now() + DETAIL_DEADLINE_MS;
  try {
    if (item.status === 'COMPLETED') {
      const s = (await client.connection.withDeadline(deadline, () => h.result())) as RunSummary;
      return { tick: s.ticks, equity: s.equity, quote: s.quote, tradingState: s.tradingState };
    }
    if (item.status !== 'RUNNING') return {};
    const s = await client.connection.withDeadline(deadline, () => h.query(statusQuery));
    return {
      tick: s.tick,
      ...(s.equity ? { equity: s.equity } : {}),
      ...(s.quote ? { quote: s.quote } : {}),
      tradingState: s.tradingState,
    };
  } catch {
    // No worker to answer, or a slow one: the row keeps what visibility says.
    return {};
  }
}

/**
 * Strategy runs, newest first: one row per run (the latest execution of its continue-as-new chain), with
 * its tick, equity and trading state; `allExecutions` gives every execution instead (no tick or equity for
 * the executions that continued as new).
 */
export async function listRuns(
  client: Client,
  opts: { query?: string; limit?: number; allExecutions?: boolean } = {},
): Promise<RunListItem[]> {
  const filters = [
    `WorkflowType = '${WORKFLOW_TYPE}'`,
    ...(opts.allExecutions ? [] : ["ExecutionStatus != 'ContinuedAsNew'"]),
    ...(opts.query ? [`(${opts.query})`] : []),
  ];
  const limit = opts.limit ?? 100;
  const out: RunListItem[] = [];
  const seen = new Set<string>();
  for await (const w of client.workflow.list({ query: filters.join(' AND ') })) {
    // A reused workflow id has one chain per use: the newest (listed first) is the run.
    if (!opts.allExecutions && seen.has(w.workflowId)) continue;
    seen.add(w.workflowId);
    const sa = w.typedSearchAttributes;
    out.push({
      workflowId: w.workflowId,
      runId: w.runId,
      status: w.status.name,
      strategy: sa.get(StrategyIdKey),
      accountId: sa.get(AccountIdKey),
      engine: sa.get(EngineKey),
      tradingMode: sa.get(TradingModeKey),
      tradingState: sa.get(TradingStateKey),
      startTime: w.startTime,
      ...(w.closeTime ? { closeTime: w.closeTime } : {}),
    });
    if (out.length >= limit) break;
  }
  const withDetails = out.filter((r) => r.status !== 'CONTINUED_AS_NEW');
  for (let i = 0; i < withDetails.length; i += 8) {
    await Promise.all(withDetails.slice(i, i + 8).map(async (r) => Object.assign(r, await runDetails(client, r))));
  }
  return out;
}

export interface PendingActivityView {
  activityType: string;
  /** SCHEDULED (waiting for a worker), STARTED (running on one) or CANCEL_REQUESTED. */
  state: string;
  attempt: number;
  maximumAttempts?: number;
  lastFailure?: string;
  scheduledTime?: string;
  lastStartedTime?: string;
  nextAttemptTime?: string;
  taskQueue?: string;
  /** What to check, for failures whose cause is usual (a venue that is not running). */
  hint?: string;
}

export interface TaskQueueView {
  name: string;
  kind: 'workflow' | 'activity';
  pollers: number;
}

/**
 * Why a run may not be moving: its pending activities, the pollers of its task queues, and one line per
 * problem (a queue without a worker; an activity retrying, failed, or waiting for a worker for long).
 */
export interface RunWaiting {
  pendingActivities: PendingActivityView[];
  taskQueues: TaskQueueView[];
  reasons: string[];
}

const VENUE_QUEUE_PREFIX = venueTaskQueueOf('');

/** "tempotrade-venue-binance.desk-1" → "binance:desk-1": exchange ids have no '.', so the first one is the separator. */
function venueAccountOfQueue(queue: string): string | undefined {
  if (!queue.startsWith(VENUE_QUEUE_PREFIX)) return undefined;
  return queue.slice(VENUE_QUEUE_PREFIX.length).replace('.', ':');
}

function failureText(f: temporal.api.failure.v1.IFailure | null | undefined): string | undefined {
  const parts: string[] = [];
  for (let cur = f; cur && parts.length < 3; cur = cur.cause)
    if (cur.message && !parts.some((p) => p.includes(cur!.message!))) parts.push(cur.message);
  return parts.length ? parts.join(': ') : undefined;
}

const CONNECT_FAILURE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|unreachable/i;

function activityHint(message: string | undefined, queue: string | undefined): string | undefined {
  if (!message || !CONNECT_FAILURE.test(message)) return undefined;
  if (/paper venue at/i.test(message)) return "is 'tempotrade venue' running?";
  const account = queue ? venueAccountOfQueue(queue) : undefined;
  if (account)
    return `is the exchange of ${account} reachable? against the local exchange: is 'tempotrade venue' running?`;
  return undefined;
}

function workerHint(queue: string): string {
  const account = venueAccountOfQueue(queue);
  if (account) return `start one: npx tempotrade worker --venue ${account}`;
  return queue === TASK_QUEUES.strategies
    ? 'start one: npx tempotrade worker'
    : `start one: npx tempotrade worker --task-queue ${queue}`;
}

function iso(ts: Parameters<typeof optionalTsToDate>[0]): string | undefined {
  return optionalTsToDate(ts)?.toISOString();
}

const ACTIVITY_STATES: Record<number, string> = {
  1: 'SCHEDULED',
  2: 'STARTED',
  3: 'CANCEL_REQUESTED',
  4: 'PAUSED',
  5: 'PAUSE_REQUESTED',
};

/** An activity left waiting for a worker this long is worth a line; a first attempt on its way is not. */
const SCHEDULED_TOO_LONG_MS = 10_000;

function isStuck(a: PendingActivityView, now: number): boolean {
  return (
    a.attempt > 1 ||
    a.lastFailure !== undefined ||
    (a.state === 'SCHEDULED' &&
      a.scheduledTime !== undefined &&
      now - Date.parse(a.scheduledTime) > SCHEDULED_TOO_LONG_MS)
  );
}

export function pendingActivityLine(a: PendingActivityView): string {
  const what = a.lastFailure ? `, ${a.lastFailure}` : a.state === 'SCHEDULED' ? ', waiting for a worker' : '';
  return `${a.activityType}: attempt ${a.attempt}${what}${a.hint ? ` (${a.hint})` : ''}`;
}

/** Workers polling a task queue now (as the server last saw them). */
export async function pollerCount(client: Client, name: string, kind: TaskQueueView['kind']): Promise<number> {
  const r = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType:
      kind === 'workflow'
        ? temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
        : temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return r.pollers?.length ?? 0;
}

/**
 * What the current execution of a run waits for, from the server alone (no worker needed): each pending
 * activity with its attempt and last failure, and each of its task queues that no worker polls.
 */
export async function runWaiting(
  client: Client,
  id: string,
  described?: WorkflowExecutionDescription,
): Promise<RunWaiting> {
  const d = described ?? (await withRun(id, () => client.workflow.getHandle(id).describe()));
  const pendingActivities: PendingActivityView[] = (d.raw.pendingActivities ?? []).map((p) => {
    const taskQueue = p.activityOptions?.taskQueue?.name ?? undefined;
    const lastFailure = failureText(p.lastFailure);
    const hint = activityHint(lastFailure, taskQueue);
    return {
      activityType: p.activityType?.name ?? '?',
      state: ACTIVITY_STATES[p.state ?? 0] ?? 'UNKNOWN',
      attempt: p.attempt ?? 1,
      ...(p.maximumAttempts ? { maximumAttempts: p.maximumAttempts } : {}),
      ...(lastFailure ? { lastFailure } : {}),
      ...(iso(p.scheduledTime) ? { scheduledTime: iso(p.scheduledTime) } : {}),
      ...(iso(p.lastStartedTime) ? { lastStartedTime: iso(p.lastStartedTime) } : {}),
      ...(iso(p.nextAttemptScheduleTime) ? { nextAttemptTime: iso(p.nextAttemptScheduleTime) } : {}),
      ...(taskQueue ? { taskQueue } : {}),
      ...(hint ? { hint } : {}),
    };
  });
  // The workflow's queue also for an ended run: its queries need a worker there.
  const wanted = new Map<string, TaskQueueView['kind']>([[d.taskQueue, 'workflow']]);
  for (const a of pendingActivities) if (a.taskQueue && !wanted.has(a.taskQueue)) wanted.set(a.taskQueue, 'activity');
  const taskQueues = await Promise.all(
    [...wanted].map(async ([name, kind]): Promise<TaskQueueView> => ({
      name,
      kind,
      pollers: await pollerCount(client, name, kind),
    })),
  );
  const running = d.status.name === 'RUNNING';
  const reasons = running
    ? [
        ...taskQueues
          .filter((q) => q.pollers === 0)
          .map((q) => `no worker polls task queue ${q.name} (${workerHint(q.name)})`),
        ...pendingActivities.filter((a) => isStuck(a, Date.now())).map(pendingActivityLine),
      ]
    : [];
  return { pendingActivities, taskQueues, reasons };
}

/**
 * Wait for a run to end, reporting progress from its status query, and what it waits for (`onWaiting`,
 * also while no worker answers the query); returns its summary.
 */
export async function waitForRun(
  client: Client,
  id: string,
  onProgress?: (s: RunStatus) => void,
  everyMs = 1000,
  onWaiting?: (w: RunWaiting) => void,
): Promise<RunSummary> {
  const h = client.workflow.getHandle(id);
  const result = h.result() as Promise<RunSummary>;
  let done = false;
  void result.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done && (onProgress || onWaiting)) {
    const [status, waiting] = await Promise.allSettled([
      onProgress ? h.query(statusQuery) : undefined,
      onWaiting ? runWaiting(client, id) : undefined,
    ]);
    // The run may be between tasks or finishing: progress is best effort.
    if (!done && status.status === 'fulfilled' && status.value) onProgress?.(status.value);
    if (!done && waiting.status === 'fulfilled' && waiting.value) onWaiting?.(waiting.value);
    await Promise.race([result.catch(() => undefined), sleep(everyMs)]);
  }
  return result;
}
