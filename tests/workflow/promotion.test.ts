/**
 * Promotion gates on the fast layer: an untrusted (sandboxed) strategy loaded into the worker, its live runs
 * started directly through the client (no CLI check), its evidence from real finished runs on the in-process
 * paper venue, judged by the strategyPromotion workflow. The gate lets a live run through by scheduling its
 * first venue call (market.describe on the venue account's queue, which no worker here polls).
 */
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TempotradeError } from '../../domain/errors';
import type { StrategyRunInputRaw } from '../../domain/run/input';
import type { StrategyRegistry } from '../../domain/strategies/registry';
import { loadAllStrategies } from '../../domain/strategies/sandbox/untrusted';
import { approveStrategy, promotionStatus, recordEvidence } from '../../temporal/promotion-client';
import { pinRunStrategy, validateRunInput } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { waitFor } from '../helpers/temporal';
import { strategyFolder } from '../helpers/user-strategies';
import { workflowSuite } from '../helpers/workflow-harness';

const LIMITS = { deadlineMs: 250, memoryMb: 32 };
const NAME = 'gated-flip';

/** Buys when flat, sells when long: a trade every bar or two. `boom` > 0 throws at that bar. */
const flip = (extra = '') => `${extra}export default {
  name: '${NAME}',
  version: '1.0.0',
  description: 'flips between flat and long',
  params: { boom: { type: 'integer', default: 0, min: 0 } },
  lookback: 2,
  onBar(ctx) {
    const n = (typeof ctx.state.n === 'number' ? ctx.state.n : 0) + 1;
    ctx.state.n = n;
    if (ctx.params.boom > 0 && n >= ctx.params.boom) throw new Error('boom at bar ' + n);
    if (Number(ctx.position) === 0) return [ctx.buy({ pctOfEquity: 10, reason: 'flat' })];
    return [ctx.sell({ quantity: ctx.position, reason: 'long' })];
  },
};
`;

const v1 = strategyFolder('tempotrade-promotion-v1-', { 'flip.js': flip() });
// The same name and version, another module: another hash.
const v2 = strategyFolder('tempotrade-promotion-v2-', { 'flip.js': flip('// tuned\n') });

let registries: { v1: StrategyRegistry; v2: StrategyRegistry } | undefined;
let current: 'v1' | 'v2' = 'v1';
beforeAll(async () => {
  registries = { v1: await loadAllStrategies([], [v1], LIMITS), v2: await loadAllStrategies([], [v2], LIMITS) };
});
const registry = (): StrategyRegistry => {
  if (!registries) throw new Error('the untrusted strategies load in beforeAll');
  return registries[current];
};
const suite = workflowSuite('promotion', ['ETH/BTC'], { strategies: registry });
const opts = () => ({ taskQueue: suite.queue });

/** A live run on a Binance-protocol venue, started through the client with its strategy pinned, not the CLI. */
async function startLive(run: string, strategy: string): Promise<string> {
  const raw: StrategyRunInputRaw = {
    runId: suite.id(run),
    accountId: `acct-${suite.id(run)}`,
    strategy: { name: strategy, params: {} },
    symbols: ['ETH/BTC'],
    venue: { kind: 'ccxt', exchangeId: 'binance', apiUrl: 'http://127.0.0.1:9', timeframe: '1s' },
    mode: 'live',
    capital: '1',
    tickInterval: '1s',
    stop: { maxTicks: 3 },
  };
  const input = pinRunStrategy(validateRunInput(raw, registry()), registry());
  const h = await suite.client.workflow.start('strategyRun', {
    workflowId: input.runId,
    taskQueue: suite.queue,
    args: [input],
  });
  return h.workflowId;
}

/** The activities a run scheduled, in order. */
async function scheduled(client: Client, id: string): Promise<string[]> {
  const h = await client.workflow.getHandle(id).fetchHistory();
  return (h.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((n): n is string => !!n);
}

/** The run's failure: its type (code) and message. */
async function failureOf(client: Client, id: string): Promise<{ type?: string; message: string }> {
  const err = await client.workflow
    .getHandle(id)
    .result()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(err instanceof WorkflowFailedError)) throw new Error(`run ${id} did not fail: ${String(err)}`);
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure)) throw new Error(`run ${id} failed with ${String(cause)}`);
  return { type: cause.type ?? undefined, message: cause.message };
}

/** The gate let the run through: its first venue call is scheduled. Then it is terminated (no venue here). */
async function passedTheGate(id: string): Promise<string[]> {
  const acts = await waitFor(`${id} reaches market.describe`, async () => {
    const a = await scheduled(suite.client, id);
    return a.includes('market.describe') && a;
  });
  await suite.client.workflow.getHandle(id).terminate('test: the gate was passed');
  return acts;
}

async function refusal(p: Promise<unknown>): Promise<TempotradeError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof TempotradeError)) throw new Error(`expected a refusal, got ${String(e)}`);
  return e;
}

const paperRun = (run: string, ticks: number, params: Record<string, unknown> = {}) =>
  suite.start(suite.input(run, { strategy: { name: NAME, params }, ticks }));

describe('GIVEN an untrusted strategy loaded from an untrusted folder into the worker', () => {
  it('WHEN a live run starts directly through the client with no evidence THEN it fails STRATEGY_NOT_PROMOTED naming backtest, paper and approval, before any venue call', async () => {
    const hash = registry().require(NAME).hash;
    const id = await startLive('live-none', NAME);
    const f = await failureOf(suite.client, id);
    expect(f.type).toBe('STRATEGY_NOT_PROMOTED');
    expect(f.message).toBe(
      `STRATEGY_NOT_PROMOTED: ${NAME}@1.0.0 (sha256 ${hash.slice(0, 12)}) lacks backtest, paper, approval`,
    );
    expect(await scheduled(suite.client, id)).toEqual(['promotion.check']);
  });

  it('WHEN the gates are recorded in turn THEN short runs are refused with their numbers, approval waits for both gates, the approved hash goes on to the venue, and a changed module is refused again', async () => {
    const hash = registry().require(NAME).hash;
    // Approval first: the validator names both missing gates.
    const early = await refusal(approveStrategy(suite.client, NAME, '1.0.0', { by: 'alice' }, opts()));
    expect(early.code).toBe('GATE_REFUSED');
    expect(early.message).toContain(`${NAME}@1.0.0 has no evidence yet: it lacks backtest, paper`);

    // A run that does not exist: refused saying so.
    const missing = await refusal(
      recordEvidence(suite.client, NAME, '1.0.0', { gate: 'backtest', workflowId: 'wf-no-such-run' }, opts()),
    );
    expect([missing.code, missing.message]).toEqual([
      'RUN_NOT_FOUND',
      `backtest gate of ${NAME}@1.0.0: run wf-no-such-run cannot be read: no run with id "wf-no-such-run"`,
    ]);

    // A backtest below the trade minimum: refused with the numbers, nothing stored.
    const shortId = await paperRun('bt-short', 12);
    const short = await result(suite.client, shortId);
    const low = await refusal(
      recordEvidence(
        suite.client,
        NAME,
        '1.0.0',
        { gate: 'backtest', workflowId: shortId, policy: { minTrades: 500 } },
        opts(),
      ),
    );
    expect(low.code).toBe('GATE_REFUSED');
    expect(low.message).toContain(`backtest gate of ${NAME}@1.0.0 refused for run ${shortId}`);
    expect(low.message).toContain(`trades ${short.fills} < minimum 500`);
    expect(await promotionStatus(suite.client, NAME, '1.0.0')).toMatchObject({ records: [] });

    // A passing backtest, with the policy fixed for this hash.
    const btId = await paperRun('bt-pass', 60);
    const bt = await result(suite.client, btId);
    expect(bt.fills).toBeGreaterThanOrEqual(5);
    const policy = { minTrades: 5, maxDrawdownPct: 50, paperTicks: 30 };
    const backtest = await recordEvidence(
      suite.client,
      NAME,
      '1.0.0',
      { gate: 'backtest', workflowId: btId, policy },
      opts(),
    );
    expect(backtest).toMatchObject({ hash, gate: 'backtest', workflowId: btId });
    expect(backtest.numbers).toMatchObject({ trades: String(bt.fills), maxDrawdownPct: bt.maxDrawdownPct });
    expect(Object.keys(backtest.data)).toEqual(['ETH/BTC']);

    const onlyBacktest = await refusal(approveStrategy(suite.client, NAME, '1.0.0', { by: 'alice' }, opts()));
    expect(onlyBacktest.message).toContain(`(sha256 ${hash.slice(0, 12)}) lacks paper`);
    expect(onlyBacktest.message).not.toContain('backtest');

    // A paper run whose strategy failed is refused naming STRATEGY_FAILED; one that ran clean passes.
    const failedId = await paperRun('paper-boom', 40, { boom: 5 });
    expect((await result(suite.client, failedId)).tradingState).toBe('HALTED');
    const failed = await refusal(
      recordEvidence(suite.client, NAME, '1.0.0', { gate: 'paper', workflowId: failedId }, opts()),
    );
    expect(failed.message).toContain('the strategy failed (STRATEGY_FAILED)');
    const paperId = await paperRun('paper-clean', 40);
    await result(suite.client, paperId);
    const paper = await recordEvidence(suite.client, NAME, '1.0.0', { gate: 'paper', workflowId: paperId }, opts());
    expect(paper.numbers).toMatchObject({ ticks: '40', paperTicks: '30' });

    // Still not live: approval is missing.
    const unapproved = await startLive('live-unapproved', NAME);
    expect((await failureOf(suite.client, unapproved)).message).toMatch(/lacks approval$/);

    const approval = await approveStrategy(suite.client, NAME, '1.0.0', { by: 'alice', note: 'reviewed' }, opts());
    expect(approval).toMatchObject({ hash, by: 'alice', note: 'reviewed' });
    const status = await promotionStatus(suite.client, NAME, '1.0.0');
    expect(status?.records).toHaveLength(1);
    expect(status?.records[0]).toMatchObject({
      hash,
      policy,
      backtest: { workflowId: btId },
      paper: { workflowId: paperId },
      approval: { by: 'alice' },
    });

    // Approved: the live run passes the gate and goes on to the venue.
    const approved = await startLive('live-approved', NAME);
    expect((await passedTheGate(approved)).slice(0, 2)).toEqual(['promotion.check', 'market.describe']);

    // The worker now has another module under the same name and version: its hash has no gates.
    current = 'v2';
    try {
      const changed = registry().require(NAME).hash;
      expect(changed).not.toBe(hash);
      const id = await startLive('live-changed', NAME);
      expect(await failureOf(suite.client, id)).toEqual({
        type: 'STRATEGY_NOT_PROMOTED',
        message: `STRATEGY_NOT_PROMOTED: ${NAME}@1.0.0 (sha256 ${changed.slice(0, 12)}) lacks backtest, paper, approval`,
      });
    } finally {
      current = 'v1';
    }
  });

  it('WHEN a live run of a trusted built-in starts THEN no gate stops it: it goes on to the venue', async () => {
    const id = await startLive('live-trusted', 'sma-crossover');
    expect((await passedTheGate(id)).slice(0, 2)).toEqual(['promotion.check', 'market.describe']);
  });
});
