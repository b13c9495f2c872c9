/** Activity inputs and results shared by the workflow (type-only imports there) and the activities. */
import type { Instrument } from '../domain/market/instrument';
import type { MarketSnapshot } from '../domain/market/snapshot';
import type { VenueCapabilities } from '../domain/market/venue';
import type { Order, OrderIntent } from '../domain/orders/order';
import type { RiskConfig } from '../domain/risk/config';
import type { TradingState } from '../domain/run/trading-state';
import type { VenueSpec } from '../domain/run/input';
import type { OrderPreview } from '../brokers/brokerage';

export interface VenueRef {
  venue: VenueSpec;
  accountId: string;
}

export interface PlaceOrderInput extends VenueRef {
  clientOrderId: string;
  intent: OrderIntent;
  snapshot: MarketSnapshot;
  instrument: Instrument;
  capabilities: VenueCapabilities;
  config: RiskConfig;
  tradingState: TradingState;
  equity: string;
  at: number;
}

export type PlaceOrderResult =
  | {
      kind: 'placed';
      order: Order;
      recovered: boolean;
      expectedPrice: string;
      expectedSlippageBps: string;
      numbers: Record<string, string>;
      notes: string[];
      preview?: OrderPreview;
    }
  | {
      kind: 'rejected';
      by: 'engine' | 'venue';
      code: string;
      message: string;
      numbers: Record<string, string>;
      suggestedQuantity?: string;
    };

export interface FollowOrdersInput extends VenueRef {
  orders: Array<{ symbol: string; clientOrderId: string }>;
  /** Poll until terminal for up to this long (0: one look). */
  waitMs: number;
}

export interface CancelOrderInput extends VenueRef {
  symbol: string;
  clientOrderId: string;
}
