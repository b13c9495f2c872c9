/** An algo order on its own (no parent run): it keeps its own time, slice by slice or clip by clip. */
import { condition } from '@temporalio/workflow';
import { icebergClip, twapSliceQuantity } from '../../domain/execution/algos';
import { cmp } from '../../domain/money';
import { isTerminal, type Order } from '../../domain/orders/order';
import type { AlgoRun } from './state';

/** N scheduled slices, then up to N catch-up slices for what partial fills or refusals left. */
export async function runTwap(a: AlgoRun): Promise<void> {
  const algo = a.algo;
  if (algo.kind !== 'twap') return;
  const instrument = a.instrument;
  const interval = algo.slices > 1 ? Math.floor(algo.duration / algo.slices) : 0;
  for (let i = 1; i <= algo.slices * 2 && !a.stop && !a.done(); i += 1) {
    a.progress.step = Math.min(i, algo.slices);
    const qty = twapSliceQuantity(a.input.quantity, a.progress.filled, a.progress.step, algo.slices, instrument);
    if (cmp(qty, 0) > 0) {
      const o = await a.send(qty, 'market', undefined, await a.look());
      if (o) await followUntilDone(a, o, 500);
      if (a.consecutiveRejections >= 3) {
        a.stop = { phase: 'FAILED', reason: `3 slices in a row refused; last: ${a.progress.reason}` };
      }
    }
    if (i < algo.slices && !a.stop) await condition(() => a.stop !== undefined, interval);
    a.advance();
  }
}

export async function runIceberg(a: AlgoRun): Promise<void> {
  const algo = a.algo;
  if (algo.kind !== 'iceberg') return;
  const instrument = a.instrument;
  for (let clip = 1; clip <= algo.maxClips && !a.stop && !a.done(); clip += 1) {
    a.progress.step = clip;
    const qty = icebergClip(a.input.quantity, a.progress.filled, algo.visibleQuantity, instrument);
    if (cmp(qty, 0) <= 0) break;
    const snap = await a.look();
    const o = await a.send(qty, 'limit', a.clipPrice(snap, algo.offsetBps), snap);
    if (o) await followUntilDone(a, o, algo.pollInterval);
    if (a.consecutiveRejections >= 3) {
      a.stop = { phase: 'FAILED', reason: `3 clips in a row refused; last: ${a.progress.reason}` };
    }
    a.advance();
  }
}

/** Follow a child order until it is terminal (a replay venue's clock moves on between looks), or the algo stops. */
async function followUntilDone(a: AlgoRun, order: Order, pollMs: number): Promise<Order> {
  let o = order;
  while (!isTerminal(o.status)) {
    if (a.stop) {
      o = await a.cancel(o);
      break;
    }
    await condition(() => a.stop !== undefined, pollMs);
    if (a.replay) {
      a.advance();
      await a.look();
    }
    const seen = await a.followOne(o, a.replay ? 0 : pollMs);
    if (seen) o = seen;
  }
  a.record(o);
  a.recordFees(o);
  return o;
}
