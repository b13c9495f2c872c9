/**
 * The promotion gates as a user drives them from the CLI: `strategy promote | approve | status` and the
 * `run start --mode live` check, against the test server, a worker hosting an untrusted strategy and a
 * paper venue for the runs that are the evidence. Bad flags exit 2 naming the flag, refusals exit 1.
 */
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { loadAllStrategies } from '../../domain/strategies/sandbox/untrusted';
import type { StrategyRegistry } from '../../domain/strategies/registry';
import type { PromotionStatus } from '../../domain/strategy-lifecycle/promotion';
import { startRun } from '../../temporal/runs-client';
import { runCli } from '../helpers/cli';
import { result, runInput, startVenue } from '../helpers/runs';
import { NAMESPACE, serverAddress, testClient, uniqueQueue, withWorker } from '../helpers/temporal';
import { strategyFolder } from '../helpers/user-strategies';

jest.setTimeout(300_000);

const NAME = 'gated-cli';
const dir = strategyFolder('tempotrade-promotion-cli-', {
  'flip.js': `export default {
  name: '${NAME}',
  version: '1.0.0',
  description: 'flips between flat and long',
  lookback: 2,
  onBar(ctx) {
    if (Number(ctx.position) === 0) return [ctx.buy({ pctOfEquity: 10, reason: 'flat' })];
    return [ctx.sell({ quantity: ctx.position, reason: 'long' })];
  },
};
`,
});

let client: Client;
let venue: PaperVenueServer;
let strategies: StrategyRegistry;
beforeAll(async () => {
  client = await testClient();
  venue = await startVenue(['ETH/BTC']);
  strategies = await loadAllStrategies([], [dir], { deadlineMs: 500, memoryMb: 32 });
});
afterAll(async () => {
  await venue.close();
  await client.connection.close();
});

const env = { TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE(), TEMPOTRADE_UNTRUSTED_STRATEGIES: '' };
const cli = (args: string[]) => runCli(args, env, true);

describe('GIVEN bad promotion flags', () => {
  it('WHEN promote or approve is given them THEN it exits 2 naming each flag, before any connection', async () => {
    const bad = await cli(['strategy', 'promote', 'x@1.0.0', '--gate', 'live', '--min-trades', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--gate: must be backtest or paper');
    expect(bad.stderr).toContain('--run: is required');
    expect(bad.stderr).toContain('--min-trades: must be a whole number');
    const noVersion = await cli(['strategy', 'approve', 'x', '--by', 'alice']);
    expect([noVersion.code, noVersion.stderr.trim()]).toEqual([
      2,
      'error: NAME@VERSION: "x" names no version (e.g. x@1.0.0)',
    ]);
    const hash = await cli(['strategy', 'approve', 'x@1.0.0', '--by', 'alice', '--hash', 'abc']);
    expect(hash.code).toBe(2);
    expect(hash.stderr).toContain('--hash: must be a sha256 in hex');
  });
});

describe('GIVEN no worker polling the promotion task queue', () => {
  it('WHEN approve or promote is asked THEN it exits 1 saying so, instead of waiting for a worker forever', async () => {
    const queue = uniqueQueue('promotion-nobody');
    for (const args of [
      ['strategy', 'approve', `${NAME}@1.0.0`, '--by', 'desk', '--task-queue', queue],
      ['strategy', 'promote', `${NAME}@1.0.0`, '--gate', 'paper', '--run', 'r', '--task-queue', queue],
    ]) {
      const r = await cli(args);
      expect([r.code, r.stderr]).toEqual([1, expect.stringContaining(`no worker is polling task queue "${queue}"`)]);
    }
  });
});

describe('GIVEN an untrusted strategy on a worker and finished paper runs of it', () => {
  it('WHEN a user promotes, approves and asks for its status from the CLI THEN the live start is refused naming the gates, short evidence is refused with its numbers, and status shows each gate with its evidence', async () => {
    const stamp = Date.now().toString(36);
    const queue = uniqueQueue('promotion-cli');
    const ref = `${NAME}@1.0.0`;
    const hash = strategies.require(NAME).hash;
    await withWorker(
      queue,
      async () => {
        const bt = `cli-bt-${stamp}`;
        const pp = `cli-paper-${stamp}`;
        const paper = (runId: string, ticks: number) =>
          startRun(
            client,
            runInput({
              runId,
              venueUrl: venue.url,
              symbols: ['ETH/BTC'],
              strategy: { name: NAME, params: {} },
              stop: { maxTicks: ticks, endOfData: true },
            }),
            { taskQueue: queue, strategies },
          );
        await Promise.all([paper(bt, 30), paper(pp, 20)]);
        const btSummary = await result(client, bt);
        await result(client, pp);

        const none = await cli(['strategy', 'status', ref]);
        expect(none.stdout).toContain('no evidence yet: lacks backtest, paper, approval');

        const live = await cli([
          'run',
          'start',
          '--strategy',
          NAME,
          '--untrusted-strategies',
          dir,
          '--symbol',
          'ETH/BTC',
          '--mode',
          'live',
          '--exchange',
          'binance',
          '--api-url',
          'http://127.0.0.1:9',
          '--timeframe',
          '1s',
          '--tick-interval',
          '1s',
        ]);
        expect([live.code, live.stderr.trim()]).toEqual([
          1,
          `error: STRATEGY_NOT_PROMOTED: ${ref} (sha256 ${hash.slice(0, 12)}) lacks backtest, paper, approval`,
        ]);

        const q = ['--task-queue', queue];
        const low = await cli([
          'strategy',
          'promote',
          ref,
          '--gate',
          'backtest',
          '--run',
          bt,
          '--min-trades',
          '500',
          ...q,
        ]);
        expect(low.code).toBe(1);
        expect(low.stderr).toContain(`trades ${btSummary.fills} < minimum 500`);

        const gate = ['--min-trades', '3', '--max-drawdown', '50', '--paper-ticks', '20'];
        const passed = await cli(['strategy', 'promote', ref, '--gate', 'backtest', '--run', bt, ...gate, ...q]);
        expect(passed.code).toBe(0);
        expect(passed.stdout).toContain(`backtest gate of ${ref} (sha256 ${hash.slice(0, 12)}) passed: run ${bt}`);

        const early = await cli(['strategy', 'approve', ref, '--by', 'alice', ...q]);
        expect(early.code).toBe(1);
        expect(early.stderr).toContain(`(sha256 ${hash.slice(0, 12)}) lacks paper`);

        expect((await cli(['strategy', 'promote', ref, '--gate', 'paper', '--run', pp, ...q])).code).toBe(0);
        const ok = await cli(['strategy', 'approve', ref, '--by', 'alice', '--note', 'reviewed', ...q]);
        expect(ok.code).toBe(0);
        expect(ok.stdout).toContain(`${ref} (sha256 ${hash.slice(0, 12)}) approved by alice`);

        const text = (await cli(['strategy', 'status', NAME])).stdout;
        expect(text).toContain(`sha256 ${hash} (latest)`);
        expect(text).toMatch(new RegExp(`backtest  passed  run ${bt} \\(ticks \\d+, trades ${btSummary.fills}, `));
        expect(text).toContain(`paper     passed  run ${pp} (ticks 20, paperTicks 20`);
        expect(text).toContain('approval  passed  by alice');
        expect(text).toContain('live: allowed');
        const json = JSON.parse((await cli(['strategy', 'status', ref, '--json'])).stdout) as PromotionStatus;
        expect(json.records.map((r) => [r.hash, r.backtest?.workflowId, r.paper?.workflowId, r.approval?.by])).toEqual([
          [hash, bt, pp, 'alice'],
        ]);
      },
      { strategies },
    );
  });
});
