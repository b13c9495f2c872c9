/**
 * Promotion gates from the outside (CLI, and the worker's promotion.check): evidence and approvals go to the
 * strategy's strategyPromotion workflow as Updates with Update-with-Start (a strategy nobody promoted yet has
 * none); status is its query. Every request is validated before anything reaches Temporal.
 */
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, type UpdateDefinition } from '@temporalio/common';
import { ERROR_CODES, TempotradeError, parseOrThrow } from '../domain/errors';
import {
  ApproveRequest,
  RecordEvidenceRequest,
  missingGates,
  notPromotedMessage,
  type PromotionStatus,
  type PromotionVerdict,
} from '../domain/strategy-lifecycle/promotion';
import type { StrategyRegistry } from '../domain/strategies/registry';
import {
  STRATEGY_PROMOTION_WORKFLOW_TYPE,
  approveUpdate,
  promotionStatusQuery,
  promotionWorkflowId,
  recordEvidenceUpdate,
  type PromotionInput,
} from '../workflows/promotion-definitions';
import { TASK_QUEUES } from './task-queues';
import { pollerCount } from './runs-client';

export interface PromotionClientOptions {
  /** Where a promotion workflow that does not exist yet is started (a worker must poll it). */
  taskQueue?: string;
}

/** "NAME@VERSION" → its parts; a VALIDATION error naming `what` otherwise. */
export function parseStrategyRef(ref: string, what = 'NAME@VERSION'): { name: string; version?: string } {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:@([A-Za-z0-9][A-Za-z0-9.+_-]*))?$/.exec(ref);
  if (!m)
    throw new TempotradeError('VALIDATION', `${what}: expected NAME@VERSION (e.g. my-strategy@1.0.0), got "${ref}"`);
  return { name: m[1], ...(m[2] ? { version: m[2] } : {}) };
}

function withStart(name: string, version: string, opts: PromotionClientOptions) {
  return new WithStartWorkflowOperation<(input: PromotionInput) => Promise<void>>(STRATEGY_PROMOTION_WORKFLOW_TYPE, {
    workflowId: promotionWorkflowId(name, version),
    taskQueue: opts.taskQueue ?? TASK_QUEUES.strategies,
    args: [{ name, version }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
}

/** A refused Update (validator or handler) becomes GATE_REFUSED (VALIDATION for a malformed request) with its words. */
function refused(e: unknown): never {
  if (e instanceof WorkflowUpdateFailedError || (e as Error)?.name === 'WorkflowUpdateFailedError') {
    const cause = (e as { cause?: Error & { details?: unknown[] } }).cause;
    const text = cause?.message ?? (e as Error).message;
    const details = (cause?.details?.[0] as Record<string, unknown> | undefined) ?? {};
    const type = (cause as { type?: string } | undefined)?.type;
    const code = /^invalid /.test(text)
      ? 'VALIDATION'
      : (ERROR_CODES.find((c) => c === type && c !== 'UNKNOWN') ?? 'GATE_REFUSED');
    throw new TempotradeError(code, text, details);
  }
  throw e;
}

async function update<Ret, Arg>(
  client: Client,
  def: UpdateDefinition<Ret, [Arg]>,
  name: string,
  version: string,
  arg: Arg,
  opts: PromotionClientOptions,
): Promise<Ret> {
  // An Update waits for a worker without end: with none polling, say so instead of hanging.
  const queue = opts.taskQueue ?? TASK_QUEUES.strategies;
  if ((await pollerCount(client, queue, 'workflow')) === 0)
    throw new TempotradeError(
      'EXCHANGE_UNAVAILABLE',
      `no worker is polling task queue "${queue}" to record it: start one with \`tempotrade worker\``,
      { taskQueue: queue },
    );
  return client.workflow
    .executeUpdateWithStart(def, { args: [arg], startWorkflowOperation: withStart(name, version, opts) })
    .catch(refused);
}

/** Record a finished run as a gate's evidence; the workflow reads the run from Temporal and judges it. */
export function recordEvidence(
  client: Client,
  name: string,
  version: string,
  raw: unknown,
  opts: PromotionClientOptions = {},
) {
  const req = parseOrThrow(RecordEvidenceRequest, raw, 'evidence request');
  return update(client, recordEvidenceUpdate, name, version, req, opts);
}

/** A person's approval of a hash whose backtest and paper gates passed. */
export function approveStrategy(
  client: Client,
  name: string,
  version: string,
  raw: unknown,
  opts: PromotionClientOptions = {},
) {
  const req = parseOrThrow(ApproveRequest, raw, 'approval');
  return update(client, approveUpdate, name, version, req, opts);
}

/** The promotion record of NAME@VERSION; undefined when none was ever started. */
export async function promotionStatus(
  client: Client,
  name: string,
  version: string,
): Promise<PromotionStatus | undefined> {
  try {
    return await client.workflow.getHandle(promotionWorkflowId(name, version)).query(promotionStatusQuery);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError || /workflow not found|not found/i.test((e as Error)?.message ?? ''))
      return undefined;
    throw e;
  }
}

/** Whether a live run of this strategy may start: only an untrusted entry is gated, by its hash's record. */
export async function promotionVerdict(
  client: Client,
  registry: StrategyRegistry,
  s: { name: string; version?: string; hash?: string },
): Promise<PromotionVerdict> {
  const entry = registry.get(s.name);
  if (!entry) return { gated: false, reason: `strategy ${s.name} is not known here` };
  if (entry.trust !== 'untrusted') return { gated: false, reason: `strategy ${s.name} is trusted (${entry.source})` };
  const version = s.version ?? entry.version;
  const record = s.hash
    ? (await promotionStatus(client, s.name, version))?.records.find((r) => r.hash === s.hash)
    : undefined;
  const missing = missingGates(record);
  if (missing.length === 0) return { gated: true, promoted: true };
  return { gated: true, promoted: false, missing, message: notPromotedMessage(s.name, version, s.hash, missing) };
}

/** The CLI's check before a live start: STRATEGY_NOT_PROMOTED naming the missing gates (the worker checks again). */
export async function refuseUnpromoted(
  client: Client,
  registry: StrategyRegistry,
  s: { name: string; version?: string; hash?: string },
): Promise<void> {
  const v = await promotionVerdict(client, registry, s);
  if (v.gated && !v.promoted) throw new TempotradeError('STRATEGY_NOT_PROMOTED', v.message, { missing: v.missing });
}

/** The versions of `name` with a promotion record (the name is validated: it cannot break out of the query). */
export async function promotedVersions(client: Client, name: string): Promise<string[]> {
  const { name: n } = parseStrategyRef(name, 'NAME');
  const prefix = promotionWorkflowId(n, '');
  const query = `WorkflowType = '${STRATEGY_PROMOTION_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${prefix}'`;
  const versions = new Set<string>();
  for await (const wf of client.workflow.list({ query })) versions.add(wf.workflowId.slice(prefix.length));
  return [...versions].sort();
}
