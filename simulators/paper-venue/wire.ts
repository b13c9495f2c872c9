/**
 * The paper venue's HTTP wire format: request schemas (checked by server.ts) and response schemas
 * (checked by client.ts), so that both ends agree and neither trusts the other's JSON.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../../domain/errors';
import { Instrument, MarketSymbol } from '../../domain/market/instrument';
import { MarketClock } from '../../domain/market/snapshot';
import { VenueCapabilities } from '../../domain/market/venue';
import { NonNegativeAmount, PositiveAmount } from '../../domain/money';
import { AccountKey, Asset, DepositId } from './state';

export const ACCOUNT_HEADER = 'x-tempotrade-account';

// ---- requests --------------------------------------------------------------------------------

const IntText = (what: string, signed = false) =>
  z
    .string()
    .regex(signed ? /^-?\d{1,16}$/ : /^\d{1,16}$/, `must be ${signed ? 'an' : 'a non-negative'} integer (${what})`)
    .transform(Number);

export const LoadMarketBody = z
  .object({
    symbol: MarketSymbol,
    /** A CSV file on the venue's machine (relative paths resolve against the venue's working directory). */
    path: z
      .string()
      .min(1)
      .regex(/\.csv(\.gz)?$/, 'must name a .csv or .csv.gz file'),
  })
  .strict();

export const OpenAccountBody = z.object({ account: AccountKey, balances: z.record(Asset, NonNegativeAmount) }).strict();

/** POST /v1/deposits: credit paper money to an account (opened empty if new), once per depositId. */
export const DepositBody = z
  .object({ account: AccountKey, asset: Asset, amount: PositiveAmount, depositId: DepositId })
  .strict();

export const DescribeQuery = z
  .object({
    symbols: z
      .string()
      .min(1, 'at least one symbol is required')
      .transform((s) => s.split(','))
      .pipe(z.array(MarketSymbol).min(1)),
  })
  .strict();

export const SnapshotQuery = z
  .object({
    symbol: MarketSymbol,
    at: IntText('market time in ms'),
    since: IntText('open time in ms of the last bar already seen', true).optional(),
    limit: IntText('number of bars').pipe(z.number().int().min(1).max(10_000)).optional(),
  })
  .strict();

export const OrderQuery = z.object({ symbol: MarketSymbol.optional() }).strict();

export const OrdersQuery = z
  .object({
    open: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
    symbol: MarketSymbol.optional(),
  })
  .strict();

// ---- responses -------------------------------------------------------------------------------

export const ErrorBody = z
  .object({ code: z.enum(ERROR_CODES), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
  .strict();
export type ErrorBody = z.infer<typeof ErrorBody>;

export const BalanceSchema = z
  .object({ free: NonNegativeAmount, used: NonNegativeAmount, total: NonNegativeAmount })
  .strict();
export const BalancesSchema = z.record(z.string(), BalanceSchema);
export const DepositResultSchema = z.object({ deposited: z.boolean(), balances: BalancesSchema }).strict();

export const VenueDescriptionSchema = z
  .object({ instruments: z.record(MarketSymbol, Instrument), capabilities: VenueCapabilities, clock: MarketClock })
  .strict();

export const OrderPreviewSchema = z
  .object({
    expectedPrice: PositiveAmount,
    expectedFee: NonNegativeAmount,
    feeCurrency: z.string().min(1),
    fillableQuantity: NonNegativeAmount,
    notes: z.array(z.string()),
  })
  .strict();

export const StatsSchema = z
  .object({
    ordersAccepted: z.number().int().nonnegative(),
    duplicateClientOrderIdRejected: z.number().int().nonnegative(),
    requests: z.number().int().nonnegative(),
    fills: z.number().int().nonnegative(),
  })
  .strict();

export const MarketInfoSchema = z
  .object({
    symbol: MarketSymbol,
    source: z.string(),
    instrument: Instrument,
    barMs: z.number().int().positive(),
    bars: z.number().int().positive(),
    firstTs: z.number().int(),
    firstCloseTs: z.number().int(),
    lastCloseTs: z.number().int(),
  })
  .strict();

export const HealthSchema = z
  .object({ ok: z.literal(true), markets: z.array(MarketSymbol), accounts: z.number().int().nonnegative() })
  .strict();
