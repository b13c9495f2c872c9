import { z } from 'zod';

/** ACTIVE trades freely; REDUCING allows only orders that reduce a position; HALTED allows only cancels. */
export const TradingState = z.enum(['ACTIVE', 'REDUCING', 'HALTED']);
export type TradingState = z.infer<typeof TradingState>;
