import { z } from 'zod';
import { TimeInForce } from '../orders/order';

/** What a venue supports natively, as read from ccxt's `features`/`has` or the paper venue. */
export const VenueCapabilities = z
  .object({
    timeInForce: z.array(TimeInForce),
    postOnly: z.boolean(),
    stopMarket: z.boolean(),
    stopLimit: z.boolean(),
    preview: z.boolean(),
    /** Fees charged in this currency role for each side. */
    feeCurrency: z.enum(['quote', 'received']),
  })
  .strict();
export type VenueCapabilities = z.infer<typeof VenueCapabilities>;
