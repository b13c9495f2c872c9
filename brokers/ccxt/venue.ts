/** A ccxt exchange whose orders the exchange fills (`fills: 'venue'`), pure half: spec, key, queue, checks. */
import { z } from 'zod';
import { Duration } from '../../domain/duration';
import type { RunFacts, VenueKind } from '../venue-kind';

/** Shared by the kinds on a ccxt exchange: `fills` tells them apart (this kind, and paper-live/). */
export const CcxtVenueSpec = z
  .object({
    kind: z.literal('ccxt'),
    /** Any ccxt exchange id, e.g. "binance". Keys come from the worker's env, never from the input. */
    exchangeId: z.string().regex(/^[a-z0-9]+$/, 'must be a ccxt exchange id like "binance"'),
    sandbox: z.boolean().default(false),
    /**
     * Send the exchange's REST calls to this base URL instead of its own hosts: the local
     * Binance-protocol exchange (`tempotrade venue`), or a proxy. Binance only.
     */
    apiUrl: z.string().url().optional(),
    /** ccxt's request timeout; a slower answer is treated as ambiguous and resolved by lookup. */
    requestTimeout: Duration.pipe(
      z.number().int().min(100, 'must be at least 100ms').max(120_000, 'must be at most 2m'),
    ).default(10_000),
    /** Timeframe of bars the strategies see ("1s" suits the local exchange's accelerated replay). */
    timeframe: z
      .string()
      .regex(/^\d+[smhd]$/, 'must be like 1s, 5m, 1h or 1d')
      .default('5m'),
    /**
     * Who fills the orders. "venue": they are sent to the exchange (live, sandbox or local exchange).
     * "paper": paper trading on live data: market data from the exchange's public endpoints (no keys),
     * orders never sent, filled in-process by tempotrade's paper fill model (brokers/paper-live/).
     */
    fills: z.enum(['venue', 'paper']).default('venue'),
  })
  .strict();
export type CcxtVenueSpec = z.infer<typeof CcxtVenueSpec>;

export function ccxtCacheKey(v: CcxtVenueSpec, accountId: string): string {
  const { exchangeId, sandbox, apiUrl, timeframe, requestTimeout, fills } = v;
  return `ccxt|${exchangeId}|${sandbox}|${apiUrl ?? ''}|${timeframe}|${requestTimeout}|${fills}|${accountId}`;
}

/** "binance:acct-1" or "binance-sandbox:acct-1": how operators name a venue account. */
export function venueAccountName(v: Pick<CcxtVenueSpec, 'exchangeId' | 'sandbox'>, accountId: string): string {
  return `${v.exchangeId}${v.sandbox ? '-sandbox' : ''}:${accountId}`;
}

/** Checks of every run on a ccxt exchange, whoever fills. */
export function validateCcxtRun(run: RunFacts<CcxtVenueSpec>, ctx: z.RefinementCtx): void {
  if (run.tickInterval === 0)
    ctx.addIssue({ code: 'custom', path: ['tickInterval'], message: 'a ccxt venue needs a tickInterval above 0' });
}

/** What every kind on a ccxt exchange shares; `fills` picks the kind. */
export function onCcxtExchange(fills: CcxtVenueSpec['fills']) {
  return {
    schema: CcxtVenueSpec,
    matches: (v: { kind: string }) => v.kind === 'ccxt' && (v as CcxtVenueSpec).fills === fills,
    cacheKey: ccxtCacheKey,
    venueAccount: venueAccountName,
    clock: 'live',
  } as const;
}

export const ccxtVenue: VenueKind<typeof CcxtVenueSpec> = {
  id: 'ccxt',
  ...onCcxtExchange('venue'),
  capital: 'held',
  validateRun(run, ctx) {
    const v = run.venue;
    if (run.mode === 'paper' && !v.sandbox && v.apiUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['venue', 'fills'],
        message:
          'paper mode on a real exchange needs fills: "paper" (paper fills on its live data; ' +
          'or sandbox: true, or a local exchange via venue.apiUrl)',
      });
    }
    validateCcxtRun(run, ctx);
  },
};
