/**
 * The child of a strategy run: nothing happens between the run's ticks. On each `algoTick` it looks at its
 * open order, sends the next slice or clip when one is due (at the run's market time), and reports its
 * orders to the run, which waits for the report before it goes on: so the run reconciles and accounts only
 * while the child is idle, and a replay venue's clock is the run's.
 */
import { condition } from '@temporalio/workflow';
import { icebergClip, twapSliceQuantity } from '../../domain/execution/algos';
import { cmp } from '../../domain/money';
import { isTerminal, type Order } from '../../domain/orders/order';
import type { AlgoRun } from './state';

/** Where a driven child is between ticks: its open order, the first tick's time, the steps taken. */
interface Driven {
  maxOrders: number;
  open?: Order;
  first?: number;
  i: number;
  /** A TWAP's time between slices (0: every slice is due at once). */
  interval: number;
}

const settled = (o: Order | undefined) => !o || isTerminal(o.status);

export async function drivenByParent(a: AlgoRun, maxOrders: number): Promise<void> {
  const { algo } = a;
  const interval = algo.kind === 'twap' && algo.slices > 1 ? Math.floor(algo.duration / algo.slices) : 0;
  const d: Driven = { maxOrders, i: 0, interval };
  for (;;) {
    await condition(() => a.stop !== undefined || a.tickAt > a.reportedAt);
    if (a.stop) break;
    a.at = a.tickAt;
    d.first ??= a.at;
    await followOpen(a, d);
    if (a.stop) break;
    const exhausted = settled(d.open) && !a.done() ? await step(a, d) : false;
    a.reportedAt = a.at;
    if ((a.done() || exhausted) && settled(d.open)) break;
    if (a.stop) break;
    await a.report(false);
  }
  if (d.open && !isTerminal(d.open.status)) {
    d.open = await a.cancel(d.open);
    a.record(d.open);
    a.recordFees(d.open);
    a.changed.push(d.open);
  }
}

async function followOpen(a: AlgoRun, d: Driven): Promise<void> {
  if (!d.open || isTerminal(d.open.status)) return;
  const seen = await a.followOne(d.open, 0);
  if (!seen) return;
  d.open = seen;
  a.record(seen);
  a.changed.push(seen);
  if (isTerminal(seen.status)) a.recordFees(seen);
}

/** The idle child's step: the next slice or clip if one is due; whether the algo has nothing more to send. */
async function step(a: AlgoRun, d: Driven): Promise<boolean> {
  const exhausted = a.algo.kind === 'twap' ? await twapStep(a, d) : await icebergStep(a, d);
  if (d.open && isTerminal(d.open.status)) a.recordFees(d.open);
  if (a.seq >= d.maxOrders && settled(d.open) && !a.done()) {
    a.stop = { phase: 'FAILED', reason: `all ${d.maxOrders} order ids of the run's block used` };
  }
  if (a.consecutiveRejections >= 3) {
    a.stop = { phase: 'FAILED', reason: `3 orders in a row refused; last: ${a.progress.reason}` };
  }
  return exhausted;
}

/** N slices as they come due, then up to N catch-up slices for what partial fills or refusals left. */
async function twapStep(a: AlgoRun, d: Driven): Promise<boolean> {
  const algo = a.algo;
  if (algo.kind !== 'twap') return true;
  const due = d.interval > 0 ? Math.min(algo.slices, Math.floor((a.at - d.first!) / d.interval) + 1) : algo.slices;
  const exhausted = d.i >= algo.slices * 2;
  if (exhausted || (d.i >= due && d.i < algo.slices)) return exhausted;
  d.i += 1;
  a.progress.step = Math.min(d.i, algo.slices);
  const qty = twapSliceQuantity(a.input.quantity, a.progress.filled, a.progress.step, algo.slices, a.instrument);
  if (cmp(qty, 0) <= 0) return false;
  d.open = a.seq < d.maxOrders ? await a.send(qty, 'market', undefined, await a.look()) : undefined;
  return false;
}

async function icebergStep(a: AlgoRun, d: Driven): Promise<boolean> {
  const algo = a.algo;
  if (algo.kind !== 'iceberg') return true;
  const qty = icebergClip(a.input.quantity, a.progress.filled, algo.visibleQuantity, a.instrument);
  if (d.i >= algo.maxClips || cmp(qty, 0) <= 0 || a.seq >= d.maxOrders) return true;
  d.i += 1;
  a.progress.step = d.i;
  const snap = await a.look();
  d.open = await a.send(qty, 'limit', a.clipPrice(snap, algo.offsetBps), snap);
  return false;
}
