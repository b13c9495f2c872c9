/**
 * Promotion gates, worker side. promotion.verifyRun reads a finished run from Temporal (its input from the
 * history, its summary, its final status and audit from queries), so evidence never rests on what a caller
 * says. promotion.check answers a starting live run from this worker's registry: only an untrusted entry is
 * gated, by the record of the run's pinned hash.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { fromPayloadsAtIndex } from '@temporalio/common';
import { venueKindOf } from '../brokers/venues';
import { TempotradeError, formatZodIssues } from '../domain/errors';
import { StrategyRunInput } from '../domain/run/input';
import type { RunSummary } from '../domain/run/state';
import { PromotionCheckRequest, type PromotionVerdict, type RunFacts } from '../domain/strategy-lifecycle/promotion';
import { StrategyRegistry } from '../domain/strategies/registry';
import { promotionVerdict } from '../temporal/promotion-client';
import { auditQuery, statusQuery } from '../workflows/definitions';
import { guarded } from './failures';

export interface PromotionDeps {
  /** The strategies this worker runs (default: the built-ins): their trust decides what is gated. */
  strategies?: StrategyRegistry;
}

/** The facts of run `workflowId` (its latest execution) as Temporal holds them. */
export async function readRunFacts(client: Client, workflowId: string): Promise<RunFacts> {
  const h = client.workflow.getHandle(workflowId);
  let d;
  try {
    d = await h.describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError)
      throw new TempotradeError('RUN_NOT_FOUND', `no run with id "${workflowId}"`);
    throw e;
  }
  if (d.type !== 'strategyRun')
    throw new TempotradeError('VALIDATION', `workflowId: "${workflowId}" is a ${d.type}, not a strategy run`);
  const history = await h.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const raw = fromPayloadsAtIndex(client.options.loadedDataConverter.payloadConverter, 0, started?.input?.payloads);
  const parsed = StrategyRunInput.safeParse(raw);
  if (!parsed.success)
    throw new TempotradeError('VALIDATION', `run ${workflowId}: its input: ${formatZodIssues(parsed.error)}`);
  const input = parsed.data;
  const kind = venueKindOf(input.venue);
  const data = input.venue.kind === 'paper' ? input.venue.data : {};
  const base = {
    workflowId,
    runId: d.runId,
    execution: d.status.name,
    mode: input.mode,
    venueKind: kind.id,
    clock: kind.clock,
    symbols: input.symbols,
    data,
  };
  if (d.status.name !== 'COMPLETED')
    return {
      ...base,
      ticks: 0,
      fills: 0,
      maxDrawdownPct: '0',
      tradingState: 'UNKNOWN',
      stateReason: '',
      strategyFailed: false,
      upgraded: false,
    };
  const [summary, status, audit] = await Promise.all([
    h.result() as Promise<RunSummary>,
    h.query(statusQuery),
    h.query(auditQuery),
  ]);
  const pin = status.strategyPin;
  return {
    ...base,
    ...(pin ? { pin } : {}),
    ticks: summary.ticks,
    fills: summary.fills,
    maxDrawdownPct: summary.maxDrawdownPct,
    tradingState: summary.tradingState,
    stateReason: summary.stateReason,
    ...(summary.finished ? { finishedReason: summary.finished.reason } : {}),
    // Three places, as the audit keeps only its latest events: the fault now, the state changes, the audit.
    strategyFailed:
      status.strategyFault?.code === 'STRATEGY_FAILED' ||
      status.stateChanges.some((c) => c.reason.startsWith('STRATEGY_FAILED')) ||
      audit.some((e) => e.kind === 'STRATEGY_FAILED'),
    upgraded: audit.some((e) => e.kind === 'STRATEGY_UPGRADED'),
  };
}

export function createPromotionActivities(deps: PromotionDeps = {}) {
  const registry = deps.strategies ?? StrategyRegistry.builtins();
  return {
    async 'promotion.verifyRun'(req: { workflowId: string }): Promise<RunFacts> {
      return guarded('promotion.verifyRun', () => readRunFacts(Context.current().client, req.workflowId));
    },

    async 'promotion.check'(raw: { name: string; version?: string; hash?: string }): Promise<PromotionVerdict> {
      return guarded('promotion.check', async () => {
        const r = PromotionCheckRequest.safeParse(raw);
        if (!r.success) throw new TempotradeError('VALIDATION', `promotion.check: ${formatZodIssues(r.error)}`);
        return promotionVerdict(Context.current().client, registry, r.data);
      });
    },
  };
}
