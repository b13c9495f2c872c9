/**
 * One error type with typed codes, and one explicit table of which codes are retryable.
 * Brokers map venue errors (ccxt classes, paper-venue codes) into these codes; activities turn them
 * into ApplicationFailure with `type = code` and `nonRetryable = !RETRYABLE[code]`.
 */
import type { z } from 'zod';

export const ERROR_CODES = [
  'VALIDATION',
  'AUTHENTICATION',
  'PERMISSION_DENIED',
  'INSUFFICIENT_FUNDS',
  'INVALID_ORDER',
  'ORDER_NOT_FOUND',
  'DUPLICATE_ORDER',
  'BAD_SYMBOL',
  'RATE_LIMITED',
  'NETWORK',
  'EXCHANGE_UNAVAILABLE',
  'REQUEST_TIMEOUT',
  'VENUE_STATE',
  'VENUE_REJECTED',
  'CONFIG',
  'RUN_NOT_FOUND',
  'RUN_ALREADY_EXISTS',
  'SCHEDULE_NOT_FOUND',
  'SCHEDULE_ALREADY_EXISTS',
  'ACCOUNT_NOT_FOUND',
  'STRATEGY_FAILED',
  'STRATEGY_NOT_FOUND',
  'STRATEGY_CHANGED',
  'STRATEGY_NOT_PROMOTED',
  'GATE_REFUSED',
  'UNKNOWN',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The retry table. A code not retryable fails the activity at once with a clear message. */
export const RETRYABLE: Readonly<Record<ErrorCode, boolean>> = {
  VALIDATION: false,
  AUTHENTICATION: false,
  PERMISSION_DENIED: false,
  INSUFFICIENT_FUNDS: false,
  INVALID_ORDER: false,
  ORDER_NOT_FOUND: false,
  DUPLICATE_ORDER: false,
  BAD_SYMBOL: false,
  RATE_LIMITED: true,
  NETWORK: true,
  EXCHANGE_UNAVAILABLE: true,
  REQUEST_TIMEOUT: true,
  VENUE_STATE: true,
  VENUE_REJECTED: false,
  CONFIG: false,
  RUN_NOT_FOUND: false,
  RUN_ALREADY_EXISTS: false,
  SCHEDULE_NOT_FOUND: false,
  SCHEDULE_ALREADY_EXISTS: false,
  ACCOUNT_NOT_FOUND: false,
  /** A strategy is pure: the same bars fail it the same way again. */
  STRATEGY_FAILED: false,
  /** The worker lacks the run's strategy: retrying on the same worker cannot help. */
  STRATEGY_NOT_FOUND: false,
  /** The worker's module differs from the one the run is pinned to: fail closed until an operator upgrades. */
  STRATEGY_CHANGED: false,
  /** A live run of an untrusted strategy whose gates are missing: fail closed until they pass for its hash. */
  STRATEGY_NOT_PROMOTED: false,
  /** A run's facts fell short of a promotion gate: the same finished run falls short again. */
  GATE_REFUSED: false,
  UNKNOWN: true,
};

/**
 * Codes whose outcome at the venue is unknown: the request may or may not have taken effect.
 * A submit failing with one of these must be resolved by a lookup before any retry submits again.
 */
export const AMBIGUOUS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NETWORK',
  'REQUEST_TIMEOUT',
  'EXCHANGE_UNAVAILABLE',
  'UNKNOWN',
]);

export class TempotradeError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  /** Milliseconds the venue asked us to wait (HTTP Retry-After), when it said. */
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, retryAfterMs?: number) {
    super(message);
    this.name = 'TempotradeError';
    this.code = code;
    this.details = details;
    this.retryAfterMs = retryAfterMs;
  }

  get retryable(): boolean {
    return RETRYABLE[this.code];
  }
}

/** "field.path: message" for every issue, joined; the field is always named. */
export function formatZodIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}

/** Parse or throw a VALIDATION error that names every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new TempotradeError('VALIDATION', `invalid ${what}: ${formatZodIssues(r.error)}`, {
      fields: r.error.issues.map((i) => i.path.join('.')),
    });
  }
  return r.data;
}
