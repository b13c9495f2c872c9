/**
 * The BrokerageInterface: every venue (ccxt exchange or the paper venue) looks like this to the
 * activities. Errors are thrown as TempotradeError with a typed code (domain/errors.ts).
 */
import type { ClientOrderId } from '../domain/ids';
import type { Instrument } from '../domain/market/instrument';
import type { MarketClock, MarketSnapshot } from '../domain/market/snapshot';
import type { VenueCapabilities } from '../domain/market/venue';
import type { Order, PlaceOrder } from '../domain/orders/order';

export interface Balance {
  free: string;
  used: string;
  total: string;
}

export interface VenueDescription {
  instruments: Record<string, Instrument>;
  capabilities: VenueCapabilities;
  /** replay: the venue's data range for these symbols (intersection); live: wall-clock bars. */
  clock: MarketClock;
}

export interface OrderPreview {
  expectedPrice: string;
  expectedFee: string;
  feeCurrency: string;
  /** Quantity the book can fill right now (for a market order). */
  fillableQuantity: string;
  notes: string[];
}

/** A paper deposit's answer: deposited false when its id had been applied already (nothing changed). */
export interface DepositOutcome {
  deposited: boolean;
  balances: Record<string, Balance>;
}

export interface Brokerage {
  readonly venue: string;
  describe(symbols: string[]): Promise<VenueDescription>;
  /**
   * Market state at market time `at` (a replay venue advances its clock to `at`; a live venue ignores
   * it). Returns closed bars newer than `since`, at most `limit`.
   */
  snapshot(symbol: string, opts: { at: number; since?: number; limit: number }): Promise<MarketSnapshot>;
  balances(): Promise<Record<string, Balance>>;
  /** Submit. A second submit with the same clientOrderId fails with DUPLICATE_ORDER. */
  placeOrder(cmd: PlaceOrder): Promise<Order>;
  /** Look an order up by its clientOrderId; undefined when the venue has never seen it. */
  fetchOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order | undefined>;
  cancelOrder(symbol: string, clientOrderId: ClientOrderId): Promise<Order>;
  fetchOpenOrders(symbol?: string): Promise<Order[]>;
  previewOrder(cmd: PlaceOrder): Promise<OrderPreview | undefined>;
  close(): Promise<void>;
}
