/**
 * A strategy run in process, without Temporal: the tick of workflows/strategy-run (tick.ts, orders.ts,
 * settle.ts) stage for stage, calling the very activities a worker registers (createActivities) over the
 * paper venue's engine held in this process. So the strategy step, the risk step, the engine's plan, the
 * venue's fill model and the portfolio are the run's own code; the parity tests prove the orchestration
 * here gives the same orders and fills as a run on Temporal.
 *
 * What a backtest leaves out, because nothing outside the process can act on it: signals (halt, resume),
 * reconciliation (the venue is its own), continue-as-new, alerts. Algo orders (TWAP, iceberg) run as child
 * workflows and are refused here with a clear error.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../activities';
import { ccxtQuantizer } from '../brokers/precision';
import { TempotradeError } from '../domain/errors';
import { selectEngine } from '../domain/execution/selection';
import { deriveClientOrderId } from '../domain/ids';
import type { MarketSnapshot } from '../domain/market/snapshot';
import { cmp, display, min } from '../domain/money';
import { isTerminal, type Order, type OrderIntent } from '../domain/orders/order';
import { markToMarket } from '../domain/portfolio/portfolio';
import { runStateFor, type HaltPolicy } from '../domain/risk/account';
import { assessGuards, isReducing, tradingStateDenial } from '../domain/risk/engine';
import { legOfEntry, legWithoutEntry } from '../domain/risk/evaluation';
import type { RiskVerdict } from '../domain/risk/verdict';
import { armSyntheticStop, fireStops, goesSynthetic, measureIfDone, noteArrival } from '../domain/run/execution';
import type { StrategyRunInput } from '../domain/run/input';
import {
  advanceRunVolBreaker,
  holdAfter,
  initialRunRisk,
  needsHistory,
  observeBars,
  recordFills,
  recordSubmit,
  riskHistoryBars,
  runFacts,
} from '../domain/run/risk';
import type { RunState } from '../domain/run/state';
import {
  appendBars,
  audit,
  changeTradingState,
  countDenial,
  initialRunState,
  newFills,
  ordersToCancel,
  recordVerdict,
  trackOrder,
} from '../domain/run/transitions';
import type { TradingState } from '../domain/run/trading-state';
import type { StrategyRegistry } from '../domain/strategies/registry';
import { InProcessPaperVenue } from '../simulators/paper-venue/in-process';
import { inProcessBrokers } from '../simulators/paper-venue/in-process-brokers';
import { BacktestAccount } from './account';

type Activities = ReturnType<typeof createActivities>;
type Snapshots = Record<string, MarketSnapshot>;
const FAULTS = ['STRATEGY_FAILED', 'STRATEGY_CHANGED', 'STRATEGY_NOT_FOUND'] as const;

/** What the loop reports after each tick (the CLI's progress bar). */
export type TickObserver = (run: RunState) => void;

export class BacktestRun {
  readonly venue: InProcessPaperVenue;
  private readonly acts: Activities;
  private readonly ref: { venue: StrategyRunInput['venue']; accountId: string };
  private readonly account: BacktestAccount;
  private state: RunState | undefined;
  /** The strategy's reason per clientOrderId (the result's order table). */
  readonly reasons = new Map<string, string>();
  /** Implementation shortfall per finished order with an arrival price (bps). */
  readonly shortfall = new Map<string, string>();
  /** Venue rejections by code (denials are in the run's counters). */
  readonly rejections = new Map<string, number>();

  constructor(
    readonly input: StrategyRunInput,
    readonly lookback: number,
    strategies: StrategyRegistry,
    readonly workflowId = input.runId,
  ) {
    this.venue = new InProcessPaperVenue();
    this.acts = createActivities({ brokers: inProcessBrokers(this.venue), quantizer: ccxtQuantizer, strategies });
    this.ref = { venue: input.venue, accountId: input.accountId };
    this.account = new BacktestAccount(input.accountId, workflowId, input.strategy.name, 0);
  }

  get st(): RunState {
    if (!this.state) throw new Error('backtest: state used before the run was opened');
    return this.state;
  }

  private get engine() {
    return this.st.engine.engine;
  }

  private risk() {
    return this.input.risk;
  }

  /** The whole run: open, tick until a stop condition, finish (open orders canceled, their fills accounted). */
  async run(onTick?: TickObserver): Promise<RunState> {
    await this.open();
    const st = this.st;
    while (!st.finished) {
      const reason = this.stopReason();
      if (reason) {
        this.finish(reason);
        break;
      }
      await this.haltActions();
      await this.tick();
      await this.haltActions();
      this.report(false);
      st.tick += 1;
      onTick?.(st);
      if (st.finished) break;
      st.marketTime += st.clock.barMs;
    }
    const canceled = await this.cancelOpenOrders();
    if (canceled > 0) {
      audit(st, 'RUN_FINISHED', `${canceled} order(s) still working at the end canceled; their fills are accounted`, {
        code: 'OPEN_ORDERS_CANCELED',
        numbers: { canceled: String(canceled) },
      });
    }
    this.report(true);
    return st;
  }

  // ---- start (start.ts: openRun, registerWithAccount) ----

  private async open(): Promise<void> {
    const { input, lookback } = this;
    const desc = await this.acts['market.describe']({ ...this.ref, symbols: input.symbols });
    const quote = input.symbols[0].split('/')[1];
    const depositId = `run:${this.workflowId}:backtest`;
    const deposited = await this.acts['account.deposit']({
      ...this.ref,
      asset: quote,
      amount: input.capital,
      depositId,
    });
    const { clock } = desc;
    if (clock.kind !== 'replay') throw new TempotradeError('VALIDATION', 'backtest: the venue must replay data');
    const start = input.startTime ?? clock.start + (lookback - 1) * clock.barMs;
    const st = initialRunState({
      input,
      start,
      clock,
      instruments: desc.instruments,
      capabilities: desc.capabilities,
      engine: selectEngine(input.engine, this.risk()),
      quote,
      cash: min(input.capital, deposited.balances[quote].total),
    });
    if (input.strategy.hash) {
      st.strategy = {
        name: input.strategy.name,
        version: input.strategy.version ?? 'unknown',
        hash: input.strategy.hash,
      };
    }
    st.account = { released: [] };
    st.risk = initialRunRisk();
    this.state = st;
    const dir = this.account.register(st.portfolio.equity, st.marketTime);
    if (dir.correlation) st.account.correlation = dir.correlation;
    if (dir.reportStepPct !== undefined) st.account.reportStepPct = dir.reportStepPct;
  }

  private stopReason(): string | undefined {
    const { stop } = this.input;
    if (stop.maxTicks !== undefined && this.st.tick >= stop.maxTicks) return 'MAX_TICKS';
    if (stop.endTime !== undefined && this.st.marketTime >= stop.endTime) return 'END_TIME';
    return undefined;
  }

  private finish(reason: string): void {
    this.st.finished = { reason, at: this.st.marketTime };
    audit(this.st, 'RUN_FINISHED', `finished: ${reason}`, { code: reason });
  }

  private setTradingState(to: TradingState, reason: string, by: 'signal' | 'guard', numbers?: Record<string, string>) {
    changeTradingState(this.st, to, reason, by, numbers, this.st.marketTime);
  }

  // ---- the tick (tick.ts) ----

  private async tick(): Promise<void> {
    const snaps = await this.snapshot();
    const marks = this.observe(snaps);
    await this.followOpenOrders();
    await this.fireStops(snaps);
    const intents = await this.signals(marks);
    await this.decideAndPlace(snaps, intents);
    this.st.counters.ticks += 1;
    if (this.input.stop.endOfData && this.input.symbols.some((s) => snaps[s].endOfData)) this.finish('END_OF_DATA');
  }

  /** As readMarket: the bars since the run's last, or on the first tick the history its risk checks need. */
  private async snapshot(): Promise<Snapshots> {
    const { st, input, lookback } = this;
    const w = st.windows;
    const since = Object.fromEntries(input.symbols.map((s) => [s, w[s].length ? w[s][w[s].length - 1].ts : undefined]));
    const history = needsHistory(st.risk!, this.risk()) ? riskHistoryBars(this.risk(), st.clock.barMs) : 0;
    const read = { ...this.ref, symbols: input.symbols, at: st.marketTime, limit: Math.max(lookback, history) };
    return this.acts['market.snapshot']({ ...read, since: history > 0 ? {} : since });
  }

  private observe(snaps: Snapshots): Record<string, string> {
    const { st, input, lookback } = this;
    const marks: Record<string, string> = {};
    for (const s of input.symbols) {
      st.windows[s] = appendBars(st.windows[s], snaps[s].bars, lookback);
      marks[s] = snaps[s].mark;
      observeBars(st.risk!, s, snaps[s].bars, this.risk());
    }
    st.portfolio = markToMarket(st.portfolio, marks, st.marketTime);
    advanceRunVolBreaker(st.risk!, this.risk(), st.marketTime);
    return marks;
  }

  private openOrderRefs() {
    return Object.values(this.st.openOrders).map(({ order: o }) => ({
      symbol: o.symbol,
      clientOrderId: o.clientOrderId,
    }));
  }

  private async followOpenOrders(): Promise<void> {
    const open = this.openOrderRefs();
    if (open.length === 0) return;
    const orders = await this.acts[`${this.engine}.followOrders`]({ ...this.ref, orders: open, waitMs: 0 });
    for (const o of orders) await this.settle(o);
    if (orders.length < open.length) throw new TempotradeError('VENUE_STATE', 'backtest: the venue lost an order');
    for (const o of ordersToCancel(this.st, this.input.cancelAfterTicks)) await this.cancel(o);
  }

  private factsNow(snaps: Snapshots) {
    const { st, input } = this;
    const markTime = Object.fromEntries(input.symbols.map((s) => [s, snaps[s].markTs]));
    const openOrders = Object.values(st.openOrders).map((o) => o.order);
    const args = { risk: st.risk!, portfolio: st.portfolio, strategyId: input.strategy.name, now: st.marketTime };
    return runFacts({ ...args, markTime, openOrders, config: this.risk() });
  }

  private evaluate(intents: OrderIntent[], facts: ReturnType<BacktestRun['factsNow']>) {
    const st = this.st;
    return this.acts['risk.evaluate']({
      engine: this.engine,
      intents,
      portfolio: st.portfolio,
      tradingState: st.tradingState,
      config: this.risk(),
      instruments: st.instruments,
      windows: st.windows,
      facts,
    });
  }

  private async placeApproved(snaps: Snapshots, verdicts: RiskVerdict[]): Promise<void> {
    for (const v of verdicts) {
      recordVerdict(this.st, v);
      if (v.decision !== 'DENIED') await this.place(v, snaps[v.intent.symbol]);
    }
  }

  private async fireStops(snaps: Snapshots): Promise<void> {
    for (const fired of fireStops(this.st, snaps)) {
      const ev = await this.evaluate([fired.intent], this.factsNow(snaps));
      await this.placeApproved(snaps, ev.verdicts);
    }
  }

  private async signals(marks: Record<string, string>): Promise<OrderIntent[]> {
    const { st } = this;
    if (st.strategyFault && st.tradingState === 'HALTED') return [];
    let out: Awaited<ReturnType<Activities['strategy.step']>>;
    try {
      out = await this.step(marks);
    } catch (err) {
      if (!(err instanceof ApplicationFailure) || !FAULTS.includes(err.type as never)) throw err;
      const reason = `${err.type}: ${err.message}`;
      st.strategyFault = { code: err.type as (typeof FAULTS)[number], message: reason };
      audit(st, 'STRATEGY_FAILED', reason, { code: err.type! });
      this.setTradingState('HALTED', reason, 'guard');
      return [];
    }
    st.strategyFault = undefined;
    st.strategyState = out.state;
    return this.applyStep(out, marks);
  }

  private step(marks: Record<string, string>) {
    const { st, input } = this;
    return this.acts['strategy.step']({
      strategyId: input.strategy.name,
      strategy: input.strategy.name,
      params: input.strategy.params,
      windows: st.windows,
      positions: Object.fromEntries(Object.values(st.portfolio.positions).map((p) => [p.symbol, p.quantity])),
      marks,
      equity: st.portfolio.equity,
      ...(st.strategyState ? { state: st.strategyState } : {}),
      openOrders: Object.values(st.openOrders).map(({ order: o }) => ({
        clientOrderId: o.clientOrderId,
        symbol: o.symbol,
        side: o.side,
        type: o.type,
        quantity: o.quantity,
        ...(o.price ? { price: o.price } : {}),
      })),
      barMs: st.clock.barMs,
      ...(st.strategy ? { expectedHash: st.strategy.hash } : {}),
    });
  }

  private async applyStep(out: Awaited<ReturnType<Activities['strategy.step']>>, marks: Record<string, string>) {
    const st = this.st;
    for (const c of out.cancels) {
      const orders = Object.values(st.openOrders).map((o) => o.order);
      for (const o of orders.filter(
        (o) => o.symbol === c.symbol && (!c.clientOrderId || o.clientOrderId === c.clientOrderId),
      )) {
        audit(st, 'INTENT_SIGNALED', `cancel ${o.clientOrderId} ${o.symbol}: ${c.reason}`, {
          code: 'STRATEGY_CANCEL',
          clientOrderId: o.clientOrderId,
        });
        await this.cancel(o);
      }
    }
    st.counters.intents += out.intents.length;
    for (const intent of out.intents) {
      audit(st, 'INTENT_SIGNALED', `${intent.side} ${display(intent.quantity)} ${intent.symbol}: ${intent.reason}`, {
        numbers: { quantity: intent.quantity, mark: marks[intent.symbol] },
      });
    }
    return out.intents;
  }

  private async decideAndPlace(snaps: Snapshots, intents: OrderIntent[]): Promise<void> {
    const st = this.st;
    const facts0 = this.factsNow(snaps);
    const breach = assessGuards(st.portfolio, this.risk(), facts0);
    const hold = holdAfter(st.risk!, breach, st.tradingState);
    if (hold.to) this.setTradingState(hold.to, hold.reason ?? 'temporary risk guard', 'guard');
    const guardOnly = breach && breach.target !== st.tradingState ? [[]] : [];
    const batches: OrderIntent[][] = intents.length > 0 ? intents.map((i) => [i]) : guardOnly;
    let entry: RiskVerdict | undefined;
    for (const asked of batches) {
      const leg = asked[0]?.bracketLeg !== undefined && entry !== undefined;
      if (leg && entry!.decision === 'DENIED') {
        recordVerdict(st, legWithoutEntry(asked[0], entry!));
        continue;
      }
      const batch = leg ? [legOfEntry(asked[0], entry!)] : asked;
      const ev = await this.evaluate(batch, batch === batches[0] ? facts0 : this.factsNow(snaps));
      if (ev.guard && ev.tradingState !== st.tradingState) {
        this.setTradingState(ev.tradingState, ev.guard.message, 'guard', ev.guard.numbers);
      }
      if (asked[0]?.bracketLeg === undefined) entry = ev.verdicts[0];
      await this.placeApproved(snaps, ev.verdicts);
    }
  }

  // ---- an order's route (orders.ts) ----

  private async place(v: RiskVerdict, snapshot: MarketSnapshot, flatten = false): Promise<void> {
    const { st, input } = this;
    const { intent } = v;
    const late = flatten ? undefined : tradingStateDenial(intent, st.tradingState, this.risk());
    if (late) {
      audit(st, 'RISK_DENIED', `${intent.side} ${intent.symbol} not placed: run became ${st.tradingState}`, {
        code: late.code,
        numbers: late.numbers,
      });
      return countDenial(st, late.code);
    }
    st.orderSeq += 1;
    const clientOrderId = deriveClientOrderId(this.workflowId, st.orderSeq);
    this.reasons.set(clientOrderId, intent.reason);
    if (goesSynthetic(intent, this.engine, st.capabilities, input.execution.stops)) {
      armSyntheticStop(st, intent, v.quantity, clientOrderId, snapshot);
      return;
    }
    let quantity = v.quantity;
    if (!flatten && !isReducing(intent)) {
      const approved = this.approve(v, snapshot, clientOrderId);
      if (approved === undefined) return;
      quantity = approved;
    }
    if (intent.algo && !flatten) {
      throw new TempotradeError(
        'VALIDATION',
        `backtest: ${intent.algo.kind} algo orders run as child workflows; backtests do not run them yet`,
      );
    }
    const submittedIn = st.tradingState;
    const result = await this.acts[`${this.engine}.placeOrder`]({
      ...this.ref,
      clientOrderId,
      intent: { ...intent, quantity },
      snapshot,
      instrument: st.instruments[intent.symbol],
      capabilities: st.capabilities,
      config: this.risk(),
      tradingState: flatten ? 'REDUCING' : st.tradingState,
      equity: st.portfolio.equity,
      at: st.marketTime,
    });
    if (result.kind !== 'placed') {
      st.account!.released.push(clientOrderId);
      const by = result.by === 'engine' ? `${this.engine} engine` : 'venue';
      const kind = result.by === 'engine' ? 'ORDER_DENIED' : 'ORDER_REJECTED';
      audit(
        st,
        kind,
        `${intent.side} ${v.quantity} ${intent.symbol} rejected by the ${by}: ${result.code} — ${result.message}`,
        {
          code: result.code,
          clientOrderId,
          numbers: {
            ...result.numbers,
            ...(result.suggestedQuantity ? { suggestedQuantity: result.suggestedQuantity } : {}),
          },
        },
      );
      if (result.by === 'engine') countDenial(st, result.code);
      else {
        st.counters.rejected += 1;
        this.rejections.set(result.code, (this.rejections.get(result.code) ?? 0) + 1);
      }
      return;
    }
    st.counters.placed += 1;
    recordSubmit(st.risk!, st.marketTime, !isReducing(intent), this.risk());
    const p = result.order;
    audit(
      st,
      'ORDER_PLACED',
      `${p.side} ${p.quantity} ${p.symbol} ${p.type}${p.price ? ` @ ${p.price}` : ''} → ${p.status}`,
      {
        clientOrderId,
        numbers: { ...result.numbers, submittedIn, expectedPrice: result.expectedPrice },
      },
    );
    noteArrival(st, clientOrderId, intent.strategyId, snapshot);
    await this.settle(p);
  }

  /** The account's approval of an opening order: its quantity, or undefined when denied (audited, counted). */
  private approve(v: RiskVerdict, snapshot: MarketSnapshot, clientOrderId: string): string | undefined {
    const { st } = this;
    const { intent } = v;
    const price = intent.limitPrice ?? st.portfolio.marks[intent.symbol] ?? snapshot.mark;
    const req = { requestId: clientOrderId, symbol: intent.symbol, side: intent.side, quantity: v.quantity, price };
    const av = this.account.approve({ ...req, reducing: false }, st.marketTime);
    const kind = ({ APPROVED: 'ACCOUNT_APPROVED', RESIZED: 'ACCOUNT_RESIZED', DENIED: 'ACCOUNT_DENIED' } as const)[
      av.decision
    ];
    audit(
      st,
      kind,
      `${intent.side} ${v.quantity} ${intent.symbol}: account ${av.decision} ${av.code} — ${av.message}`,
      {
        code: av.code,
        clientOrderId,
        numbers: { ...av.numbers, approvedQuantity: av.quantity },
      },
    );
    if (av.decision !== 'DENIED') return av.quantity;
    countDenial(st, av.code);
    return undefined;
  }

  // ---- accounting (settle.ts) ----

  private async settle(order: Order): Promise<void> {
    const st = this.st;
    const fills = newFills(st, order);
    if (fills.length > 0) {
      const before = st.portfolio;
      st.portfolio = await this.acts['portfolio.applyFills']({ portfolio: st.portfolio, fills });
      const lastFill = Math.max(...fills.map((f) => f.ts));
      const closed = recordFills(st.risk!, before, st.portfolio, order.symbol, lastFill, this.risk());
      if (closed) {
        audit(
          st,
          'TRADE_CLOSED',
          `${closed.symbol} round trip closed: ${closed.pnl} ${st.portfolio.quote} net of fees`,
          {
            code: cmp(closed.pnl, 0) < 0 ? 'STOP_OUT' : 'WIN',
            numbers: { pnl: closed.pnl, openedAt: String(closed.openedAt) },
          },
        );
      }
    }
    trackOrder(st, order, fills);
    const measured = st.arrivals?.[order.clientOrderId] !== undefined;
    measureIfDone(st, order);
    const m = st.execution?.orders[st.execution.orders.length - 1];
    if (measured && m?.clientOrderId === order.clientOrderId && m.shortfallBps !== undefined)
      this.shortfall.set(order.clientOrderId, m.shortfallBps);
    if (isTerminal(order.status)) st.account!.released.push(order.clientOrderId);
  }

  private async cancel(o: Order): Promise<void> {
    const ref = { ...this.ref, symbol: o.symbol, clientOrderId: o.clientOrderId };
    await this.settle(await this.acts[`${this.engine}.cancelOrder`](ref));
  }

  private async cancelOpenOrders(): Promise<number> {
    const open = Object.values(this.st.openOrders).map((o) => o.order);
    for (const o of open) await this.cancel(o);
    return open.length;
  }

  // ---- the account link (account.ts, halt-actions.ts) ----

  private report(ended: boolean): void {
    const halted = this.account.report(this.st, true, ended);
    if (halted && !ended) this.applyHalt(`account ${this.input.accountId}: ${halted.breach.message}`, halted.policy);
  }

  private applyHalt(reason: string, policy: HaltPolicy): void {
    const st = this.st;
    if (policy === 'stop-entries' && st.tradingState === 'HALTED') return;
    this.setTradingState(runStateFor(policy), reason, 'signal');
    if (policy !== 'stop-entries') st.account!.cancelAll = true;
    if (policy === 'flatten') st.account!.flatten = true;
  }

  private async haltActions(): Promise<void> {
    const a = this.st.account!;
    if (a.cancelAll) {
      a.cancelAll = false;
      await this.cancelOpenOrders();
    }
    if (a.flatten) {
      a.flatten = false;
      throw new TempotradeError(
        'VALIDATION',
        'backtest: the account halted with the flatten policy, which backtests do not run yet',
      );
    }
  }
}
