/**
 * The one object a strategy run's stages share: its input, its state (carried over continue-as-new), its
 * activity proxies, the patch flags asked at start, and what lives only in this execution (buffered signals,
 * algo children's handles and reports, alerts and reports in flight).
 */
import {
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { AlgoReport } from '../../domain/execution/algos';
import type { RiskConfig } from '../../domain/risk/config';
import type { StrategyRunInput } from '../../domain/run/input';
import type { AlgoLink, RunState } from '../../domain/run/state';
import { audit } from '../../domain/run/transitions';
import { venueTaskQueue } from '../../temporal/task-queues';
import type { algoOrder } from '../algo-order/workflow';
import type { TickDriver } from '../scheduling';
import { venueActivities } from '../venue-activities';
import { runLookback } from './lookback';

/** The portfolio, the strategy and risk: local activities, decided inside the tick's workflow task. */
export const decide = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });
/** Halt/breach alerts (activities/alerts.ts): SNS in AWS, a log line everywhere. */
export const notify = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});
/**
 * Calls to the account's supervisor (Update-with-Start), retried as the supervisor may be starting; the
 * Update id makes a retry get the same answer. Local or not: ACCOUNT_CALLS_PATCH.
 */
const accountCallOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '250ms', backoffCoefficient: 2, maximumInterval: '10s' },
} as const;
export const accountCallsLocal = proxyLocalActivities<Activities>(accountCallOptions);
export const accountCallsRemote = proxyActivities<Activities>(accountCallOptions);

type Proxies = ReturnType<typeof venueActivities>['io'];
export type AlgoHandle = ChildWorkflowHandle<typeof algoOrder>;
export type PendingSignal = { kind: 'halt' | 'resume' | 'reconcile'; raw: unknown };

/** The patches asked once at start (start.ts), as what they decide. */
export interface RunFlags {
  supervised: boolean;
  reportSteps: boolean;
  recheckAfterApproval: boolean;
  cancelAtFinish: boolean;
  reconciling: boolean;
  /** Where the tick's market snapshot is read: a local activity or an activity (LOCAL_SNAPSHOT_PATCH). */
  snapshots: Proxies;
  accountCalls: Proxies;
  /** The strategy step with state, cancels and the pin (STRATEGY_STEP_PATCH); before: strategy.signals. */
  strategyStep: boolean;
}

export class RunContext {
  readonly info = workflowInfo();
  readonly lookback: number;
  readonly venueQueue: string | undefined;
  readonly io: Proxies;
  readonly follow: Proxies;
  readonly local: Proxies;
  readonly ref: { venue: StrategyRunInput['venue']; accountId: string };
  /** Undefined until the run is initialized: handlers must allow for it. */
  state: RunState | undefined;
  readonly carried: boolean;
  flags!: RunFlags;
  ticksThisRun = 0;
  /** Tick mode: ticks delivered by a schedule and not taken yet. */
  ticksDue: number;
  readonly pendingSignals: PendingSignal[] = [];
  /** Child algos' reports, applied by the tick (fills go through settle(), deduped by fill id). */
  readonly algoReports: AlgoReport[] = [];
  readonly algoHandles = new Map<string, AlgoHandle>();
  alertsInFlight = 0;
  /** The newest audit seq published to the run feed by this execution (feed.ts). */
  feedSeq = 0;
  reportInFlight = false;

  constructor(
    readonly input: StrategyRunInput,
    carried: RunState | undefined,
    readonly driver: TickDriver | undefined,
  ) {
    const lookback = runLookback(input.strategy);
    if (lookback === undefined) {
      const message = `invalid run input: strategy.lookback: required for "${input.strategy.name}" (not a built-in)`;
      throw ApplicationFailure.nonRetryable(message, 'VALIDATION');
    }
    this.lookback = lookback;
    this.venueQueue = venueTaskQueue(input.venue, input.accountId);
    ({ io: this.io, follow: this.follow, local: this.local } = venueActivities(this.venueQueue));
    this.ref = { venue: input.venue, accountId: input.accountId };
    this.state = carried;
    this.carried = carried !== undefined;
    this.ticksDue = driver?.pending ?? 0;
  }

  /** The run's state once initialized (every stage after start). */
  get st(): RunState {
    if (!this.state) throw new Error('strategyRun: state used before the run was initialized');
    return this.state;
  }

  get engine() {
    return this.st.engine.engine;
  }

  get replay(): boolean {
    return this.st.clock.kind === 'replay';
  }

  /** The run's risk config: its input's, with the changes accepted at run time (updateRisk). */
  risk(): RiskConfig {
    return this.state?.riskConfig ?? this.input.risk;
  }

  runningAlgos(): AlgoLink[] {
    return Object.values(this.state?.algos ?? {}).filter((a) => !a.ended);
  }

  /** Tell every running child (fire and forget: a child that just ended has nothing to stop). */
  toAlgos(send: (h: AlgoHandle) => Promise<void>): void {
    for (const a of this.runningAlgos()) {
      const h = this.algoHandles.get(a.workflowId);
      if (h) void send(h).catch(() => undefined);
    }
  }

  finish(reason: string): void {
    this.st.finished = { reason, at: this.st.marketTime };
    audit(this.st, 'RUN_FINISHED', `finished: ${reason}`, { code: reason });
  }

  /** Why the run must end before its next tick, if it must. */
  stopReason(): string | undefined {
    const { stop } = this.input;
    if (stop.maxTicks !== undefined && this.st.tick >= stop.maxTicks) return 'MAX_TICKS';
    if (stop.endTime !== undefined && this.st.marketTime >= stop.endTime) return 'END_TIME';
    return undefined;
  }

  /** The run's open orders, as the venue calls name them. */
  openOrderRefs(): Array<{ symbol: string; clientOrderId: string }> {
    const open = Object.values(this.st.openOrders);
    return open.map(({ order: o }) => ({ symbol: o.symbol, clientOrderId: o.clientOrderId }));
  }

  /** Per symbol, the time of the last bar the run holds (a snapshot then sends only newer bars). */
  barsSince(symbols: string[]): Record<string, number | undefined> {
    const w = this.st.windows;
    return Object.fromEntries(symbols.map((s) => [s, w[s].length ? w[s][w[s].length - 1].ts : undefined]));
  }
}
