/** What the run sees of a market at one tick. */
import { z } from 'zod';
import { PositiveAmount, NonNegativeAmount } from '../money';
import { Candle } from './candles';
import { MarketSymbol } from './instrument';

export const BookLevel = z.tuple([PositiveAmount, NonNegativeAmount]); // [price, size in base]

export const MarketSnapshot = z
  .object({
    symbol: MarketSymbol,
    /** Market time of this snapshot (ms). */
    at: z.number().int().nonnegative(),
    /** Time of the mark: the close time of the last closed bar, or the venue's ticker time. */
    markTs: z.number().int().nonnegative(),
    mark: PositiveAmount,
    bid: PositiveAmount,
    ask: PositiveAmount,
    /** Book levels, best first; level 0 is L1. */
    bids: z.array(BookLevel).min(1),
    asks: z.array(BookLevel).min(1),
    /** Closed bars newer than the `since` the caller asked for (oldest first). */
    bars: z.array(Candle),
    /** A replay venue has no more data at or after `at`. */
    endOfData: z.boolean(),
  })
  .strict();
export type MarketSnapshot = z.infer<typeof MarketSnapshot>;

/** How the run's market clock advances: a replay venue steps by bars, a live venue follows time. */
export const MarketClock = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('replay'),
      start: z.number().int(),
      end: z.number().int(),
      barMs: z.number().int().positive(),
    })
    .strict(),
  z.object({ kind: z.literal('live'), barMs: z.number().int().positive() }).strict(),
]);
export type MarketClock = z.infer<typeof MarketClock>;
