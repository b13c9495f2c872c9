/** What a venue trades: precision, limits and fees of one market. */
import { z } from 'zod';
import { NonNegativeAmount, PositiveAmount } from '../money';

export const MarketSymbol = z
  .string()
  .regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, 'must look like BASE/QUOTE, e.g. ETH/BTC');

export const Instrument = z
  .object({
    symbol: MarketSymbol,
    base: z.string().min(1),
    quote: z.string().min(1),
    /** Tick sizes (ccxt's TICK_SIZE precision mode): quantities are multiples of `amount`, prices of `price`. */
    precision: z.object({ amount: PositiveAmount, price: PositiveAmount }).strict(),
    limits: z
      .object({
        amount: z.object({ min: NonNegativeAmount, max: PositiveAmount.optional() }).strict(),
        cost: z.object({ min: NonNegativeAmount }).strict(),
      })
      .strict(),
    fees: z.object({ maker: NonNegativeAmount, taker: NonNegativeAmount }).strict(),
  })
  .strict();
export type Instrument = z.infer<typeof Instrument>;

/**
 * Quantization with the market's precision. Implemented in brokers/precision.ts with ccxt's
 * decimalToPrecision helpers and injected into the pure engines, so that what is sent to a venue is
 * rounded exactly as ccxt would round it.
 */
export interface Quantizer {
  /** Quantity floored to the amount step. */
  amount(instrument: Instrument, quantity: string): string;
  /** Price rounded by side so it never worsens the order: buy floors, sell ceils. */
  price(instrument: Instrument, price: string, side: 'buy' | 'sell'): string;
}
