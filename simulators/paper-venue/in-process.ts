/**
 * The paper venue without its HTTP server: `InProcessPaperVenue` holds one PaperVenue engine in the
 * calling process and hands out an `InProcessBrokerage` per account that calls the engine directly.
 * The fill model, balances and errors are the engine's own (the same code the HTTP server runs), so a
 * workflow driven through it trades exactly as on the server, minus the sockets: for fast workflow tests.
 *
 * Answers are copies (the engine clones what it returns) and every order is checked for consistency,
 * as PaperBrokerage checks the server's. An optional hook sees every call before it reaches the engine:
 * a test can hold a run at a given call (its market time) while it changes the venue or sends a signal.
 */
import type { Balance, Brokerage, DepositOutcome, OrderPreview, VenueDescription } from '../../brokers/brokerage';
import { TempotradeError } from '../../domain/errors';
import type { ClientOrderId } from '../../domain/ids';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import { checkOrderConsistency, type Fill, type Order, type PlaceOrder } from '../../domain/orders/order';
import { PaperVenue, type PaperVenueOptions } from './venue';

export type VenueCallName =
  | 'describe'
  | 'deposit'
  | 'snapshot'
  | 'balances'
  | 'placeOrder'
  | 'fetchOrder'
  | 'cancelOrder'
  | 'fetchOpenOrders'
  | 'previewOrder';

export interface VenueCall {
  call: VenueCallName;
  account: string;
  symbol?: string;
  /** Market time of a snapshot or an order. */
  at?: number;
  /** How many calls of this name this account made before this one. */
  n: number;
}

/** Sees each call before the engine does; a returned promise holds the call until it settles. */
export type VenueCallHook = (call: VenueCall) => void | Promise<void>;

export interface InProcessPaperVenueOptions extends PaperVenueOptions {
  /** The venue URL runs name in their input (kind "paper"); default http://paper-venue.in-process.invalid. */
  url?: string;
  /** Markets to load at once: symbol → CSV path (.csv or .csv.gz). */
  datasets?: Record<string, string>;
}

export const IN_PROCESS_URL = 'http://paper-venue.in-process.invalid';

export class InProcessPaperVenue {
  readonly url: string;
  readonly engine: PaperVenue;
  private hooks: VenueCallHook[] = [];
  private readonly counts = new Map<string, number>();

  constructor(opts: InProcessPaperVenueOptions = {}) {
    const { url, datasets, ...engineOpts } = opts;
    this.url = url ?? IN_PROCESS_URL;
    this.engine = new PaperVenue(engineOpts);
    for (const [symbol, file] of Object.entries(datasets ?? {})) this.engine.loadMarketFromSource(symbol, file);
  }

  /** Add a hook; returns a function that removes it. */
  onCall(hook: VenueCallHook): () => void {
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /** Load `symbol` from a CSV path (idempotent for the same path; another path is VALIDATION). */
  ensureMarket(symbol: string, file: string): void {
    this.engine.loadMarketFromSource(symbol, file);
  }

  /** Open (and fund) an account if it does not exist; an existing account keeps its balances. */
  openAccount(account: string, balances: Record<string, string>): Record<string, Balance> {
    return this.engine.openAccount(account, balances);
  }

  /** Credit paper money to an account (opened empty if new), once per depositId. */
  deposit(account: string, d: { asset: string; amount: string; depositId: string }): DepositOutcome {
    return this.engine.deposit(account, d);
  }

  brokerage(account: string): InProcessBrokerage {
    return new InProcessBrokerage(this, account);
  }

  /** @internal The brokerage's way in: count the call, run the hooks, then the engine. */
  async call<T>(c: Omit<VenueCall, 'n'>, fn: (engine: PaperVenue) => T): Promise<T> {
    const key = `${c.account}|${c.call}`;
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    for (const h of [...this.hooks]) await h({ ...c, n });
    return fn(this.engine);
  }
}

export class InProcessBrokerage implements Brokerage {
  readonly venue = 'paper';

  constructor(
    private readonly paper: InProcessPaperVenue,
    readonly account: string,
  ) {}

  async describe(symbols: string[]): Promise<VenueDescription> {
    return this.paper.call({ call: 'describe', account: this.account }, (e) => e.describe(symbols));
  }

  async snapshot(symbol: string, opts: { at: number; since?: number; limit: number }): Promise<MarketSnapshot> {
    const args = { at: opts.at, limit: opts.limit, ...(opts.since !== undefined ? { since: opts.since } : {}) };
    return this.paper.call({ call: 'snapshot', account: this.account, symbol, at: opts.at }, (e) =>
      e.snapshot(symbol, args, this.account),
    );
  }

  async balances(): Promise<Record<string, Balance>> {
    return this.paper.call({ call: 'balances', account: this.account }, (e) => e.balances(this.account));
  }

  async placeOrder(cmd: PlaceOrder): Promise<Order> {
    return this.paper.call({ call: 'placeOrder', account: this.account, symbol: cmd.symbol, at: cmd.at }, (e) =>
      this.checked(e.placeOrder(this.account, cmd)),
    );
  }

  async fetchOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order | undefined> {
    return this.paper.call({ call: 'fetchOrder', account: this.account, symbol }, (e) => {
      const o = e.getOrder(this.account, clientOrderId, symbol);
      return o && this.checked(o);
    });
  }

  async cancelOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order> {
    return this.paper.call({ call: 'cancelOrder', account: this.account, symbol }, (e) =>
      this.checked(e.cancelOrder(this.account, clientOrderId, symbol)),
    );
  }

  async fetchOpenOrders(symbol?: string): Promise<Order[]> {
    return this.paper.call({ call: 'fetchOpenOrders', account: this.account, ...(symbol ? { symbol } : {}) }, (e) =>
      e.orders(this.account, { open: true, ...(symbol !== undefined ? { symbol } : {}) }).map((o) => this.checked(o)),
    );
  }

  async previewOrder(cmd: PlaceOrder): Promise<OrderPreview | undefined> {
    return this.paper.call({ call: 'previewOrder', account: this.account, symbol: cmd.symbol, at: cmd.at }, (e) =>
      e.previewOrder(this.account, cmd),
    );
  }

  async close(): Promise<void> {
    // Nothing held per brokerage: the engine belongs to the InProcessPaperVenue.
  }

  // ---- beyond the Brokerage interface (as PaperBrokerage offers them) ----------------------------

  async openAccount(balances: Record<string, string>): Promise<Record<string, Balance>> {
    return this.paper.openAccount(this.account, balances);
  }

  async deposit(d: { asset: string; amount: string; depositId: string }): Promise<DepositOutcome> {
    return this.paper.call({ call: 'deposit', account: this.account }, (e) => e.deposit(this.account, d));
  }

  /** All orders of this account (open and done), oldest first. */
  async orders(symbol?: string): Promise<Order[]> {
    return this.paper.engine.orders(this.account, symbol !== undefined ? { symbol } : {});
  }

  /** All fills of this account, oldest first. */
  async fills(): Promise<Fill[]> {
    return this.paper.engine.fills(this.account);
  }

  private checked(order: Order): Order {
    const inconsistent = checkOrderConsistency(order);
    if (inconsistent)
      throw new TempotradeError(
        'UNKNOWN',
        `in-process paper venue returned an inconsistent order ${order.clientOrderId}: ${inconsistent}`,
      );
    return order;
  }
}
