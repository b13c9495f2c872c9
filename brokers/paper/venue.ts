/** The paper venue (`tempotrade venue`, HTTP /v1), pure half: its spec, key and checks. */
import { z } from 'zod';
import { MarketSymbol } from '../../domain/market/instrument';
import type { VenueKind } from '../venue-kind';

export const DEFAULT_PAPER_VENUE_URL = 'http://127.0.0.1:8701';

export const PaperVenueSpec = z
  .object({
    kind: z.literal('paper'),
    url: z.string().url().default(DEFAULT_PAPER_VENUE_URL),
    /** Datasets the paper venue must hold: symbol → CSV path on the venue's machine. */
    data: z.record(MarketSymbol, z.string().min(1)).default({}),
  })
  .strict();
export type PaperVenueSpec = z.infer<typeof PaperVenueSpec>;

export const paperVenue: VenueKind<typeof PaperVenueSpec> = {
  id: 'paper',
  schema: PaperVenueSpec,
  matches: (v) => v.kind === 'paper',
  cacheKey: (v, accountId) => `paper|${v.url}|${accountId}`,
  // No rate limit: its calls stay on the strategies queue.
  venueAccount: () => undefined,
  clock: 'replay',
  capital: 'deposit',
  validateRun(run, ctx) {
    if (run.mode === 'live')
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: 'mode "live" needs a ccxt venue; the paper venue only trades paper',
      });
  },
};
