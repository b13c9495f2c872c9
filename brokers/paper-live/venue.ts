/**
 * Paper trading on live data (a ccxt spec with `fills: 'paper'`), pure half. Same spec schema as ccxt/;
 * its market data comes from the exchange, so its calls go to the venue account's rate-limited queue too.
 */
import { CcxtVenueSpec, onCcxtExchange, validateCcxtRun } from '../ccxt/venue';
import type { VenueKind } from '../venue-kind';

export const paperLiveVenue: VenueKind<typeof CcxtVenueSpec> = {
  id: 'paper-live',
  ...onCcxtExchange('paper'),
  capital: 'deposit',
  validateRun(run, ctx) {
    if (run.mode === 'live')
      ctx.addIssue({
        code: 'custom',
        path: ['venue', 'fills'],
        message: 'fills "paper" never sends an order: use mode "paper" with it, or fills "venue" to trade live',
      });
    validateCcxtRun(run, ctx);
  },
};
