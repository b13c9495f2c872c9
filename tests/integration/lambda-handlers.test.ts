/**
 * The control-plane Lambda handlers, invoked in-process with API Gateway v2 events, against the real
 * Temporal server of the jest run, a real worker and the paper venue: what an operator calling the HTTP
 * API sees.
 */
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { closeTemporalClient } from '../../functions/http';
import { handler as startHandler } from '../../functions/runs/start';
import { handler as statusHandler } from '../../functions/runs/status';
import { handler as haltHandler } from '../../functions/runs/halt';
import { handler as resumeHandler } from '../../functions/runs/resume';
import { handler as listHandler } from '../../functions/runs/list';
import { handler as accountHaltHandler } from '../../functions/accounts/halt';
import { handler as accountResumeHandler } from '../../functions/accounts/resume';
import { apiEvent, bodyOf } from '../helpers/apigw';
import { awsLocalEnv, startAwsLocal, type AwsLocal } from '../helpers/aws-local';
import { activityTypes, runInput, startVenue } from '../helpers/runs';
import { serverAddress, testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';

const queue = uniqueQueue('lambda');
const stamp = Date.now().toString(36);
let client: Client;
let venue: PaperVenueServer;
const started: string[] = [];

beforeAll(async () => {
  process.env.TEMPOTRADE_TASK_QUEUE = queue;
  client = await testClient();
  venue = await startVenue(['ETH/BTC', 'LTC/BTC']);
});
afterAll(async () => {
  for (const id of started)
    await client.workflow
      .getHandle(id)
      .terminate('test cleanup')
      .catch(() => undefined);
  await closeTemporalClient();
  await venue?.close();
  await client?.connection.close();
  delete process.env.TEMPOTRADE_TASK_QUEUE;
});

/** A run that keeps ticking (slowly) until terminated. */
function longRun(runId: string, accountId?: string) {
  started.push(runId);
  return runInput({
    runId,
    venueUrl: venue.url,
    symbols: ['ETH/BTC'],
    tickInterval: '100ms',
    stop: { maxTicks: 100_000, endOfData: false },
    ...(accountId ? { accountId } : {}),
  });
}

const status = async (id: string) => statusHandler(apiEvent('GET', '/runs/{id}', { path: { id } }));

describe('GIVEN the control-plane handlers and a worker', () => {
  it('WHEN a run is started, read, halted and read again THEN the API answers 201, 200, 202 and the run shows HALTED', async () => {
    const runId = `lambda-run-${stamp}`;
    await withWorker(queue, async () => {
      const s = await startHandler(apiEvent('POST', '/runs', { body: longRun(runId) }));
      expect(s.statusCode).toBe(201);
      expect(bodyOf(s)).toMatchObject({ workflowId: runId });

      const first = await waitFor('the first tick', async () => {
        const r = await status(runId);
        return r.statusCode === 200 && (bodyOf(r).status as { tick: number }).tick >= 1 && r;
      });
      expect(bodyOf(first)).toMatchObject({
        execution: 'RUNNING',
        status: { workflowId: runId, tradingState: 'ACTIVE' },
      });

      const h = await haltHandler(
        apiEvent('POST', '/runs/{id}/halt', { path: { id: runId }, body: { reason: 'halted through the API' } }),
      );
      expect(h.statusCode).toBe(202);
      const halted = await waitFor('HALTED', async () => {
        const r = bodyOf(await status(runId)) as { status: { tradingState: string; stateReason: string } };
        return r.status.tradingState === 'HALTED' && r;
      });
      expect(halted.status.stateReason).toBe('halted through the API');
      // The run sent a halt alert (SNS in AWS, a log line here) through its alerts.notify activity.
      await waitFor('the halt alert', async () => (await activityTypes(client, runId)).has('alerts.notify'));

      const list = await waitFor('the run listed as HALTED', async () => {
        const r = bodyOf(
          await listHandler(
            apiEvent('GET', '/runs', { query: { tradingState: 'HALTED', accountId: `acct-${runId}` } }),
          ),
        ) as { runs: Array<{ workflowId: string }> };
        return r.runs.length > 0 && r;
      });
      expect(list.runs.map((r) => r.workflowId)).toEqual([runId]);

      const res = await resumeHandler(apiEvent('POST', '/runs/{id}/resume', { path: { id: runId } }));
      expect(res.statusCode).toBe(202);
      await waitFor(
        'ACTIVE again',
        async () =>
          (bodyOf(await status(runId)) as { status: { tradingState: string } }).status.tradingState === 'ACTIVE',
      );
    });
  });

  it('WHEN the same run is started twice THEN the second answer is 409', async () => {
    const runId = `lambda-dup-${stamp}`;
    const input = longRun(runId);
    expect((await startHandler(apiEvent('POST', '/runs', { body: input }))).statusCode).toBe(201);
    const again = await startHandler(apiEvent('POST', '/runs', { body: input }));
    expect(again.statusCode).toBe(409);
    expect(bodyOf(again)).toMatchObject({ error: 'RUN_ALREADY_EXISTS' });
  });

  it('WHEN a run id is unknown THEN status, halt and resume answer 404', async () => {
    const id = `no-such-run-${stamp}`;
    const answers = [
      await status(id),
      await haltHandler(apiEvent('POST', '/runs/{id}/halt', { path: { id }, body: { reason: 'x' } })),
      await resumeHandler(apiEvent('POST', '/runs/{id}/resume', { path: { id } })),
    ];
    expect(answers.map((a) => [a.statusCode, bodyOf(a).error])).toEqual([
      [404, 'RUN_NOT_FOUND'],
      [404, 'RUN_NOT_FOUND'],
      [404, 'RUN_NOT_FOUND'],
    ]);
  });

  it.each([
    [
      'a start without symbols',
      'symbols',
      () => startHandler(apiEvent('POST', '/runs', { body: { ...longRun(`bad-${stamp}`), symbols: undefined } })),
    ],
    [
      'a start with a negative capital',
      'capital',
      () => startHandler(apiEvent('POST', '/runs', { body: { ...longRun(`bad2-${stamp}`), capital: '-1' } })),
    ],
    ['a start whose body is not JSON', 'body', () => startHandler(apiEvent('POST', '/runs', { rawBody: '{nope' }))],
    [
      'a halt without a reason',
      'body.reason',
      () => haltHandler(apiEvent('POST', '/runs/{id}/halt', { path: { id: 'r1' }, body: {} })),
    ],
    [
      'a halt with an unknown field',
      'body',
      () =>
        haltHandler(apiEvent('POST', '/runs/{id}/halt', { path: { id: 'r1' }, body: { reason: 'x', force: true } })),
    ],
    ['a status with a bad id', 'path.id', () => status('a b')],
    [
      'a list with an unknown trading state',
      'query.tradingState',
      () => listHandler(apiEvent('GET', '/runs', { query: { tradingState: 'PANIC' } })),
    ],
    [
      'an account halt with a bad account id',
      'path.id',
      () => accountHaltHandler(apiEvent('POST', '/accounts/{id}/halt', { path: { id: 'a b' }, body: { reason: 'x' } })),
    ],
  ])('WHEN the API gets %s THEN it answers 400 naming %s', async (_what, field, call) => {
    const r = await call();
    expect(r.statusCode).toBe(400);
    const b = bodyOf(r) as { error: string; fields: string[] };
    expect(b.error).toBe('VALIDATION');
    expect(b.fields.some((f) => f === field || f.startsWith(`${field}.`))).toBe(true);
  });

  it('WHEN an account is halted THEN every running run of it is signalled and shows HALTED; resume brings them back', async () => {
    const account = `acct-fan-${stamp}`;
    const ids = [`lambda-fan-a-${stamp}`, `lambda-fan-b-${stamp}`];
    const other = `lambda-fan-other-${stamp}`;
    await withWorker(queue, async () => {
      for (const id of ids)
        expect((await startHandler(apiEvent('POST', '/runs', { body: longRun(id, account) }))).statusCode).toBe(201);
      expect((await startHandler(apiEvent('POST', '/runs', { body: longRun(other) }))).statusCode).toBe(201);
      // Visibility is eventually consistent: wait until both runs are listed for the account.
      await waitFor(
        'both runs visible',
        async () =>
          (
            bodyOf(
              await listHandler(apiEvent('GET', '/runs', { query: { accountId: account, status: 'Running' } })),
            ) as { runs: unknown[] }
          ).runs.length === 2,
      );

      const h = await accountHaltHandler(
        apiEvent('POST', '/accounts/{id}/halt', { path: { id: account }, body: { reason: 'venue incident' } }),
      );
      expect(h.statusCode).toBe(200);
      const fan = bodyOf(h) as { signalled: string[]; failed: unknown[] };
      expect([...fan.signalled].sort()).toEqual([...ids].sort());
      expect(fan.failed).toEqual([]);
      for (const id of ids)
        await waitFor(
          `${id} HALTED`,
          async () =>
            (bodyOf(await status(id)) as { status: { tradingState: string } }).status.tradingState === 'HALTED',
        );
      expect((bodyOf(await status(other)) as { status: { tradingState: string } }).status.tradingState).toBe('ACTIVE');

      const r = await accountResumeHandler(apiEvent('POST', '/accounts/{id}/resume', { path: { id: account } }));
      expect([...(bodyOf(r) as { signalled: string[] }).signalled].sort()).toEqual([...ids].sort());
      for (const id of ids)
        await waitFor(
          `${id} ACTIVE`,
          async () =>
            (bodyOf(await status(id)) as { status: { tradingState: string } }).status.tradingState === 'ACTIVE',
        );
    });
  });
});

describe('GIVEN the Temporal address only in a Secrets Manager secret (TEMPORAL_SECRET_ARN)', () => {
  let aws: AwsLocal;
  const saved = { ...process.env };
  beforeAll(async () => {
    aws = await startAwsLocal();
  });
  afterAll(async () => {
    process.env = saved;
    await closeTemporalClient();
    await aws?.close();
  });

  it('WHEN a handler runs THEN it reads the secret at run time and reaches Temporal through it, reading the secret once', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tempotrade/temporal-AbCdEf';
    aws.secrets.set(
      arn,
      JSON.stringify({ address: serverAddress(), namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' }),
    );
    await closeTemporalClient();
    Object.assign(process.env, awsLocalEnv(aws.url), { TEMPORAL_SECRET_ARN: arn, TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const a = await status(`no-such-run-${stamp}`);
    const b = await status(`no-such-run-2-${stamp}`);
    // 404 (not 503): Temporal answered, at the address the secret gave.
    expect([a.statusCode, b.statusCode]).toEqual([404, 404]);
    expect(aws.requests.filter((r) => r.target === 'secretsmanager.GetSecretValue')).toHaveLength(1);
  });
});
