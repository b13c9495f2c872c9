/**
 * The run's execution algorithms as child workflows (algoOrder). Their orders are the run's: a child sends
 * them from a block of the run's order sequence (so their clientOrderIds carry the run's prefix and
 * reconciliation knows them), acts only on the run's ticks at the run's market time, and reports each order
 * back, which the run settles like its own. The approval (`approvalId`) covers the whole quantity until the
 * child ends.
 */
import { condition, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { AlgoReport, floorToStep, type AlgoOrderInputRaw, type AlgoProgress } from '../../domain/execution/algos';
import { formatZodIssues } from '../../domain/errors';
import { cmp } from '../../domain/money';
import type { RiskVerdict } from '../../domain/risk/verdict';
import { audit, countDenial } from '../../domain/run/transitions';
import { algoOrder } from '../algo-order/workflow';
import { algoTickSignal, cancelAlgoSignal } from '../algo-definitions';
import type { RunContext } from './context';
import { requestReconciliation } from './reconciliation';
import { settle } from './settle';

/** How long a tick waits for a child algo's report before it goes on without it (audited). */
const ALGO_REPORT_WAIT = '2 minutes';

/** The algoReport signal: validated, noted on the child's link, applied by the next tick. */
export function onAlgoReport(run: RunContext, raw: unknown): void {
  const state = run.state;
  const r = AlgoReport.safeParse(raw);
  if (!r.success) {
    const message = `algoReport signal rejected: ${formatZodIssues(r.error)}`;
    if (state) audit(state, 'SIGNAL_REJECTED', message, { code: 'INVALID_SIGNAL' });
    return;
  }
  const link = state?.algos?.[r.data.workflowId];
  if (!link) return;
  run.algoReports.push(r.data);
  link.reportedAt = Math.max(link.reportedAt, r.data.at);
  link.progress = r.data.progress;
  if (r.data.final) link.ended = true;
}

/**
 * Start an approved algo intent as a child workflow. Parent close policy TERMINATE: the run cancels its
 * children itself before it ends (finishAlgos); the policy only matters when the run is terminated or
 * fails, and then nothing is left to act for them.
 */
export async function startAlgo(run: RunContext, v: RiskVerdict, approved: string, approvalId: string): Promise<void> {
  const { st } = run;
  const { intent } = v;
  const spec = intent.algo!;
  // The algo's total on the market's amount step: its slices then add up to it exactly.
  const quantity = floorToStep(approved, st.instruments[intent.symbol].precision.amount);
  if (belowMinimum(run, v, approved, quantity, approvalId)) return;
  const maxOrders = spec.kind === 'twap' ? spec.slices * 2 : spec.maxClips;
  const firstSeq = st.orderSeq + 1;
  st.orderSeq += maxOrders;
  const workflowId = `${run.info.workflowId}-algo-${firstSeq - 1}`;
  st.algos ??= {};
  const progress = starting(v, quantity);
  st.algos[workflowId] = { workflowId, approvalId, firstSeq, maxOrders, reportedAt: 0, ended: false, progress };
  const handle = await startChild(algoOrder, {
    workflowId,
    args: [childInput(run, v, quantity, firstSeq, maxOrders)],
    parentClosePolicy: ParentClosePolicy.TERMINATE,
  });
  run.algoHandles.set(workflowId, handle);
  const twap = spec.kind === 'twap';
  const shape = twap ? `${spec.slices} slices over ${spec.duration} ms` : `visible ${spec.visibleQuantity}`;
  const what = `${spec.kind} ${intent.side} ${quantity} ${intent.symbol}`;
  audit(st, 'ALGO_STARTED', `${what} started as child ${workflowId} (${shape})`, {
    code: 'ALGO_STARTED',
    clientOrderId: approvalId,
    numbers: { quantity, firstSeq: String(firstSeq), maxOrders: String(maxOrders) },
  });
}

/** An algo whose total, on the market's step, is below the market's minimum is not started (a denial). */
function belowMinimum(run: RunContext, v: RiskVerdict, approved: string, quantity: string, approvalId: string) {
  const { st } = run;
  const { intent } = v;
  const min = st.instruments[intent.symbol].limits.amount.min;
  if (cmp(quantity, min) >= 0 && cmp(quantity, 0) > 0) return false;
  st.account?.released.push(approvalId);
  const what = `${intent.algo!.kind} ${intent.side} ${approved} ${intent.symbol}`;
  audit(st, 'ORDER_DENIED', `${what} not started: below the market's minimum amount once on its step`, {
    code: 'ALGO_BELOW_MIN_AMOUNT',
    clientOrderId: approvalId,
    numbers: { quantity: approved, onStep: quantity, minAmount: min },
  });
  countDenial(st, 'ALGO_BELOW_MIN_AMOUNT');
  return true;
}

function childInput(run: RunContext, v: RiskVerdict, quantity: string, firstSeq: number, maxOrders: number) {
  const { input, st } = run;
  const { intent } = v;
  const algoInput: AlgoOrderInputRaw = {
    venue: input.venue,
    accountId: input.accountId,
    strategyId: intent.strategyId,
    symbol: intent.symbol,
    side: intent.side,
    quantity,
    algo: intent.algo!,
    reduceOnly: intent.reduceOnly,
    tradingState: st.tradingState,
    risk: run.risk(),
    parent: { workflowId: run.info.workflowId, firstSeq, maxOrders },
  };
  return algoInput;
}

function starting(v: RiskVerdict, quantity: string): AlgoProgress {
  const { intent } = v;
  return {
    kind: intent.algo!.kind,
    symbol: intent.symbol,
    side: intent.side,
    quantity,
    filled: '0',
    remaining: quantity,
    step: 0,
    phase: 'RUNNING',
    reason: 'starting',
    orders: [],
    fees: '0',
  };
}

/** One tick of every running child: tick it at the run's market time, wait for its report, settle its orders. */
export async function driveAlgos(run: RunContext): Promise<void> {
  const st = run.st;
  // Only the children that have not answered this tick yet (one started by this tick gets its first tick now).
  const running = run.runningAlgos().filter((a) => a.reportedAt < st.marketTime);
  if (running.length === 0 && run.algoReports.length === 0) return;
  // A child that is ending may be gone already: its final report (sent before it ends) answers instead.
  for (const a of running) {
    const tick = { at: st.marketTime, tradingState: st.tradingState };
    await run.algoHandles
      .get(a.workflowId)
      ?.signal(algoTickSignal, tick)
      .catch(() => undefined);
  }
  const allAnswered = () => running.every((a) => a.ended || a.reportedAt >= st.marketTime);
  const answered = await condition(allAnswered, ALGO_REPORT_WAIT);
  if (!answered) {
    const late = `an algo child did not report on tick ${st.tick} within ${ALGO_REPORT_WAIT}`;
    const message = `${late}; the run goes on and reconciles`;
    audit(st, 'ALGO_REPORT_LATE', message, { code: 'ALGO_REPORT_LATE' });
  }
  await applyAlgoReports(run);
  if (!answered) requestReconciliation(run, 'an algo child reported late');
}

async function applyAlgoReports(run: RunContext): Promise<void> {
  const st = run.st;
  for (const r of run.algoReports.splice(0)) {
    for (const o of r.orders) {
      const id = o.clientOrderId;
      const known = st.openOrders[id] !== undefined || st.recentOrders.some((x) => x.clientOrderId === id);
      if (!known) {
        st.counters.placed += 1;
        const how = `${o.type}${o.price ? ` @ ${o.price}` : ''}`;
        audit(st, 'ORDER_PLACED', `${o.side} ${o.quantity} ${o.symbol} ${how} by algo ${r.workflowId} → ${o.status}`, {
          clientOrderId: o.clientOrderId,
          numbers: { quantity: o.quantity },
        });
      }
      await settle(run, o);
    }
    const link = st.algos?.[r.workflowId];
    if (r.final && link) {
      st.account?.released.push(link.approvalId);
      const p = r.progress;
      audit(st, 'ALGO_FINISHED', `${link.progress.kind} ${r.workflowId} ${p.phase}: ${p.reason}`, {
        code: `ALGO_${p.phase}`,
        clientOrderId: link.approvalId,
        numbers: { filled: p.filled, quantity: p.quantity, orders: String(p.orders.length) },
      });
    }
  }
}

/** Before the run ends: stop every running child, wait for its last report, settle its orders. */
export async function finishAlgos(run: RunContext, reason: string): Promise<void> {
  if (run.runningAlgos().length === 0 && run.algoReports.length === 0) return;
  run.toAlgos((h) => h.signal(cancelAlgoSignal, { reason }));
  await condition(() => run.runningAlgos().length === 0, ALGO_REPORT_WAIT);
  await applyAlgoReports(run);
}
