/**
 * The advanced execution parts of a strategy run: synthetic durable stops and the execution monitor.
 * Deterministic, no I/O: they change the run state that the workflow carries (and through continue-as-new),
 * and the workflow (workflows/strategy-run/) does the activities.
 */
import type { MarketSnapshot } from '../market/snapshot';
import type { VenueCapabilities } from '../market/venue';
import { Dec, str } from '../money';
import { isSyntheticOnly, isTerminal, type Order, type OrderIntent } from '../orders/order';
import { emptyMonitor, measureOrder, recordExecution, type ExecutionView } from '../execution/monitor';
import {
  checkStops,
  emptyStopBook,
  registerStop,
  type ArmedStop,
  type StopKind,
  type TriggeredStop,
} from '../execution/stops';
import type { EngineName } from '../execution/engine';
import type { RunState } from './state';
import { audit, countDenial } from './transitions';

const STOP_TYPES = new Set(['stop_market', 'stop_limit', 'take_profit_limit', 'take_profit', 'trailing_stop']);

/**
 * A stop intent is kept synthetic when the advanced engine runs it and the venue has no native stop of its
 * kind (or the run asks for synthetic stops). A take_profit (market) or trailing_stop is always synthetic
 * under the advanced engine; the live engine refuses it (ENGINE_UNSUPPORTED), it never reaches a venue.
 */
export function goesSynthetic(
  intent: OrderIntent,
  engine: EngineName,
  caps: VenueCapabilities,
  mode: 'auto' | 'synthetic',
): boolean {
  if (engine !== 'advanced' || !STOP_TYPES.has(intent.type)) return false;
  if (mode === 'synthetic' || isSyntheticOnly(intent.type)) return true;
  return intent.type === 'stop_market' ? !caps.stopMarket : !caps.stopLimit;
}

const KIND: Record<string, StopKind> = {
  stop_market: 'stop_market',
  stop_limit: 'stop_limit',
  take_profit_limit: 'take_profit_limit',
  take_profit: 'take_profit',
  trailing_stop: 'trailing_stop',
};

/**
 * A trailing stop's audit numbers: its trail and the best price seen (a sell's peak, a buy's trough; the
 * trigger is trailBps from it).
 */
function trailText(stop: ArmedStop): string {
  return ` (trailing ${stop.trailBps} bps from the ${stop.side === 'sell' ? 'peak' : 'trough'} ${stop.extreme})`;
}

function trailNumbers(stop: ArmedStop): Record<string, string> {
  if (stop.kind !== 'trailing_stop' || !stop.extreme || stop.trailBps === undefined) return {};
  return { [stop.side === 'sell' ? 'peak' : 'trough']: stop.extreme, trailBps: String(stop.trailBps) };
}

/** The stop book's entry for a stop intent. */
function stopSpec(intent: OrderIntent, kind: StopKind, quantity: string, id: string) {
  return {
    id,
    strategyId: intent.strategyId,
    symbol: intent.symbol,
    side: intent.side,
    kind,
    quantity,
    ...(intent.stopPrice ? { triggerPrice: intent.stopPrice } : {}),
    ...(intent.limitPrice ? { limitPrice: intent.limitPrice } : {}),
    ...(intent.trailBps !== undefined ? { trailBps: intent.trailBps } : {}),
    reduceOnly: intent.reduceOnly,
  };
}

/**
 * Arm a synthetic stop for an approved stop intent (id = the clientOrderId it would have had). Denials are
 * audited and counted.
 */
export function armSyntheticStop(
  st: RunState,
  intent: OrderIntent,
  quantity: string,
  id: string,
  snapshot: MarketSnapshot,
): ArmedStop | undefined {
  st.stops ??= emptyStopBook();
  const kind: StopKind = KIND[intent.type] ?? 'stop_market';
  const r = registerStop(st.stops, stopSpec(intent, kind, quantity, id), { at: st.marketTime, price: snapshot.mark });
  if (!r.ok) {
    const what = `${intent.side} ${quantity} ${intent.symbol} ${intent.type}`;
    audit(st, 'ORDER_DENIED', `${what} not armed: ${r.code} — ${r.message}`, {
      code: r.code,
      clientOrderId: id,
      numbers: r.numbers,
    });
    countDenial(st, r.code);
    return undefined;
  }
  const trail = kind === 'trailing_stop' ? trailText(r.stop) : '';
  const limit = r.stop.limitPrice ? ` (limit ${r.stop.limitPrice})` : '';
  const what = `synthetic ${kind} ${intent.side} ${quantity} ${intent.symbol}`;
  audit(st, 'STOP_REGISTERED', `${what} armed at trigger ${r.stop.trigger}${limit}${trail}; mark ${snapshot.mark}`, {
    code: 'STOP_REGISTERED',
    clientOrderId: id,
    numbers: { trigger: r.stop.trigger, mark: snapshot.mark, quantity, ...trailNumbers(r.stop) },
  });
  return r.stop;
}

/** The armed stops that this tick's marks fire, each disarmed and audited once. */
export function fireStops(st: RunState, snaps: Record<string, MarketSnapshot>): TriggeredStop[] {
  if (!st.stops || Object.keys(st.stops.armed).length === 0) return [];
  const out: TriggeredStop[] = [];
  for (const [symbol, snap] of Object.entries(snaps)) {
    for (const t of checkStops(st.stops, symbol, snap.mark, st.marketTime)) {
      const trail = t.stop.kind === 'trailing_stop' ? trailText(t.stop) : '';
      const what = `synthetic ${t.stop.kind} ${t.stop.side} ${t.stop.quantity} ${symbol}`;
      audit(st, 'STOP_TRIGGERED', `${what} triggered: mark ${t.price} crossed ${t.stop.trigger}${trail}`, {
        code: 'STOP_TRIGGERED',
        clientOrderId: t.stop.id,
        numbers: {
          trigger: t.stop.trigger,
          mark: t.price,
          quantity: t.stop.quantity,
          registeredAt: String(t.stop.registeredAt),
          ...trailNumbers(t.stop),
        },
      });
      out.push(t);
    }
  }
  return out;
}

/** Remember the arrival price (mid) of an order the run just placed. */
export function noteArrival(st: RunState, clientOrderId: string, strategyId: string, snapshot: MarketSnapshot): void {
  st.arrivals ??= {};
  const mid = str(new Dec(snapshot.bid).plus(snapshot.ask).div(2));
  st.arrivals[clientOrderId] = { price: mid, at: snapshot.at, strategyId };
}

/** Measure an order once it is terminal (each order once). */
export function measureIfDone(st: RunState, order: Order): void {
  const arrival = st.arrivals?.[order.clientOrderId];
  if (!arrival || !isTerminal(order.status)) return;
  st.execution ??= emptyMonitor();
  const { strategyId, price: arrivalPrice, at: placedAt } = arrival;
  const measured = measureOrder(order, { strategyId, arrivalPrice, placedAt });
  recordExecution(st.execution, measured);
  delete st.arrivals![order.clientOrderId];
}

/** What `status` shows of execution: the run's counters with the monitor's measurements. */
export function executionView(st: RunState): ExecutionView {
  const m = st.execution ?? emptyMonitor();
  const c = st.counters;
  return {
    counters: {
      placed: c.placed,
      filled: c.filled,
      partiallyFilled: c.partiallyFilled,
      cancelled: c.canceled + c.expired,
      rejected: c.rejected,
      denied: c.denied,
      deniedByReason: c.deniedByReason,
      postOnlyDenials: c.deniedByReason.POST_ONLY_WOULD_CROSS ?? 0,
      stopsRegistered: st.stops?.registered ?? 0,
      stopsTriggered: st.stops?.triggered ?? 0,
    },
    run: m.run,
    byStrategy: m.byStrategy,
    recent: m.orders.slice(-20),
    armedStops: Object.values(st.stops?.armed ?? {}),
  };
}
