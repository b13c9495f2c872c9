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
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  type ChildWorkflowHandle,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PlaceOrderResult } from '../activities/types';
import { formatZodIssues } from '../domain/errors';
import { selectEngine } from '../domain/execution/selection';
import { closePositionIntent } from '../domain/execution/management';
import { clientOrderIdPrefix, deriveClientOrderId } from '../domain/ids';
import { OrderIntent, isTerminal, type Order } from '../domain/orders/order';
import { markToMarket } from '../domain/portfolio/portfolio';
import { cmp, display, min, sub } from '../domain/money';
import { assessGuards, isReducing, tradingStateDenial } from '../domain/risk/engine';
import { runStateFor, type ReportingNeeds } from '../domain/risk/account';
import { runReportSignal, supervisorWorkflowId } from './account-definitions';
import type { RiskVerdict } from '../domain/risk/verdict';
import { applyRiskPatch, type RiskConfig } from '../domain/risk/config';
import { HaltSignal, ReconcileSignal, ResumeSignal, StrategyRunInput, type StrategyRunInputRaw } from '../domain/run/input';
import { describeDifferences, openingDifferences, reconcileBalances, reconcileOrders, runAssets, runDeltas, type Difference, type VenueView } from '../domain/run/reconcile';
import type { RunState, RunSummary } from '../domain/run/state';
import { appendBars, audit, changeTradingState, countDenial, initialRunState, newFills, ordersToCancel, recordVerdict, summarize, trackOrder } from '../domain/run/transitions';
import type { TradingState } from '../domain/run/trading-state';
import { getStrategy } from '../domain/strategies';
import { dueReport, reportDelivered } from '../domain/run/account-link';
import { accountHistoryBars, advanceRunVolBreaker, holdAfter, initialRunRisk, needsHistory, observeAccountBars, observeBars, recordFills, recordSubmit, riskHistoryBars, runFacts } from '../domain/run/risk';
import { accountNeedsSignal, auditQuery, haltSignal, ordersQuery, portfolioQuery, reconcileSignal, resumeSignal, statusQuery, updateRiskUpdate, type RunStatus } from './definitions';
import { venueTaskQueue } from '../temporal/task-queues';
import { venueActivities } from './venue-activities';
import { AccountIdKey, EngineKey, StrategyIdKey, TradingModeKey, TradingStateKey } from './search-attributes';
import { tickSignal, type TickDriver } from './scheduling';
// Advanced execution (issue #5): synthetic durable stops and the execution monitor.
import { armSyntheticStop, executionView, fireStops, goesSynthetic, measureIfDone, noteArrival } from './execution/run-execution';
// Execution algorithms as child workflows (issue #5): TWAP / iceberg intents.
import { algoOrder } from './algos';
import { algoReportSignal, algoTickSignal, algoTradingStateSignal, cancelAlgoSignal } from './algo-definitions';
import { AlgoReport, floorToStep, type AlgoOrderInputRaw } from '../domain/execution/algos';

/**
 * From this patch on, a run that pauses between ticks (tickInterval > 0) and whose venue calls need no venue
 * task queue (the paper venue: no shared rate limit) reads the tick's market snapshot as a local activity:
 * a read that runs inside the tick's workflow task, so a quiet tick is one workflow task instead of two plus
 * an activity task
 * (docs/performance.md). Orders, cancels and follow-ups stay activities. A ccxt venue keeps every call on
 * its account's queue, where the workers share the venue's rate limit.
 */
const LOCAL_SNAPSHOT_PATCH = 'local-snapshot-v1';
/** Reconciliation exists from this patch on; histories recorded before it replay without it. */
const RECONCILIATION_PATCH = 'reconciliation-v1';
const decide = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });
/** Halt/breach alerts (activities/alerts.ts): SNS in AWS, a log line everywhere. */
const notify = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 } });
/** Alerts exist from this patch on; histories recorded before it replay without them. */
const HALT_ALERTS_PATCH = 'halt-alerts-v1';
/** Synthetic stops exist from this patch on: before it, a stop the venue could not hold was denied by the engine. */
const SYNTHETIC_STOPS_PATCH = 'synthetic-stops-v1';
/** Bars of history per snapshot call on a run's first tick (~110 bytes a bar in the payload). */
const HISTORY_BARS_PER_CALL = 3_000;
/** The account supervisor exists from this patch on (register, approvals, reports, halt policies). */
const ACCOUNT_PATCH = 'account-supervisor-v1';
/** Reports of equity alone only when it moved by the account's step (before: every tick with a position). */
const REPORT_STEP_PATCH = 'account-report-step-v1';
/** From this patch on, an intent with an `algo` starts a TWAP / iceberg child workflow (before it, `algo` did not exist). */
const ALGO_CHILDREN_PATCH = 'algo-children-v1';
/** How long a tick waits for a child algo's report before it goes on without it (audited). */
const ALGO_REPORT_WAIT = '2 minutes';
/**
 * Calls to the account's supervisor (Update-with-Start). First as local activities; since
 * ACCOUNT_CALLS_PATCH as activities: a local activity holds the run's workflow task (and its worker slot)
 * open while the Update waits for the supervisor's own workflow task, so with many runs on one worker every
 * slot can end up held by a run waiting for a supervisor that has no slot to run in. Retried, as the
 * supervisor may be starting; the Update id makes a retry get the same answer.
 */
const accountCallOptions = { startToCloseTimeout: '30s', retry: { initialInterval: '250ms', backoffCoefficient: 2, maximumInterval: '10s' } } as const;
const accountCallsLocal = proxyLocalActivities<Activities>(accountCallOptions);
const accountCallsRemote = proxyActivities<Activities>(accountCallOptions);
const ACCOUNT_CALLS_PATCH = 'account-calls-as-activities-v1';
/**
 * From this patch on, a run that finishes cancels the orders it still has working at the venue and
 * accounts their last fills: an order left working after the end would fill with no run to account for it.
 */
const CANCEL_AT_FINISH_PATCH = 'cancel-open-orders-at-finish-v1';
/** From this patch on, the trading state is checked again after the account's approval, before the venue. */
const RECHECK_AFTER_APPROVAL_PATCH = 'recheck-after-approval-v1';

/** `driver` (tick mode, docs/decisions/0005): present iff each tick waits for a `tick` signal instead of a timer. */
export async function strategyRun(rawInput: StrategyRunInputRaw, carried?: RunState, driver?: TickDriver): Promise<RunSummary> {
  const parsed = StrategyRunInput.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid run input: ${formatZodIssues(parsed.error)}`, 'VALIDATION');
  const input = parsed.data;
  const info = workflowInfo();
  const strategy = getStrategy(input.strategy.name);
  const lookback = strategy.lookback(strategy.params.parse(input.strategy.params) as never);
  const venueQueue = venueTaskQueue(input.venue, input.accountId);
  const { io, follow, local } = venueActivities(venueQueue);
  let state: RunState | undefined = carried;
  let ticksThisRun = 0;
  /** The run's risk config: its input's, with the changes accepted at run time (updateRisk). */
  const risk = (): RiskConfig => state?.riskConfig ?? input.risk;

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
    execution: state ? executionView(state) : undefined,
    ...(state?.algos ? { algos: Object.values(state.algos) } : {}),
  }));
  setHandler(portfolioQuery, () => state?.portfolio);
  setHandler(ordersQuery, () => ({ open: state ? Object.values(state.openOrders).map((o) => o.order) : [], recent: state?.recentOrders ?? [] }));
  setHandler(auditQuery, () => state?.audit ?? []);
  setHandler(
    updateRiskUpdate,
    (patch) => {
      const st0 = state as RunState;
      const r = applyRiskPatch(risk(), patch);
      if (!r.ok) throw ApplicationFailure.nonRetryable(r.error, 'VALIDATION'); // the validator ran the same check
      st0.riskConfig = r.config;
      audit(st0, 'RISK_CONFIG_UPDATED', `risk limits changed at run time: ${r.changed.join(', ') || 'nothing'}`, { code: 'RISK_CONFIG_UPDATED', numbers: Object.fromEntries(r.changed.map((k) => [k, JSON.stringify((r.config as Record<string, unknown>)[k] ?? null)])) });
      if (r.config.killSwitch && st0.tradingState !== 'HALTED') setTradingState('HALTED', 'kill switch engaged at run time', 'signal');
      else if (r.config.reduceOnlyMode && st0.tradingState === 'ACTIVE') setTradingState('REDUCING', 'reduce-only mode at run time', 'signal');
      return r.config;
    },
    {
      // Bad values are refused before they reach the run: the current limits stay, and the error names the field.
      validator: (patch) => {
        if (!state) throw new Error('the run is still starting: send the change again in a moment');
        const r = applyRiskPatch(risk(), patch);
        if (!r.ok) throw new Error(`invalid risk limits: ${r.error}`);
      },
    },
  );

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
  setHandler(accountNeedsSignal, (needs) => applyNeeds(needs ?? {}));
  // Child algos' reports, applied by the tick (fills go through settle(), deduped by fill id).
  const algoReports: AlgoReport[] = [];
  const algoHandles = new Map<string, ChildWorkflowHandle<typeof algoOrder>>();
  setHandler(algoReportSignal, (raw) => {
    const r = AlgoReport.safeParse(raw);
    if (!r.success) {
      if (state) audit(state, 'SIGNAL_REJECTED', `algoReport signal rejected: ${formatZodIssues(r.error)}`, { code: 'INVALID_SIGNAL' });
      return;
    }
    const link = state?.algos?.[r.data.workflowId];
    if (!link) return;
    algoReports.push(r.data);
    link.reportedAt = Math.max(link.reportedAt, r.data.at);
    link.progress = r.data.progress;
    if (r.data.final) link.ended = true;
  });
  const runningAlgos = () => Object.values(state?.algos ?? {}).filter((a) => !a.ended);
  /** Tell every running child (fire and forget: a child that just ended has nothing to stop). */
  function toAlgos(send: (h: ChildWorkflowHandle<typeof algoOrder>) => Promise<void>): void {
    for (const a of runningAlgos()) {
      const h = algoHandles.get(a.workflowId);
      if (h) void send(h).catch(() => undefined);
    }
  }
  setHandler(reconcileSignal, (raw) => {
    pendingSignals.push({ kind: 'reconcile', raw });
    applySignals();
  });

  function setTradingState(to: TradingState, reason: string, by: 'signal' | 'guard', numbers?: Record<string, string>): void {
    const from = state?.tradingState ?? 'ACTIVE';
    if (state && changeTradingState(state, to, reason, by, numbers, state.account ? Date.now() : undefined)) {
      upsertSearchAttributes([{ key: TradingStateKey, value: to }]);
      // Running algos follow the run's trading state at once (HALTED stops them; REDUCING unless reduce-only).
      toAlgos((h) => h.signal(algoTradingStateSignal, { tradingState: to, reason }));
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
      if (s.kind === 'halt') applyHalt(r.data as HaltSignal);
      else if (s.kind === 'reconcile') requestReconciliation((r.data as ReconcileSignal).reason);
      else {
        const resume = r.data as ResumeSignal;
        setTradingState('ACTIVE', resume.reason, 'signal');
        // Resuming after the venue disagreed: compare again before the next trade (and adopt if told to).
        if (state.reconciliation?.last && !state.reconciliation.last.ok) requestReconciliation('resume', resume.adoptVenueBalances);
      }
    }
  }

  /** A halt without policy stops trading; with one (sent by the account supervisor or a person) it also acts. */
  function applyHalt(h: HaltSignal): void {
    if (!state) return;
    if (!h.policy || !state.account) return setTradingState('HALTED', h.reason, 'signal');
    // stop-entries never weakens a HALTED run; the others halt it and queue their actions for the loop.
    if (h.policy === 'stop-entries' && state.tradingState === 'HALTED') return;
    setTradingState(runStateFor(h.policy), h.reason, 'signal');
    if (h.policy !== 'stop-entries') state.account.cancelAll = true;
    if (h.policy === 'flatten') state.account.flatten = true;
  }

  /** What the account's supervisor asks the run to report (at registration and when its limits change). */
  function applyNeeds(needs: ReportingNeeds): void {
    const a = state?.account;
    if (!a) return;
    if (needs.correlation) a.correlation = needs.correlation;
    else delete a.correlation;
    if (needs.reportStepPct !== undefined) a.reportStepPct = needs.reportStepPct;
    else delete a.reportStepPct;
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
    const opened = initialRunState({ input, start, clock: desc.clock, instruments: desc.instruments, capabilities: desc.capabilities, engine: selectEngine(input.engine, risk()), quote, cash: min(input.capital, balances[quote].total) });
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
  // The account supervisor: join the account (a run started in a halted account starts halted).
  const supervised = patched(ACCOUNT_PATCH);
  // Patches asked here, once, at a fixed point of every execution: asked first inside a path that runs only
  // sometimes, a replay (e.g. for a query) could meet the marker where the code does not ask for it.
  const reportSteps = supervised && patched(REPORT_STEP_PATCH);
  const recheckAfterApproval = supervised && patched(RECHECK_AFTER_APPROVAL_PATCH);
  const cancelAtFinish = patched(CANCEL_AT_FINISH_PATCH);
  // Only for runs that pause between ticks: the pause (a timer) ends the tick's workflow task, which is where
  // signals (a halt) and queries get in. A run that ticks back to back (tickInterval 0, a replay) keeps the
  // snapshot an activity: with local activities alone, its ticks would run on inside one workflow task.
  // Both conditions follow from the input, so the patch is asked (or not) at the same point of every execution.
  const snapshots = venueQueue === undefined && input.tickInterval > 0 && patched(LOCAL_SNAPSHOT_PATCH) ? local : io;
  // Asked here, right before the registration that used to ask it first, so the markers keep their order.
  const accountCalls = supervised && patched(ACCOUNT_CALLS_PATCH) ? accountCallsRemote : accountCallsLocal;
  if (supervised) {
    st.account ??= { released: [] };
    st.risk ??= initialRunRisk();
    const dir = await accountCalls['account.register']({ accountId: input.accountId, workflowId: info.workflowId, strategy: input.strategy.name, equity: st.portfolio.equity });
    audit(st, 'ACCOUNT_REGISTERED', `joined account ${input.accountId}'s supervisor: the account is ${dir.tradingState}${dir.policy ? ` (${dir.policy})` : ''} — ${dir.reason}`, { code: dir.tradingState });
    applyNeeds(dir);
    if (dir.tradingState !== 'ACTIVE') applyHalt({ reason: `account ${input.accountId} is ${dir.tradingState}: ${dir.reason}`.slice(0, 500), policy: dir.policy ?? (dir.tradingState === 'REDUCING' ? 'stop-entries' : 'cancel-orders') });
  }
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
    if (fills.length > 0) {
      const before = st.portfolio;
      st.portfolio = await decide['portfolio.applyFills']({ portfolio: st.portfolio, fills });
      if (st.risk) {
        const closed = recordFills(st.risk, before, st.portfolio, order.symbol, Math.max(...fills.map((f) => f.ts)), risk());
        if (closed) audit(st, 'TRADE_CLOSED', `${closed.symbol} round trip closed: ${closed.pnl} ${st.portfolio.quote} net of fees`, { code: cmp(closed.pnl, 0) < 0 ? 'STOP_OUT' : 'WIN', numbers: { pnl: closed.pnl, openedAt: String(closed.openedAt) } });
      }
    }
    trackOrder(st, order, fills);
    measureIfDone(st, order);
    // A finished order's approval ends: its reservation is released with the next report.
    if (st.account && isTerminal(order.status)) st.account.released.push(order.clientOrderId);
  }

  async function cancel(o: Order): Promise<void> {
    await settle(await io[`${engine}.cancelOrder`]({ ...ref, symbol: o.symbol, clientOrderId: o.clientOrderId }));
  }

  /** Cancel every order the run has working at the venue (their last fills are settled); how many there were. */
  async function cancelOpenOrders(): Promise<number> {
    const open = Object.values(st.openOrders).map((o) => o.order);
    for (const o of open) await cancel(o);
    return open.length;
  }

  /** Per symbol, the time of the last bar the run holds (a snapshot then sends only newer bars). */
  const barsSince = (symbols: string[]) => Object.fromEntries(symbols.map((s) => [s, st.windows[s].length ? st.windows[s][st.windows[s].length - 1].ts : undefined]));

  async function followOpenOrders(): Promise<void> {
    const open = Object.values(st.openOrders).map((o) => ({ symbol: o.order.symbol, clientOrderId: o.order.clientOrderId }));
    if (open.length === 0) return;
    const orders = await follow[`${engine}.followOrders`]({ ...ref, orders: open, waitMs: 0 });
    for (const o of orders) await settle(o);
    if (orders.length < open.length) requestReconciliation(`${open.length - orders.length} open order(s) not found at the venue`);
    if (st.reconciliation?.requested) return reconcileNow();
    for (const o of ordersToCancel(st, input.cancelAfterTicks)) {
      await cancel(o);
    }
  }

  /** `flatten`: a reduce-only close ordered by a halt policy, placed while the run is HALTED. */
  async function place(v: RiskVerdict, snapshot: Parameters<Activities['live.placeOrder']>[0]['snapshot'], flatten = false): Promise<void> {
    // A halt may have been signaled while risk was deciding: check the state again, right before the venue.
    const late = flatten ? undefined : tradingStateDenial(v.intent, st.tradingState, risk());
    if (late) {
      audit(st, 'RISK_DENIED', `${v.intent.side} ${v.intent.symbol} not placed: run became ${st.tradingState}`, { code: late.code, numbers: late.numbers });
      countDenial(st, late.code);
      return;
    }
    st.orderSeq += 1;
    const clientOrderId = deriveClientOrderId(info.workflowId, st.orderSeq);
    if (goesSynthetic(v.intent, engine, st.capabilities, input.execution.stops) && patched(SYNTHETIC_STOPS_PATCH)) {
      armSyntheticStop(st, v.intent, v.quantity, clientOrderId, snapshot);
      return;
    }
    let quantity = v.quantity;
    if (st.account && !flatten && !isReducing(v.intent)) {
      // The account's authority: it reserves what it approves, so concurrent runs cannot together pass a cap.
      const price = v.intent.limitPrice ?? st.portfolio.marks[v.intent.symbol] ?? snapshot.mark;
      const av = await accountCalls['account.approve']({ accountId: input.accountId, requestId: clientOrderId, workflowId: info.workflowId, strategy: input.strategy.name, symbol: v.intent.symbol, side: v.intent.side, quantity, price, reducing: false });
      const kind = av.decision === 'APPROVED' ? 'ACCOUNT_APPROVED' : av.decision === 'RESIZED' ? 'ACCOUNT_RESIZED' : 'ACCOUNT_DENIED';
      audit(st, kind, `${v.intent.side} ${quantity} ${v.intent.symbol}: account ${input.accountId} ${av.decision} ${av.code} — ${av.message}`, { code: av.code, clientOrderId, numbers: { ...av.numbers, approvedQuantity: av.quantity } });
      if (av.decision === 'DENIED') {
        countDenial(st, av.code);
        if (av.tradingState !== 'ACTIVE' && st.tradingState === 'ACTIVE') applyHalt({ reason: `account ${input.accountId} is ${av.tradingState}`, policy: av.tradingState === 'REDUCING' ? 'stop-entries' : 'cancel-orders' });
        return;
      }
      quantity = av.quantity;
      // A halt may have arrived while the account was deciding: check again, right before the venue.
      const halted = recheckAfterApproval ? tradingStateDenial(v.intent, st.tradingState, risk()) : undefined;
      if (halted) {
        st.account.released.push(clientOrderId);
        audit(st, 'RISK_DENIED', `${v.intent.side} ${v.intent.symbol} not placed: the run became ${st.tradingState} while the account approved it`, { code: halted.code, clientOrderId, numbers: halted.numbers });
        countDenial(st, halted.code);
        return;
      }
    }
    if (v.intent.algo && !flatten && patched(ALGO_CHILDREN_PATCH)) return startAlgo(v, quantity, clientOrderId);
    // The state the order was sent in (an order in flight when a halt arrives is audited after the halt).
    const submittedIn = st.tradingState;
    const result: PlaceOrderResult = await io[`${engine}.placeOrder`]({
      ...ref,
      clientOrderId,
      intent: { ...v.intent, quantity },
      snapshot,
      instrument: st.instruments[v.intent.symbol],
      capabilities: st.capabilities,
      config: risk(),
      tradingState: flatten ? 'REDUCING' : st.tradingState,
      equity: st.portfolio.equity,
      at: st.marketTime,
    });
    if (result.kind === 'rejected' && st.account) st.account.released.push(clientOrderId);
    if (result.kind === 'rejected') {
      audit(st, 'ORDER_REJECTED', `${v.intent.side} ${v.quantity} ${v.intent.symbol} rejected by the ${result.by === 'engine' ? `${engine} engine` : 'venue'}: ${result.code} — ${result.message}`, { code: result.code, clientOrderId, numbers: { ...result.numbers, ...(result.suggestedQuantity ? { suggestedQuantity: result.suggestedQuantity } : {}) } });
      if (result.by === 'engine') countDenial(st, result.code);
      else st.counters.rejected += 1;
      return;
    }
    st.counters.placed += 1;
    if (st.risk) recordSubmit(st.risk, st.marketTime, !isReducing(v.intent), risk());
    const o = result.order;
    audit(st, 'ORDER_PLACED', `${o.side} ${o.quantity} ${o.symbol} ${o.type}${o.price ? ` @ ${o.price}` : ''} ${o.tif}${o.postOnly ? ' post-only' : ''}${o.reduceOnly ? ' reduce-only' : ''} → ${o.status}${result.recovered ? ' (recovered by clientOrderId)' : ''}`, {
      clientOrderId,
      numbers: { ...result.numbers, submittedIn, expectedPrice: result.expectedPrice, expectedSlippageBps: result.expectedSlippageBps, ...(result.preview ? { previewPrice: result.preview.expectedPrice, previewFee: result.preview.expectedFee } : {}) },
    });
    noteArrival(st, clientOrderId, v.intent.strategyId, snapshot);
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

  /**
   * Start an approved algo intent as a child workflow. Its orders are the run's: it sends them from a block
   * of the run's order sequence (so their clientOrderIds carry the run's prefix and reconciliation knows
   * them), acts only on the run's ticks at the run's market time, and reports each order back, which the
   * run settles like its own. The approval (`approvalId`) covers the whole quantity until the child ends.
   * Parent close policy TERMINATE: the run cancels its children itself before it ends (see finishAlgos);
   * the policy only matters when the run is terminated or fails, and then nothing is left to act for them.
   */
  async function startAlgo(v: RiskVerdict, approved: string, approvalId: string): Promise<void> {
    const spec = v.intent.algo!;
    // The algo's total on the market's amount step: its slices then add up to it exactly.
    const quantity = floorToStep(approved, st.instruments[v.intent.symbol].precision.amount);
    if (cmp(quantity, st.instruments[v.intent.symbol].limits.amount.min) < 0 || cmp(quantity, 0) <= 0) {
      st.account?.released.push(approvalId);
      audit(st, 'ORDER_REJECTED', `${spec.kind} ${v.intent.side} ${approved} ${v.intent.symbol} not started: below the market's minimum amount once on its step`, { code: 'ALGO_BELOW_MIN_AMOUNT', clientOrderId: approvalId, numbers: { quantity: approved, onStep: quantity, minAmount: st.instruments[v.intent.symbol].limits.amount.min } });
      countDenial(st, 'ALGO_BELOW_MIN_AMOUNT');
      return;
    }
    const maxOrders = spec.kind === 'twap' ? spec.slices * 2 : spec.maxClips;
    const firstSeq = st.orderSeq + 1;
    st.orderSeq += maxOrders;
    const workflowId = `${info.workflowId}-algo-${firstSeq - 1}`;
    const algoInput: AlgoOrderInputRaw = {
      venue: input.venue,
      accountId: input.accountId,
      strategyId: v.intent.strategyId,
      symbol: v.intent.symbol,
      side: v.intent.side,
      quantity,
      algo: spec,
      reduceOnly: v.intent.reduceOnly,
      tradingState: st.tradingState,
      risk: risk(),
      parent: { workflowId: info.workflowId, firstSeq, maxOrders },
    };
    st.algos ??= {};
    st.algos[workflowId] = {
      workflowId,
      approvalId,
      firstSeq,
      maxOrders,
      reportedAt: 0,
      ended: false,
      progress: { kind: spec.kind, symbol: v.intent.symbol, side: v.intent.side, quantity, filled: '0', remaining: quantity, step: 0, phase: 'RUNNING', reason: 'starting', orders: [], fees: '0' },
    };
    const handle = await startChild(algoOrder, { workflowId, args: [algoInput], parentClosePolicy: ParentClosePolicy.TERMINATE });
    algoHandles.set(workflowId, handle);
    audit(st, 'ALGO_STARTED', `${spec.kind} ${v.intent.side} ${quantity} ${v.intent.symbol} started as child ${workflowId}${spec.kind === 'twap' ? ` (${spec.slices} slices over ${spec.duration} ms)` : ` (visible ${spec.visibleQuantity})`}`, {
      code: 'ALGO_STARTED',
      clientOrderId: approvalId,
      numbers: { quantity, firstSeq: String(firstSeq), maxOrders: String(maxOrders) },
    });
  }

  /** One tick of every running child: tick it at the run's market time, wait for its report, settle its orders. */
  async function driveAlgos(): Promise<void> {
    // Only the children that have not answered this tick yet (one started by this tick gets its first tick now).
    const running = runningAlgos().filter((a) => a.reportedAt < st.marketTime);
    if (running.length === 0 && algoReports.length === 0) return;
    // A child that is ending may be gone already: its final report (sent before it ends) answers instead.
    for (const a of running) await algoHandles.get(a.workflowId)?.signal(algoTickSignal, { at: st.marketTime, tradingState: st.tradingState }).catch(() => undefined);
    const answered = await condition(() => running.every((a) => a.ended || a.reportedAt >= st.marketTime), ALGO_REPORT_WAIT);
    if (!answered) audit(st, 'RECONCILIATION_FAILED', `an algo child did not report on tick ${st.tick} within ${ALGO_REPORT_WAIT}; the run goes on and reconciles`, { code: 'ALGO_REPORT_LATE' });
    await applyAlgoReports();
    if (!answered) requestReconciliation('an algo child reported late');
  }

  async function applyAlgoReports(): Promise<void> {
    for (const r of algoReports.splice(0)) {
      for (const o of r.orders) {
        const known = st.openOrders[o.clientOrderId] !== undefined || st.recentOrders.some((x) => x.clientOrderId === o.clientOrderId);
        if (!known) {
          st.counters.placed += 1;
          audit(st, 'ORDER_PLACED', `${o.side} ${o.quantity} ${o.symbol} ${o.type}${o.price ? ` @ ${o.price}` : ''} by algo ${r.workflowId} → ${o.status}`, { clientOrderId: o.clientOrderId, numbers: { quantity: o.quantity } });
        }
        await settle(o);
      }
      const link = st.algos?.[r.workflowId];
      if (r.final && link) {
        st.account?.released.push(link.approvalId);
        audit(st, 'ALGO_FINISHED', `${link.progress.kind} ${r.workflowId} ${r.progress.phase}: ${r.progress.reason}`, { code: `ALGO_${r.progress.phase}`, clientOrderId: link.approvalId, numbers: { filled: r.progress.filled, quantity: r.progress.quantity, orders: String(r.progress.orders.length) } });
      }
    }
  }

  /** Before the run ends: stop every running child, wait for its last report, settle its orders. */
  async function finishAlgos(reason: string): Promise<void> {
    if (runningAlgos().length === 0 && algoReports.length === 0) return;
    toAlgos((h) => h.signal(cancelAlgoSignal, { reason }));
    await condition(() => runningAlgos().length === 0, ALGO_REPORT_WAIT);
    await applyAlgoReports();
  }

  /** Carry out a halt policy: cancel every open order, then (flatten) close every position reduce-only. */
  async function runHaltActions(): Promise<void> {
    const a = st.account;
    if (!a || (!a.cancelAll && !a.flatten)) return;
    if (a.cancelAll) {
      // Running algos stop first (each cancels its open order and reports), then the run cancels what is left.
      await finishAlgos('halt policy: cancel orders');
      const canceled = await cancelOpenOrders();
      audit(st, 'HALT_POLICY_APPLIED', `halt: ${canceled} open order(s) canceled`, { code: 'ORDERS_CANCELED', numbers: { canceled: String(canceled) } });
      a.cancelAll = false;
    }
    if (a.flatten) {
      const held = Object.values(st.portfolio.positions).filter((p) => cmp(p.quantity, 0) > 0);
      if (held.length > 0) {
        const symbols = held.map((p) => p.symbol);
        const snaps = await io['market.snapshot']({ ...ref, symbols, at: st.marketTime, since: barsSince(symbols), limit: lookback });
        for (const p of held) {
          st.windows[p.symbol] = appendBars(st.windows[p.symbol], snaps[p.symbol].bars, lookback);
          const intent = OrderIntent.parse({ ...closePositionIntent({ strategyId: input.strategy.name, symbol: p.symbol, quantity: p.quantity }), reason: 'flatten: halt policy' });
          audit(st, 'HALT_POLICY_APPLIED', `flatten: sell ${p.quantity} ${p.symbol} reduce-only at market`, { code: 'FLATTEN', numbers: { quantity: p.quantity, mark: snaps[p.symbol].mark } });
          await place({ decision: 'APPROVED', code: 'FLATTEN', message: 'halt policy flatten', intent, quantity: p.quantity, numbers: {}, checks: [] }, snaps[p.symbol], true);
        }
      }
      a.flatten = false;
    }
  }

  /**
   * Tell the supervisor the run's equity and positions (and which approvals ended), without holding up the
   * tick: one report in flight at a time (so they arrive in order), skipped when nothing moved. `ended`
   * waits for the report in flight, then sends the last one and waits for it.
   */
  let reportInFlight = false;
  async function reportToAccount(ended = false): Promise<void> {
    const a = st.account;
    if (!a) return;
    if (ended) await condition(() => !reportInFlight);
    else if (reportInFlight) return;
    const due = dueReport({ link: a, risk: st.risk, portfolio: st.portfolio, workflowId: info.workflowId, strategy: input.strategy.name, ended, stepped: reportSteps });
    if (!due) return;
    const report = due.report;
    reportInFlight = true;
    const sent = getExternalWorkflowHandle(supervisorWorkflowId(input.accountId))
      .signal(runReportSignal, report)
      .then(
        () => {
          reportDelivered(a, due);
          if (a.unreachable) audit(st, 'ACCOUNT_REGISTERED', `account ${input.accountId}'s supervisor reachable again`, { code: 'ACCOUNT_REACHABLE' });
          a.unreachable = false;
        },
        (e: unknown) => {
          // Kept for the next report; the supervisor keeps the reservations meanwhile (it errs on the safe side).
          if (!a.unreachable) audit(st, 'ACCOUNT_UNREACHABLE', `could not report to account ${input.accountId}'s supervisor: ${(e as Error).message}`, { code: 'ACCOUNT_UNREACHABLE' });
          a.unreachable = true;
        },
      )
      .finally(() => (reportInFlight = false));
    if (ended) await sent;
  }
  const reportsSent = () => condition(() => !reportInFlight);

  async function tick(): Promise<void> {
    const since = barsSince(input.symbols);
    const accountHistory = st.risk && st.account?.correlation && !st.risk.closes[`acct:${input.symbols[0]}`] ? accountHistoryBars(st.account.correlation, st.clock.barMs) : 0;
    const history = Math.max(st.risk && needsHistory(st.risk, risk()) ? riskHistoryBars(risk(), st.clock.barMs) : 0, accountHistory);
    // A first tick that fetches history for the risk checks asks in chunks of symbols, so that no result
    // nears Temporal's payload limits (512 KB warning, 2 MB hard); any other tick asks once.
    const perCall = history > 0 ? Math.max(1, Math.floor(HISTORY_BARS_PER_CALL / Math.max(lookback, history))) : input.symbols.length;
    const snaps: Awaited<ReturnType<Activities['market.snapshot']>> = {};
    for (let i = 0; i < input.symbols.length; i += perCall) {
      const symbols = input.symbols.slice(i, i + perCall);
      Object.assign(snaps, await snapshots['market.snapshot']({ ...ref, symbols, at: st.marketTime, since: history > 0 ? {} : since, limit: Math.max(lookback, history) }));
    }
    const marks: Record<string, string> = {};
    for (const s of input.symbols) {
      st.windows[s] = appendBars(st.windows[s], snaps[s].bars, lookback);
      marks[s] = snaps[s].mark;
      if (st.risk) observeBars(st.risk, s, snaps[s].bars, risk());
      if (st.risk && st.account?.correlation) observeAccountBars(st.risk, s, snaps[s].bars, st.account.correlation);
    }
    st.portfolio = markToMarket(st.portfolio, marks, st.marketTime);
    if (st.risk) advanceRunVolBreaker(st.risk, risk(), st.marketTime);
    await followOpenOrders();
    await driveAlgos();
    // The facts the risk engine decides with (runs since the account supervisor; none before), as they are now.
    const markTime = Object.fromEntries(input.symbols.map((s) => [s, snaps[s].markTs]));
    const factsNow = () => (st.risk ? runFacts({ risk: st.risk, portfolio: st.portfolio, strategyId: input.strategy.name, now: st.marketTime, markTime, openOrders: Object.values(st.openOrders).map((o) => o.order), config: risk() }) : undefined);
    // Synthetic stops fired by this tick's marks: each goes through risk again, then to the venue.
    for (const t of fireStops(st, snaps)) {
      const facts = factsNow();
      const ev = await decide['risk.evaluate']({ engine, intents: [t.intent], portfolio: st.portfolio, tradingState: st.tradingState, config: risk(), instruments: st.instruments, windows: st.windows, ...(facts ? { facts } : {}) });
      for (const v of ev.verdicts) {
        recordVerdict(st, v);
        if (v.decision !== 'DENIED') await place(v, snaps[v.intent.symbol]);
      }
    }

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
    for (const intent of intents) audit(st, 'INTENT_SIGNALED', `${intent.side} ${display(intent.quantity)} ${intent.symbol}: ${intent.reason}`, { numbers: { quantity: intent.quantity, mark: marks[intent.symbol] } });

    // Risk decides once per intent, so each sees the fills before it. Runtime guards are checked every
    // tick; on a quiet tick (no intent, no breach) nothing needs deciding and no step is recorded.
    const facts0 = factsNow();
    const breach = assessGuards(st.portfolio, risk(), facts0);
    const hold = st.risk ? holdAfter(st.risk, breach, st.tradingState) : {};
    if (hold.to) setTradingState(hold.to, hold.reason ?? 'temporary risk guard', 'guard');
    const batches = intents.length > 0 ? intents.map((i) => [i]) : breach && breach.target !== st.tradingState ? [[]] : [];
    for (const batch of batches) {
      const facts = batch === batches[0] ? facts0 : factsNow();
      const ev = await decide['risk.evaluate']({ engine, intents: batch, portfolio: st.portfolio, tradingState: st.tradingState, config: risk(), instruments: st.instruments, windows: st.windows, ...(facts ? { facts } : {}) });
      if (ev.guard && ev.tradingState !== st.tradingState) setTradingState(ev.tradingState, ev.guard.message, 'guard', ev.guard.numbers);
      for (const v of ev.verdicts) {
        recordVerdict(st, v);
        if (v.decision !== 'DENIED') await place(v, snaps[v.intent.symbol]);
      }
    }
    // An algo started by this tick sends its first slice at this tick's market time.
    await driveAlgos();
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
      await runHaltActions();
      await tick();
      await runHaltActions();
      await reportToAccount();
      st.tick += 1;
      ticksThisRun += 1;
      if (st.finished) break;
      if (input.tickInterval > 0) {
        // A halt policy acts at once, not after the pause.
        if (st.account) await condition(() => st.account?.cancelAll === true || st.account?.flatten === true, input.tickInterval);
        else await sleep(input.tickInterval);
      }
      st.marketTime = replay ? st.marketTime + st.clock.barMs : Date.now();
      // Never hand over to a new run that would only end: the last run keeps the last ticks.
      // A run with running algo children keeps them (and their handles) until they end: no hand-over meanwhile.
      if (!stopReason() && runningAlgos().length === 0 && (ticksThisRun >= input.continueAsNewAfterTicks || workflowInfo().continueAsNewSuggested)) {
        await reportsSent();
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
      toAlgos((h) => h.signal(cancelAlgoSignal, { reason: 'the run failed' }));
      await reportToAccount(true);
      await alertsSent();
      throw ApplicationFailure.nonRetryable(`run halted: ${err.cause.message}`, err.cause.type ?? 'UNKNOWN');
    }
    throw err;
  }
  await finishAlgos(`the run finished: ${st.finished?.reason ?? ''}`);
  if (cancelAtFinish) {
    // Nothing may stay working at the venue once no run follows it: cancel, and account any last fills.
    const canceled = await cancelOpenOrders();
    if (canceled > 0) audit(st, 'RUN_FINISHED', `${canceled} order(s) still working at the end canceled; their fills are accounted`, { code: 'OPEN_ORDERS_CANCELED', numbers: { canceled: String(canceled) } });
  }
  await reportToAccount(true);
  await alertsSent();
  await condition(allHandlersFinished);
  return { ...summarize(st, input, info.workflowId), execution: executionView(st) };
}
