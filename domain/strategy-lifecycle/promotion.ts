/**
 * Promotion gates of an untrusted strategy (generated → backtested → paper → live): the policy, the facts
 * of a finished run a gate is judged on, the evidence kept per module hash, and what is still missing.
 * Pure data and functions: the strategyPromotion workflow imports them (docs/decisions/0015).
 */
import { z } from 'zod';
import { cmp } from '../money';

export const GATES = ['backtest', 'paper', 'approval'] as const;
export type Gate = (typeof GATES)[number];
export type RunGate = Exclude<Gate, 'approval'>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex');

export const DEFAULT_POLICY = { minTrades: 5, maxDrawdownPct: 25, paperTicks: 100 } as const;

export const PromotionPolicy = z
  .object({
    /** Fills the backtest must have made at least. */
    minTrades: z.number().int().min(0).max(1_000_000).default(DEFAULT_POLICY.minTrades),
    /** The backtest's largest drawdown from its high-water mark, in %, at most. */
    maxDrawdownPct: z.number().finite().min(0).max(100).default(DEFAULT_POLICY.maxDrawdownPct),
    /** Ticks the paper run must have run at least, without STRATEGY_FAILED. */
    paperTicks: z.number().int().min(1).max(10_000_000).default(DEFAULT_POLICY.paperTicks),
  })
  .strict();
export type PromotionPolicy = z.infer<typeof PromotionPolicy>;

export const RecordEvidenceRequest = z
  .object({
    gate: z.enum(['backtest', 'paper']),
    /** The finished run the gate is judged on; its facts are read from Temporal, never taken from the caller. */
    workflowId: z.string().min(1, 'is required').max(400),
    /** When given, the run must be pinned to it (the caller's module). */
    hash: Sha256.optional(),
    /** Only when the hash has no evidence yet: the policy is fixed with its first evidence. */
    policy: PromotionPolicy.partial().strict().optional(),
  })
  .strict();
export type RecordEvidenceRequest = z.infer<typeof RecordEvidenceRequest>;

export const ApproveRequest = z
  .object({
    /** Default: the hash whose evidence was recorded last. */
    hash: Sha256.optional(),
    by: z.string().trim().min(1, 'must name who approves').max(200),
    note: z.string().max(2_000).default(''),
  })
  .strict();
export type ApproveRequest = z.infer<typeof ApproveRequest>;

export const PromotionCheckRequest = z
  .object({ name: z.string().min(1), version: z.string().min(1).optional(), hash: Sha256.optional() })
  .strict();
export type PromotionCheckRequest = z.infer<typeof PromotionCheckRequest>;

/** What a finished run shows, as read from Temporal by promotion.verifyRun. */
export interface RunFacts {
  workflowId: string;
  runId: string;
  /** The Temporal execution status of the run's latest execution. */
  execution: string;
  pin?: { name: string; version: string; hash: string };
  mode: 'paper' | 'live';
  venueKind: string;
  clock: 'replay' | 'live';
  symbols: string[];
  /** symbol → dataset the run replayed (replay venues only). */
  data: Record<string, string>;
  ticks: number;
  fills: number;
  maxDrawdownPct: string;
  tradingState: string;
  stateReason: string;
  finishedReason?: string;
  /** Any STRATEGY_FAILED in the run's audit or status. */
  strategyFailed: boolean;
  /** The run adopted another module mid-run (upgradeStrategy): its numbers are not one module's. */
  upgraded: boolean;
}

export interface GateEvidence {
  gate: RunGate;
  workflowId: string;
  runId: string;
  numbers: Record<string, string>;
  symbols: string[];
  data: Record<string, string>;
  /** Workflow time (ms) it was recorded. */
  at: number;
}

export interface Approval {
  by: string;
  note: string;
  at: number;
}

export interface HashRecord {
  hash: string;
  policy: PromotionPolicy;
  backtest?: GateEvidence;
  paper?: GateEvidence;
  approval?: Approval;
}

export interface PromotionStatus {
  workflowId: string;
  name: string;
  version: string;
  /** The hash whose evidence was recorded last. */
  latestHash?: string;
  records: HashRecord[];
}

export type Judgement = { ok: true; evidence: Omit<GateEvidence, 'at'> } | { ok: false; shortfalls: string[] };

export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/**
 * Judge a finished run for a gate: the same strategy (name, version, hash), paper mode, finished; a backtest
 * replays named data with enough fills and a small enough drawdown; a paper run ran enough ticks, never failed.
 */
export function judgeRun(
  gate: RunGate,
  f: RunFacts,
  want: { name: string; version: string; hash?: string },
  policy: PromotionPolicy,
): Judgement {
  if (f.execution !== 'COMPLETED') return { ok: false, shortfalls: [`the run is ${f.execution}, not COMPLETED`] };
  const s: string[] = [];
  if (!f.pin) s.push('the run is not pinned to a module hash');
  else {
    if (f.pin.name !== want.name || f.pin.version !== want.version)
      s.push(`the run is of ${f.pin.name}@${f.pin.version}, not ${want.name}@${want.version}`);
    if (want.hash && f.pin.hash !== want.hash)
      s.push(`the run is pinned to sha256 ${shortHash(f.pin.hash)}, not ${shortHash(want.hash)}`);
  }
  if (f.upgraded) s.push('the run was upgraded to another module mid-run');
  if (f.mode !== 'paper') s.push(`mode is ${f.mode}, a gate needs a paper run`);
  const numbers: Record<string, string> = { ticks: String(f.ticks) };
  if (gate === 'backtest') {
    if (f.clock !== 'replay') s.push(`venue ${f.venueKind} has a ${f.clock} clock, a backtest replays data`);
    if (Object.keys(f.data).length === 0) s.push('the run names no data (venue.data)');
    if (f.fills < policy.minTrades) s.push(`trades ${f.fills} < minimum ${policy.minTrades}`);
    if (cmp(f.maxDrawdownPct, policy.maxDrawdownPct) > 0)
      s.push(`max drawdown ${f.maxDrawdownPct}% > maximum ${policy.maxDrawdownPct}%`);
    Object.assign(numbers, {
      trades: String(f.fills),
      minTrades: String(policy.minTrades),
      maxDrawdownPct: f.maxDrawdownPct,
      maxDrawdownLimitPct: String(policy.maxDrawdownPct),
    });
  } else {
    if (f.ticks < policy.paperTicks) s.push(`ticks ${f.ticks} < required ${policy.paperTicks}`);
    if (f.strategyFailed) s.push(`the strategy failed (STRATEGY_FAILED): ${f.stateReason}`);
    Object.assign(numbers, { paperTicks: String(policy.paperTicks), trades: String(f.fills) });
  }
  if (s.length > 0) return { ok: false, shortfalls: s };
  return {
    ok: true,
    evidence: { gate, workflowId: f.workflowId, runId: f.runId, numbers, symbols: f.symbols, data: f.data },
  };
}

/** The gates a hash still lacks, in gate order (no record: all of them). */
export function missingGates(r: HashRecord | undefined): Gate[] {
  return GATES.filter((g) => !r?.[g]);
}

/** The refusal of a live run, naming the missing gates. */
export function notPromotedMessage(
  name: string,
  version: string,
  hash: string | undefined,
  missing: readonly Gate[],
): string {
  const h = hash ? `sha256 ${shortHash(hash)}` : 'no module hash';
  return `STRATEGY_NOT_PROMOTED: ${name}@${version} (${h}) lacks ${missing.join(', ')}`;
}

/** What promotion.check answers a starting live run. */
export type PromotionVerdict =
  | { gated: false; reason: string }
  | { gated: true; promoted: true }
  | { gated: true; promoted: false; missing: Gate[]; message: string };
