/**
 * strategyRun: one strategy on one account, tick by tick:
 *   market.snapshot → strategy.step → risk.evaluate → <engine>.placeOrder → follow → portfolio.applyFills
 * Every step is an activity or a local activity, so the Temporal UI shows the intent, the verdict with its
 * numbers, the order and the fills. Orchestration only: all logic lives in domain/. This file registers the
 * handlers and runs the loop; the stages are the files beside it, sharing one RunContext.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { formatZodIssues } from '../../domain/errors';
import { executionView } from '../../domain/run/execution';
import { StrategyRunInput, type StrategyRunInputRaw } from '../../domain/run/input';
import type { RunState, RunSummary } from '../../domain/run/state';
import { audit, summarize } from '../../domain/run/transitions';
import { algoReportSignal, cancelAlgoSignal } from '../algo-definitions';
import * as d from '../definitions';
import { tickSignal, type TickDriver } from '../scheduling';
import { applyNeeds, reportToAccount, reportsSent } from './account';
import { finishAlgos, onAlgoReport } from './algo-children';
import { RunContext } from './context';
import { alertsSent, runStatus, setTradingState } from './details';
import { publishFeed } from './feed';
import { runHaltActions } from './halt-actions';
import { reconcileIfDue } from './reconciliation';
import { cancelOpenOrders } from './settle';
import { queueSignal, updateRisk, validateRiskPatch } from './signals';
import { startRun } from './start';
import { upgradeStrategyGated } from './promotion';
import { validateUpgrade } from './strategy';
import { tick } from './tick';

/** `driver` (tick mode, docs/decisions/0005): present iff each tick waits for a `tick` signal instead of a timer. */
export async function strategyRun(
  rawInput: StrategyRunInputRaw,
  carried?: RunState,
  driver?: TickDriver,
): Promise<RunSummary> {
  const parsed = StrategyRunInput.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid run input: ${formatZodIssues(parsed.error)}`, 'VALIDATION');
  }
  const run = new RunContext(parsed.data, carried, driver);
  registerHandlers(run);
  await startRun(run);
  try {
    while (!run.st.finished) await loopOnce(run);
  } catch (err) {
    await failClosed(run, err);
  }
  await finishRun(run);
  return { ...summarize(run.st, run.input, run.info.workflowId), execution: executionView(run.st) };
}

/** Registered before any await: signals that arrive earlier are buffered until the run is initialized. */
function registerHandlers(run: RunContext): void {
  setHandler(d.statusQuery, () => runStatus(run));
  setHandler(d.portfolioQuery, () => run.state?.portfolio);
  setHandler(d.ordersQuery, () => ({
    open: run.state ? Object.values(run.state.openOrders).map((o) => o.order) : [],
    recent: run.state?.recentOrders ?? [],
  }));
  setHandler(d.auditQuery, () => run.state?.audit ?? []);
  setHandler(d.updateRiskUpdate, (patch) => updateRisk(run, patch), {
    validator: (patch) => validateRiskPatch(run, patch),
  });
  setHandler(d.haltSignal, (raw) => queueSignal(run, { kind: 'halt', raw }));
  setHandler(d.resumeSignal, (raw) => queueSignal(run, { kind: 'resume', raw: raw ?? {} }));
  setHandler(tickSignal, () => void (run.ticksDue += 1));
  setHandler(d.accountNeedsSignal, (needs) => applyNeeds(run, needs ?? {}));
  setHandler(algoReportSignal, (raw) => onAlgoReport(run, raw));
  setHandler(d.reconcileSignal, (raw) => queueSignal(run, { kind: 'reconcile', raw }));
  setHandler(d.upgradeStrategyUpdate, (to) => upgradeStrategyGated(run, to), {
    validator: (to) => validateUpgrade(run, to),
  });
}

/** One pass of the loop: wait for the tick, reconcile, halt actions, the tick, report, pause, hand over. */
async function loopOnce(run: RunContext): Promise<void> {
  const { st, input } = run;
  const reason = run.stopReason();
  if (reason) return run.finish(reason);
  if (run.driver) {
    await condition(() => run.ticksDue > 0);
    run.ticksDue -= 1;
  }
  await reconcileIfDue(run);
  await runHaltActions(run);
  await tick(run);
  await runHaltActions(run);
  await reportToAccount(run);
  st.tick += 1;
  run.ticksThisRun += 1;
  publishFeed(run);
  if (st.finished) return;
  if (input.tickInterval > 0) {
    // A halt policy acts at once, not after the pause.
    const haltActionDue = () => st.account?.cancelAll === true || st.account?.flatten === true;
    if (st.account) await condition(haltActionDue, input.tickInterval);
    else await sleep(input.tickInterval);
  }
  st.marketTime = run.replay ? st.marketTime + st.clock.barMs : Date.now();
  if (handOverDue(run)) await handOver(run);
}

/**
 * Never hand over to a new run that would only end: the last run keeps the last ticks. A run with running
 * algo children keeps them (and their handles) until they end: no hand-over meanwhile.
 */
function handOverDue(run: RunContext): boolean {
  if (run.stopReason() || run.runningAlgos().length > 0) return false;
  return run.ticksThisRun >= run.input.continueAsNewAfterTicks || workflowInfo().continueAsNewSuggested;
}

async function handOver(run: RunContext): Promise<never> {
  const st = run.st;
  await reportsSent(run);
  await condition(allHandlersFinished);
  st.continuedAsNew += 1;
  const history = `history ${workflowInfo().historyLength} events`;
  audit(st, 'CONTINUED_AS_NEW', `continued as new after ${run.ticksThisRun} ticks (${history})`);
  await alertsSent(run);
  publishFeed(run);
  const driver: TickDriver | undefined = run.driver ? { kind: 'signals', pending: run.ticksDue } : undefined;
  return continueAsNew<typeof strategyRun>(run.input, st, driver);
}

/**
 * Fail closed: a non-retryable venue error (bad credentials, permission, config) halts the run with the
 * venue's words, then fails it so that it cannot be missed. Anything else fails the workflow task.
 */
async function failClosed(run: RunContext, err: unknown): Promise<never> {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable)) throw err;
  const cause = err.cause;
  setTradingState(run, 'HALTED', `venue error ${cause.type}: ${cause.message}`, 'guard');
  run.finish(`FAILED_${cause.type ?? 'UNKNOWN'}`);
  run.toAlgos((h) => h.signal(cancelAlgoSignal, { reason: 'the run failed' }));
  await reportToAccount(run, true);
  await alertsSent(run);
  publishFeed(run);
  throw ApplicationFailure.nonRetryable(`run halted: ${cause.message}`, cause.type ?? 'UNKNOWN');
}

/** The end: stop the children, cancel what still works at the venue, last report, every alert and handler. */
async function finishRun(run: RunContext): Promise<void> {
  const st = run.st;
  await finishAlgos(run, `the run finished: ${st.finished?.reason ?? ''}`);
  if (run.flags.cancelAtFinish) {
    // Nothing may stay working at the venue once no run follows it: cancel, and account any last fills.
    const canceled = await cancelOpenOrders(run);
    if (canceled > 0) {
      audit(st, 'RUN_FINISHED', `${canceled} order(s) still working at the end canceled; their fills are accounted`, {
        code: 'OPEN_ORDERS_CANCELED',
        numbers: { canceled: String(canceled) },
      });
    }
  }
  await reportToAccount(run, true);
  await alertsSent(run);
  await condition(allHandlersFinished);
  publishFeed(run);
}
