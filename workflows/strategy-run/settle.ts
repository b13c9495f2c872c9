/** Accounting for the run's orders as the venue shows them: fills into the portfolio, and cancels. */
import { cmp } from '../../domain/money';
import { isTerminal, type Order } from '../../domain/orders/order';
import { measureIfDone } from '../../domain/run/execution';
import { recordFills } from '../../domain/run/risk';
import { audit, newFills, trackOrder } from '../../domain/run/transitions';
import { decide, type RunContext } from './context';

/** Apply an order's new fills (each fill once), track it, and measure it once it is done. */
export async function settle(run: RunContext, order: Order): Promise<void> {
  const st = run.st;
  const fills = newFills(st, order);
  if (fills.length > 0) {
    const before = st.portfolio;
    st.portfolio = await decide['portfolio.applyFills']({ portfolio: st.portfolio, fills });
    if (st.risk) {
      const lastFill = Math.max(...fills.map((f) => f.ts));
      const closed = recordFills(st.risk, before, st.portfolio, order.symbol, lastFill, run.risk());
      if (closed) {
        const message = `${closed.symbol} round trip closed: ${closed.pnl} ${st.portfolio.quote} net of fees`;
        audit(st, 'TRADE_CLOSED', message, {
          code: cmp(closed.pnl, 0) < 0 ? 'STOP_OUT' : 'WIN',
          numbers: { pnl: closed.pnl, openedAt: String(closed.openedAt) },
        });
      }
    }
  }
  trackOrder(st, order, fills);
  measureIfDone(st, order);
  // A finished order's approval ends: its reservation is released with the next report.
  if (st.account && isTerminal(order.status)) st.account.released.push(order.clientOrderId);
}

export async function cancel(run: RunContext, o: Order): Promise<void> {
  const ref = { ...run.ref, symbol: o.symbol, clientOrderId: o.clientOrderId };
  await settle(run, await run.io[`${run.engine}.cancelOrder`](ref));
}

/** Cancel every order the run has working at the venue (their last fills are settled); how many there were. */
export async function cancelOpenOrders(run: RunContext): Promise<number> {
  const open = Object.values(run.st.openOrders).map((o) => o.order);
  for (const o of open) await cancel(run, o);
  return open.length;
}
