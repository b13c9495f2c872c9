/**
 * The Binance spot REST v3 protocol as the local exchange speaks it: kline intervals, error codes and
 * texts, and the zod schemas of request parameters. Parameters arrive as strings (query string or
 * form body); a schema failure becomes Binance's own error: -1102 for a missing mandatory parameter,
 * -1100 for a malformed one, and the specific codes for enums (-1116 orderType, -1117 side,
 * -1115 timeInForce, -1120 interval).
 */
import { z } from 'zod';
import { TempotradeError } from '../../domain/errors';
import type { ErrorCode } from '../../domain/errors';

/** Kline intervals Binance knows (ms). `1M` (a calendar month) is refused as a replay interval. */
export const INTERVAL_MS = {
  '1s': 1_000,
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
  '3d': 259_200_000,
  '1w': 604_800_000,
} as const;
export const Interval = z.enum(
  Object.keys(INTERVAL_MS) as [keyof typeof INTERVAL_MS, ...Array<keyof typeof INTERVAL_MS>],
  {
    message: `must be a Binance kline interval: ${Object.keys(INTERVAL_MS).join(', ')}`,
  },
);
export type Interval = z.infer<typeof Interval>;

/** Order types the local exchange lists in exchangeInfo and accepts. */
export const ORDER_TYPES = [
  'LIMIT',
  'LIMIT_MAKER',
  'MARKET',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT_LIMIT',
] as const;
export type BinanceOrderType = (typeof ORDER_TYPES)[number];

/** Binance's error texts, verbatim. */
export const MSG = {
  unknown: 'An unknown error occurred while processing the request.',
  tooMuchWeight: (limit: number) =>
    `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
  outsideRecvWindow: 'Timestamp for this request is outside of the recvWindow.',
  aheadOfServer: "Timestamp for this request was 1000ms ahead of the server's time.",
  badSignature: 'Signature for this request is not valid.',
  badApiKeyFormat: 'API-key format invalid.',
  rejectedApiKey: 'Invalid API-key, IP, or permissions for action.',
  mandatory: (p: string) => `Mandatory parameter '${p}' was not sent, was empty/null, or malformed.`,
  illegalChars: (p: string, legal: string) =>
    `Illegal characters found in parameter '${p}'; legal range is '${legal}'.`,
  invalidInterval: 'Invalid interval.',
  invalidSymbol: 'Invalid symbol.',
  invalidOrderType: 'Invalid orderType.',
  invalidSide: 'Invalid side.',
  invalidTif: 'Invalid timeInForce.',
  tifNotRequired: "Parameter 'timeInForce' sent when not required.",
  paramNotRequired: (p: string) => `Parameter '${p}' sent when not required.`,
  badRecvWindow: 'recvWindow must be less than 60000',
  orderIdOrClientId: "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
  quantityOrQuote: "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
  insufficient: 'Account has insufficient balance for requested action.',
  wouldTake: 'Order would immediately match and take.',
  duplicate: 'Duplicate order sent.',
  stopWouldTrigger: 'Stop price would trigger immediately.',
  orderDoesNotExist: 'Order does not exist.',
  unknownOrder: 'Unknown order sent.',
  notFound: 'Not found.',
} as const;

/** Binance error codes → the project's error codes (what a TempotradeError carries). */
const CODE_OF: Record<number, ErrorCode> = {
  [-1000]: 'UNKNOWN',
  [-1003]: 'RATE_LIMITED',
  [-1013]: 'INVALID_ORDER',
  [-1021]: 'AUTHENTICATION',
  [-1022]: 'AUTHENTICATION',
  [-1100]: 'VALIDATION',
  [-1102]: 'VALIDATION',
  [-1106]: 'VALIDATION',
  [-1115]: 'INVALID_ORDER',
  [-1116]: 'INVALID_ORDER',
  [-1117]: 'INVALID_ORDER',
  [-1120]: 'VALIDATION',
  [-1121]: 'BAD_SYMBOL',
  [-1131]: 'VALIDATION',
  [-2010]: 'INVALID_ORDER',
  [-2011]: 'ORDER_NOT_FOUND',
  [-2013]: 'ORDER_NOT_FOUND',
  [-2014]: 'AUTHENTICATION',
  [-2015]: 'AUTHENTICATION',
};

/** A Binance error answer: `{ code, msg }` with an HTTP status, carried as a TempotradeError. */
export function binanceError(
  httpStatus: number,
  code: number,
  msg: string,
  extra: Record<string, unknown> = {},
): TempotradeError {
  return new TempotradeError(CODE_OF[code] ?? 'UNKNOWN', msg, { ...extra, binanceCode: code, httpStatus });
}

export function isBinanceError(
  e: unknown,
): e is TempotradeError & { details: { binanceCode: number; httpStatus: number } } {
  return (
    e instanceof TempotradeError &&
    typeof e.details.binanceCode === 'number' &&
    typeof e.details.httpStatus === 'number'
  );
}

// ---- parameter schemas -------------------------------------------------------------------------

const DECIMAL_RANGE = '^([0-9]{1,20})(\\.[0-9]{1,20})?$';
const INTEGER_RANGE = '^[0-9]{1,20}$';
const DecimalParam = z.string().regex(new RegExp(DECIMAL_RANGE), `legal:${DECIMAL_RANGE}`);
const IntParam = z.string().regex(new RegExp(INTEGER_RANGE), `legal:${INTEGER_RANGE}`).transform(Number);
const SymbolParam = z.string().regex(/^[A-Z0-9-_.]{1,20}$/, `legal:^[A-Z0-9-_.]{1,20}$`);
const ClientIdParam = z.string().regex(/^[.A-Za-z:/0-9_-]{1,36}$/, 'legal:^[\\.A-Z\\:/a-z0-9_-]{1,36}$');

/** Parameters every signed request carries. */
export const SignedParams = z.object({
  timestamp: IntParam,
  recvWindow: z
    .string()
    .regex(/^\d{1,10}(\.\d{1,3})?$/, 'legal:^[0-9]{1,10}(\\.[0-9]{1,3})?$')
    .transform(Number)
    .optional(),
  signature: z.string().min(1),
});

export const SymbolQuery = z.object({ symbol: SymbolParam });
export const OptionalSymbolQuery = z.object({ symbol: SymbolParam.optional() });

export const DepthQuery = z.object({
  symbol: SymbolParam,
  limit: IntParam.pipe(z.number().int().min(1).max(5000)).optional(),
});

export const KlinesQuery = z.object({
  symbol: SymbolParam,
  interval: z.string(),
  startTime: IntParam.optional(),
  endTime: IntParam.optional(),
  timeZone: z.string().optional(),
  limit: IntParam.pipe(z.number().int().min(1).max(1000)).optional(),
});

/** `symbol` or `symbols` (a JSON array of ids, as Binance takes it). */
export const TickerQuery = z.object({
  symbol: SymbolParam.optional(),
  symbols: z
    .string()
    .transform((s, ctx) => {
      try {
        const v: unknown = JSON.parse(s);
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'legal:["SYMBOL1","SYMBOL2"]' });
      return z.NEVER;
    })
    .optional(),
  type: z.enum(['FULL', 'MINI']).optional(),
});

export const NewOrderParams = z.object({
  symbol: SymbolParam,
  side: z.string(),
  type: z.string(),
  timeInForce: z.string().optional(),
  quantity: DecimalParam.optional(),
  quoteOrderQty: DecimalParam.optional(),
  price: DecimalParam.optional(),
  newClientOrderId: ClientIdParam.optional(),
  stopPrice: DecimalParam.optional(),
  newOrderRespType: z.enum(['ACK', 'RESULT', 'FULL']).optional(),
});
export type NewOrderParams = z.infer<typeof NewOrderParams>;

export const OrderRefParams = z.object({
  symbol: SymbolParam,
  orderId: IntParam.optional(),
  origClientOrderId: ClientIdParam.optional(),
  newClientOrderId: ClientIdParam.optional(),
});

/** The account-history queries' common parameters (allOrders, myTrades), in Binance's order. */
const HISTORY_PARAMS = {
  symbol: SymbolParam,
  orderId: IntParam.optional(),
  startTime: IntParam.optional(),
  endTime: IntParam.optional(),
};
const HISTORY_LIMIT = IntParam.pipe(z.number().int().min(1).max(1000)).optional();

export const AllOrdersParams = z.object({ ...HISTORY_PARAMS, limit: HISTORY_LIMIT });

export const MyTradesParams = z.object({ ...HISTORY_PARAMS, fromId: IntParam.optional(), limit: HISTORY_LIMIT });

/** Parse Binance parameters; the first problem becomes Binance's -1102 (missing) or -1100 (malformed). */
export function parseParams<S extends z.ZodType>(schema: S, params: Record<string, string>): z.output<S> {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = String(issue.path[0] ?? '');
  if (params[name] === undefined || params[name] === '') throw binanceError(400, -1102, MSG.mandatory(name));
  const legal = issue.message.startsWith('legal:') ? issue.message.slice('legal:'.length) : issue.message;
  throw binanceError(400, -1100, MSG.illegalChars(name, legal));
}
