/** Signals and queries of a strategy run, as module constants named by kind. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RiskConfig, RiskConfigPatch } from '../domain/risk/config';
import type { Order } from '../domain/orders/order';
import type { Portfolio } from '../domain/portfolio/portfolio';
import type {
  AlgoLink,
  AuditEvent,
  ReconciliationRecord,
  RunCounters,
  RunState,
  StrategyFault,
  StrategyPin,
} from '../domain/run/state';
import type { EngineChoice } from '../domain/execution/selection';
import type { TradingState } from '../domain/run/trading-state';
import type { ExecutionView } from '../domain/execution/monitor';
import type { HaltPolicy } from '../domain/risk/account';

export const haltSignal = defineSignal<[{ reason: string; policy?: HaltPolicy }]>('halt');
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
  /** Execution monitor: counters, shortfall/fees/fill-ratio aggregates, latest orders, armed synthetic stops. */
  execution?: ExecutionView;
  /** The run's execution algorithms (child workflows), running and ended, with their progress. */
  algos?: AlgoLink[];
  /** The strategy module the run is pinned to: name, version, sha256 (absent: a run started unpinned). */
  strategyPin?: StrategyPin;
  /** Why the strategy step failed last (STRATEGY_FAILED / _CHANGED / _NOT_FOUND), until it runs again. */
  strategyFault?: StrategyFault;
}

export const statusQuery = defineQuery<RunStatus>('status');
export const portfolioQuery = defineQuery<Portfolio | undefined>('portfolio');
export const ordersQuery = defineQuery<{ open: Order[]; recent: Order[] }>('orders');
export const auditQuery = defineQuery<AuditEvent[]>('audit');
/** Change the run's risk limits at run time (any subset of RiskConfig); the validator refuses bad values. */
export const updateRiskUpdate = defineUpdate<RiskConfig, [RiskConfigPatch]>('updateRisk');
/** The account's supervisor tells the run what to report (sent when the account's limits change). */
export const accountNeedsSignal = defineSignal<[import('../domain/risk/account').ReportingNeeds]>('accountNeeds');
/** Pin the run to a new version of its strategy (the worker's module hash); refused if the hash is the pin's. */
export const upgradeStrategyUpdate = defineUpdate<StrategyPin, [{ version: string; hash: string }]>('upgradeStrategy');
