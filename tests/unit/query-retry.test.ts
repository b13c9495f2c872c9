import { ServiceError } from '@temporalio/client';
import { TempotradeError } from '../../domain/errors';
import { isQueryTimeout, retryQueryTimeouts } from '../../temporal/query-retry';

/** What @temporalio/client throws when the server gave up waiting for a worker to take a query (seen in CI). */
function queryTimedOut(): ServiceError {
  const grpc = Object.assign(new Error('4 DEADLINE_EXCEEDED: query timed out before a worker could process it'), { code: 4, details: 'query timed out before a worker could process it' });
  return new ServiceError('Failed to query Workflow', { cause: grpc });
}

describe('GIVEN a query of a finished run while the workers are busy', () => {
  it('WHEN the server times it out twice and then a worker answers THEN the caller gets the answer, after waiting between tries', async () => {
    const waits: number[] = [];
    let asked = 0;
    const answer = await retryQueryTimeouts('audit of run "r1"', async () => {
      asked += 1;
      if (asked <= 2) throw queryTimedOut();
      return ['RUN_STARTED'];
    }, [10, 20, 30], async (ms) => { waits.push(ms); });
    expect(answer).toEqual(['RUN_STARTED']);
    expect(asked).toBe(3);
    expect(waits).toEqual([10, 20]);
  });

  it('WHEN it times out every time THEN it fails as REQUEST_TIMEOUT after the last try, saying what to do', async () => {
    let asked = 0;
    const err = await retryQueryTimeouts('status of run "r1"', async () => { asked += 1; throw queryTimedOut(); }, [1, 1, 1], async () => undefined).catch((e: unknown) => e);
    expect(asked).toBe(4);
    expect(err).toBeInstanceOf(TempotradeError);
    expect((err as TempotradeError).code).toBe('REQUEST_TIMEOUT');
    expect((err as Error).message).toMatch(/^status of run "r1": no worker answered .* 4 times .*add a worker/);
  });

  it('WHEN the query fails for another reason (no such run) THEN it is not asked again', async () => {
    let asked = 0;
    const notFound = new ServiceError('Failed to query Workflow', { cause: Object.assign(new Error('5 NOT_FOUND: workflow not found'), { code: 5 }) });
    await expect(retryQueryTimeouts('audit of run "nope"', async () => { asked += 1; throw notFound; }, [1, 1, 1], async () => undefined)).rejects.toBe(notFound);
    expect(asked).toBe(1);
    expect(isQueryTimeout(notFound)).toBe(false);
    expect(isQueryTimeout(queryTimedOut())).toBe(true);
  });
});
