/**
 * An account halt is durable: it survives a worker SIGKILL and a Temporal server restart. This test runs
 * its own Temporal dev server (SQLite on disk) so that it can stop and restart it on the same data.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { findFreePort, startDevServer, type DevServer } from '../../dev/temporal/dev-server';
import { startPaperVenueServer, type PaperVenueServer } from '../../simulators/paper-venue/server';
import { accountStatus, haltAccount, resumeAccount } from '../../temporal/accounts-client';
import { runAudit, runStatus } from '../../temporal/runs-client';
import { killAllChildren, spawnWorker, type Child } from '../../cli/spawn';
import { dataFile, openingOrdersAfter, startAccountRuns } from '../helpers/runs';
import { waitFor } from '../helpers/temporal';

const stamp = Date.now().toString(36);
const queue = `durable-account-${stamp}`;
const account = `durable-${stamp}`;
let server: DevServer | undefined;
let venue: PaperVenueServer;
let dataDir: string;
let port: number;

async function connect(): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }), namespace: 'default' });
}

async function startServer(): Promise<DevServer> {
  return startDevServer({
    port,
    uiPort: await findFreePort(),
    headless: true,
    dataDir,
    reuse: false,
    log: () => undefined,
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'tt-durable-'));
  port = await findFreePort();
  server = await startServer();
  venue = await startPaperVenueServer({
    port: 0,
    datasets: { 'ETH/BTC': dataFile('ETH/BTC'), 'LTC/BTC': dataFile('LTC/BTC') },
  });
}, 120_000);
afterAll(async () => {
  await killAllChildren();
  await venue?.close();
  await server?.stop();
});

describe('GIVEN an account halted while two of its runs trade', () => {
  it('WHEN the worker is SIGKILLed and the Temporal server restarted THEN the account and both runs are still halted, nothing opens, and resume still works', async () => {
    const env = { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_NAMESPACE: 'default' };
    let client = await connect();
    let worker: Child = await spawnWorker(env, undefined, queue);
    const ids = ['ETH/BTC', 'LTC/BTC'].map((s) => `durable-${s.split('/')[0]}-${stamp}`);
    const on = { accountId: account, venueUrl: venue.url, taskQueue: queue, ids, symbols: ['ETH/BTC', 'LTC/BTC'] };
    await startAccountRuns(client, on, {
      strategy: { name: 'order-cycle', params: { everyBars: 2, orderPct: 30 } },
      reconciliation: { balances: 'shared' },
      tickInterval: '200ms',
      stop: { maxTicks: 100_000, endOfData: true },
    });
    await waitFor(
      'both runs trading',
      async () =>
        (await Promise.all(ids.map(async (id) => (await runStatus(client, id)).status.counters?.placed ?? 0))).every(
          (n) => n > 0,
        ),
      120_000,
      200,
    );

    const fan = await haltAccount(
      client,
      account,
      { reason: 'risk desk: venue incident', policy: 'cancel-orders' },
      { taskQueue: queue },
    );
    expect([...fan.signalled].sort()).toEqual([...ids].sort());
    for (const id of ids)
      await waitFor(`${id} HALTED`, async () => (await runStatus(client, id)).status.tradingState === 'HALTED', 60_000);

    // Crash everything: the worker dies without a goodbye, then the server goes down and comes back.
    await worker.kill9();
    await client.connection.close();
    await server!.stop();
    server = await startServer();
    client = await connect();
    worker = await spawnWorker(env, undefined, queue);

    const s = await waitFor('the supervisor to answer', async () => accountStatus(client, account), 120_000, 500);
    expect(s).toMatchObject({
      tradingState: 'HALTED',
      haltPolicy: 'cancel-orders',
      stateReason: 'risk desk: venue incident',
    });
    for (const id of ids) {
      const before = (await runStatus(client, id)).status;
      expect(before.tradingState).toBe('HALTED');
      // The runs keep ticking after the restart, still halted, and open nothing.
      await waitFor(
        `${id} to tick after the restart`,
        async () => (await runStatus(client, id)).status.tick >= before.tick + 5,
        120_000,
        200,
      );
      const events = await runAudit(client, id);
      const haltSeq = events.find((e) => e.kind === 'STATE_CHANGED' && e.code === 'HALTED')!.seq;
      expect(openingOrdersAfter(events, haltSeq)).toEqual([]);
      expect((await runStatus(client, id)).status.openOrders).toBe(0);
    }

    const resumed = await resumeAccount(client, account, { reason: 'incident over' }, { taskQueue: queue });
    expect(resumed.tradingState).toBe('ACTIVE');
    for (const id of ids)
      await waitFor(`${id} ACTIVE`, async () => (await runStatus(client, id)).status.tradingState === 'ACTIVE', 60_000);
    await Promise.all(ids.map((id) => client.workflow.getHandle(id).terminate('test done')));
    await client.connection.close();
  }, 600_000);
});
