/**
 * Order routing: a verdict of risk goes to the venue through named stages, each of which may end the
 * order's route (a denial, a synthetic stop, an algo child). Then the run follows its open orders.
 */
import { patched } from '@temporalio/workflow';
import type { PlaceOrderResult } from '../../activities/types';
import { deriveClientOrderId } from '../../domain/ids';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import { isTerminal, type Order } from '../../domain/orders/order';
import { isReducing, tradingStateDenial } from '../../domain/risk/engine';
import type { RiskVerdict } from '../../domain/risk/verdict';
import { armSyntheticStop, goesSynthetic, noteArrival } from '../../domain/run/execution';
import { recordSubmit } from '../../domain/run/risk';
import { audit, countDenial, ordersToCancel, trackOrder } from '../../domain/run/transitions';
import { askAccount, recheckAfterApproval } from './account';
import { startAlgo } from './algo-children';
import type { RunContext } from './context';
import { ALGO_CHILDREN_PATCH, SYNTHETIC_STOPS_PATCH } from './patches';
import { reconcileNow, requestReconciliation } from './reconciliation';
import { cancel, settle } from './settle';

/** One order on its way from a verdict to the venue. */
export interface Routed {
  v: RiskVerdict;
  snapshot: MarketSnapshot;
  /** A reduce-only close ordered by a halt policy, placed while the run is HALTED. */
  flatten: boolean;
  clientOrderId: string;
  /** The verdict's quantity, until the account resizes it. */
  quantity: string;
  approved?: boolean;
  /** The state the order was sent in (an order in flight when a halt arrives is audited after the halt). */
  submittedIn?: string;
  placed?: Extract<PlaceOrderResult, { kind: 'placed' }>;
}

/** A stage of the route: false ends the order's route there (it is audited and counted by the stage). */
type Stage = (run: RunContext, o: Routed) => boolean | Promise<boolean>;

/** A halt may have been signaled while risk was deciding: check the state again, right before the venue. */
function recheckTradingState(run: RunContext, o: Routed): boolean {
  const st = run.st;
  const late = o.flatten ? undefined : tradingStateDenial(o.v.intent, st.tradingState, run.risk());
  if (!late) return true;
  audit(st, 'RISK_DENIED', `${o.v.intent.side} ${o.v.intent.symbol} not placed: run became ${st.tradingState}`, {
    code: late.code,
    numbers: late.numbers,
  });
  countDenial(st, late.code);
  return false;
}

function numberOrder(run: RunContext, o: Routed): boolean {
  run.st.orderSeq += 1;
  o.clientOrderId = deriveClientOrderId(run.info.workflowId, run.st.orderSeq);
  return true;
}

/** A stop the venue cannot hold is armed in the run, under the clientOrderId it would have had. */
function keepSynthetic(run: RunContext, o: Routed): boolean {
  const { st, input } = run;
  if (!goesSynthetic(o.v.intent, run.engine, st.capabilities, input.execution.stops)) return true;
  if (!patched(SYNTHETIC_STOPS_PATCH)) return true;
  armSyntheticStop(st, o.v.intent, o.v.quantity, o.clientOrderId, o.snapshot);
  return false;
}

async function startAlgoChild(run: RunContext, o: Routed): Promise<boolean> {
  if (!o.v.intent.algo || o.flatten || !patched(ALGO_CHILDREN_PATCH)) return true;
  await startAlgo(run, o.v, o.quantity, o.clientOrderId);
  return false;
}

async function submitToVenue(run: RunContext, o: Routed): Promise<boolean> {
  const { st, engine } = run;
  const { intent } = o.v;
  o.submittedIn = st.tradingState;
  const result: PlaceOrderResult = await run.io[`${engine}.placeOrder`]({
    ...run.ref,
    clientOrderId: o.clientOrderId,
    intent: { ...intent, quantity: o.quantity },
    snapshot: o.snapshot,
    instrument: st.instruments[intent.symbol],
    capabilities: st.capabilities,
    config: run.risk(),
    tradingState: o.flatten ? 'REDUCING' : st.tradingState,
    equity: st.portfolio.equity,
    at: st.marketTime,
  });
  if (result.kind === 'placed') {
    o.placed = result;
    return true;
  }
  if (st.account) st.account.released.push(o.clientOrderId);
  const by = result.by === 'engine' ? `${engine} engine` : 'venue';
  const suggested: Record<string, string> = {};
  if (result.suggestedQuantity) suggested.suggestedQuantity = result.suggestedQuantity;
  const what = `${intent.side} ${o.v.quantity} ${intent.symbol}`;
  // Refused by the engine before the venue: a denial; refused by the venue: a rejection.
  const kind = result.by === 'engine' ? 'ORDER_DENIED' : 'ORDER_REJECTED';
  audit(st, kind, `${what} rejected by the ${by}: ${result.code} — ${result.message}`, {
    code: result.code,
    clientOrderId: o.clientOrderId,
    numbers: { ...result.numbers, ...suggested },
  });
  if (result.by === 'engine') countDenial(st, result.code);
  else st.counters.rejected += 1;
  return false;
}

function auditPlaced(run: RunContext, o: Routed): boolean {
  const st = run.st;
  const result = o.placed!;
  st.counters.placed += 1;
  if (st.risk) recordSubmit(st.risk, st.marketTime, !isReducing(o.v.intent), run.risk());
  const p = result.order;
  const flags = `${p.postOnly ? ' post-only' : ''}${p.reduceOnly ? ' reduce-only' : ''}`;
  const how = `${p.type}${p.price ? ` @ ${p.price}` : ''} ${p.tif}${flags}`;
  const recovered = result.recovered ? ' (recovered by clientOrderId)' : '';
  const pv = result.preview;
  const preview: Record<string, string> = pv ? { previewPrice: pv.expectedPrice, previewFee: pv.expectedFee } : {};
  audit(st, 'ORDER_PLACED', `${p.side} ${p.quantity} ${p.symbol} ${how} → ${p.status}${recovered}`, {
    clientOrderId: o.clientOrderId,
    numbers: {
      ...result.numbers,
      submittedIn: o.submittedIn!,
      expectedPrice: result.expectedPrice,
      expectedSlippageBps: result.expectedSlippageBps,
      ...preview,
    },
  });
  noteArrival(st, o.clientOrderId, o.v.intent.strategyId, o.snapshot);
  return true;
}

/** Follow a fresh order briefly (a live venue), then settle it; an order the venue lost is reconciled. */
async function followAndSettle(run: RunContext, o: Routed): Promise<boolean> {
  const placed = o.placed!.order;
  let order: Order | undefined = placed;
  if (!isTerminal(order.status) && !run.replay) {
    const orders = [{ symbol: placed.symbol, clientOrderId: o.clientOrderId }];
    [order] = await run.follow[`${run.engine}.followOrders`]({ ...run.ref, orders, waitMs: 5_000 });
  }
  if (!order) {
    // Accepted, then unknown to the venue: track it as placed and let reconciliation decide (fail-closed).
    trackOrder(run.st, placed, []);
    requestReconciliation(run, `order ${o.clientOrderId} vanished at the venue after it was accepted`);
    await reconcileNow(run);
    return false;
  }
  await settle(run, order);
  return true;
}

/** The route of every order, in order. */
const ROUTE: Stage[] = [
  recheckTradingState,
  numberOrder,
  keepSynthetic,
  askAccount,
  recheckAfterApproval,
  startAlgoChild,
  submitToVenue,
  auditPlaced,
  followAndSettle,
];

/** Place a verdict of risk: `flatten` for a halt policy's reduce-only close, placed while HALTED. */
export async function place(run: RunContext, v: RiskVerdict, snapshot: MarketSnapshot, flatten = false): Promise<void> {
  const o: Routed = { v, snapshot, flatten, clientOrderId: '', quantity: v.quantity };
  for (const stage of ROUTE) if (!(await stage(run, o))) return;
}

/** Follow the run's open orders: settle what changed, reconcile what vanished, cancel what waited too long. */
export async function followOpenOrders(run: RunContext): Promise<void> {
  const { st, input } = run;
  const open = run.openOrderRefs();
  if (open.length === 0) return;
  const orders = await run.follow[`${run.engine}.followOrders`]({ ...run.ref, orders: open, waitMs: 0 });
  for (const o of orders) await settle(run, o);
  if (orders.length < open.length) {
    requestReconciliation(run, `${open.length - orders.length} open order(s) not found at the venue`);
  }
  if (st.reconciliation?.requested) return reconcileNow(run);
  for (const o of ordersToCancel(st, input.cancelAfterTicks)) await cancel(run, o);
}
