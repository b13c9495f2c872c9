/**
 * Queries are read-only, so a query that timed out can be asked again. A worker answers a query of a
 * finished run by replaying its history; under load (many finished runs asked at once, a worker busy
 * replaying after a restart) the server can give up before a worker picked the query up
 * ("query timed out before a worker could process it"). Such a query is retried a few times; any other
 * error is passed on at once.
 */
import { TempotradeError } from '../domain/errors';

export const QUERY_RETRY_DELAYS_MS = [1_000, 3_000, 9_000] as const;

export function isQueryTimeout(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const cause = (e as { cause?: { code?: unknown; details?: unknown; message?: unknown } }).cause;
  const text = `${e.message} ${String(cause?.details ?? '')} ${String(cause?.message ?? '')}`;
  return /query timed out|DEADLINE_EXCEEDED/i.test(text) || cause?.code === 4; // 4 = gRPC DEADLINE_EXCEEDED
}

export async function retryQueryTimeouts<T>(what: string, ask: () => Promise<T>, delays: readonly number[] = QUERY_RETRY_DELAYS_MS, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ask();
    } catch (e) {
      if (!isQueryTimeout(e)) throw e;
      if (attempt >= delays.length) {
        throw new TempotradeError('REQUEST_TIMEOUT', `${what}: no worker answered within the server's query deadline, ${attempt + 1} times over ${delays.reduce((a, b) => a + b, 0) / 1000} s. The workers are up (else the server would say "no poller") but busy, e.g. replaying histories after a restart: ask again, or add a worker.`, { attempts: attempt + 1 });
      }
      await sleep(delays[attempt]);
    }
  }
}
