/**
 * The client side of strategy runs, shared by the CLI and the Lambda handlers. Every input is
 * validated before anything reaches Temporal: a bad input starts nothing and sends nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
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
import { TASK_QUEUES } from './task-queues';

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
  const engine = selectEngine(input.engine, input.risk);
  try {
    const handle = await client.workflow.start(WORKFLOW_TYPE, {
      workflowId: input.runId,
      taskQueue: opts.taskQueue ?? TASK_QUEUES.strategies,
      args: [input],
      typedSearchAttributes: [
        { key: StrategyIdKey, value: input.strategy.name },
        { key: AccountIdKey, value: input.accountId },
        { key: EngineKey, value: engine.engine },
        { key: TradingModeKey, value: input.mode },
        { key: TradingStateKey, value: 'ACTIVE' },
      ],
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
    if (/no poller seen/i.test(cause)) {
      // Queries are answered by a worker replaying the run's history, also for finished runs.
      throw new TempotradeError(
        'EXCHANGE_UNAVAILABLE',
        `run "${id}" exists, but no worker is polling its task queue to answer: start one with \`tempotrade worker\``,
      );
    }
    throw e;
  }
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
}

export async function runStatus(client: Client, id: string): Promise<RunView> {
  return withRun(id, async () => {
    const h = client.workflow.getHandle(id);
    const d = await h.describe();
    const [status, portfolio] = await Promise.all([h.query(statusQuery), h.query(portfolioQuery)]);
    return { status, execution: d.status.name, ...(portfolio ? { portfolio } : {}) };
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
  status: WorkflowExecutionStatusName;
  strategy?: string;
  accountId?: string;
  engine?: string;
  tradingMode?: string;
  tradingState?: string;
  startTime: Date;
}

export async function listRuns(client: Client, opts: { query?: string; limit?: number } = {}): Promise<RunListItem[]> {
  const q = `WorkflowType = '${WORKFLOW_TYPE}'${opts.query ? ` AND (${opts.query})` : ''}`;
  const out: RunListItem[] = [];
  for await (const w of client.workflow.list({ query: q })) {
    const sa = w.typedSearchAttributes;
    out.push({
      workflowId: w.workflowId,
      status: w.status.name,
      strategy: sa.get(StrategyIdKey),
      accountId: sa.get(AccountIdKey),
      engine: sa.get(EngineKey),
      tradingMode: sa.get(TradingModeKey),
      tradingState: sa.get(TradingStateKey),
      startTime: w.startTime,
    });
    if (out.length >= (opts.limit ?? 100)) break;
  }
  return out;
}

/** Wait for a run to end, reporting progress from its status query; returns its summary. */
export async function waitForRun(
  client: Client,
  id: string,
  onProgress?: (s: RunStatus) => void,
  everyMs = 1000,
): Promise<RunSummary> {
  const h = client.workflow.getHandle(id);
  const result = h.result() as Promise<RunSummary>;
  let done = false;
  void result.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done && onProgress) {
    try {
      onProgress(await h.query(statusQuery));
    } catch {
      // the run may be between tasks or finishing; progress is best effort
    }
    await Promise.race([result.catch(() => undefined), sleep(everyMs)]);
  }
  return result;
}
