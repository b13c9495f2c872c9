/**
 * The promotion record of one strategy NAME@VERSION: per module hash, its policy, the evidence of its gates
 * and its approval. The workflow (./workflow.ts) wires the messages here; judging a run is domain code.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { formatZodIssues } from '../../domain/errors';
import {
  ApproveRequest,
  PromotionPolicy,
  RecordEvidenceRequest,
  judgeRun,
  missingGates,
  shortHash,
  type Approval,
  type GateEvidence,
  type HashRecord,
  type PromotionStatus,
  type RunFacts,
} from '../../domain/strategy-lifecycle/promotion';
import { promotionWorkflowId, type PromotionInput } from '../promotion-definitions';

export interface PromotionCarry {
  records: HashRecord[];
  latestHash?: string;
}

function parse<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(`invalid ${what}: ${formatZodIssues(r.error)}`);
  return r.data;
}

const samePolicy = (a: PromotionPolicy, b: PromotionPolicy) =>
  a.minTrades === b.minTrades && a.maxDrawdownPct === b.maxDrawdownPct && a.paperTicks === b.paperTicks;

export class PromotionState {
  readonly name: string;
  readonly version: string;
  private readonly records = new Map<string, HashRecord>();
  private latestHash: string | undefined;

  constructor(input: PromotionInput, carried?: PromotionCarry) {
    this.name = input.name;
    this.version = input.version;
    for (const r of carried?.records ?? []) this.records.set(r.hash, r);
    this.latestHash = carried?.latestHash;
  }

  private get label(): string {
    return `${this.name}@${this.version}`;
  }

  /** The validator: a well-formed request, and policy flags only where they can still take effect. */
  validateRecord(raw: unknown): void {
    const req = parse(RecordEvidenceRequest, raw, 'evidence request');
    if (req.hash) this.policyFor(req.hash, req.policy);
  }

  /** The policy a hash is judged by: fixed with its first evidence; flags that differ later are refused. */
  private policyFor(hash: string, flags: RecordEvidenceRequest['policy']): PromotionPolicy {
    const have = this.records.get(hash)?.policy;
    const asked = PromotionPolicy.parse({ ...(have ?? {}), ...(flags ?? {}) });
    if (have && !samePolicy(have, asked))
      throw new Error(
        `policy: sha256 ${shortHash(hash)} is judged by minTrades ${have.minTrades}, maxDrawdownPct ${have.maxDrawdownPct}, paperTicks ${have.paperTicks} (fixed with its first evidence)`,
      );
    return asked;
  }

  /**
   * Judge the run whose facts `verify` read from Temporal; a pass is stored for the run's hash, a shortfall is a
   * failed Update naming the numbers (nothing stored).
   */
  async record(
    raw: unknown,
    verify: (workflowId: string) => Promise<RunFacts>,
    now: () => number,
  ): Promise<GateEvidence & { hash: string }> {
    const req = parse(RecordEvidenceRequest, raw, 'evidence request');
    let facts: RunFacts;
    try {
      facts = await verify(req.workflowId);
    } catch (e) {
      // The activity's own words (e.g. RUN_NOT_FOUND), not "Activity task failed".
      const cause = e instanceof ActivityFailure && e.cause instanceof ApplicationFailure ? e.cause : undefined;
      if (!cause) throw e;
      throw ApplicationFailure.nonRetryable(
        `${req.gate} gate of ${this.label}: run ${req.workflowId} cannot be read: ${cause.message}`,
        cause.type ?? 'GATE_REFUSED',
      );
    }
    const hash = req.hash ?? facts.pin?.hash;
    const refuse = (why: string[]) => {
      throw ApplicationFailure.nonRetryable(
        `${req.gate} gate of ${this.label} refused for run ${req.workflowId}: ${why.join('; ')}`,
        'GATE_REFUSED',
        { gate: req.gate, workflowId: req.workflowId, shortfalls: why },
      );
    };
    if (facts.execution !== 'COMPLETED') return refuse([`the run is ${facts.execution}, not COMPLETED`]);
    if (!hash) return refuse(['the run is not pinned to a module hash']);
    let policy: PromotionPolicy;
    try {
      policy = this.policyFor(hash, req.policy);
    } catch (e) {
      return refuse([(e as Error).message]);
    }
    const j = judgeRun(req.gate, facts, { name: this.name, version: this.version, hash }, policy);
    if (!j.ok) return refuse(j.shortfalls);
    const rec = this.records.get(hash) ?? { hash, policy };
    const prior = rec[req.gate];
    if (prior?.workflowId === req.workflowId) return { ...prior, hash };
    if (prior) return refuse([`it already passed with run ${prior.workflowId}`]);
    const other = req.gate === 'backtest' ? rec.paper : rec.backtest;
    if (other?.workflowId === req.workflowId)
      return refuse([`run ${req.workflowId} is already the ${other.gate} evidence: each gate needs its own run`]);
    const evidence: GateEvidence = { ...j.evidence, at: now() };
    rec[req.gate] = evidence;
    this.records.set(hash, rec);
    this.latestHash = hash;
    return { ...evidence, hash };
  }

  /** The approve validator: backtest and paper passed for the hash, and nobody approved it yet. */
  validateApprove(raw: unknown): void {
    const req = parse(ApproveRequest, raw, 'approval');
    const hash = req.hash ?? this.latestHash;
    if (!hash) throw new Error(`approve: ${this.label} has no evidence yet: it lacks backtest, paper`);
    const rec = this.records.get(hash);
    const missing = missingGates(rec).filter((g) => g !== 'approval');
    if (missing.length > 0)
      throw new Error(`approve: ${this.label} (sha256 ${shortHash(hash)}) lacks ${missing.join(', ')}`);
    if (rec?.approval)
      throw new Error(`approve: ${this.label} (sha256 ${shortHash(hash)}) was approved by ${rec.approval.by} already`);
  }

  approve(raw: unknown, now: () => number): Approval & { hash: string } {
    const req = ApproveRequest.parse(raw);
    const hash = (req.hash ?? this.latestHash)!;
    const rec = this.records.get(hash)!;
    rec.approval = { by: req.by, note: req.note, at: now() };
    return { ...rec.approval, hash };
  }

  status(): PromotionStatus {
    return {
      workflowId: promotionWorkflowId(this.name, this.version),
      name: this.name,
      version: this.version,
      ...(this.latestHash ? { latestHash: this.latestHash } : {}),
      records: [...this.records.values()],
    };
  }

  carry(): PromotionCarry {
    return { records: [...this.records.values()], ...(this.latestHash ? { latestHash: this.latestHash } : {}) };
  }
}
