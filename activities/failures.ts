/** Turn any error into an ApplicationFailure whose type is our code and whose retryability is the table's. */
import { ApplicationFailure } from '@temporalio/common';
import { TempotradeError } from '../domain/errors';
import { mapCcxtError } from '../brokers/ccxt/errors';

export function toApplicationFailure(err: unknown, context: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const e = err instanceof TempotradeError ? err : mapCcxtError(err, context);
  return ApplicationFailure.create({
    type: e.code,
    message: e.message,
    nonRetryable: !e.retryable,
    details: [e.details],
    ...(e.retryAfterMs !== undefined ? { nextRetryDelay: e.retryAfterMs } : {}),
  });
}

/** Run an activity body, converting failures through the retry table. */
export async function guarded<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toApplicationFailure(e, context);
  }
}
