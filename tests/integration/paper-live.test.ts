/**
 * Paper trading on live data (venue fills: 'paper'), offline: the local Binance-protocol exchange is
 * the live data source (real wall clock, each recorded ETH/BTC bar served as one 1 s bar), read through
 * the real ccxt client without keys; strategyRun's orders are filled in the worker by the paper fill
 * model against the exchange's real book and bars, and never reach the exchange.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { cmp } from '../../domain/money';
import type { StrategyRunInputRaw } from '../../domain/run/input';
import type { RunSummary } from '../../domain/run/state';
import type { Fill } from '../../domain/orders/order';
import { envCredentialProvider } from '../../brokers/credentials';
import { createBrokerRegistry } from '../../brokers/registry';
import { PaperVenue } from '../../simulators/paper-venue/venue';
import { bookFromCandle } from '../../simulators/paper-venue/book';
import { paperStateFile } from '../../brokers/paper-live/state-file';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { announceWorkerStart } from '../../workers/worker';
import { runAudit, runStatus, startRun } from '../../temporal/runs-client';
import { testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { exchangeAccount, startExchange } from '../helpers/exchange-runs';

jest.setTimeout(300_000);

let client: Client;
let stateDir: string;
beforeAll(async () => {
  client = await testClient();
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-paper-live-'));
});
afterAll(async () => {
  await client.connection.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** A worker's broker registry with NO exchange credentials at all, keeping paper accounts in the test's directory. */
const keylessRegistry = () => createBrokerRegistry(envCredentialProvider({}), { paperStateDir: stateDir });

function paperLiveInput(
  runId: string,
  accountId: string,
  url: string,
  params: Record<string, unknown>,
  maxTicks: number,
): StrategyRunInputRaw {
  return {
    runId,
    accountId,
    strategy: { name: 'order-cycle', params },
    symbols: ['ETH/BTC'],
    mode: 'paper',
    venue: { kind: 'ccxt', exchangeId: 'binance', apiUrl: url, timeframe: '1s', requestTimeout: '2s', fills: 'paper' },
    engine: 'advanced',
    capital: '1',
    tickInterval: '1s',
    cancelAfterTicks: 2,
    stop: { maxTicks },
  } as StrategyRunInputRaw;
}

/**
 * One order-cycle run on a fresh local exchange, on workers the test starts and stops: each `onWorker`
 * is a new worker with a new keyless registry, as a restarted worker process would be.
 */
async function withRestartableRun(
  tag: string,
  queueName: string,
  test: (run: {
    server: PaperVenueServer;
    accountId: string;
    runId: string;
    queue: string;
    start: (params: Record<string, unknown>, maxTicks: number) => Promise<unknown>;
    onWorker: <T>(fn: () => Promise<T>) => Promise<T>;
  }) => Promise<void>,
): Promise<void> {
  const stamp = Date.now().toString(36);
  const server = await startExchange([exchangeAccount(`desk${stamp}`)], { BTC: '1' });
  try {
    const accountId = `${tag}${stamp}`;
    const runId = `${tag}-${stamp}`;
    const queue = uniqueQueue(queueName);
    await test({
      server,
      accountId,
      runId,
      queue,
      start: (params, maxTicks) =>
        startRun(client, paperLiveInput(runId, accountId, server.url, params, maxTicks), { taskQueue: queue }),
      onWorker: (fn) => withWorker(queue, fn, { brokers: keylessRegistry(), venueAccounts: [`binance:${accountId}`] }),
    });
  } finally {
    await server.close();
  }
}

/** The simulated account as its state file holds it (what a restarted worker would load). */
function ledgerOf(url: string, accountId: string) {
  const file = paperStateFile(stateDir, { exchangeId: 'binance', sandbox: false, apiUrl: url }, accountId);
  const engine = new PaperVenue({ stateFile: file });
  return {
    file,
    balances: engine.balances(accountId),
    orders: engine.orders(accountId),
    fills: engine.fills(accountId),
  };
}

/** Portfolio vs the paper ledger, to the last unit ([] when they agree). */
function portfolioVsLedger(s: RunSummary, ledger: ReturnType<typeof ledgerOf>): string[] {
  const out: string[] = [];
  if (cmp(s.cash, ledger.balances.BTC?.total ?? '0') !== 0)
    out.push(`BTC: portfolio ${s.cash} vs ledger ${ledger.balances.BTC?.total}`);
  if (cmp(s.positions['ETH/BTC'] ?? '0', ledger.balances.ETH?.total ?? '0') !== 0)
    out.push(`ETH: portfolio ${s.positions['ETH/BTC']} vs ledger ${ledger.balances.ETH?.total ?? '0'}`);
  if (s.fills !== ledger.fills.length) out.push(`fills: run ${s.fills} vs ledger ${ledger.fills.length}`);
  if (s.orders.placed !== ledger.orders.length)
    out.push(`orders: run placed ${s.orders.placed} vs ledger ${ledger.orders.length}`);
  return out;
}

/**
 * A taker fill's price must be a level of the book the exchange served when the order was placed: the
 * synthetic book of the bar current at the fill's time, or of the bar before (the book was fetched just
 * before the fill was stamped, possibly before a bar boundary).
 */
function takerFillsOffTheBook(server: PaperVenueServer, fills: Fill[]): string[] {
  const m = server.venue.marketData('ETH/BTC');
  return fills
    .filter((f) => f.liquidity === 'taker')
    .filter((f) => {
      const current = server.exchange.clock.closedCount('ETH/BTC', f.ts) - 1;
      return ![current, current - 1].some((i) => {
        const book = bookFromCandle(m.candles[i], m.instrument);
        return (f.side === 'buy' ? book.asks : book.bids).some(([p]) => cmp(p, f.price) === 0);
      });
    })
    .map((f) => `${f.fillId} ${f.side} ${f.quantity} @ ${f.price} at ${f.ts}`);
}

describe('GIVEN the local exchange as a live data source and runs with venue fills "paper"', () => {
  it('WHEN market and GTC limit runs trade THEN the exchange receives no order and its accounts are untouched, the runs fill against its book and bars, and each portfolio equals its paper ledger to the last unit', async () => {
    const stamp = Date.now().toString(36);
    const desk = exchangeAccount(`desk${stamp}`);
    const server = await startExchange([desk], { BTC: '1' });
    try {
      const variants = {
        market: { everyBars: 2, orderPct: 20, orderType: 'market' },
        'limit GTC': { everyBars: 2, orderPct: 20, orderType: 'limit', tif: 'GTC', offsetBps: 5 },
      };
      const runs = Object.entries(variants).map(([name, params], i) => ({
        name,
        params,
        accountId: `pl${stamp}v${i}`,
        runId: `pl-${stamp}-${i}`,
      }));
      const queue = uniqueQueue('paper-live');
      const started = Date.now();
      const summaries = await withWorker(
        queue,
        async () => {
          await Promise.all(
            runs.map((r) =>
              startRun(client, paperLiveInput(r.runId, r.accountId, server.url, r.params, 16), { taskQueue: queue }),
            ),
          );
          return Promise.all(runs.map((r) => client.workflow.getHandle(r.runId).result() as Promise<RunSummary>));
        },
        { brokers: keylessRegistry(), venueAccounts: runs.map((r) => `binance:${r.accountId}`) },
      );
      const stats = server.exchange.stats();
      console.log(
        `paper on live data: ${((Date.now() - started) / 1000).toFixed(1)} s; ${runs.map((r, i) => `${r.name}: placed ${summaries[i].orders.placed}, fills ${summaries[i].fills}, cash ${summaries[i].cash}`).join('; ')}; exchange requests ${stats.requests}, signed ${JSON.stringify(stats.requestsByApiKey)}`,
      );

      // THEN the exchange saw no order and no signed request; its account is as funded.
      expect(stats.ordersAccepted).toBe(0);
      expect(stats.requestsByApiKey).toEqual({});
      expect(stats.requests).toBeGreaterThan(0);
      expect(server.venue.balances(desk.apiKey)).toEqual({ BTC: { free: '1', used: '0', total: '1' } });
      expect(server.venue.orders(desk.apiKey)).toEqual([]);

      runs.forEach((r, i) => {
        const s = summaries[i];
        const ledger = ledgerOf(server.url, r.accountId);
        // THEN the run traded, and its portfolio is the paper ledger, exactly.
        expect([r.name, s.tradingState, s.orders.placed > 0, s.fills > 0]).toEqual([r.name, 'ACTIVE', true, true]);
        expect([r.name, portfolioVsLedger(s, ledger)]).toEqual([r.name, []]);
        // Fees at the exchange market's rates, in the quote.
        expect(new Set(ledger.fills.map((f) => f.feeCurrency))).toEqual(new Set(['BTC']));
        // THEN taker prices come from the exchange's book at that moment.
        expect([r.name, takerFillsOffTheBook(server, ledger.fills)]).toEqual([r.name, []]);
      });
      const [market, limit] = runs.map((r) => ledgerOf(server.url, r.accountId));
      expect(market.fills.filter((f) => f.liquidity === 'taker').length).toBeGreaterThan(0);
      // Resting GTC limits filled at their own price as the exchange's bars closed through it.
      const makers = limit.fills.filter((f) => f.liquidity === 'maker');
      expect(makers.length).toBeGreaterThan(0);
      for (const f of makers)
        expect(f.price).toBe(limit.orders.find((o) => o.clientOrderId === f.clientOrderId)!.price);
    } finally {
      await server.close();
    }
  });

  it('WHEN the worker stops mid-run and a new worker (a new registry) takes over THEN it resumes the same simulated account from the state file: reconciliation agrees and the portfolio equals the ledger', async () => {
    await withRestartableRun(
      'plr',
      'paper-live-restart',
      async ({ server, accountId, runId, queue, start, onWorker }) => {
        const { placedBefore, resting } = await onWorker(async () => {
          await start({ everyBars: 2, orderPct: 20, orderType: 'limit', tif: 'GTC', offsetBps: 5 }, 14);
          // Stop the worker while an order of the run rests in the simulated account (after at least two orders).
          return waitFor(
            'the first worker to have placed two orders, one of them resting',
            async () => {
              const placed = (await runStatus(client, runId)).status.counters?.placed ?? 0;
              const open = ledgerOf(server.url, accountId)
                .orders.filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')
                .map((o) => o.clientOrderId);
              return placed >= 2 && open.length > 0 && { placedBefore: placed, resting: open };
            },
            120_000,
            100,
          );
        });
        const ledgerAtStop = ledgerOf(server.url, accountId);
        expect(ledgerAtStop.orders.length).toBeGreaterThanOrEqual(placedBefore);

        const [summary, audit] = await onWorker(async () => {
          // As a worker process does at start: every running run reconciles with its venue before trading on.
          await announceWorkerStart(client, queue, 'second worker');
          const result = (await client.workflow.getHandle(runId).result()) as RunSummary;
          return [result, await runAudit(client, runId)] as const;
        });
        const ledger = ledgerOf(server.url, accountId);
        console.log(
          `restart: ${placedBefore} orders before the stop (${resting.length} resting when it was asked to stop; ${ledgerAtStop.orders.filter((o) => resting.includes(o.clientOrderId) && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')).length} still resting after it drained), ${summary.orders.placed} in all, ${summary.fills} fills; reconciliations: ${audit
            .filter((e) => e.kind === 'RECONCILED' || e.kind === 'RECONCILIATION_FAILED')
            .map((e) => e.message)
            .join(' | ')}`,
        );
        expect(audit.filter((e) => e.kind === 'RECONCILIATION_FAILED')).toEqual([]);
        expect(audit.filter((e) => e.kind === 'RECONCILED').map((e) => e.message)).toContainEqual(
          expect.stringMatching(/^venue agrees \(.*worker second worker started/),
        );
        expect(summary.tradingState).toBe('ACTIVE');
        expect(summary.orders.placed).toBeGreaterThan(placedBefore);
        expect(portfolioVsLedger(summary, ledger)).toEqual([]);
        // The order resting when the first worker was stopped ended settled (filled on later bars, or canceled) and accounted.
        expect(resting.length).toBeGreaterThan(0);
        expect(ledger.orders.filter((o) => resting.includes(o.clientOrderId)).map((o) => o.status)).toEqual(
          resting.map(() => expect.stringMatching(/^(FILLED|CANCELED)$/)),
        );
        // The account was opened once with the capital: what it holds is capital + trades, never a second funding.
        expect(ledger.orders.slice(0, ledgerAtStop.orders.length).map((o) => o.clientOrderId)).toEqual(
          ledgerAtStop.orders.map((o) => o.clientOrderId),
        );
        expect(server.exchange.stats().ordersAccepted).toBe(0);
      },
    );
  });

  it("WHEN the simulated account is lost while no worker runs (its state file deleted) THEN the next worker's reconciliation halts the run instead of trading on", async () => {
    await withRestartableRun('pll', 'paper-live-lost', async ({ server, accountId, runId, queue, start, onWorker }) => {
      await onWorker(async () => {
        await start({ everyBars: 2, orderPct: 20, orderType: 'market' }, 60);
        await waitFor(
          'a fill',
          async () => ((await runStatus(client, runId)).status.counters?.placed ?? 0) >= 1,
          90_000,
          200,
        );
      });
      fs.rmSync(ledgerOf(server.url, accountId).file);

      const halted = await onWorker(async () => {
        await announceWorkerStart(client, queue, 'after the loss');
        return waitFor(
          'the reconciliation after the worker start',
          async () => {
            const s = (await runStatus(client, runId)).status;
            return s.reconciliation?.trigger.includes('after the loss') && s;
          },
          60_000,
          200,
        );
      });
      expect(halted.tradingState).toBe('HALTED');
      expect(halted.reconciliation?.ok).toBe(false);
      expect(halted.reconciliation?.differences.map((d) => d.asset)).toContain('BTC');
      await client.workflow.getHandle(runId).terminate('test over');
    });
  });
});
