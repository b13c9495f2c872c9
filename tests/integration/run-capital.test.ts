/**
 * A run's capital on a shared account, from the CLI. A real venue (the local Binance-protocol exchange, through
 * ccxt) holds the capital: `run start` refuses, before anything starts, a run the account's free balance cannot
 * cover beside its other running runs. On the paper venue each run deposits its capital, so several share an
 * account; one can also be funded up front with `account fund`.
 */
import type { Client } from '@temporalio/client';
import { startRun } from '../../temporal/runs-client';
import { startPaperVenueServer, type PaperVenueServer } from '../../simulators/paper-venue/server';
import { PaperBrokerage } from '../../brokers/paper/client';
import { credentialEnv, exchangeAccount, startExchange } from '../helpers/exchange-runs';
import { NAMESPACE, serverAddress, testClient, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { dataFile, result } from '../helpers/runs';
import { accountStatus } from '../../temporal/accounts-client';
import { runAudit } from '../../temporal/runs-client';
import { TASK_QUEUES } from '../../temporal/task-queues';
import { START_SMA, runCli } from '../helpers/cli';

const stamp = Date.now().toString(36);
let client: Client;
let exchange: PaperVenueServer;
let paper: PaperVenueServer;
const acct = exchangeAccount(`cap-${stamp}`);

beforeAll(async () => {
  client = await testClient();
  exchange = await startExchange([acct], { BTC: '1' });
  paper = await startPaperVenueServer({ datasets: { 'ETH/BTC': dataFile('ETH/BTC') } });
}, 60_000);
afterAll(async () => {
  await exchange?.close();
  await paper?.close();
  await client?.connection.close();
});

const temporalEnv = () => ({ TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE() });
const onExchange = (id: string, capital: string) => [
  ...START_SMA,
  '--exchange',
  'binance',
  '--api-url',
  exchange.url,
  '--timeframe',
  '1s',
  '--tick-interval',
  '1s',
  '--account',
  acct.accountId,
  '--capital',
  capital,
  '--id',
  id,
];

describe('GIVEN an exchange account with 1 BTC free and a running run on it started with 0.6 BTC', () => {
  const other = `cap-other-${stamp}`;
  beforeAll(async () => {
    // No worker polls its queue: it stays running, committed, and trades nothing.
    await startRun(
      client,
      {
        runId: other,
        accountId: acct.accountId,
        strategy: { name: 'sma-crossover', params: {} },
        symbols: ['ETH/BTC'],
        venue: { kind: 'ccxt', exchangeId: 'binance', apiUrl: exchange.url, timeframe: '1s' },
        capital: '0.6',
        tickInterval: '1s',
      },
      { taskQueue: uniqueQueue('cap-idle') },
    );
    await waitFor('the other run is visible', async () => {
      for await (const _ of client.workflow.list({
        query: `WorkflowId = '${other}' AND ExecutionStatus = 'Running' AND AccountId = '${acct.accountId}'`,
      }))
        return true;
      return false;
    });
  }, 30_000);
  afterAll(async () => {
    await client.workflow
      .getHandle(other)
      .terminate('test done')
      .catch(() => undefined);
  });

  it('WHEN a run asks for 0.5 BTC THEN run start exits 2 naming free, committed, requested and the other run, and starts nothing', async () => {
    const id = `cap-refused-${stamp}`;
    const r = await runCli(onExchange(id, '0.5'), { ...temporalEnv(), ...credentialEnv([acct]) }, true);

    expect(r.code).toBe(2);
    const said = r.stderr + r.stdout;
    expect(said).toContain('free 1 BTC');
    expect(said).toContain(`committed by 1 other running run(s) 0.6 BTC: ${other} (0.6 BTC)`);
    expect(said).toContain('available 0.4 BTC, requested 0.5 BTC');
    await expect(client.workflow.getHandle(id).describe()).rejects.toThrow(/not found/i);
  });

  it('WHEN a run asks for 0.4 BTC (exactly what is left) THEN it starts', async () => {
    const id = `cap-fits-${stamp}`;
    const r = await runCli(onExchange(id, '0.4'), { ...temporalEnv(), ...credentialEnv([acct]) });
    expect(r.stdout).toContain(`started ${id}`);
    await client.workflow.getHandle(id).terminate('test done');
  });
});

describe('GIVEN a paper venue', () => {
  it('WHEN an account is funded twice with one deposit id THEN it holds the amount once; a bad --amount exits 2', async () => {
    const account = `fund-${stamp}`;
    const fund = ['account', 'fund', account, '--amount', '2.5', '--venue-url', paper.url, '--deposit-id', 'd-1'];
    const first = await runCli(fund, {});
    const again = await runCli(fund, {});
    const bad = await runCli(['account', 'fund', account, '--amount', '-1', '--venue-url', paper.url], {}, true);

    expect(first.stdout).toContain(`deposited 2.5 BTC into ${account}: it holds 2.5 BTC`);
    expect(again.stdout).toContain('nothing deposited');
    expect((await new PaperBrokerage({ url: paper.url, account }).balances()).BTC.total).toBe('2.5');
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--amount')]);
  });
});

describe('GIVEN one paper account that nobody funded, and a worker', () => {
  it('WHEN three sma-crossover runs of 0.3 BTC are started on it from the CLI THEN none is HALTED, each fills orders, and the account supervisor sees all three', async () => {
    const account = `shared-${stamp}`;
    const ids = [1, 2, 3].map((i) => `cli-shared-${stamp}-${i}`);
    await withWorker(TASK_QUEUES.strategies, async () => {
      await Promise.all(
        ids.map((id, i) =>
          runCli(
            [
              ...START_SMA,
              '--venue-url',
              paper.url,
              '--account',
              account,
              '--capital',
              '0.3',
              '--balances',
              'shared',
              '--param',
              `fast=${2 + i}`,
              '--param',
              `slow=${6 + i}`,
              '--param',
              'orderPct=20',
              '--max-ticks',
              '40',
              '--tick-interval',
              '10ms',
              '--id',
              id,
            ],
            temporalEnv(),
          ),
        ),
      );
      const seen = await waitFor('the supervisor sees all three runs', async () => {
        const st = await accountStatus(client, account);
        return st.runs.length === 3 && st;
      });
      const summaries = await Promise.all(ids.map((id) => result(client, id)));
      const deposits = await Promise.all(
        ids.map(async (id) => (await runAudit(client, id)).filter((e) => e.kind === 'CAPITAL_DEPOSITED')),
      );

      expect(seen.runs.map((r) => r.workflowId).sort()).toEqual([...ids].sort());
      for (const s of summaries) {
        expect([s.workflowId, s.tradingState]).toEqual([s.workflowId, 'ACTIVE']);
        expect([s.workflowId, s.orders.filled > 0]).toEqual([s.workflowId, true]);
      }
      expect(deposits.map((d) => d.map((e) => [e.code, e.numbers?.amount]))).toEqual([
        [['DEPOSITED', '0.3']],
        [['DEPOSITED', '0.3']],
        [['DEPOSITED', '0.3']],
      ]);
    });
  }, 120_000);
});
