/** A halt policy's actions, carried out by the loop: cancel every open order, then (flatten) close positions. */
import { closePositionIntent } from '../../domain/execution/management';
import { cmp } from '../../domain/money';
import { OrderIntent } from '../../domain/orders/order';
import type { Position } from '../../domain/portfolio/portfolio';
import { appendBars, audit } from '../../domain/run/transitions';
import { finishAlgos } from './algo-children';
import type { RunContext } from './context';
import { place } from './orders';
import { cancelOpenOrders } from './settle';

export async function runHaltActions(run: RunContext): Promise<void> {
  const a = run.st.account;
  if (!a || (!a.cancelAll && !a.flatten)) return;
  if (a.cancelAll) {
    await cancelAll(run);
    a.cancelAll = false;
  }
  if (a.flatten) {
    await flatten(run);
    a.flatten = false;
  }
}

/** Running algos stop first (each cancels its open order and reports), then the run cancels what is left. */
async function cancelAll(run: RunContext): Promise<void> {
  await finishAlgos(run, 'halt policy: cancel orders');
  const canceled = await cancelOpenOrders(run);
  audit(run.st, 'HALT_POLICY_APPLIED', `halt: ${canceled} open order(s) canceled`, {
    code: 'ORDERS_CANCELED',
    numbers: { canceled: String(canceled) },
  });
}

/** Close every position reduce-only at market, at fresh marks. */
async function flatten(run: RunContext): Promise<void> {
  const { st, input, lookback } = run;
  const held: Position[] = Object.values(st.portfolio.positions).filter((p) => cmp(p.quantity, 0) > 0);
  if (held.length === 0) return;
  const symbols = held.map((p) => p.symbol);
  const snaps = await run.io['market.snapshot']({
    ...run.ref,
    symbols,
    at: st.marketTime,
    since: run.barsSince(symbols),
    limit: lookback,
  });
  for (const p of held) {
    st.windows[p.symbol] = appendBars(st.windows[p.symbol], snaps[p.symbol].bars, lookback);
    const close = closePositionIntent({ strategyId: input.strategy.name, symbol: p.symbol, quantity: p.quantity });
    const intent = OrderIntent.parse({ ...close, reason: 'flatten: halt policy' });
    audit(st, 'HALT_POLICY_APPLIED', `flatten: sell ${p.quantity} ${p.symbol} reduce-only at market`, {
      code: 'FLATTEN',
      numbers: { quantity: p.quantity, mark: snaps[p.symbol].mark },
    });
    const verdict = { decision: 'APPROVED' as const, code: 'FLATTEN', message: 'halt policy flatten', intent };
    await place(run, { ...verdict, quantity: p.quantity, numbers: {}, checks: [] }, snaps[p.symbol], true);
  }
}
