/**
 * The end-to-end slice on a real Temporal server, a real paper venue (its own HTTP server, outside the
 * worker) and bundled real Binance data (January 2018).
 */
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { PaperBrokerage } from '../../brokers/paper/client';
import { TempotradeError } from '../../domain/errors';
import { runAudit, runOrders, runStatus, startRun, listRuns } from '../../temporal/runs-client';
import { TradingStateKey } from '../../workflows/search-attributes';
import { workflowBundle } from '../../workers/worker';
import { uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { activityTypes, differences, result, runInput, venueAccount, withVenueSuite } from '../helpers/runs';
import { fetchHistories, replayOutcomes } from '../helpers/replay';

const PAIRS = ['ETH/BTC', 'LTC/BTC', 'XMR/BTC'];
let client: Client;
let venue: PaperVenueServer;
const queue = uniqueQueue('strategy-run');
const stamp = Date.now().toString(36);
const finishedRuns: string[] = [];

withVenueSuite(PAIRS, (c, v) => ((client = c), (venue = v)));

/**
 * Runs `e2e-<name>-<stamp>` on the suite's venue to its end and keeps it for the replay check;
 * `read` gets what the test needs from the finished run while the worker is still up.
 */
async function runToEnd<T>(
  name: string,
  over: Omit<Parameters<typeof runInput>[0], 'runId' | 'venueUrl'>,
  read: (runId: string) => Promise<T>,
) {
  const runId = `e2e-${name}-${stamp}`;
  const input = runInput({ runId, venueUrl: venue.url, ...over });
  const out = await withWorker(queue, async () => {
    await startRun(client, input, { taskQueue: queue });
    return read(runId);
  });
  finishedRuns.push(runId);
  return { runId, input, out };
}

describe('GIVEN real ETH/BTC and LTC/BTC data on the paper venue', () => {
  it.each(['live', 'advanced'] as const)(
    'WHEN a run trades through the %s engine THEN it places orders and its portfolio equals the venue fills to the last unit',
    async (engine) => {
      const params =
        engine === 'advanced'
          ? { fast: 5, slow: 20, orderPct: 20, orderType: 'limit', limitOffsetBps: 1, postOnly: true }
          : { fast: 5, slow: 20, orderPct: 20 };
      const {
        runId,
        input,
        out: summary,
      } = await runToEnd(
        engine,
        {
          symbols: ['ETH/BTC', 'LTC/BTC'],
          engine,
          strategy: { name: 'sma-crossover', params },
          stop: { maxTicks: 200, endOfData: true },
        },
        (id) => result(client, id),
      );
      expect(summary.engine.engine).toBe(engine);
      expect(summary.orders.placed).toBeGreaterThanOrEqual(4);
      expect(summary.fills).toBeGreaterThanOrEqual(4);
      const v = await venueAccount(venue.url, input.accountId, 'BTC', '1');
      expect(v.orders.length).toBe(summary.orders.placed);
      expect(differences(summary, v)).toEqual([]);
      // Each engine is its own activity set, routed by the flag.
      const types = await activityTypes(client, runId);
      expect(types.has(`${engine}.placeOrder`)).toBe(true);
      expect(types.has(`${engine === 'live' ? 'advanced' : 'live'}.placeOrder`)).toBe(false);
      if (engine === 'advanced') expect(v.orders.every((o) => o.postOnly && o.type === 'limit')).toBe(true);
    },
  );

  it('WHEN the engine flag is absent and risk enables dynamic sizing THEN the advanced engine is chosen, and the reason recorded', async () => {
    const {
      out: [summary, audit],
    } = await runToEnd(
      'auto',
      { symbols: ['ETH/BTC'], risk: { enableDynamicPositionSizing: true }, stop: { maxTicks: 30, endOfData: true } },
      async (id) => [await result(client, id), await runAudit(client, id)] as const,
    );
    expect(summary.engine).toEqual({
      engine: 'advanced',
      reason: expect.stringContaining('enableDynamicPositionSizing'),
    });
    expect(audit.find((e) => e.kind === 'ENGINE_SELECTED')?.message).toContain('advanced');
  });
});

describe('GIVEN a finished run', () => {
  it('WHEN the run has finished and no worker is polling THEN a query says to start a worker, clearly', async () => {
    const err = await runStatus(client, finishedRuns[0]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TempotradeError);
    expect((err as Error).message).toMatch(/no worker is polling .* start one with `tempotrade worker`/);
  });
});

describe('GIVEN a tight daily loss limit during the January 2018 crash', () => {
  it('WHEN losses breach it THEN the run moves to HALTED by itself, the TradingState search attribute shows it, and no opening order follows', async () => {
    const {
      runId,
      input,
      out: [summary, status, { recent }],
    } = await runToEnd(
      'dailyloss',
      {
        symbols: ['XMR/BTC'],
        strategy: { name: 'sma-crossover', params: { fast: 2, slow: 4, orderPct: 90 } },
        risk: { dailyLossLimitPct: 0.5, maxPositionPctPerSymbol: 100 },
        stop: { maxTicks: 400, endOfData: true },
      },
      async (id) =>
        [await result(client, id), (await runStatus(client, id)).status, await runOrders(client, id)] as const,
    );
    expect(summary.tradingState).toBe('HALTED');
    const breach = status.stateChanges.find((c) => c.to === 'HALTED');
    expect(breach).toMatchObject({ by: 'guard', reason: expect.stringContaining('daily loss') });
    const buysAfter = recent.filter((o) => o.side === 'buy' && o.createdAt > breach!.at);
    expect(buysAfter).toEqual([]);
    const listed = await waitFor('visibility to show HALTED', async () => {
      const runs = await listRuns(client, { query: `WorkflowId = '${runId}' AND TradingState = 'HALTED'` });
      return runs.length === 1 && runs;
    });
    expect(listed[0].tradingState).toBe('HALTED');
    const described = await client.workflow.getHandle(runId).describe();
    expect(described.typedSearchAttributes.get(TradingStateKey)).toBe('HALTED');
    expect(differences(summary, await venueAccount(venue.url, input.accountId, 'BTC', '1'))).toEqual([]);
  }, 300_000);
});

describe('GIVEN invalid input', () => {
  it('WHEN a run is started with bad fields THEN the error names each field and no workflow exists', async () => {
    const runId = `e2e-invalid-${stamp}`;
    const bad = {
      ...runInput({ runId, venueUrl: venue.url, symbols: ['ETH/BTC', 'eth-btc'] }),
      capital: '-1',
      strategy: { name: 'sma-crossover', params: { fast: 50, slow: 10 } },
    };
    const err = await startRun(client, bad, { taskQueue: queue }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TempotradeError);
    expect((err as TempotradeError).code).toBe('VALIDATION');
    const msg = (err as Error).message;
    expect(msg).toContain('capital');
    expect(msg).toContain('symbols.1');
    expect(msg).toContain('strategy.params.fast');
    await expect(client.workflow.getHandle(runId).describe()).rejects.toThrow(/not found/i);
  });

  it('WHEN bad input bypasses the client THEN the workflow fails at once naming the field, before touching the venue', async () => {
    const runId = `e2e-invalid-direct-${stamp}`;
    const bad = { ...runInput({ runId, venueUrl: venue.url, symbols: ['ETH/BTC'] }), capital: 'lots' };
    await withWorker(queue, async () => {
      const h = await client.workflow.start('strategyRun', { workflowId: runId, taskQueue: queue, args: [bad] });
      await expect(h.result()).rejects.toMatchObject({ cause: { message: expect.stringContaining('capital') } });
    });
    const paper = new PaperBrokerage({ url: venue.url, account: bad.accountId });
    await expect(paper.balances()).rejects.toThrow();
    await paper.close();
  });
});

describe('GIVEN the histories recorded by these tests', () => {
  it('WHEN replayed with the current workflow code THEN there is no nondeterminism', async () => {
    expect(finishedRuns.length).toBeGreaterThanOrEqual(3);
    const histories = await fetchHistories(client, finishedRuns, (id) => id.replace(/-[a-z0-9]+$/, ''));
    expect(await replayOutcomes(await workflowBundle(), histories)).toEqual(finishedRuns.map((id) => [id, undefined]));
  });
});
