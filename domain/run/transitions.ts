/**
 * Pure transitions of a run's state. The workflow calls these; they do no I/O and read no clock, so a
 * replay recomputes exactly the same state.
 */
import type { Candle } from '../market/candles';
import { keepNewest } from '../bounded';
import { isTerminal, type Fill, type Order } from '../orders/order';
import { add, cmp, display, sub } from '../money';
import type { AuditEvent, AuditKind, RunState, RunSummary } from './state';
import { MAX_AUDIT_EVENTS, MAX_RECENT_ORDERS, MAX_STATE_CHANGES, emptyCounters, summaryOrders } from './state';
import type { Instrument } from '../market/instrument';
import type { MarketClock } from '../market/snapshot';
import type { VenueCapabilities } from '../market/venue';
import type { EngineChoice } from '../execution/selection';
import { openPortfolio } from '../portfolio/portfolio';
import type { RiskVerdict } from '../risk/verdict';
import type { TradingState } from './trading-state';
import type { StrategyRunInput } from './input';
import { moveTradingState, stateChangeMessage } from '../state-change';

/** What a new run has recorded: no order, no audit event, zero counters, first of its chain. */
export function emptyRecords(): Pick<
  RunState,
  'orderSeq' | 'openOrders' | 'recentOrders' | 'audit' | 'auditSeq' | 'counters' | 'continuedAsNew'
> {
  return {
    orderSeq: 0,
    openOrders: {},
    recentOrders: [],
    audit: [],
    auditSeq: 0,
    counters: emptyCounters(),
    continuedAsNew: 0,
  };
}

/**
 * The state of a new run: the portfolio opens with the run's capital, or the venue's balance of the quote
 * currency when that is less (the opening reconciliation then halts the run); the kill
 * switch starts the run HALTED, reduce-only mode starts it REDUCING.
 */
export function initialRunState(args: {
  input: StrategyRunInput;
  start: number;
  clock: MarketClock;
  instruments: Record<string, Instrument>;
  capabilities: VenueCapabilities;
  engine: EngineChoice;
  quote: string;
  cash: string;
}): RunState {
  const { input, start, quote } = args;
  const risk = input.risk;
  const st: RunState = {
    tick: 0,
    marketTime: start,
    clock: args.clock,
    instruments: args.instruments,
    capabilities: args.capabilities,
    engine: args.engine,
    tradingState: risk.killSwitch ? 'HALTED' : risk.reduceOnlyMode ? 'REDUCING' : 'ACTIVE',
    stateReason: risk.killSwitch
      ? 'kill switch engaged at start'
      : risk.reduceOnlyMode
        ? 'reduce-only mode at start'
        : 'started',
    stateChanges: [],
    portfolio: openPortfolio({
      quote,
      cash: args.cash,
      at: start,
      symbols: input.symbols.map((s) => ({ symbol: s, base: args.instruments[s].base })),
    }),
    windows: Object.fromEntries(input.symbols.map((s) => [s, []])),
    ...emptyRecords(),
  };
  audit(
    st,
    'RUN_STARTED',
    `${input.strategy.name} on ${input.symbols.join(', ')} with ${st.portfolio.cash} ${quote} (${input.mode})`,
    { numbers: { capital: st.portfolio.cash } },
  );
  audit(st, 'ENGINE_SELECTED', `${args.engine.engine}: ${args.engine.reason}`, {
    code: args.engine.engine.toUpperCase(),
  });
  return st;
}

/** Record a risk verdict in the audit trail and the counters. */
export function recordVerdict(state: RunState, v: RiskVerdict): void {
  const kind = v.decision === 'APPROVED' ? 'RISK_APPROVED' : v.decision === 'RESIZED' ? 'RISK_RESIZED' : 'RISK_DENIED';
  audit(
    state,
    kind,
    `${v.intent.side} ${display(v.intent.quantity)} ${v.intent.symbol}: ${v.decision} ${v.code} — ${v.message}`,
    { code: v.code, numbers: { ...v.numbers, approvedQuantity: v.quantity } },
  );
  if (v.decision === 'DENIED') countDenial(state, v.code);
  else if (v.decision === 'RESIZED') {
    state.counters.resized += 1;
    state.counters.resizedByReason = {
      ...state.counters.resizedByReason,
      [v.code]: (state.counters.resizedByReason?.[v.code] ?? 0) + 1,
    };
  } else state.counters.approved += 1;
}

export function audit(
  state: RunState,
  kind: AuditKind,
  message: string,
  extra: Partial<Pick<AuditEvent, 'code' | 'clientOrderId' | 'numbers'>> = {},
): void {
  state.auditSeq += 1;
  state.audit.push({ seq: state.auditSeq, tick: state.tick, at: state.marketTime, kind, message, ...extra });
  trimAudit(state);
}

/**
 * Record that the execution `executionRunId` records events from `fromSeq` on, keeping only the starts the audit
 * window still needs (an execution's label lasts until the next one's first event).
 */
export function noteExecution(state: RunState, executionRunId: string, fromSeq: number): void {
  const starts = (state.executions ?? []).filter((e) => e.executionRunId !== executionRunId);
  starts.push({ fromSeq, executionRunId });
  const oldest = state.audit[0]?.seq ?? fromSeq;
  while (starts.length > 1 && starts[1].fromSeq <= oldest) starts.shift();
  state.executions = starts;
}

/**
 * Keep the newest MAX_AUDIT_EVENTS events, and always the STATE_CHANGED that put the run in its current trading
 * state: a run HALTED for hours keeps denying its strategy's intents, and those must not push out why it is
 * HALTED.
 */
function trimAudit(state: RunState): void {
  const over = state.audit.length - MAX_AUDIT_EVENTS;
  if (over <= 0) return;
  let why = -1;
  for (let i = state.audit.length - 1; i >= 0 && why < 0; i--) if (state.audit[i].kind === 'STATE_CHANGED') why = i;
  if (why < 0 || why >= over) {
    state.audit.splice(0, over);
    return;
  }
  const kept = state.audit[why];
  state.audit.splice(0, over + 1, kept);
}

/** Change the trading state; returns whether it changed. */
export function changeTradingState(
  state: RunState,
  to: TradingState,
  reason: string,
  by: 'signal' | 'guard',
  numbers?: Record<string, string>,
  wallAt?: number,
): boolean {
  const from = state.tradingState;
  if (from === to) {
    // A person or the account supervisor asked for the state the run is already in (a halt of an account
    // reaching a run that a venue error or a reconciliation had halted): the run keeps its first reason, and
    // the audit keeps the second, so that both causes can be read afterwards.
    if (by === 'signal')
      audit(state, 'STATE_UNCHANGED', `already ${to} (${state.stateReason}); also: ${reason}`, {
        code: to,
        ...(numbers ? { numbers } : {}),
      });
    return false;
  }
  const { marketTime: at, tick } = state;
  const change = () => ({ at, tick, from, to, reason, by, ...(wallAt !== undefined ? { wallAt } : {}) });
  moveTradingState(state, to, reason, change, MAX_STATE_CHANGES);
  audit(state, 'STATE_CHANGED', stateChangeMessage(from, to, reason), { code: to, ...(numbers ? { numbers } : {}) });
  return true;
}

/** Append newly closed bars to the rolling window of a symbol, keeping the last `keep`. */
export function appendBars(window: Candle[], bars: readonly Candle[], keep: number): Candle[] {
  const last = window.length ? window[window.length - 1].ts : -Infinity;
  const merged = window.concat(bars.filter((b) => b.ts > last));
  return merged.length > keep ? merged.slice(merged.length - keep) : merged;
}

/** Fills of `order` not yet applied to the portfolio. */
export function newFills(state: RunState, order: Order): Fill[] {
  const applied = new Set(state.openOrders[order.clientOrderId]?.appliedFillIds ?? []);
  return order.fills.filter((f) => !applied.has(f.fillId));
}

/** Record the venue's latest view of an order after its new fills were applied. */
export function trackOrder(state: RunState, order: Order, applied: readonly Fill[]): void {
  const cid = order.clientOrderId;
  const prev = state.openOrders[cid];
  const appliedFillIds = [...(prev?.appliedFillIds ?? []), ...applied.map((f) => f.fillId)];
  state.counters.fills += applied.length;
  // Each fill is its own event; one that leaves the order short of its quantity is a partial fill.
  let filled = sub(order.filledQuantity, add('0', ...applied.map((f) => f.quantity)));
  for (const f of applied) {
    filled = add(filled, f.quantity);
    const partial = cmp(filled, order.quantity) < 0;
    audit(
      state,
      partial ? 'ORDER_PARTIALLY_FILLED' : 'ORDER_FILLED',
      `${f.side} ${f.quantity} ${order.symbol} @ ${f.price} (${f.liquidity}, fee ${f.fee} ${f.feeCurrency}; ${filled} of ${order.quantity} filled)`,
      {
        clientOrderId: cid,
        numbers: { quantity: f.quantity, price: f.price, fee: f.fee, filled, ordered: order.quantity },
      },
    );
  }
  if (!isTerminal(order.status)) {
    state.openOrders[cid] = { order, appliedFillIds, placedTick: prev?.placedTick ?? state.tick };
    return;
  }
  delete state.openOrders[cid];
  state.recentOrders.push(order);
  keepNewest(state.recentOrders, MAX_RECENT_ORDERS);
  const partial = order.filledQuantity !== '0' && order.status !== 'FILLED';
  if (partial) state.counters.partiallyFilled += 1;
  switch (order.status) {
    case 'FILLED':
      state.counters.filled += 1;
      break;
    case 'CANCELED':
      state.counters.canceled += 1;
      audit(state, 'ORDER_CANCELED', `canceled with ${order.filledQuantity} of ${order.quantity} filled`, {
        clientOrderId: cid,
      });
      break;
    case 'EXPIRED':
      state.counters.expired += 1;
      audit(state, 'ORDER_EXPIRED', `expired with ${order.filledQuantity} of ${order.quantity} filled`, {
        clientOrderId: cid,
      });
      break;
    case 'REJECTED':
      state.counters.rejected += 1;
      audit(state, 'ORDER_REJECTED', `rejected by the venue: ${order.rejectReason ?? ''}`, { clientOrderId: cid });
      break;
  }
}

/** Orders open for more than `afterTicks` ticks: to be canceled. */
export function ordersToCancel(state: RunState, afterTicks: number): Order[] {
  return Object.values(state.openOrders)
    .filter((o) => state.tick - o.placedTick >= afterTicks)
    .map((o) => o.order);
}

export function countDenial(state: RunState, code: string): void {
  state.counters.denied += 1;
  state.counters.deniedByReason[code] = (state.counters.deniedByReason[code] ?? 0) + 1;
}

export function summarize(state: RunState, input: StrategyRunInput, workflowId: string): RunSummary {
  const p = state.portfolio;
  const c = state.counters;
  return {
    workflowId,
    runId: input.runId,
    accountId: input.accountId,
    strategy: input.strategy.name,
    engine: state.engine,
    symbols: input.symbols,
    ticks: state.tick,
    orders: summaryOrders(c),
    fills: c.fills,
    fees: p.fees,
    feesQuote: p.feesQuote,
    quote: p.quote,
    startingCapital: p.startingCapital,
    cash: p.cash,
    positions: Object.fromEntries(Object.values(p.positions).map((x) => [x.symbol, x.quantity])),
    equity: p.equity,
    realizedPnl: p.realizedPnl,
    unrealizedPnl: p.unrealizedPnl,
    netPnl: sub(p.equity, p.startingCapital),
    maxDrawdownPct: p.maxDrawdownPct,
    tradingState: state.tradingState,
    stateReason: state.stateReason,
    ...(state.finished ? { finished: state.finished } : {}),
  };
}
