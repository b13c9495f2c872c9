/**
 * Temporal Schedules for strategy workflows, on the real server of the jest run with a real worker and the
 * paper venue. Intervals are 2 s so the tests stay short.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { TempotradeError } from '../../domain/errors';
import { loadStrategies } from '../../domain/strategies/loader';
import { listRuns, runStatus } from '../../temporal/runs-client';
import * as schedules from '../../temporal/schedules-client';
import { result, runInput, startVenue } from '../helpers/runs';
import { testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';

const queue = uniqueQueue('schedules');
const stamp = Date.now().toString(36);
let client: Client;
let venue: PaperVenueServer;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  client = await testClient();
  venue = await startVenue(['ETH/BTC']);
});
afterAll(async () => {
  for (const c of cleanup) await c().catch(() => undefined);
  await venue?.close();
  await client?.connection.close();
});

const taken = async (id: string) => (await schedules.describeSchedule(client, id)).actionsTaken;

describe('GIVEN a schedule that starts a short strategy run every 2 s', () => {
  it('WHEN it runs THEN runs start and are filterable by schedule and account; pause stops new ones; trigger starts one at once; delete removes it', async () => {
    const id = `sched-run-${stamp}`;
    const account = `acct-${id}`;
    const run = runInput({
      runId: id,
      venueUrl: venue.url,
      symbols: ['ETH/BTC'],
      accountId: account,
      stop: { maxTicks: 2, endOfData: true },
    });
    cleanup.push(() => schedules.deleteSchedule(client, id));
    await withWorker(queue, async () => {
      const created = await schedules.createSchedule(
        client,
        { scheduleId: id, every: '2s', run },
        { taskQueue: queue },
      );
      expect(created).toEqual({ scheduleId: id, mode: 'run', runWorkflowId: id });

      await waitFor('two scheduled runs', async () => (await taken(id)) >= 2, 30_000, 250);
      const runs = await waitFor('the runs in visibility', async () => {
        const r = await listRuns(client, { query: `TemporalScheduledById = '${id}' AND AccountId = '${account}'` });
        return r.length >= 2 && r;
      });
      for (const r of runs) {
        expect(r.workflowId.startsWith(`${id}-`)).toBe(true);
        expect(r).toMatchObject({ strategy: 'sma-crossover', accountId: account, tradingMode: 'paper' });
      }
      expect((await schedules.listSchedules(client)).find((s) => s.scheduleId === id)).toMatchObject({
        paused: false,
        mode: 'run',
        accountId: account,
      });

      await schedules.pauseSchedule(client, id, { note: 'paused by the test' });
      const atPause = await taken(id);
      await sleep(5_000); // two and a half intervals
      const d = await schedules.describeSchedule(client, id);
      expect(d).toMatchObject({ paused: true, note: 'paused by the test', actionsTaken: atPause });

      await schedules.triggerSchedule(client, id);
      await waitFor('the triggered run', async () => (await taken(id)) === atPause + 1, 10_000, 100);

      await schedules.deleteSchedule(client, id);
      await expect(schedules.describeSchedule(client, id)).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
    });
  });

  it('WHEN a schedule id is taken or unknown THEN the errors say so by code', async () => {
    const id = `sched-dup-${stamp}`;
    const run = runInput({ runId: id, venueUrl: venue.url, symbols: ['ETH/BTC'] });
    cleanup.push(() => schedules.deleteSchedule(client, id));
    await schedules.createSchedule(client, { scheduleId: id, every: '1h', paused: true, run }, { taskQueue: queue });
    await expect(
      schedules.createSchedule(client, { scheduleId: id, every: '1h', run }, { taskQueue: queue }),
    ).rejects.toMatchObject({ code: 'SCHEDULE_ALREADY_EXISTS' });
    for (const call of [
      () => schedules.pauseSchedule(client, `nope-${stamp}`),
      () => schedules.unpauseSchedule(client, `nope-${stamp}`),
      () => schedules.triggerSchedule(client, `nope-${stamp}`),
      () => schedules.deleteSchedule(client, `nope-${stamp}`),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
    }
  });

  it.each([
    [{ every: '2s', cron: '* * * * *' }, 'every'],
    [{ every: 'often' }, 'every'],
    [{ cron: '* * *' }, 'cron'],
    [{ every: '2s', overlap: 'SOMETIMES' }, 'overlap'],
    [{ every: '2s', catchupWindow: '2s' }, 'catchupWindow'],
    [{ every: '2s', mode: 'tick', run: { tickInterval: '1s' } }, 'run.tickInterval'],
    [{ every: '2s', run: { capital: '0' } }, 'run.capital'],
  ])('WHEN created with %j THEN nothing is created and the error names %s', async (over, field) => {
    const id = `sched-bad-${stamp}`;
    const { run: runOver, ...rest } = over as { run?: Record<string, unknown> };
    const run = { ...runInput({ runId: id, venueUrl: venue.url, symbols: ['ETH/BTC'] }), ...runOver };
    const err = await schedules
      .createSchedule(client, { scheduleId: id, ...rest, run }, { taskQueue: queue })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TempotradeError);
    expect((err as TempotradeError).code).toBe('VALIDATION');
    expect((err as TempotradeError).details.fields).toContain(field);
    await expect(schedules.describeSchedule(client, id)).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
  });
});

describe('GIVEN a tick-mode schedule (each start is one tick of one long-lived run)', () => {
  it('WHEN two scheduled ticks come THEN one strategy run advances by exactly one tick per scheduled start, keeping its state', async () => {
    const id = `sched-tick-${stamp}`;
    const runId = `${id}-run`;
    const run = runInput({
      runId,
      venueUrl: venue.url,
      symbols: ['ETH/BTC'],
      stop: { maxTicks: 10_000, endOfData: true },
    });
    cleanup.push(() => schedules.deleteSchedule(client, id));
    cleanup.push(() => client.workflow.getHandle(runId).terminate('test cleanup'));
    await withWorker(queue, async () => {
      const created = await schedules.createSchedule(
        client,
        { scheduleId: id, every: '2s', mode: 'tick', run: { ...run, runId: undefined } },
        { taskQueue: queue },
      );
      expect(created).toEqual({ scheduleId: id, mode: 'tick', runWorkflowId: runId });

      const first = await waitFor(
        'the first tick',
        async () => {
          const s = await runStatus(client, runId).catch(() => undefined);
          return s && s.status.tick >= 1 && s;
        },
        30_000,
        200,
      );
      const second = await waitFor(
        'the second tick',
        async () => {
          const s = await runStatus(client, runId);
          return s.status.tick >= 2 && s;
        },
        30_000,
        200,
      );
      await schedules.pauseSchedule(client, id);
      // Let the last delivered tick be taken, then compare: ticks taken == scheduled starts completed.
      await waitFor(
        'no scheduled tick running',
        async () => (await schedules.describeSchedule(client, id)).running.length === 0,
        10_000,
        100,
      );
      const starts = await schedules.describeSchedule(client, id);
      const final = await waitFor(
        'every delivered tick taken',
        async () => {
          const s = await runStatus(client, runId);
          return s.status.tick === starts.actionsTaken && s;
        },
        10_000,
        100,
      );

      expect(starts.actionsTaken).toBeGreaterThanOrEqual(2);
      expect(final.execution).toBe('RUNNING'); // waiting for the next tick, not finished
      // One run, one state: market time moved by one bar per tick (5 minutes on this data).
      expect(second.status.marketTime! - first.status.marketTime!).toBe(
        (second.status.tick - first.status.tick) * 300_000,
      );
      expect(final.status.workflowId).toBe(runId);
      // The scheduled starts are scheduledTick workflows carrying the schedule's id and the run's account.
      const ticks = await client.workflow.list({ query: `TemporalScheduledById = '${id}'` });
      const types = new Set<string>();
      for await (const w of ticks) types.add(w.type);
      expect([...types]).toEqual(['scheduledTick']);
    });
  });
});

describe('GIVEN a strategy of a user folder outside the repo', () => {
  const SDK = path.resolve(__dirname, '..', '..', 'domain', 'strategies', 'sdk');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-sched-strategy-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(
    path.join(dir, 'first-bar.ts'),
    `import { defineStrategy, z } from ${JSON.stringify(SDK)};
export default defineStrategy({
  name: 'user-first-bar', version: '2.1.0', description: 'buys on its first bar', params: z.object({}), lookback: () => 1,
  onBar(ctx) { return Number(ctx.position) === 0 ? [ctx.buy({ pctOfEquity: 10, reason: 'first bar' })] : []; },
});
`,
  );
  const strategies = loadStrategies([dir]);

  it('WHEN a schedule names it THEN each run it starts is pinned to the module and trades; with the built-ins alone the schedule is refused', async () => {
    const id = `sched-user-${stamp}`;
    const run = runInput({
      runId: id,
      venueUrl: venue.url,
      symbols: ['ETH/BTC'],
      strategy: { name: 'user-first-bar', params: {} },
      stop: { maxTicks: 3, endOfData: true },
    });
    const refused = await schedules.createSchedule(client, { scheduleId: `${id}-x`, every: '1h', run }).catch((e) => e);
    expect(refused).toBeInstanceOf(TempotradeError);
    expect(refused.message).toContain('unknown strategy "user-first-bar"');

    cleanup.push(() => schedules.deleteSchedule(client, id));
    const entry = strategies.require('user-first-bar');
    await withWorker(
      queue,
      async () => {
        await schedules.createSchedule(client, { scheduleId: id, every: '1h', run }, { taskQueue: queue, strategies });
        await schedules.triggerSchedule(client, id);
        const [started] = await waitFor(
          'the triggered run',
          async () => {
            const r = await listRuns(client, { query: `TemporalScheduledById = '${id}'` });
            return r.length >= 1 && r;
          },
          30_000,
          250,
        );
        const summary = await result(client, started.workflowId);
        const { status } = await runStatus(client, started.workflowId);

        expect(status.strategyPin).toEqual({ name: 'user-first-bar', version: '2.1.0', hash: entry.hash });
        expect(summary.orders.placed).toBe(1);
      },
      { strategies },
    );
  });
});
