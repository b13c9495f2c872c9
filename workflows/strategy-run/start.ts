/**
 * The start of every execution of a run: open it (first execution of the chain only; continue-as-new carries
 * the state), tag it, ask the patches, and join the account. The patches are asked here, once, at fixed
 * points: asked first inside a path that runs only sometimes, a replay (e.g. for a query) could meet the
 * marker where the code does not ask for it. Their order here is the order of their markers in histories.
 */
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { venueKindOf } from '../../brokers/venues';
import { selectEngine } from '../../domain/execution/selection';
import { min } from '../../domain/money';
import type { DepositOutcome } from '../../brokers/brokerage';
import type { RunState } from '../../domain/run/state';
import { audit, initialRunState, noteExecution } from '../../domain/run/transitions';
import { AccountIdKey, EngineKey, StrategyIdKey, TradingModeKey, TradingStateKey } from '../search-attributes';
import { registerWithAccount } from './account';
import { accountCallsLocal, accountCallsRemote, type RunContext } from './context';
import { showDetails } from './details';
import * as P from './patches';
import { refuseUnpromoted } from './promotion';
import { openingReconciliation, reconcileAfterHandOver } from './reconciliation';
import { applySignals } from './signals';
import { pinStrategy } from './strategy';

export async function startRun(run: RunContext): Promise<void> {
  // Before anything opens: both conditions follow from the input and the chain, the same at every replay.
  if (!run.state && run.input.mode === 'live' && patched(P.PROMOTION_GATE_PATCH)) await refuseUnpromoted(run);
  if (!run.state) await openRun(run);
  const { st, input } = run;
  // State only (no command): the journal labels each event with the execution whose history holds it.
  noteExecution(st, run.info.runId, run.carried ? st.auditSeq + 1 : 1);
  upsertSearchAttributes([
    { key: StrategyIdKey, value: input.strategy.name },
    { key: AccountIdKey, value: input.accountId },
    { key: EngineKey, value: st.engine.engine },
    { key: TradingModeKey, value: input.mode },
    { key: TradingStateKey, value: st.tradingState },
  ]);
  askPatches(run);
  if (run.flags.supervised) await registerWithAccount(run);
  applySignals(run);
  showDetails(run);
  run.flags.reconciling = patched(P.RECONCILIATION_PATCH);
  if (run.flags.reconciling && run.carried) reconcileAfterHandOver(run);
}

/**
 * The first execution: describe the market, open the account (on a paper venue, from its patch on, by depositing
 * the run's capital), and (from its patch on) reconcile.
 */
async function openRun(run: RunContext): Promise<void> {
  const { input, lookback } = run;
  const desc = await run.io['market.describe']({ ...run.ref, symbols: input.symbols });
  const quote = input.symbols[0].split('/')[1];
  // The kind follows from the input, so the patch is asked (or not) at the same point of every replay.
  const deposit = venueKindOf(input.venue).capital === 'deposit' && patched(P.CAPITAL_DEPOSIT_PATCH);
  const deposited = deposit ? await depositCapital(run, quote) : undefined;
  const balances = deposited
    ? deposited.balances
    : await run.io['account.open']({ ...run.ref, quote, capital: input.capital });
  const { clock } = desc;
  const start = clock.kind === 'replay' ? (input.startTime ?? clock.start + (lookback - 1) * clock.barMs) : Date.now();
  const opened = initialRunState({
    input,
    start,
    clock,
    instruments: desc.instruments,
    capabilities: desc.capabilities,
    engine: selectEngine(input.engine, run.risk()),
    quote,
    cash: min(input.capital, balances[quote].total),
  });
  if (deposited) auditDeposit(run, opened, quote, deposited);
  pinStrategy(opened, input.strategy);
  if (patched(P.RECONCILIATION_PATCH)) await openingReconciliation(run, opened, quote);
  run.state = opened;
}

/** One deposit per run chain: its id is the workflow id with the chain's first run id (retries and continue-as-new keep both). */
async function depositCapital(run: RunContext, quote: string): Promise<DepositOutcome> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const depositId = `run:${workflowId}:${firstExecutionRunId}`;
  return run.io['account.deposit']({ ...run.ref, asset: quote, amount: run.input.capital, depositId });
}

function auditDeposit(run: RunContext, st: RunState, quote: string, d: DepositOutcome): void {
  const balanceAfter = d.balances[quote].total;
  const what = d.deposited ? 'deposited' : 'already deposited (same deposit id)';
  audit(st, 'CAPITAL_DEPOSITED', `${run.input.capital} ${quote} ${what} into account ${run.input.accountId}`, {
    numbers: { amount: run.input.capital, balanceAfter },
    code: d.deposited ? 'DEPOSITED' : 'ALREADY_DEPOSITED',
  });
}

function askPatches(run: RunContext): void {
  const supervised = patched(P.ACCOUNT_PATCH);
  const reportSteps = supervised && patched(P.REPORT_STEP_PATCH);
  const recheckAfterApproval = supervised && patched(P.RECHECK_AFTER_APPROVAL_PATCH);
  const cancelAtFinish = patched(P.CANCEL_AT_FINISH_PATCH);
  // Only for runs that pause between ticks: the pause (a timer) ends the tick's workflow task, which is where
  // signals (a halt) and queries get in. A run that ticks back to back (tickInterval 0, a replay) keeps the
  // snapshot an activity: with local activities alone, its ticks would run on inside one workflow task.
  // Both conditions follow from the input, so the patch is asked (or not) at the same point of every execution.
  const localSnapshot = run.venueQueue === undefined && run.input.tickInterval > 0 && patched(P.LOCAL_SNAPSHOT_PATCH);
  // Asked right before the registration, the first call it decides.
  const remoteCalls = supervised && patched(P.ACCOUNT_CALLS_PATCH);
  const strategyStep = patched(P.STRATEGY_STEP_PATCH);
  run.flags = {
    supervised,
    reportSteps,
    recheckAfterApproval,
    cancelAtFinish,
    reconciling: false,
    snapshots: localSnapshot ? run.local : run.io,
    accountCalls: remoteCalls ? accountCallsRemote : accountCallsLocal,
    strategyStep,
  };
}
