/**
 * strategyRun: one strategy on one account, tick by tick:
 *   market.snapshot → strategy.signals → risk.evaluate → <engine>.placeOrder → follow → portfolio.applyFills
 * Every step is an activity or a local activity, so the Temporal UI shows the intent, the verdict with
 * its numbers, the order and the fills. Orchestration only: all logic lives in domain/.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PlaceOrderResult } from '../activities/types';
import { formatZodIssues } from '../domain/errors';
import { selectEngine } from '../domain/execution/selection';
import { clientOrderIdPrefix, deriveClientOrderId } from '../domain/ids';
import { isTerminal, type Order } from '../domain/orders/order';
import { markToMarket } from '../domain/portfolio/portfolio';
import { min, sub } from '../domain/money';
import { assessGuards, tradingStateDenial } from '../domain/risk/engine';
import type { RiskVerdict } from '../domain/risk/verdict';
import { HaltSignal, ReconcileSignal, ResumeSignal, StrategyRunInput, type StrategyRunInputRaw } from '../domain/run/input';
import { describeDifferences, openingDifferences, reconcileBalances, reconcileOrders, runAssets, runDeltas, type Difference, type VenueView } from '../domain/run/reconcile';
import type { RunState, RunSummary } from '../domain/run/state';
import { appendBars, audit, changeTradingState, countDenial, initialRunState, newFills, ordersToCancel, recordVerdict, summarize, trackOrder } from '../domain/run/transitions';
import type { TradingState } from '../domain/run/trading-state';
import { getStrategy } from '../domain/strategies';
import { auditQuery, haltSignal, ordersQuery, portfolioQuery, reconcileSignal, resumeSignal, statusQuery, type RunStatus } from './definitions';
import { venueTaskQueue } from '../temporal/task-queues';
import { AccountIdKey, EngineKey, StrategyIdKey, TradingModeKey, TradingStateKey } from './search-attributes';
import { tickSignal, type TickDriver } from './scheduling';

/** Venue calls. A ccxt venue's go to the venue account's own task queue (rate limit shared by all workers). */
function venueActivities(taskQueue: string | undefined) {
  const q = taskQueue ? { taskQueue } : {};
  return {
    io: proxyActivities<Activities>({
      ...q,
      startToCloseTimeout: '30s',
      // Retryable venue errors (network, 5xx, rate limits) retry with backoff for as long as it takes;
      // non-retryable ones (auth, invalid order, insufficient funds) are marked so by the error table.
      retry: { initialInterval: '250ms', backoffCoefficient: 2, maximumInterval: '30s' },
    }),
    follow: proxyActivities<Activities>({ ...q, startToCloseTimeout: '2m', heartbeatTimeout: '10s', retry: { initialInterval: '250ms', maximumInterval: '30s' } }),
  };
}
/** Reconciliation exists from this patch on; histories recorded before it replay without it. */
const RECONCILIATION_PATCH = 'reconciliation-v1';
const decide = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });
/** Halt/breach alerts (activities/alerts.ts): SNS in AWS, a log line everywhere. */
const notify = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 } });
/** Alerts exist from this patch on; histories recorded before it replay without them. */
const HALT_ALERTS_PATCH = 'halt-alerts-v1';

/** `driver` (tick mode, docs/decisions/0005): present iff each tick waits for a `tick` signal instead of a timer. */
export async function strategyRun(rawInput: StrategyRunInputRaw, carried?: RunState, driver?: TickDriver): Promise<RunSummary> {
  const parsed = StrategyRunInput.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid run input: ${formatZodIssues(parsed.error)}`, 'VALIDATION');
  const input = parsed.data;
  const info = workflowInfo();
  const strategy = getStrategy(input.strategy.name);
  const lookback = strategy.lookback(strategy.params.parse(input.strategy.params) as never);
  const { io, follow } = venueActivities(venueTaskQueue(input.venue, input.accountId));
  let state: RunState | undefined = carried;
  let ticksThisRun = 0;

  // ---- handlers (registered before any await; signals that arrive earlier are buffered) ----
  setHandler(statusQuery, (): RunStatus => ({
    workflowId: info.workflowId,
    runId: input.runId,
    accountId: input.accountId,
    strategy: input.strategy.name,
    symbols: input.symbols,
    mode: input.mode,
    phase: !state ? 'STARTING' : state.finished ? 'FINISHED' : 'RUNNING',
    engine: state?.engine,
    tradingState: state?.tradingState ?? 'ACTIVE',
    stateReason: state?.stateReason ?? '',
    stateChanges: state?.stateChanges ?? [],
    tick: state?.tick ?? 0,
    marketTime: state?.marketTime,
    openOrders: state ? Object.keys(state.openOrders).length : 0,
    counters: state?.counters,
    equity: state?.portfolio.equity,
    quote: state?.portfolio.quote,
    finished: state?.finished,
    reconciliation: state?.reconciliation?.last,
  }));
  setHandler(portfolioQuery, () => state?.portfolio);
  setHandler(ordersQuery, () => ({ open: state ? Object.values(state.openOrders).map((o) => o.order) : [], recent: state?.recentOrders ?? [] }));
  setHandler(auditQuery, () => state?.audit ?? []);

  const pendingSignals: Array<{ kind: 'halt' | 'resume' | 'reconcile'; raw: unknown }> = [];
  setHandler(haltSignal, (raw) => {
    pendingSignals.push({ kind: 'halt', raw });
    applySignals();
  });
  setHandler(resumeSignal, (raw) => {
    pendingSignals.push({ kind: 'resume', raw: raw ?? {} });
    applySignals();
  });
  // Tick mode: ticks delivered by a schedule's scheduledTick workflows, taken one per signal.
  let ticksDue = driver?.pending ?? 0;
  setHandler(tickSignal, () => void (ticksDue += 1));
  setHandler(reconcileSignal, (raw) => {
    pendingSignals.push({ kind: 'reconcile', raw });
    applySignals();
  });

  function setTradingState(to: TradingState, reason: string, by: 'signal' | 'guard', numbers?: Record<string, string>): void {
    const from = state?.tradingState ?? 'ACTIVE';
    if (state && changeTradingState(state, to, reason, by, numbers)) {
      upsertSearchAttributes([{ key: TradingStateKey, value: to }]);
      if ((to === 'HALTED' || by === 'guard') && patched(HALT_ALERTS_PATCH)) sendAlert(state, from, to, reason, by, numbers);
    }
    showDetails();
  }

  /** The UI's "current details" of the run: its trading state and the latest reconciliation, in words. */
  function showDetails(): void {
    if (!state) return;
    const rec = state.reconciliation?.last;
    const lines = [`**${state.tradingState}** — ${state.stateReason}`];
    if (rec) {
      lines.push(`Reconciliation (${rec.trigger}, tick ${rec.tick}): ${rec.ok ? 'venue agrees' : `${rec.differences.length} difference(s)`}`);
      for (const d of rec.differences) lines.push(`- ${d.code}: ${d.message}`);
    }
    setCurrentDetails(lines.join('\n'));
  }

  // An alert is sent without blocking the tick; the run waits for every alert before it ends or hands over.
  let alertsInFlight = 0;
  function sendAlert(s: RunState, from: TradingState, to: TradingState, reason: string, by: 'signal' | 'guard', numbers?: Record<string, string>): void {
    alertsInFlight += 1;
    const alert = { kind: to === 'HALTED' ? ('HALTED' as const) : ('BREACH' as const), workflowId: info.workflowId, runId: input.runId, accountId: input.accountId, strategy: input.strategy.name, mode: input.mode, from, to, reason, by, ...(numbers ? { numbers } : {}), tick: s.tick, marketTime: s.marketTime, at: Date.now() };
    void notify['alerts.notify'](alert)
      .catch(() => undefined) // a failed alert is visible in the history; trading state is already changed
      .finally(() => (alertsInFlight -= 1));
  }
  const alertsSent = () => condition(() => alertsInFlight === 0);

  /** Signals are validated in the workflow too: a bad payload is recorded and changes nothing. */
  function applySignals(): void {
    if (!state) return; // buffered until the run is initialized
    for (const s of pendingSignals.splice(0)) {
      const r = (s.kind === 'halt' ? HaltSignal : s.kind === 'resume' ? ResumeSignal : ReconcileSignal).safeParse(s.raw);
      if (!r.success) {
        audit(state, 'SIGNAL_REJECTED', `${s.kind} signal rejected: ${formatZodIssues(r.error)}`, { code: 'INVALID_SIGNAL' });
        continue;
      }
      if (s.kind === 'halt') setTradingState('HALTED', (r.data as HaltSignal).reason, 'signal');
      else if (s.kind === 'reconcile') requestReconciliation((r.data as ReconcileSignal).reason);
      else {
        const resume = r.data as ResumeSignal;
        setTradingState('ACTIVE', resume.reason, 'signal');
        // Resuming after the venue disagreed: compare again before the next trade (and adopt if told to).
        if (state.reconciliation?.last && !state.reconciliation.last.ok) requestReconciliation('resume', resume.adoptVenueBalances);
      }
    }
  }

  function requestReconciliation(reason: string, adoptBalances = false): void {
    if (!state?.reconciliation) return;
    state.reconciliation.requested = state.reconciliation.requested ? `${state.reconciliation.requested}, ${reason}` : reason;
    if (adoptBalances) state.reconciliation.adoptBalances = true;
  }

  // ---- initialization (first run of the chain only; continue-as-new carries the state) ----
  if (!state) {
    const ref = { venue: input.venue, accountId: input.accountId };
    const desc = await io['market.describe']({ ...ref, symbols: input.symbols });
    const quote = input.symbols[0].split('/')[1];
    const balances = await io['account.open']({ ...ref, quote, capital: input.capital });
    const start = desc.clock.kind === 'replay' ? (input.startTime ?? desc.clock.start + (lookback - 1) * desc.clock.barMs) : Date.now();
    const opened = initialRunState({ input, start, clock: desc.clock, instruments: desc.instruments, capabilities: desc.capabilities, engine: selectEngine(input.engine, input.risk), quote, cash: min(input.capital, balances[quote].total) });
    if (patched(RECONCILIATION_PATCH)) {
      // Opening reconciliation: the account must hold the capital, no position in the run's assets and
      // no order the run does not know, before the first trade. The venue's totals become the baseline.
      const view = await io['account.reconcile']({ ...ref, symbols: input.symbols, runOrders: [] });
      const assets = runAssets(opened.portfolio);
      opened.reconciliation = { baseline: Object.fromEntries(assets.map((a) => [a, view.balances[a] ?? '0'])), lastTick: 0 };
      state = opened;
      const bases = Object.values(opened.portfolio.positions).map((p) => p.base);
      const differences = [
        ...openingDifferences({ quote, capital: input.capital, bases: input.reconciliation.balances === 'exclusive' ? bases : [], venue: view.balances }),
        ...reconcileOrders({ openOrders: {}, ownPrefix: clientOrderIdPrefix(info.workflowId), symbols: input.symbols }, view, input.reconciliation.balances).differences,
      ];
      concludeReconciliation(opened, 'opening', differences, view, 0);
    }
    state = opened;
  }
  const st: RunState = state;
  upsertSearchAttributes([
    { key: StrategyIdKey, value: input.strategy.name },
    { key: AccountIdKey, value: input.accountId },
    { key: EngineKey, value: st.engine.engine },
    { key: TradingModeKey, value: input.mode },
    { key: TradingStateKey, value: st.tradingState },
  ]);
  applySignals();
  showDetails();

  const engine = st.engine.engine;
  const ref = { venue: input.venue, accountId: input.accountId };
  const replay = st.clock.kind === 'replay';
  const reconciling = patched(RECONCILIATION_PATCH);
  if (reconciling && carried) {
    if (!st.reconciliation) {
      // State carried from a run that predates reconciliation: it has no baseline. Take the venue's
      // balances as the baseline (audited) and compare orders as usual.
      st.reconciliation = { baseline: {}, lastTick: st.tick, requested: 'continue-as-new (first reconciliation of this chain)', adoptBalances: true };
    } else requestReconciliation('continue-as-new');
  }

  /** Compare the venue with the run, catch up on fills the run has not seen, and stop trading on any difference. */
  async function reconcileNow(): Promise<void> {
    const rec = st.reconciliation;
    if (!rec?.requested) return;
    const trigger = rec.requested;
    const adopt = rec.adoptBalances === true;
    rec.requested = undefined;
    rec.adoptBalances = undefined;
    const runOrders = Object.values(st.openOrders).map((o) => ({ symbol: o.order.symbol, clientOrderId: o.order.clientOrderId }));
    const view = await io['account.reconcile']({ ...ref, symbols: input.symbols, runOrders });
    const orders = reconcileOrders({ openOrders: st.openOrders, ownPrefix: clientOrderIdPrefix(info.workflowId), symbols: input.symbols }, view, input.reconciliation.balances);
    for (const o of orders.catchUp) await settle(o);
    let differences = orders.differences;
    if (input.reconciliation.balances === 'exclusive') {
      let balances = reconcileBalances(st.portfolio, rec.baseline, view.balances);
      if (adopt && balances.length > 0) {
        const deltas = runDeltas(st.portfolio);
        for (const d of balances) {
          const asset = d.asset as string;
          rec.baseline[asset] = sub(view.balances[asset] ?? '0', deltas[asset] ?? '0');
          audit(st, 'BALANCES_ADOPTED', `${asset}: the venue's ${view.balances[asset] ?? '0'} taken as right (${trigger}); the run's expectation was ${d.numbers.expected}`, { code: 'BALANCES_ADOPTED', numbers: d.numbers });
        }
        balances = [];
      }
      differences = [...differences, ...balances];
    }
    concludeReconciliation(st, trigger, differences, view, orders.catchUp.length);
  }

  async function settle(order: Order): Promise<void> {
    const fills = newFills(st, order);
    if (fills.length > 0) st.portfolio = await decide['portfolio.applyFills']({ portfolio: st.portfolio, fills });
    trackOrder(st, order, fills);
  }

  async function followOpenOrders(): Promise<void> {
    const open = Object.values(st.openOrders).map((o) => ({ symbol: o.order.symbol, clientOrderId: o.order.clientOrderId }));
    if (open.length === 0) return;
    const orders = await follow[`${engine}.followOrders`]({ ...ref, orders: open, waitMs: 0 });
    for (const o of orders) await settle(o);
    if (orders.length < open.length) requestReconciliation(`${open.length - orders.length} open order(s) not found at the venue`);
    if (st.reconciliation?.requested) return reconcileNow();
    for (const o of ordersToCancel(st, input.cancelAfterTicks)) {
      await settle(await io[`${engine}.cancelOrder`]({ ...ref, symbol: o.symbol, clientOrderId: o.clientOrderId }));
    }
  }

  async function place(v: RiskVerdict, snapshot: Parameters<Activities['live.placeOrder']>[0]['snapshot']): Promise<void> {
    // A halt may have been signaled while risk was deciding: check the state again, right before the venue.
    const late = tradingStateDenial(v.intent, st.tradingState, input.risk);
    if (late) {
      audit(st, 'RISK_DENIED', `${v.intent.side} ${v.intent.symbol} not placed: run became ${st.tradingState}`, { code: late.code, numbers: late.numbers });
      countDenial(st, late.code);
      return;
    }
    st.orderSeq += 1;
    const clientOrderId = deriveClientOrderId(info.workflowId, st.orderSeq);
    const result: PlaceOrderResult = await io[`${engine}.placeOrder`]({
      ...ref,
      clientOrderId,
      intent: { ...v.intent, quantity: v.quantity },
      snapshot,
      instrument: st.instruments[v.intent.symbol],
      capabilities: st.capabilities,
      config: input.risk,
      tradingState: st.tradingState,
      equity: st.portfolio.equity,
      at: st.marketTime,
    });
    if (result.kind === 'rejected') {
      audit(st, 'ORDER_REJECTED', `${v.intent.side} ${v.quantity} ${v.intent.symbol} rejected by the ${result.by === 'engine' ? `${engine} engine` : 'venue'}: ${result.code} — ${result.message}`, { code: result.code, clientOrderId, numbers: { ...result.numbers, ...(result.suggestedQuantity ? { suggestedQuantity: result.suggestedQuantity } : {}) } });
      if (result.by === 'engine') countDenial(st, result.code);
      else st.counters.rejected += 1;
      return;
    }
    st.counters.placed += 1;
    const o = result.order;
    audit(st, 'ORDER_PLACED', `${o.side} ${o.quantity} ${o.symbol} ${o.type}${o.price ? ` @ ${o.price}` : ''} ${o.tif}${o.postOnly ? ' post-only' : ''}${o.reduceOnly ? ' reduce-only' : ''} → ${o.status}${result.recovered ? ' (recovered by clientOrderId)' : ''}`, {
      clientOrderId,
      numbers: { ...result.numbers, expectedPrice: result.expectedPrice, expectedSlippageBps: result.expectedSlippageBps, ...(result.preview ? { previewPrice: result.preview.expectedPrice, previewFee: result.preview.expectedFee } : {}) },
    });
    let order: Order | undefined = o;
    if (!isTerminal(order.status) && !replay) {
      [order] = await follow[`${engine}.followOrders`]({ ...ref, orders: [{ symbol: o.symbol, clientOrderId }], waitMs: 5_000 });
    }
    if (!order) {
      // Accepted, then unknown to the venue: track it as placed and let reconciliation decide (fail-closed).
      trackOrder(st, o, []);
      requestReconciliation(`order ${clientOrderId} vanished at the venue after it was accepted`);
      return reconcileNow();
    }
    await settle(order);
  }

  async function tick(): Promise<void> {
    const since = Object.fromEntries(input.symbols.map((s) => [s, st.windows[s].length ? st.windows[s][st.windows[s].length - 1].ts : undefined]));
    const snaps = await io['market.snapshot']({ ...ref, symbols: input.symbols, at: st.marketTime, since, limit: lookback });
    const marks: Record<string, string> = {};
    for (const s of input.symbols) {
      st.windows[s] = appendBars(st.windows[s], snaps[s].bars, lookback);
      marks[s] = snaps[s].mark;
    }
    st.portfolio = markToMarket(st.portfolio, marks, st.marketTime);
    await followOpenOrders();

    const intents = await decide['strategy.signals']({
      strategyId: input.strategy.name,
      strategy: input.strategy.name,
      params: input.strategy.params,
      windows: st.windows,
      positions: Object.fromEntries(Object.values(st.portfolio.positions).map((p) => [p.symbol, p.quantity])),
      marks,
      equity: st.portfolio.equity,
    });
    st.counters.intents += intents.length;
    for (const intent of intents) audit(st, 'INTENT_SIGNALED', `${intent.side} ${intent.quantity} ${intent.symbol}: ${intent.reason}`, { numbers: { quantity: intent.quantity, mark: marks[intent.symbol] } });

    // Risk decides once per intent, so each sees the fills before it. Runtime guards are checked every
    // tick; on a quiet tick (no intent, no breach) nothing needs deciding and no step is recorded.
    const breach = assessGuards(st.portfolio, input.risk);
    const batches = intents.length > 0 ? intents.map((i) => [i]) : breach && breach.target !== st.tradingState ? [[]] : [];
    for (const batch of batches) {
      const ev = await decide['risk.evaluate']({ engine, intents: batch, portfolio: st.portfolio, tradingState: st.tradingState, config: input.risk, instruments: st.instruments });
      if (ev.guard && ev.tradingState !== st.tradingState) setTradingState(ev.tradingState, ev.guard.message, 'guard', ev.guard.numbers);
      for (const v of ev.verdicts) {
        recordVerdict(st, v);
        if (v.decision !== 'DENIED') await place(v, snaps[v.intent.symbol]);
      }
    }
    st.counters.ticks += 1;
    if (replay && input.stop.endOfData && input.symbols.some((s) => snaps[s].endOfData)) finish('END_OF_DATA');
  }

  function concludeReconciliation(target: RunState, trigger: string, differences: Difference[], view: VenueView, caughtUp: number): void {
    const rec = target.reconciliation;
    if (!rec) return;
    rec.lastTick = target.tick;
    rec.last = {
      at: target.marketTime,
      tick: target.tick,
      trigger,
      ok: differences.length === 0,
      differences,
      checked: { venueOpenOrders: view.openOrders.length, runOpenOrders: Object.keys(view.runOrders).length, caughtUp, assets: Object.keys(rec.baseline).sort() },
    };
    if (differences.length === 0) {
      showDetails();
      audit(target, 'RECONCILED', `venue agrees (${trigger}): ${Object.keys(view.runOrders).length} open orders of the run, ${caughtUp} caught up, balances of ${Object.keys(rec.baseline).sort().join(', ')}${input.reconciliation.balances === 'shared' ? ' not compared (shared account)' : ' match'}`, { code: 'RECONCILED' });
      return;
    }
    for (const d of differences) audit(target, 'RECONCILIATION_FAILED', d.message, { code: d.code, numbers: d.numbers, ...(d.clientOrderId ? { clientOrderId: d.clientOrderId } : {}) });
    const to = target.tradingState === 'HALTED' ? 'HALTED' : input.reconciliation.onMismatch;
    setTradingState(to, `reconciliation (${trigger}) found ${differences.length} difference${differences.length === 1 ? '' : 's'} with the venue: ${describeDifferences(differences)}`, 'guard', { differences: String(differences.length) });
  }

  function finish(reason: string): void {
    st.finished = { reason, at: st.marketTime };
    audit(st, 'RUN_FINISHED', `finished: ${reason}`, { code: reason });
  }

  /** Why the run must end before its next tick, if it must. */
  function stopReason(): string | undefined {
    if (input.stop.maxTicks !== undefined && st.tick >= input.stop.maxTicks) return 'MAX_TICKS';
    if (input.stop.endTime !== undefined && st.marketTime >= input.stop.endTime) return 'END_TIME';
    return undefined;
  }

  // ---- the tick loop ----
  try {
    while (!st.finished) {
      const reason = stopReason();
      if (reason) {
        finish(reason);
        break;
      }
      if (driver) {
        await condition(() => ticksDue > 0);
        ticksDue -= 1;
      }
      if (reconciling && st.reconciliation) {
        const every = input.reconciliation.everyTicks;
        if (every > 0 && st.tick - st.reconciliation.lastTick >= every) requestReconciliation(`every ${every} ticks`);
        await reconcileNow();
      }
      await tick();
      st.tick += 1;
      ticksThisRun += 1;
      if (st.finished) break;
      if (input.tickInterval > 0) await sleep(input.tickInterval);
      st.marketTime = replay ? st.marketTime + st.clock.barMs : Date.now();
      // Never hand over to a new run that would only end: the last run keeps the last ticks.
      if (!stopReason() && (ticksThisRun >= input.continueAsNewAfterTicks || workflowInfo().continueAsNewSuggested)) {
        await condition(allHandlersFinished);
        st.continuedAsNew += 1;
        audit(st, 'CONTINUED_AS_NEW', `continued as new after ${ticksThisRun} ticks (history ${workflowInfo().historyLength} events)`);
        await alertsSent();
        await continueAsNew<typeof strategyRun>(input, st, driver ? { kind: 'signals', pending: ticksDue } : undefined);
      }
    }
  } catch (err) {
    // Fail closed: a non-retryable venue error (bad credentials, permission, config) halts the run
    // with the venue's words, then fails it so that it cannot be missed.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
      setTradingState('HALTED', `venue error ${err.cause.type}: ${err.cause.message}`, 'guard');
      finish(`FAILED_${err.cause.type ?? 'UNKNOWN'}`);
      await alertsSent();
      throw ApplicationFailure.nonRetryable(`run halted: ${err.cause.message}`, err.cause.type ?? 'UNKNOWN');
    }
    throw err;
  }
  await alertsSent();
  await condition(allHandlersFinished);
  return summarize(st, input, info.workflowId);
}
