/**
 * The worst moment to die: the exchange has accepted the order, the answer has not arrived yet. A worker
 * process trading through ccxt against the local exchange is SIGKILLed in exactly that window; after a
 * new worker starts, the venue holds exactly one order for it and its fill is accounted once.
 */
import type { Client } from '@temporalio/client';
import { killAllChildren, spawnWorker, type Child } from '../../cli/spawn';
import { runAudit, startRun } from '../../temporal/runs-client';
import type { RunSummary } from '../../domain/run/state';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { NAMESPACE, serverAddress, testClient, uniqueQueue, waitFor } from '../helpers/temporal';
import {
  checkAgainstExchange,
  credentialEnv,
  exchangeAccount,
  exchangeRunInput,
  startExchange,
} from '../helpers/exchange-runs';

jest.setTimeout(300_000);

let client: Client;
let server: PaperVenueServer | undefined;
beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  await killAllChildren();
  await server?.close();
  await client.connection.close();
});

describe('GIVEN a worker process placing an order whose answer the exchange holds for 20 s after booking it', () => {
  it('WHEN the worker is SIGKILLed inside that window and a new one starts THEN the exchange holds exactly one order per placed order and every fill is accounted once', async () => {
    const stamp = Date.now().toString(36);
    const account = exchangeAccount(`kill${stamp}`);
    // Every order answer is held 20 s after the order is booked; ccxt waits 25 s for it.
    server = await startExchange([account], { BTC: '1' }, { faults: 'seed=3,POST.order:timeout=20000ms' });
    const queue = uniqueQueue('exchange-kill');
    const env = { TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE(), ...credentialEnv([account]) };
    const venueOpts = { accounts: [`binance:${account.accountId}`] };
    let worker: Child = await spawnWorker(env, undefined, queue, venueOpts);
    const runId = `xkill-${stamp}`;
    try {
      await startRun(
        client,
        exchangeRunInput({
          runId,
          account,
          url: server.url,
          params: { everyBars: 2, orderPct: 20 },
          maxTicks: 5,
          requestTimeout: '25s',
        }),
        { taskQueue: queue },
      );
      // WHEN the first order is booked at the exchange (its answer now held), kill the worker.
      const exchange = server.exchange;
      await waitFor(
        'the first order booked at the exchange',
        async () => exchange.stats().ordersAccepted >= 1,
        120_000,
        20,
      );
      await worker.kill9();
      const bookedBeforeKill = server.venue.orders(account.apiKey).map((o) => o.clientOrderId);
      expect(bookedBeforeKill).toHaveLength(1);
      worker = await spawnWorker(env, undefined, queue, venueOpts);

      const summary = (await client.workflow.getHandle(runId).result()) as RunSummary;
      const audit = await runAudit(client, runId);
      const check = checkAgainstExchange(server, account, summary, { ETH: '0' });
      // THEN one order at the exchange per order the run placed, none twice, fills once, balances equal.
      expect(check.problems).toEqual([]);
      expect(check.duplicateClientOrderIds).toBe(0);
      expect(exchange.stats().duplicatesRejected).toBe(0);
      expect(summary.orders.placed).toBeGreaterThanOrEqual(1);
      // The interrupted order was recovered by its clientOrderId, not submitted again.
      const first = audit.find((e) => e.kind === 'ORDER_PLACED' && e.clientOrderId === bookedBeforeKill[0]);
      expect(first?.message).toMatch(/recovered by clientOrderId/);
      // The new worker asked the run to reconcile, and the venue agreed.
      expect(audit.filter((e) => e.kind === 'RECONCILIATION_FAILED')).toEqual([]);
      expect(audit.some((e) => e.kind === 'RECONCILED' && /worker .* started/.test(e.message))).toBe(true);
      console.log(
        `exchange kill: ${summary.orders.placed} orders, ${summary.fills} fills, venue orders ${check.ordersAtVenue}; first order ${bookedBeforeKill[0]}: ${first?.message}`,
      );
    } finally {
      await worker.stop();
    }
  });
});
