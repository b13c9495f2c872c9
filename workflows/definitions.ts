/** Signals and queries of a strategy run, as module constants named by kind. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Order } from '../domain/orders/order';
import type { Portfolio } from '../domain/portfolio/portfolio';
import type { AuditEvent, ReconciliationRecord, RunCounters, RunState } from '../domain/run/state';
import type { EngineChoice } from '../domain/execution/selection';
import type { TradingState } from '../domain/run/trading-state';

export const haltSignal = defineSignal<[{ reason: string }]>('halt');
export const resumeSignal = defineSignal<[{ reason?: string; adoptVenueBalances?: boolean }?]>('resume');
/** Compare the venue with the run before its next trade (sent by operators and by starting workers). */
export const reconcileSignal = defineSignal<[{ reason: string }]>('reconcile');

export interface RunStatus {
  workflowId: string;
  runId: string;
  accountId: string;
  strategy: string;
  symbols: string[];
  mode: 'paper' | 'live';
  phase: 'STARTING' | 'RUNNING' | 'FINISHED';
  engine?: EngineChoice;
  tradingState: TradingState;
  stateReason: string;
  stateChanges: RunState['stateChanges'];
  tick: number;
  marketTime?: number;
  openOrders: number;
  counters?: RunCounters;
  equity?: string;
  quote?: string;
  finished?: { reason: string; at: number };
  /** The latest comparison with the venue (differences named one by one). */
  reconciliation?: ReconciliationRecord;
}

export const statusQuery = defineQuery<RunStatus>('status');
export const portfolioQuery = defineQuery<Portfolio | undefined>('portfolio');
export const ordersQuery = defineQuery<{ open: Order[]; recent: Order[] }>('orders');
export const auditQuery = defineQuery<AuditEvent[]>('audit');
