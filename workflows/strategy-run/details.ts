/**
 * What the run shows and tells: its status (query), the UI's current details, and the trading state's
 * changes with their alerts. A change of state is also a search attribute and a signal to running algos.
 */
import { condition, patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { changeTradingState } from '../../domain/run/transitions';
import type { TradingState } from '../../domain/run/trading-state';
import type { RunState } from '../../domain/run/state';
import { executionView } from '../../domain/run/execution';
import { algoTradingStateSignal } from '../algo-definitions';
import type { RunStatus } from '../definitions';
import { TradingStateKey } from '../search-attributes';
import { notify, type RunContext } from './context';
import { HALT_ALERTS_PATCH } from './patches';

export type ChangedBy = 'signal' | 'guard';

export function runStatus(run: RunContext): RunStatus {
  const { input, state } = run;
  return {
    workflowId: run.info.workflowId,
    runId: input.runId,
    accountId: input.accountId,
    strategy: input.strategy.name,
    symbols: input.symbols,
    mode: input.mode,
    phase: !state ? 'STARTING' : state.finished ? 'FINISHED' : 'RUNNING',
    engine: state?.engine,
    tradingState: state?.tradingState ?? 'ACTIVE',
    stateReason: state?.stateReason ?? '',
    stateChanges: state?.stateChanges ?? [],
    tick: state?.tick ?? 0,
    marketTime: state?.marketTime,
    openOrders: state ? Object.keys(state.openOrders).length : 0,
    counters: state?.counters,
    equity: state?.portfolio.equity,
    quote: state?.portfolio.quote,
    finished: state?.finished,
    reconciliation: state?.reconciliation?.last,
    execution: state ? executionView(state) : undefined,
    ...(state?.algos ? { algos: Object.values(state.algos) } : {}),
    ...(state?.strategy ? { strategyPin: state.strategy } : {}),
    ...(state?.strategyFault ? { strategyFault: state.strategyFault } : {}),
  };
}

/** The UI's "current details" of the run: its trading state and the latest reconciliation, in words. */
export function showDetails(run: RunContext): void {
  const state = run.state;
  if (!state) return;
  const rec = state.reconciliation?.last;
  const lines = [`**${state.tradingState}** — ${state.stateReason}`];
  if (rec) {
    const verdict = rec.ok ? 'venue agrees' : `${rec.differences.length} difference(s)`;
    lines.push(`Reconciliation (${rec.trigger}, tick ${rec.tick}): ${verdict}`);
    for (const d of rec.differences) lines.push(`- ${d.code}: ${d.message}`);
  }
  setCurrentDetails(lines.join('\n'));
}

export function setTradingState(
  run: RunContext,
  to: TradingState,
  reason: string,
  by: ChangedBy,
  numbers?: Record<string, string>,
): void {
  const state = run.state;
  const from = state?.tradingState ?? 'ACTIVE';
  if (state && changeTradingState(state, to, reason, by, numbers, state.account ? Date.now() : undefined)) {
    upsertSearchAttributes([{ key: TradingStateKey, value: to }]);
    // Running algos follow the run's trading state at once (HALTED stops them; REDUCING unless reduce-only).
    run.toAlgos((h) => h.signal(algoTradingStateSignal, { tradingState: to, reason }));
    if ((to === 'HALTED' || by === 'guard') && patched(HALT_ALERTS_PATCH)) {
      sendAlert(run, state, { from, to, reason, by, numbers });
    }
  }
  showDetails(run);
}

interface Change {
  from: TradingState;
  to: TradingState;
  reason: string;
  by: ChangedBy;
  numbers?: Record<string, string>;
}

/** An alert is sent without blocking the tick; the run waits for every alert before it ends or hands over. */
function sendAlert(run: RunContext, s: RunState, { from, to, reason, by, numbers }: Change): void {
  const { input } = run;
  run.alertsInFlight += 1;
  const alert = {
    kind: to === 'HALTED' ? ('HALTED' as const) : ('BREACH' as const),
    workflowId: run.info.workflowId,
    runId: input.runId,
    accountId: input.accountId,
    strategy: input.strategy.name,
    mode: input.mode,
    from,
    to,
    reason,
    by,
    ...(numbers ? { numbers } : {}),
    tick: s.tick,
    marketTime: s.marketTime,
    at: Date.now(),
  };
  void notify['alerts.notify'](alert)
    .catch(() => undefined) // a failed alert is visible in the history; trading state is already changed
    .finally(() => (run.alertsInFlight -= 1));
}

export const alertsSent = (run: RunContext) => condition(() => run.alertsInFlight === 0);
