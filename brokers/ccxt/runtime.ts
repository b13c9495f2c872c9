/**
 * A ccxt exchange filling the orders, runtime half. Keys come from the worker's CredentialProvider
 * (credentials.ts: env by default, Secrets Manager in AWS); they never travel through a workflow.
 */
import { TempotradeError } from '../../domain/errors';
import { binanceApiUrls } from '../../simulators/binance-exchange/urls';
import type { VenueAdapter } from '../adapter-kind';
import { CcxtBrokerage } from './adapter';
import { ccxtVenue, type CcxtVenueSpec } from './venue';

/** `venue.apiUrl`: the exchange's REST calls go to the local Binance-protocol exchange (or a proxy). */
export function ccxtApiOverrides(venue: CcxtVenueSpec) {
  if (venue.apiUrl !== undefined && venue.exchangeId !== 'binance') {
    throw new TempotradeError(
      'CONFIG',
      `venue.apiUrl: only supported for exchangeId "binance" (the local exchange speaks Binance's protocol), ` +
        `not "${venue.exchangeId}"`,
    );
  }
  return venue.apiUrl !== undefined
    ? { apiUrls: binanceApiUrls(venue.apiUrl), options: { fetchMarkets: ['spot'], fetchMargins: false } }
    : {};
}

export const ccxtAdapter: VenueAdapter<typeof CcxtVenueSpec, CcxtBrokerage> = {
  kind: ccxtVenue,
  async create(venue, accountId, env) {
    const overrides = ccxtApiOverrides(venue);
    const keys = await env.credentials.get(venue.exchangeId, accountId);
    return new CcxtBrokerage({
      exchangeId: venue.exchangeId,
      sandbox: venue.sandbox,
      timeframe: venue.timeframe,
      timeoutMs: venue.requestTimeout,
      ...(keys ?? {}),
      ...overrides,
    });
  },
  // A real account is never funded: the run starts from what it holds.
  openAccount: (broker) => broker.balances(),
};
