/**
 * strategyRun through the real ccxt client against the local Binance-protocol exchange (wall-clock
 * replay of real ETH/BTC candles, one recorded bar per second): the fault matrix, reconciliation at
 * the opening, and a bad API key.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as ccxt from 'ccxt';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { resumeRun, runAudit, runStatus, startRun } from '../../temporal/runs-client';
import { binanceApiUrls } from '../../simulators/binance-exchange/urls';
import { BIN, REPO_ROOT } from '../../cli/spawn';
import type { RunSummary } from '../../domain/run/state';
import { NAMESPACE, serverAddress, testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import {
  checkAgainstExchange,
  exchangeAccount,
  exchangeRunInput,
  registryFor,
  startExchange,
} from '../helpers/exchange-runs';
import type { ExchangeAccount } from '../helpers/exchange-runs';

jest.setTimeout(600_000);

let client: Client;
beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  await client.connection.close();
});

/** The ccxt client a person at the desk would use on the same account. */
function exchangeClient(url: string, a: ExchangeAccount): ccxt.binance {
  const ex = new ccxt.binance({
    apiKey: a.apiKey,
    secret: a.secret,
    options: { fetchMarkets: ['spot'], fetchMargins: false },
  });
  ex.urls.api = binanceApiUrls(url) as typeof ex.urls.api;
  return ex;
}

/** The tempotrade CLI as a user runs it, against the test server; returns stdout. */
async function tempotrade(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE() },
  });
  return stdout;
}

const ORDER_TYPES: Record<string, Record<string, unknown>> = {
  market: { orderType: 'market' },
  'limit GTC': { orderType: 'limit', tif: 'GTC', offsetBps: 5 },
  'limit IOC': { orderType: 'limit', tif: 'IOC', offsetBps: -20 },
  'limit FOK': { orderType: 'limit', tif: 'FOK', offsetBps: -20 },
  'limit maker': { orderType: 'limit', postOnly: true, offsetBps: 5 },
  'stop market': { orderType: 'stop_market', offsetBps: 5 },
  'stop limit': { orderType: 'stop_limit', offsetBps: 5 },
  // A take-profit buy triggers on a dip below the mark: a small one, so that a few seconds of replay give it one.
  'take profit limit': { orderType: 'take_profit_limit', offsetBps: 1 },
};

const FAULTS: Record<string, string> = {
  none: '',
  latency: 'seed=11,*:latency=20-150ms@0.5',
  '5xx': 'seed=12,*:error=503@0.15',
  '429 burst': 'seed=13,*:burst429=3/1s@0.05',
  'drop after accept': 'seed=14,POST.order:drop@0.5',
  'timeout after accept': 'seed=15,POST.order:timeout=2500ms@0.5',
  'stale data': 'seed=16,market:stale=2@0.3',
  'fill after cancel': 'seed=17,DELETE.order:fill-before-cancel=partial@0.5,DELETE.order:fill-before-cancel=full@0.3',
};

async function runAll<C>(
  queue: string,
  accounts: ExchangeAccount[],
  cells: C[],
  start: (cell: C, queue: string) => Promise<string>,
): Promise<Array<RunSummary & { rejections: string[] }>> {
  return withWorker(
    queue,
    async () => {
      const ids = await Promise.all(cells.map((c) => start(c, queue)));
      const summaries = await Promise.all(
        ids.map((id) => client.workflow.getHandle(id).result() as Promise<RunSummary>),
      );
      // A finished run's audit is answered by replaying its history: ask 8 at a time, as a few operators would.
      const audits: Awaited<ReturnType<typeof runAudit>>[] = [];
      for (let i = 0; i < ids.length; i += 8)
        audits.push(...(await Promise.all(ids.slice(i, i + 8).map((id) => runAudit(client, id)))));
      return summaries.map((s, i) => ({
        ...s,
        rejections: [
          ...new Set(
            audits[i]
              .filter((e) => e.kind === 'ORDER_REJECTED' || e.kind === 'ORDER_DENIED')
              .map((e) => `${e.code}: ${e.message.slice(0, 160)}`),
          ),
        ],
      }));
    },
    { brokers: registryFor(accounts), venueAccounts: accounts.map((a) => `binance:${a.accountId}`) },
  );
}

describe('GIVEN strategy runs trading through ccxt on the local exchange', () => {
  it('WHEN every fault kind meets every order type THEN no order is duplicated, no fill is lost and every portfolio equals its exchange balances to the last unit', async () => {
    const stamp = Date.now().toString(36);
    const types = Object.entries(ORDER_TYPES);
    const faults = Object.entries(FAULTS);
    // One account per order type, opened on one exchange per fault kind: all runs go at once.
    const accounts = types.map((_, i) => exchangeAccount(`fm${stamp}t${i}`));
    const servers = await Promise.all(
      faults.map(([, spec]) => startExchange(accounts, { BTC: '1' }, spec ? { faults: spec } : {})),
    );
    try {
      const cells = faults.flatMap((f, fi) => types.map((t, ti) => ({ fault: f[0], fi, type: t[0], ti })));
      const summaries = await runAll(uniqueQueue('fault-matrix'), accounts, cells, async (c, queue) => {
        const input = exchangeRunInput({
          runId: `fm-${stamp}-${c.fi}-${c.ti}`,
          account: accounts[c.ti],
          url: servers[c.fi].url,
          params: { everyBars: 2, orderPct: 20, ...types[c.ti][1] },
          maxTicks: 20,
        });
        return (await startRun(client, input, { taskQueue: queue })).workflowId;
      });
      const rows: Array<Record<string, string | number>> = [];
      const problems: string[] = [];
      cells.forEach((c, i) => {
        const s = summaries[i];
        const check = checkAgainstExchange(servers[c.fi], accounts[c.ti], s, { ETH: '0' });
        problems.push(...check.problems.map((p) => `${c.fault} × ${c.type}: ${p}`));
        rows.push({
          fault: c.fault,
          orderType: c.type,
          placed: s.orders.placed,
          filled: s.orders.filled,
          partial: s.orders.partiallyFilled,
          canceled: s.orders.canceled,
          expired: s.orders.expired,
          rejected: s.orders.rejected,
          denied: s.orders.denied,
          fills: s.fills,
          venueOrders: check.ordersAtVenue,
          dupes: check.duplicateClientOrderIds,
          state: s.tradingState,
        });
      });
      console.log(
        `fault matrix: ${faults.length} fault kinds × ${types.length} order types = ${rows.length} runs, ${rows.reduce((n, r) => n + Number(r.placed), 0)} orders, ${rows.reduce((n, r) => n + Number(r.fills), 0)} fills; problems: ${problems.length}`,
      );
      console.table(rows);
      console.table(
        faults.map(([f], fi) => ({
          fault: f,
          injected: JSON.stringify(servers[fi].exchange.stats().faults.byKind),
          duplicatesRejected: servers[fi].exchange.stats().duplicatesRejected,
        })),
      );
      expect(problems).toEqual([]);
      // Every fault kind was really injected, and every order type really traded.
      faults.forEach(
        ([f, spec], fi) =>
          spec &&
          expect([f, Object.values(servers[fi].exchange.stats().faults.byKind).reduce((a, b) => a + b, 0)]).not.toEqual(
            [f, 0],
          ),
      );
      types.forEach(([t], ti) =>
        expect([t, summaries.filter((_, i) => cells[i].ti === ti).reduce((n, s) => n + s.fills, 0)]).not.toEqual([
          t,
          0,
        ]),
      );
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe('GIVEN an exchange account that holds an order and a position no run knows of', () => {
  it('WHEN a run starts on it THEN it refuses to trade and reports both differences in its status, audit and CLI; after the operator cancels the order and resumes, it trades', async () => {
    const stamp = Date.now().toString(36);
    const account = exchangeAccount(`rec${stamp}`);
    const server = await startExchange([account], { BTC: '1', ETH: '0.5' });
    try {
      const manual = exchangeClient(server.url, account);
      await manual.loadMarkets();
      const book = await manual.fetchOrderBook('ETH/BTC');
      const stray = await manual.createOrder(
        'ETH/BTC',
        'limit',
        'buy',
        0.1,
        Number(manual.priceToPrecision('ETH/BTC', book.bids[0][0]! * 0.5)),
        { clientOrderId: 'web_manual_1' },
      );
      const queue = uniqueQueue('reconcile-open');
      const runId = `rec-${stamp}`;
      await withWorker(
        queue,
        async () => {
          await startRun(
            client,
            exchangeRunInput({ runId, account, url: server.url, params: { everyBars: 1, orderPct: 10 }, maxTicks: 40 }),
            { taskQueue: queue },
          );
          const halted = await waitFor(
            'the opening reconciliation',
            async () => {
              const s = (await runStatus(client, runId)).status;
              return s.reconciliation && s.tick >= 3 && s;
            },
            60_000,
            200,
          );
          // THEN: halted before any order, with both differences named and numbered
          expect(halted.tradingState).toBe('HALTED');
          expect(halted.reconciliation).toMatchObject({ trigger: 'opening', ok: false });
          expect(halted.reconciliation!.differences.map((d) => [d.code, d.clientOrderId ?? d.asset])).toEqual([
            ['UNEXPECTED_POSITION', 'ETH'],
            ['UNKNOWN_OPEN_ORDER', 'web_manual_1'],
          ]);
          expect(halted.counters?.placed).toBe(0);
          expect(halted.counters?.deniedByReason.TRADING_HALTED ?? 0).toBeGreaterThan(0);
          expect(server.venue.orders(account.apiKey).map((o) => o.clientOrderId)).toEqual(['web_manual_1']);
          // The Temporal UI shows the same as the run's "current details".
          const meta = await client.workflow
            .getHandle(runId)
            .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
          expect(meta.currentDetails).toMatch(
            /^\*\*HALTED\*\* — reconciliation \(opening\)[\s\S]*- UNEXPECTED_POSITION: the account already holds 0\.5 ETH[\s\S]*- UNKNOWN_OPEN_ORDER: .*web_manual_1/,
          );
          const cli = await tempotrade(['run', 'status', runId]);
          expect(cli).toMatch(/trading state\s+HALTED \(reconciliation \(opening\) found 2 differences/);
          expect(cli).toMatch(/UNKNOWN_OPEN_ORDER\s+web_manual_1/);
          expect(cli).toMatch(/UNEXPECTED_POSITION\s+ETH\s+the account already holds 0.5 ETH/);

          // WHEN the operator cancels the stray order and resumes THEN the run reconciles again and trades
          await manual.cancelOrder(String(stray.id), 'ETH/BTC');
          await resumeRun(client, runId, { reason: 'stray order canceled by the desk' });
          const summary = (await client.workflow.getHandle(runId).result()) as RunSummary;
          const audit = await runAudit(client, runId);
          expect(audit.filter((e) => e.kind === 'RECONCILED').map((e) => e.message)).toEqual([
            expect.stringMatching(/^venue agrees \(resume\)/),
          ]);
          expect(summary.orders.placed).toBeGreaterThan(0);
          expect(checkAgainstExchange(server, account, summary, { ETH: '0.5' }, ['web_manual_1']).problems).toEqual([]);
        },
        { brokers: registryFor([account]), venueAccounts: [`binance:${account.accountId}`] },
      );
    } finally {
      await server.close();
    }
  });
});

describe('GIVEN a run whose worker holds a wrong API secret', () => {
  it('WHEN it starts THEN it fails closed with an authentication error that says what to check, and nothing is traded', async () => {
    const stamp = Date.now().toString(36);
    const account = exchangeAccount(`auth${stamp}`);
    const server = await startExchange([account], { BTC: '1' });
    try {
      const queue = uniqueQueue('bad-key');
      const runId = `auth-${stamp}`;
      const wrong = { ...account, secret: 'not-the-secret' };
      const failure = await withWorker(
        queue,
        async () => {
          await startRun(client, exchangeRunInput({ runId, account, url: server.url, params: {}, maxTicks: 5 }), {
            taskQueue: queue,
          });
          return client.workflow
            .getHandle(runId)
            .result()
            .then(
              () => undefined,
              (e: unknown) => e,
            );
        },
        { brokers: registryFor([wrong]), venueAccounts: [`binance:${account.accountId}`] },
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const chain: string[] = [];
      for (let e = failure as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
        chain.push(e.message ?? '');
      expect(chain.join(' | ')).toMatch(/the venue rejected the API credentials: check the key, secret/);
      expect(chain.join(' | ')).toMatch(/Signature for this request is not valid/);
      expect(server.exchange.stats().ordersAccepted).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('GIVEN two workers sharing one venue account whose exchange allows 1200 request weight a minute', () => {
  it('WHEN six runs tick as fast as they may (every 20 ms) on it THEN with the per-account activity cap the exchange never answers 429, and without it, it does', async () => {
    const stamp = Date.now().toString(36);
    const scenario = async (label: string, cap: number | undefined) => {
      const account = exchangeAccount(`rl${label}${stamp}`);
      const server = await startExchange([account], { BTC: '2' }, { weightLimit: 1200 });
      const queue = uniqueQueue(`rate-${label}`);
      const opts = {
        brokers: registryFor([account]),
        venueAccounts: [`binance:${account.accountId}`],
        ...(cap !== undefined ? { venueActivitiesPerSecond: cap } : {}),
      };
      try {
        // Two workers, each with its own broker registry (as two processes would have), poll the same queues.
        await withWorker(
          queue,
          () =>
            withWorker(
              queue,
              async () => {
                const endTime = Date.now() + 60_000;
                const ids = await Promise.all(
                  Array.from(
                    { length: 6 },
                    async (_, i) =>
                      (
                        await startRun(
                          client,
                          exchangeRunInput({
                            runId: `rl-${label}-${stamp}-${i}`,
                            account,
                            url: server.url,
                            params: { everyBars: 1, orderPct: 5 },
                            maxTicks: 10_000,
                            extra: {
                              capital: '0.3',
                              tickInterval: '20ms',
                              stop: { endTime },
                              reconciliation: { balances: 'shared' },
                            },
                          }),
                          { taskQueue: queue },
                        )
                      ).workflowId,
                  ),
                );
                await Promise.all(ids.map((id) => client.workflow.getHandle(id).result()));
              },
              opts,
            ),
          opts,
        );
        return server.exchange.stats();
      } finally {
        await server.close();
      }
    };
    // The cap that guarantees it: 1200 weight a minute / (60 s × 40, the heaviest venue activity's weight) = 0.5 a second.
    const [capped, uncapped] = await Promise.all([scenario('cap', 0.5), scenario('free', undefined)]);
    console.log(
      `shared rate limit: with maxTaskQueueActivitiesPerSecond=0.5: ${capped.requests} requests, 429s ${JSON.stringify(capped.rateLimited)}; without: ${uncapped.requests} requests, 429s ${JSON.stringify(uncapped.rateLimited)}`,
    );
    expect(capped.rateLimited.weightLimit).toBe(0);
    expect(capped.ordersAccepted).toBeGreaterThan(0);
    expect(uncapped.rateLimited.weightLimit).toBeGreaterThan(0);
  });
});
