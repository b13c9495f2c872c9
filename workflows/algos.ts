/**
 * algoOrder: a TWAP or an iceberg as its own durable workflow (started on its own or as a child of a
 * strategy run). Every venue call is an activity and every child order has a deterministic clientOrderId
 * (workflow id + sequence), so a worker killed mid-algo resumes where the history says and never sends a
 * slice twice. Cancellable by signal (`cancelAlgo`), it follows the parent's trading state
 * (`algoTradingState`: HALTED stops it, REDUCING stops it unless it is reduce-only), and reports its
 * progress by query (`algoProgress`). The schedule and clip sizes are domain/execution/algos.ts.
 */
import { ApplicationFailure, allHandlersFinished, condition, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PlaceOrderResult } from '../activities/types';
import { formatZodIssues } from '../domain/errors';
import { AlgoOrderInput, AlgoTick, AlgoTradingState, CancelAlgo, icebergClip, twapSliceQuantity, type AlgoOrderInputRaw, type AlgoPhase, type AlgoProgress } from '../domain/execution/algos';
import { deriveClientOrderId } from '../domain/ids';
import type { MarketSnapshot } from '../domain/market/snapshot';
import { Dec, add, cmp, str, sub } from '../domain/money';
import { isTerminal, type Order, type OrderType } from '../domain/orders/order';
import type { TradingState } from '../domain/run/trading-state';
import { venueTaskQueue } from '../temporal/task-queues';
import { venueActivities } from './venue-activities';
import { algoProgressQuery, algoReportSignal, algoTickSignal, algoTradingStateSignal, cancelAlgoSignal } from './algo-definitions';

export async function algoOrder(raw: AlgoOrderInputRaw): Promise<AlgoProgress> {
  const parsed = AlgoOrderInput.safeParse(raw);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid algo input: ${formatZodIssues(parsed.error)}`, 'VALIDATION');
  const input = parsed.data;
  const info = workflowInfo();
  const { io, follow } = venueActivities(venueTaskQueue(input.venue, input.accountId));
  const ref = { venue: input.venue, accountId: input.accountId };
  const algo = input.algo;

  let tradingState: TradingState = input.tradingState;
  let stop: { phase: AlgoPhase; reason: string } | undefined;
  const progress: AlgoProgress = {
    kind: algo.kind,
    symbol: input.symbol,
    side: input.side,
    quantity: input.quantity,
    filled: '0',
    remaining: input.quantity,
    step: 0,
    ...(algo.kind === 'twap' ? { steps: algo.slices } : {}),
    phase: 'RUNNING',
    reason: '',
    orders: [],
    fees: '0',
  };
  function applyState(to: TradingState, reason: string): void {
    tradingState = to;
    if (stop) return;
    if (to === 'HALTED') stop = { phase: 'HALTED', reason: `parent HALTED${reason ? `: ${reason}` : ''}` };
    else if (to === 'REDUCING' && !input.reduceOnly) stop = { phase: 'STOPPED_REDUCING', reason: `parent REDUCING and this algo is not reduce-only${reason ? `: ${reason}` : ''}` };
  }
  setHandler(algoProgressQuery, () => progress);
  setHandler(cancelAlgoSignal, (rawSignal) => {
    const r = CancelAlgo.safeParse(rawSignal);
    if (r.success && !stop) stop = { phase: 'CANCELLED', reason: r.data.reason };
  });
  setHandler(algoTradingStateSignal, (rawSignal) => {
    const r = AlgoTradingState.safeParse(rawSignal);
    if (r.success) applyState(r.data.tradingState, r.data.reason);
  });
  applyState(input.tradingState, 'at start');
  // A child of a strategy run acts on the run's ticks only (see drivenByParent below).
  const parent = input.parent;
  let tickAt = 0;
  setHandler(algoTickSignal, (rawSignal) => {
    const r = AlgoTick.safeParse(rawSignal);
    if (!r.success || r.data.at <= tickAt) return;
    tickAt = r.data.at;
    if (r.data.tradingState !== tradingState) applyState(r.data.tradingState, 'at the run\'s tick');
  });

  const desc = await io['market.describe']({ ...ref, symbols: [input.symbol] });
  const instrument = desc.instruments[input.symbol];
  const clock = desc.clock;
  // Market time of the next child order: a replay venue moves one bar per slice or look; a live venue is now.
  let at = clock.kind === 'replay' ? (input.startTime ?? clock.start + clock.barMs) : Date.now();
  const advance = () => (at = clock.kind === 'replay' ? at + clock.barMs : Date.now());
  let seq = 0;
  let consecutiveRejections = 0;

  function record(o: Order): void {
    const i = progress.orders.findIndex((x) => x.clientOrderId === o.clientOrderId);
    const row = { clientOrderId: o.clientOrderId, quantity: o.quantity, filled: o.filledQuantity, status: o.status, ...(o.averagePrice ? { averagePrice: o.averagePrice } : {}) };
    if (i >= 0) progress.orders[i] = row;
    else progress.orders.push(row);
    progress.filled = add('0', ...progress.orders.map((x) => x.filled));
    progress.remaining = sub(input.quantity, progress.filled);
  }
  function recordFees(o: Order): void {
    progress.fees = str(new Dec(progress.fees).plus(o.fee));
  }

  async function look(): Promise<MarketSnapshot> {
    const snaps = await io['market.snapshot']({ ...ref, symbols: [input.symbol], at, since: { [input.symbol]: undefined }, limit: 3 });
    return snaps[input.symbol];
  }

  /** Place one child order; undefined when the engine or venue refused it (recorded in the reason). */
  async function send(quantity: string, type: OrderType, limitPrice: string | undefined, snapshot: MarketSnapshot): Promise<Order | undefined> {
    seq += 1;
    // A run's child sends the run's orders: the run's clientOrderId prefix, from the block the run reserved.
    const clientOrderId = parent ? deriveClientOrderId(parent.workflowId, parent.firstSeq + seq - 1) : deriveClientOrderId(info.workflowId, seq);
    const r: PlaceOrderResult = await io['advanced.placeOrder']({
      ...ref,
      clientOrderId,
      intent: { strategyId: input.strategyId as never, symbol: input.symbol, side: input.side, type, quantity, ...(limitPrice ? { limitPrice } : {}), postOnly: false, reduceOnly: input.reduceOnly, reason: `${algo.kind} ${progress.step}` },
      snapshot,
      instrument,
      capabilities: desc.capabilities,
      config: input.risk,
      tradingState,
      equity: '0',
      at,
    });
    if (r.kind === 'rejected') {
      consecutiveRejections += 1;
      progress.reason = `child ${clientOrderId} rejected: ${r.code} — ${r.message}`;
      return undefined;
    }
    consecutiveRejections = 0;
    record(r.order);
    changed.push(r.order);
    return r.order;
  }

  /** Follow a child order until it is terminal (a replay venue's clock moves on between looks), or the algo stops. */
  async function settle(order: Order, pollMs: number): Promise<Order> {
    let o = order;
    while (!isTerminal(o.status)) {
      if (stop) {
        o = await io['advanced.cancelOrder']({ ...ref, symbol: o.symbol, clientOrderId: o.clientOrderId });
        break;
      }
      await condition(() => stop !== undefined, pollMs);
      if (clock.kind === 'replay') {
        advance();
        await look();
      }
      const [seen] = await follow['advanced.followOrders']({ ...ref, orders: [{ symbol: o.symbol, clientOrderId: o.clientOrderId }], waitMs: clock.kind === 'replay' ? 0 : pollMs });
      if (seen) o = seen;
    }
    record(o);
    recordFees(o);
    return o;
  }

  const done = () => cmp(progress.filled, input.quantity) >= 0;
  /** Orders to tell the parent run about with the next report. */
  const changed: Order[] = [];
  let reportedAt = 0;
  async function report(final: boolean): Promise<void> {
    if (!parent) return;
    await getExternalWorkflowHandle(parent.workflowId).signal(algoReportSignal, { workflowId: info.workflowId, at: reportedAt, orders: changed.splice(0), progress, final });
  }

  /**
   * The child of a strategy run: nothing happens between the run's ticks. On each `algoTick` it looks at
   * its open order, sends the next slice or clip when one is due (at the run's market time), and reports
   * its orders to the run, which waits for the report before it goes on: so the run reconciles and
   * accounts only while the child is idle, and a replay venue's clock is the run's.
   */
  async function drivenByParent(maxOrders: number): Promise<void> {
    let open: Order | undefined;
    let first: number | undefined;
    let i = 0;
    const interval = algo.kind === 'twap' && algo.slices > 1 ? Math.floor(algo.duration / algo.slices) : 0;
    for (;;) {
      await condition(() => stop !== undefined || tickAt > reportedAt);
      if (stop) break;
      at = tickAt;
      first ??= at;
      if (open && !isTerminal(open.status)) {
        const [seen] = await follow['advanced.followOrders']({ ...ref, orders: [{ symbol: open.symbol, clientOrderId: open.clientOrderId }], waitMs: 0 });
        if (seen) {
          open = seen;
          record(seen);
          changed.push(seen);
          if (isTerminal(seen.status)) recordFees(seen);
        }
      }
      if (stop) break;
      const idle = !open || isTerminal(open.status);
      let exhausted = false;
      if (idle && !done()) {
        if (algo.kind === 'twap') {
          const due = interval > 0 ? Math.min(algo.slices, Math.floor((at - first) / interval) + 1) : algo.slices;
          exhausted = i >= algo.slices * 2;
          if (!exhausted && (i < due || i >= algo.slices)) {
            i += 1;
            progress.step = Math.min(i, algo.slices);
            const qty = twapSliceQuantity(input.quantity, progress.filled, Math.min(i, algo.slices), algo.slices, instrument);
            if (cmp(qty, 0) > 0) open = seq < maxOrders ? await send(qty, 'market', undefined, await look()) : undefined;
          }
        } else {
          exhausted = i >= algo.maxClips;
          const qty = icebergClip(input.quantity, progress.filled, algo.visibleQuantity, instrument);
          if (!exhausted && cmp(qty, 0) > 0 && seq < maxOrders) {
            i += 1;
            progress.step = i;
            const snap = await look();
            const touch = new Dec(input.side === 'buy' ? snap.ask : snap.bid);
            const through = touch.times(new Dec(1).plus(new Dec(algo.offsetBps).div(10_000).times(input.side === 'buy' ? 1 : -1)));
            open = await send(qty, 'limit', str(through), snap);
          } else exhausted = true;
        }
        if (open && isTerminal(open.status)) recordFees(open);
        if (seq >= maxOrders && (!open || isTerminal(open.status)) && !done()) stop = { phase: 'FAILED', reason: `all ${maxOrders} order ids of the run's block used` };
        if (consecutiveRejections >= 3) stop = { phase: 'FAILED', reason: `3 orders in a row refused; last: ${progress.reason}` };
      }
      reportedAt = at;
      if ((done() || exhausted) && (!open || isTerminal(open.status))) break;
      if (stop) break;
      await report(false);
    }
    if (open && !isTerminal(open.status)) {
      open = await io['advanced.cancelOrder']({ ...ref, symbol: open.symbol, clientOrderId: open.clientOrderId });
      record(open);
      recordFees(open);
      changed.push(open);
    }
  }

  try {
    if (parent) await drivenByParent(parent.maxOrders);
    else if (algo.kind === 'twap') {
      const interval = algo.slices > 1 ? Math.floor(algo.duration / algo.slices) : 0;
      // N scheduled slices, then up to N catch-up slices for what partial fills or refusals left.
      for (let i = 1; i <= algo.slices * 2 && !stop && !done(); i += 1) {
        progress.step = Math.min(i, algo.slices);
        const qty = twapSliceQuantity(input.quantity, progress.filled, Math.min(i, algo.slices), algo.slices, instrument);
        if (cmp(qty, 0) > 0) {
          const o = await send(qty, 'market', undefined, await look());
          if (o) await settle(o, 500);
          if (consecutiveRejections >= 3) stop = { phase: 'FAILED', reason: `3 slices in a row refused; last: ${progress.reason}` };
        }
        if (i < algo.slices && !stop) await condition(() => stop !== undefined, interval);
        advance();
      }
    } else {
      for (let clip = 1; clip <= algo.maxClips && !stop && !done(); clip += 1) {
        progress.step = clip;
        const qty = icebergClip(input.quantity, progress.filled, algo.visibleQuantity, instrument);
        if (cmp(qty, 0) <= 0) break;
        const snap = await look();
        const touch = new Dec(input.side === 'buy' ? snap.ask : snap.bid);
        const through = touch.times(new Dec(1).plus(new Dec(algo.offsetBps).div(10_000).times(input.side === 'buy' ? 1 : -1)));
        const o = await send(qty, 'limit', str(through), snap);
        if (o) await settle(o, algo.pollInterval);
        if (consecutiveRejections >= 3) stop = { phase: 'FAILED', reason: `3 clips in a row refused; last: ${progress.reason}` };
        advance();
      }
    }
  } finally {
    if (stop) {
      progress.phase = stop.phase;
      progress.reason = stop.reason;
    } else if (done()) {
      progress.phase = 'COMPLETED';
      progress.reason = `filled ${progress.filled} of ${input.quantity}`;
    } else {
      progress.phase = 'FAILED';
      progress.reason = `filled ${progress.filled} of ${input.quantity}${progress.reason ? `; ${progress.reason}` : ''}`;
    }
  }
  await report(true);
  await condition(allHandlersFinished);
  return progress;
}
