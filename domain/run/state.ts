/** The state a strategy run carries across ticks and through continue-as-new. */
import type { Candle } from '../market/candles';
import type { Instrument } from '../market/instrument';
import type { MarketClock } from '../market/snapshot';
import type { VenueCapabilities } from '../market/venue';
import type { Order } from '../orders/order';
import type { Portfolio } from '../portfolio/portfolio';
import type { EngineChoice } from '../execution/selection';
import type { TradingState } from './trading-state';
import type { Difference } from './reconcile';

export type AuditKind =
  | 'RUN_STARTED'
  | 'ENGINE_SELECTED'
  | 'INTENT_SIGNALED'
  | 'RISK_APPROVED'
  | 'RISK_RESIZED'
  | 'RISK_DENIED'
  | 'ORDER_REJECTED'
  | 'ORDER_PLACED'
  | 'ORDER_FILLED'
  | 'ORDER_PARTIALLY_FILLED'
  | 'ORDER_CANCELED'
  | 'ORDER_EXPIRED'
  | 'STATE_CHANGED'
  | 'SIGNAL_REJECTED'
  | 'CONTINUED_AS_NEW'
  | 'RECONCILED'
  | 'RECONCILIATION_FAILED'
  | 'BALANCES_ADOPTED'
  | 'RUN_FINISHED';

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
  stateChanges: Array<{ at: number; tick: number; from: TradingState; to: TradingState; reason: string; by: 'signal' | 'guard' }>;
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
}

/**
 * Bounds on what the state carries through continue-as-new, so the hand-over payload stays well under
 * Temporal's 512 KB payload warning (2 MB hard limit). Older orders and events are not lost: they stay in
 * the earlier runs' histories of the chain (`run audit` shows the carried window).
 */
export const MAX_RECENT_ORDERS = 100;
export const MAX_AUDIT_EVENTS = 400;

export function emptyCounters(): RunCounters {
  return { ticks: 0, intents: 0, approved: 0, resized: 0, denied: 0, deniedByReason: {}, placed: 0, filled: 0, partiallyFilled: 0, canceled: 0, rejected: 0, expired: 0, fills: 0 };
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  accountId: string;
  strategy: string;
  engine: EngineChoice;
  symbols: string[];
  ticks: number;
  orders: { placed: number; filled: number; partiallyFilled: number; canceled: number; rejected: number; expired: number; denied: number; deniedByReason: Record<string, number> };
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
}
