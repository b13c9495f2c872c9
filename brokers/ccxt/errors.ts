/**
 * The one table that maps ccxt errors into our codes. Matching is by `instanceof` against ccxt's
 * exported classes, most specific first (never by class-name strings, which minifiers and
 * subclasses break). What is retryable is decided by domain/errors.ts RETRYABLE, not here.
 */
import * as ccxt from 'ccxt';
import { TempotradeError, type ErrorCode } from '../../domain/errors';

type ErrorClass = abstract new (...args: never[]) => Error;

export const CCXT_ERROR_TABLE: ReadonlyArray<readonly [ErrorClass, ErrorCode]> = [
  [ccxt.DuplicateOrderId, 'DUPLICATE_ORDER'],
  [ccxt.OrderNotFound, 'ORDER_NOT_FOUND'],
  [ccxt.InsufficientFunds, 'INSUFFICIENT_FUNDS'],
  [ccxt.BadSymbol, 'BAD_SYMBOL'],
  [ccxt.PermissionDenied, 'PERMISSION_DENIED'],
  // ccxt derives AccountSuspended from AuthenticationError; the keys are fine, the account is not.
  [ccxt.AccountSuspended, 'PERMISSION_DENIED'],
  [ccxt.AuthenticationError, 'AUTHENTICATION'],
  [ccxt.RateLimitExceeded, 'RATE_LIMITED'],
  [ccxt.DDoSProtection, 'RATE_LIMITED'],
  [ccxt.RequestTimeout, 'REQUEST_TIMEOUT'],
  [ccxt.ExchangeNotAvailable, 'EXCHANGE_UNAVAILABLE'],
  [ccxt.InvalidNonce, 'NETWORK'],
  [ccxt.NetworkError, 'NETWORK'],
  [ccxt.BadResponse, 'EXCHANGE_UNAVAILABLE'],
  [ccxt.InvalidOrder, 'INVALID_ORDER'],
  [ccxt.BadRequest, 'INVALID_ORDER'],
  [ccxt.ArgumentsRequired, 'INVALID_ORDER'],
  [ccxt.NotSupported, 'CONFIG'],
  [ccxt.OperationRejected, 'VENUE_REJECTED'],
  [ccxt.ExchangeError, 'VENUE_REJECTED'],
  [ccxt.BaseError, 'UNKNOWN'],
];

/** Human wording for the codes a user must act on. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  AUTHENTICATION:
    'the venue rejected the API credentials: check the key, secret and (for sandbox) that they are sandbox keys',
  PERMISSION_DENIED:
    'the venue refuses this account or key the permission (account suspended? trading enabled? IP allow-list?)',
  INSUFFICIENT_FUNDS: 'the account has insufficient balance for this order',
};

export function mapCcxtError(err: unknown, context: string): TempotradeError {
  if (err instanceof TempotradeError) return err;
  if (err instanceof Error) {
    for (const [cls, code] of CCXT_ERROR_TABLE) {
      if (err instanceof cls) {
        const hint = HINTS[code];
        return new TempotradeError(code, `${context}: ${hint ? `${hint} (${err.message})` : err.message}`, {
          venueError: err.message,
        });
      }
    }
    return new TempotradeError('UNKNOWN', `${context}: ${err.message}`);
  }
  return new TempotradeError('UNKNOWN', `${context}: ${String(err)}`);
}
