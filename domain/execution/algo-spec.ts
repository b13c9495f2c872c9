/**
 * How an order is executed by an algorithm (TWAP: N slices over a duration; iceberg: a visible size
 * refreshed as it fills). Carried by an order intent (domain/orders/order.ts) and by an algo order's input.
 */
import { z } from 'zod';
import { Duration } from '../duration';
import { PositiveAmount } from '../money';

export const AlgoSpec = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('twap'),
      slices: z.number().int().min(1).max(1_000),
      duration: Duration.pipe(
        z
          .number()
          .int()
          .min(0)
          .max(7 * 86_400_000),
      ),
    })
    .strict(),
  z
    .object({
      kind: z.literal('iceberg'),
      visibleQuantity: PositiveAmount,
      /** Limit price of each clip, bps through the touch (0: at the opposite touch, marketable). */
      offsetBps: z.number().min(-500).max(500).default(0),
      /** Wait between looks at a resting clip. */
      pollInterval: Duration.pipe(z.number().int().min(0).max(3_600_000)).default(1_000),
      /** Give up after this many clips (bounded). */
      maxClips: z.number().int().min(1).max(10_000).default(1_000),
    })
    .strict(),
]);
export type AlgoSpec = z.infer<typeof AlgoSpec>;
