/**
 * Promotion gates end to end on one real worker (createWorker): a generated (untrusted) strategy's live run on the local
 * Binance-protocol exchange is refused until its backtest (a replay on the same server's paper venue), its
 * paper run and a person's approval are recorded; then it starts and trades through ccxt.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { RunSummary } from '../../domain/run/state';
import { loadAllStrategies } from '../../domain/strategies/sandbox/untrusted';
import { approveStrategy, recordEvidence } from '../../temporal/promotion-client';
import type { TempotradeError } from '../../domain/errors';
import {
  pinRunStrategy,
  runAudit,
  runStatus,
  startRun,
  upgradeRunStrategy,
  validateRunInput,
} from '../../temporal/runs-client';
import {
  ETH_BTC,
  checkAgainstExchange,
  exchangeAccount,
  exchangeRunInput,
  registryFor,
  startExchange,
} from '../helpers/exchange-runs';
import { NAMESPACE, serverAddress, testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { runCli } from '../helpers/cli';
import { readRecordings, startLlmReplayServer, type LlmReplayServer } from '../../simulators/llm-replay/server';

jest.setTimeout(300_000);

const NAME = 'gated-live';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-promotion-live-'));

let client: Client;
let llm: LlmReplayServer;
beforeAll(async () => {
  // The strategy is a generated one: written by `strategy generate` from a recorded completion.
  llm = await startLlmReplayServer({
    recordings: readRecordings(path.join(__dirname, '..', 'fixtures', 'llm', 'recordings.json')),
  });
  const prompt = 'Write a strategy that flips between flat and long every bar';
  await runCli(['strategy', 'generate', '--prompt', prompt, '--kind', 'code', '--out', dir], {
    TEMPORAL_ADDRESS: serverAddress(),
    TEMPORAL_NAMESPACE: NAMESPACE(),
    TEMPOTRADE_LLM_BASE_URL: llm.baseUrl,
    TEMPOTRADE_LLM_MODEL: 'gpt-replay',
  });
});
afterAll(async () => {
  await llm?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  await client.connection.close();
});

describe('GIVEN a generated strategy in an untrusted folder and a worker trading the local exchange through ccxt', () => {
  it('WHEN its live run is started before and after its gates and approval THEN it is refused naming the gates first, after approval it trades on the exchange with every fill accounted, and it cannot be upgraded to a module without gates', async () => {
    const stamp = Date.now().toString(36);
    const account = exchangeAccount(`promo${stamp}`);
    const server = await startExchange([account], { BTC: '1' });
    const strategies = await loadAllStrategies([], [dir], { deadlineMs: 500, memoryMb: 32 });
    const queue = uniqueQueue('promotion-live');
    const opts = { taskQueue: queue, strategies };
    const live = (runId: string) =>
      exchangeRunInput({
        runId,
        account,
        url: server.url,
        params: {},
        maxTicks: 8,
        extra: { strategy: { name: NAME, params: {} }, mode: 'live' },
      });
    const paper = (runId: string, ticks: number) => ({
      runId,
      accountId: `paper-${runId}`,
      strategy: { name: NAME, params: {} },
      symbols: ['ETH/BTC'],
      venue: { kind: 'paper' as const, url: server.url, data: { 'ETH/BTC': ETH_BTC } },
      capital: '1',
      stop: { maxTicks: ticks },
    });
    try {
      await withWorker(
        queue,
        async () => {
          // Before any gate, started through the client (the CLI's check bypassed): the worker refuses.
          const early = pinRunStrategy(validateRunInput(live(`promo-early-${stamp}`), strategies), strategies);
          await client.workflow.start('strategyRun', { workflowId: early.runId, taskQueue: queue, args: [early] });
          const refused = await client.workflow
            .getHandle(early.runId)
            .result()
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(refused).toBeInstanceOf(WorkflowFailedError);
          const cause = (refused as WorkflowFailedError).cause as ApplicationFailure;
          expect(cause.type).toBe('STRATEGY_NOT_PROMOTED');
          expect(cause.message).toMatch(/lacks backtest, paper, approval$/);
          expect(server.exchange.stats().ordersAccepted).toBe(0);

          // The gates, from finished runs, and the approval.
          const bt = `promo-bt-${stamp}`;
          const pp = `promo-paper-${stamp}`;
          await Promise.all([startRun(client, paper(bt, 30), opts), startRun(client, paper(pp, 20), opts)]);
          await Promise.all([bt, pp].map((id) => client.workflow.getHandle(id).result()));
          const policy = { minTrades: 3, maxDrawdownPct: 50, paperTicks: 20 };
          await recordEvidence(client, NAME, '1.0.0', { gate: 'backtest', workflowId: bt, policy }, opts);
          await recordEvidence(client, NAME, '1.0.0', { gate: 'paper', workflowId: pp }, opts);
          await approveStrategy(client, NAME, '1.0.0', { by: 'risk-desk', note: 'gates passed' }, opts);

          // Approved: the live run starts and trades on the exchange.
          const runId = `promo-live-${stamp}`;
          await startRun(client, live(runId), opts);
          // Running, it cannot be switched to a module without gates: the Update is refused, the pin stays.
          await waitFor(
            'the live run ticks',
            async () => (await runStatus(client, runId)).status.tick >= 1,
            30_000,
            200,
          );
          const other = 'c'.repeat(64);
          const upgrade = await upgradeRunStrategy(client, runId, { version: '1.0.0', hash: other }).then(
            () => undefined,
            (e: unknown) => e as TempotradeError,
          );
          expect(upgrade?.code).toBe('STRATEGY_NOT_PROMOTED');
          expect(upgrade?.message).toBe(
            `STRATEGY_NOT_PROMOTED: ${NAME}@1.0.0 (sha256 cccccccccccc) lacks backtest, paper, approval`,
          );
          const summary = (await client.workflow.getHandle(runId).result()) as RunSummary;
          expect((await runStatus(client, runId)).status.strategyPin?.hash).toBe(strategies.require(NAME).hash);
          expect((await runAudit(client, runId)).some((e) => e.kind === 'STRATEGY_UPGRADED')).toBe(false);
          expect(summary.ticks).toBe(8);
          expect(summary.orders.placed).toBeGreaterThan(0);
          expect(summary.fills).toBeGreaterThan(0);
          const check = checkAgainstExchange(server, account, summary, { BTC: '1' });
          expect(check.problems).toEqual([]);
          expect(check.ordersAtVenue).toBe(summary.orders.placed);
        },
        { strategies, brokers: registryFor([account]), venueAccounts: [`binance:${account.accountId}`] },
      );
    } finally {
      await server.close();
    }
  });
});
