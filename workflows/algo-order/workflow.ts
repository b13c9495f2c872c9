/**
 * algoOrder: a TWAP or an iceberg as its own durable workflow (started on its own or as a child of a
 * strategy run). Every venue call is an activity and every child order has a deterministic clientOrderId
 * (workflow id + sequence), so a worker killed mid-algo resumes where the history says and never sends a
 * slice twice. Cancellable by signal (`cancelAlgo`), it follows the parent's trading state
 * (`algoTradingState`: HALTED stops it, REDUCING stops it unless it is reduce-only), and reports its
 * progress by query (`algoProgress`). The schedule and clip sizes are domain/execution/algos.ts.
 */
import { ApplicationFailure, allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { formatZodIssues } from '../../domain/errors';
import {
  AlgoOrderInput,
  AlgoTick,
  AlgoTradingState,
  CancelAlgo,
  type AlgoOrderInputRaw,
  type AlgoProgress,
} from '../../domain/execution/algos';
import { algoProgressQuery, algoTickSignal, algoTradingStateSignal, cancelAlgoSignal } from '../algo-definitions';
import { drivenByParent } from './driven';
import { runIceberg, runTwap } from './standalone';
import { AlgoRun } from './state';

export async function algoOrder(raw: AlgoOrderInputRaw): Promise<AlgoProgress> {
  const parsed = AlgoOrderInput.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid algo input: ${formatZodIssues(parsed.error)}`, 'VALIDATION');
  }
  const a = new AlgoRun(parsed.data);
  registerHandlers(a);
  a.applyState(a.input.tradingState, 'at start');
  // Registered after the start's state, so that a tick already buffered applies its state over it.
  setHandler(algoTickSignal, (raw) => onTick(a, raw));
  await a.describe();
  try {
    const parent = a.input.parent;
    if (parent) await drivenByParent(a, parent.maxOrders);
    else if (a.algo.kind === 'twap') await runTwap(a);
    else await runIceberg(a);
  } finally {
    a.conclude();
  }
  await a.report(true);
  await condition(allHandlersFinished);
  return a.progress;
}

function registerHandlers(a: AlgoRun): void {
  setHandler(algoProgressQuery, () => a.progress);
  setHandler(cancelAlgoSignal, (raw) => {
    const r = CancelAlgo.safeParse(raw);
    if (r.success && !a.stop) a.stop = { phase: 'CANCELLED', reason: r.data.reason };
  });
  setHandler(algoTradingStateSignal, (raw) => {
    const r = AlgoTradingState.safeParse(raw);
    if (r.success) a.applyState(r.data.tradingState, r.data.reason);
  });
}

/** A child of a strategy run acts on the run's ticks only (driven.ts). */
function onTick(a: AlgoRun, raw: unknown): void {
  const r = AlgoTick.safeParse(raw);
  if (!r.success || r.data.at <= a.tickAt) return;
  a.tickAt = r.data.at;
  if (r.data.tradingState !== a.tradingState) a.applyState(r.data.tradingState, "at the run's tick");
}
