/** The state a strategy run carries across ticks and through continue-as-new. */
import type { JsonObject } from '../strategies/sdk/types';
import type { AlgoProgress } from '../execution/algos';
import type { Candle } from '../market/candles';
import type { Instrument } from '../market/instrument';
import type { MarketClock } from '../market/snapshot';
import type { VenueCapabilities } from '../market/venue';
import type { Order } from '../orders/order';
import type { Portfolio } from '../portfolio/portfolio';
import type { EngineChoice } from '../execution/selection';
import type { TradingState } from './trading-state';
import type { Difference } from './reconcile';
import type { ExecutionMonitor, ExecutionView } from '../execution/monitor';
import type { StopBook } from '../execution/stops';
import type { RunRiskState } from './risk';
import type { RiskConfig } from '../risk/config';
import type { AuditKind as VocabularyAuditKind } from '../vocabulary';

/** Every kind of audit event, with its meaning in the catalogue (domain/vocabulary.ts). */
export type AuditKind = VocabularyAuditKind;

export interface AuditEvent {
  seq: number;
  tick: number;
  at: number;
  kind: AuditKind;
  message: string;
  code?: string;
  clientOrderId?: string;
  numbers?: Record<string, string>;
}

export interface OpenOrder {
  order: Order;
  appliedFillIds: string[];
  placedTick: number;
}

export interface RunCounters {
  ticks: number;
  intents: number;
  approved: number;
  resized: number;
  denied: number;
  deniedByReason: Record<string, number>;
  /** Resizes by the code of the check that resized (carried state may lack it). */
  resizedByReason?: Record<string, number>;
  placed: number;
  filled: number;
  partiallyFilled: number;
  canceled: number;
  rejected: number;
  expired: number;
  fills: number;
}

export interface ReconciliationRecord {
  at: number;
  tick: number;
  /** What asked for it: opening, continue-as-new, worker restart, resume, schedule, operator… */
  trigger: string;
  ok: boolean;
  differences: Difference[];
  checked: { venueOpenOrders: number; runOpenOrders: number; caughtUp: number; assets: string[] };
}

export interface ReconciliationState {
  /** The venue's totals of the run's assets when the run opened (moved only by an operator's adopt). */
  baseline: Record<string, string>;
  last?: ReconciliationRecord;
  /** A reconciliation is due before the next tick's trading, for this reason. */
  requested?: string;
  /** The pending request may adopt the venue's balances (an operator's resume with adoptVenueBalances). */
  adoptBalances?: boolean;
  lastTick: number;
}

export interface RunState {
  tick: number;
  marketTime: number;
  clock: MarketClock;
  instruments: Record<string, Instrument>;
  capabilities: VenueCapabilities;
  engine: EngineChoice;
  tradingState: TradingState;
  stateReason: string;
  /** `wallAt`: workflow time of the change (measures halt latency; carried state may lack it). */
  stateChanges: Array<{
    at: number;
    tick: number;
    from: TradingState;
    to: TradingState;
    reason: string;
    by: 'signal' | 'guard';
    wallAt?: number;
  }>;
  portfolio: Portfolio;
  windows: Record<string, Candle[]>;
  orderSeq: number;
  openOrders: Record<string, OpenOrder>;
  recentOrders: Order[];
  audit: AuditEvent[];
  auditSeq: number;
  counters: RunCounters;
  continuedAsNew: number;
  /** Absent only in state carried over from a run started before reconciliation existed. */
  reconciliation?: ReconciliationState;
  finished?: { reason: string; at: number };
  /** Armed synthetic stops, carried through continue-as-new (absent before the first). */
  stops?: StopBook;
  /** Execution monitor: per-order measurements and aggregates (carried state may lack it). */
  execution?: ExecutionMonitor;
  /** Arrival price (mid) and time of each order still being measured, by clientOrderId. */
  arrivals?: Record<string, { price: string; at: number; strategyId: string }>;
  /** The run's side of the account supervisor (carried state may lack it). */
  account?: AccountLink;
  /** Risk state carried for the risk engine's facts (carried state may lack it). */
  risk?: RunRiskState;
  /** The risk config after changes accepted at run time (absent: the input's). */
  riskConfig?: RiskConfig;
  /** Execution algorithms the run started as child workflows, by child workflow id (absent before the first). */
  algos?: Record<string, AlgoLink>;
  /** The strategy module the run is pinned to (absent: the input had no hash). */
  strategy?: StrategyPin;
  /** The strategy's ctx.state after its last step, carried through continue-as-new. */
  strategyState?: JsonObject;
  /** The strategy step's last failure: while the run is HALTED by it, the strategy is not asked again. */
  strategyFault?: StrategyFault;
  /** Where each execution of the chain still in the audit window began (absent in older carried state). */
  executions?: ExecutionStart[];
}

/** The first audit seq of one execution: the journal labels an event with the execution that recorded it. */
export interface ExecutionStart {
  fromSeq: number;
  executionRunId: string;
}

export interface StrategyPin {
  name: string;
  version: string;
  hash: string;
}

export interface StrategyFault {
  code: 'STRATEGY_FAILED' | 'STRATEGY_CHANGED' | 'STRATEGY_NOT_FOUND';
  message: string;
  /** STRATEGY_CHANGED: the hash the worker has. */
  actualHash?: string;
}

/** A TWAP or iceberg child of the run: what the run last heard of it. */
export interface AlgoLink {
  workflowId: string;
  /** The account approval (request id) that covers the whole algo quantity; released when the child ends. */
  approvalId: string;
  /** The run's clientOrderId block the child sends from. */
  firstSeq: number;
  maxOrders: number;
  /** Market time of the last tick the child reported on. */
  reportedAt: number;
  ended: boolean;
  progress: AlgoProgress;
}

export interface AccountLink {
  /** Approvals whose orders are done, not yet reported to the supervisor (their reservations end then). */
  released: string[];
  /** A halt policy still to carry out: cancel every open order, then (flatten) close every position. */
  cancelAll?: boolean;
  flatten?: boolean;
  /** The supervisor could not be reached on the last report (audited once until it is again). */
  unreachable?: boolean;
  /** Equity in the last report (a run with no position and no change does not report). */
  lastReportedEquity?: string;
  /** The account's correlation limit asked for these series (at registration, or when its limits change). */
  correlation?: { window: number; resampleMinutes?: number };
  /** Report equity moves of at least this % (absent: only position, reservation and series changes). */
  reportStepPct?: number;
  /** Position quantities in the last report. */
  reportedPositions?: Record<string, string>;
  /** Last close time sent per symbol (a series is sent again only when it gained a point). */
  closesSent?: Record<string, number>;
}

/**
 * Bounds on what the state carries through continue-as-new, so the hand-over payload stays well under
 * Temporal's 512 KB payload warning (2 MB hard limit). Older orders and events are not lost: they stay in
 * the earlier runs' histories of the chain (`run audit` shows the carried window).
 */
export const MAX_RECENT_ORDERS = 100;
export const MAX_AUDIT_EVENTS = 400;
/** A volatility breaker can step a run's state many times a day; the status carries the newest changes. */
export const MAX_STATE_CHANGES = 100;

export function emptyCounters(): RunCounters {
  return {
    ticks: 0,
    intents: 0,
    approved: 0,
    resized: 0,
    denied: 0,
    deniedByReason: {},
    placed: 0,
    filled: 0,
    partiallyFilled: 0,
    canceled: 0,
    rejected: 0,
    expired: 0,
    fills: 0,
  };
}

/** The order counts of a run's summary. */
export function summaryOrders(c: RunCounters): RunSummary['orders'] {
  return {
    placed: c.placed,
    filled: c.filled,
    partiallyFilled: c.partiallyFilled,
    canceled: c.canceled,
    rejected: c.rejected,
    expired: c.expired,
    denied: c.denied,
    deniedByReason: c.deniedByReason,
    ...(c.resizedByReason ? { resizedByReason: c.resizedByReason } : {}),
  };
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  accountId: string;
  strategy: string;
  engine: EngineChoice;
  symbols: string[];
  ticks: number;
  orders: Pick<
    RunCounters,
    | 'placed'
    | 'filled'
    | 'partiallyFilled'
    | 'canceled'
    | 'rejected'
    | 'expired'
    | 'denied'
    | 'deniedByReason'
    | 'resizedByReason'
  >;
  fills: number;
  fees: Record<string, string>;
  feesQuote: string;
  quote: string;
  startingCapital: string;
  cash: string;
  positions: Record<string, string>;
  equity: string;
  realizedPnl: string;
  unrealizedPnl: string;
  netPnl: string;
  maxDrawdownPct: string;
  tradingState: TradingState;
  stateReason: string;
  finished?: { reason: string; at: number };
  /** Execution monitor of the run. */
  execution?: ExecutionView;
}
