/**
 * The one object an algo order's steps share: its input, venue proxies, the market it trades, its
 * progress, why it stops (if it must), the run's ticks (a child), and the orders to report.
 */
import { getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { PlaceOrderResult } from '../../activities/types';
import type { AlgoOrderInput, AlgoPhase, AlgoProgress } from '../../domain/execution/algos';
import { deriveClientOrderId } from '../../domain/ids';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import { Dec, add, cmp, str, sub } from '../../domain/money';
import type { Order, OrderType } from '../../domain/orders/order';
import type { TradingState } from '../../domain/run/trading-state';
import { venueTaskQueue } from '../../temporal/task-queues';
import { algoReportSignal } from '../algo-definitions';
import { venueActivities } from '../venue-activities';

type Described = Awaited<ReturnType<Activities['market.describe']>>;
export type AlgoStop = { phase: AlgoPhase; reason: string };

export class AlgoRun {
  readonly info = workflowInfo();
  readonly io: ReturnType<typeof venueActivities>['io'];
  readonly follow: ReturnType<typeof venueActivities>['follow'];
  readonly ref: { venue: AlgoOrderInput['venue']; accountId: string };
  readonly algo: AlgoOrderInput['algo'];
  tradingState: TradingState;
  stop: AlgoStop | undefined;
  readonly progress: AlgoProgress;
  /** A child of a strategy run: the market time of the run's latest tick. */
  tickAt = 0;
  /** Set by `describe()`, before the first order. */
  market!: Described;
  /** Market time of the next child order: a replay venue moves one bar per slice or look; a live one is now. */
  at = 0;
  seq = 0;
  consecutiveRejections = 0;
  /** Orders to tell the parent run about with the next report. */
  readonly changed: Order[] = [];
  reportedAt = 0;

  constructor(readonly input: AlgoOrderInput) {
    ({ io: this.io, follow: this.follow } = venueActivities(venueTaskQueue(input.venue, input.accountId)));
    this.ref = { venue: input.venue, accountId: input.accountId };
    this.algo = input.algo;
    this.tradingState = input.tradingState;
    this.progress = {
      kind: input.algo.kind,
      symbol: input.symbol,
      side: input.side,
      quantity: input.quantity,
      filled: '0',
      remaining: input.quantity,
      step: 0,
      ...(input.algo.kind === 'twap' ? { steps: input.algo.slices } : {}),
      phase: 'RUNNING',
      reason: '',
      orders: [],
      fees: '0',
    };
  }

  get instrument() {
    return this.market.instruments[this.input.symbol];
  }

  get replay(): boolean {
    return this.market.clock.kind === 'replay';
  }

  /** The parent's trading state: HALTED stops the algo; REDUCING stops it unless it is reduce-only. */
  applyState(to: TradingState, reason: string): void {
    this.tradingState = to;
    if (this.stop) return;
    const why = reason ? `: ${reason}` : '';
    if (to === 'HALTED') this.stop = { phase: 'HALTED', reason: `parent HALTED${why}` };
    else if (to === 'REDUCING' && !this.input.reduceOnly) {
      this.stop = { phase: 'STOPPED_REDUCING', reason: `parent REDUCING and this algo is not reduce-only${why}` };
    }
  }

  async describe(): Promise<void> {
    this.market = await this.io['market.describe']({ ...this.ref, symbols: [this.input.symbol] });
    const { clock } = this.market;
    this.at = clock.kind === 'replay' ? (this.input.startTime ?? clock.start + clock.barMs) : Date.now();
  }

  advance(): void {
    const { clock } = this.market;
    this.at = clock.kind === 'replay' ? this.at + clock.barMs : Date.now();
  }

  done(): boolean {
    return cmp(this.progress.filled, this.input.quantity) >= 0;
  }

  record(o: Order): void {
    const p = this.progress;
    const i = p.orders.findIndex((x) => x.clientOrderId === o.clientOrderId);
    const average = o.averagePrice ? { averagePrice: o.averagePrice } : {};
    const { clientOrderId, quantity, filledQuantity: filled, status } = o;
    const row = { clientOrderId, quantity, filled, status, ...average };
    if (i >= 0) p.orders[i] = row;
    else p.orders.push(row);
    p.filled = add('0', ...p.orders.map((x) => x.filled));
    p.remaining = sub(this.input.quantity, p.filled);
  }

  recordFees(o: Order): void {
    this.progress.fees = str(new Dec(this.progress.fees).plus(o.fee));
  }

  async look(): Promise<MarketSnapshot> {
    const { symbol } = this.input;
    const read = { ...this.ref, symbols: [symbol], at: this.at, since: { [symbol]: undefined }, limit: 3 };
    const snaps = await this.io['market.snapshot'](read);
    return snaps[symbol];
  }

  /** An iceberg clip's limit: through the touch by the algo's offset. */
  clipPrice(snap: MarketSnapshot, offsetBps: number): string {
    const buy = this.input.side === 'buy';
    const touch = new Dec(buy ? snap.ask : snap.bid);
    return str(touch.times(new Dec(1).plus(new Dec(offsetBps).div(10_000).times(buy ? 1 : -1))));
  }

  /** Place one child order; undefined when the engine or venue refused it (recorded in the reason). */
  async send(
    quantity: string,
    type: OrderType,
    limitPrice: string | undefined,
    snapshot: MarketSnapshot,
  ): Promise<Order | undefined> {
    const { input, progress } = this;
    this.seq += 1;
    // A run's child sends the run's orders: the run's clientOrderId prefix, from the block the run reserved.
    const parent = input.parent;
    const clientOrderId = parent
      ? deriveClientOrderId(parent.workflowId, parent.firstSeq + this.seq - 1)
      : deriveClientOrderId(this.info.workflowId, this.seq);
    const r: PlaceOrderResult = await this.io['advanced.placeOrder']({
      ...this.ref,
      clientOrderId,
      intent: {
        strategyId: input.strategyId as never,
        symbol: input.symbol,
        side: input.side,
        type,
        quantity,
        ...(limitPrice ? { limitPrice } : {}),
        postOnly: false,
        reduceOnly: input.reduceOnly,
        reason: `${this.algo.kind} ${progress.step}`,
      },
      snapshot,
      instrument: this.market.instruments[input.symbol],
      capabilities: this.market.capabilities,
      config: input.risk,
      tradingState: this.tradingState,
      equity: '0',
      at: this.at,
    });
    if (r.kind === 'rejected') {
      this.consecutiveRejections += 1;
      progress.reason = `child ${clientOrderId} rejected: ${r.code} — ${r.message}`;
      return undefined;
    }
    this.consecutiveRejections = 0;
    this.record(r.order);
    this.changed.push(r.order);
    return r.order;
  }

  async cancel(o: Order): Promise<Order> {
    return this.io['advanced.cancelOrder']({ ...this.ref, symbol: o.symbol, clientOrderId: o.clientOrderId });
  }

  async followOne(o: Order, waitMs: number): Promise<Order | undefined> {
    const orders = [{ symbol: o.symbol, clientOrderId: o.clientOrderId }];
    const [seen] = await this.follow['advanced.followOrders']({ ...this.ref, orders, waitMs });
    return seen;
  }

  /** To the parent run (a child only): the orders changed since the last report, and the progress. */
  async report(final: boolean): Promise<void> {
    const parent = this.input.parent;
    if (!parent) return;
    const report = {
      workflowId: this.info.workflowId,
      at: this.reportedAt,
      orders: this.changed.splice(0),
      progress: this.progress,
      final,
    };
    await getExternalWorkflowHandle(parent.workflowId).signal(algoReportSignal, report);
  }

  /** The algo's last phase and reason, from why it stopped or how much it filled. */
  conclude(): void {
    const p = this.progress;
    const filled = `filled ${p.filled} of ${this.input.quantity}`;
    if (this.stop) {
      p.phase = this.stop.phase;
      p.reason = this.stop.reason;
    } else if (this.done()) {
      p.phase = 'COMPLETED';
      p.reason = filled;
    } else {
      p.phase = 'FAILED';
      p.reason = `${filled}${p.reason ? `; ${p.reason}` : ''}`;
    }
  }
}
