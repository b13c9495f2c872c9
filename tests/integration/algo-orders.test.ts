/**
 * TWAP and iceberg as durable workflows (workflows/algo-order/) on the paper venue's real ETH/BTC replay:
 * a TWAP survives a SIGKILL of its worker and fills exactly its total; cancel by signal; the parent's
 * HALTED and REDUCING states stop it; an iceberg never shows more than its visible size.
 */
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { PaperBrokerage } from '../../brokers/paper/client';
import { spawnWorker, type Child } from '../../cli/spawn';
import type { AlgoOrderInputRaw, AlgoProgress } from '../../domain/execution/algos';
import { Dec, add, cmp } from '../../domain/money';
import { algoProgressQuery, algoTradingStateSignal, cancelAlgoSignal } from '../../workflows/algo-definitions';
import { serverAddress, NAMESPACE, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { dataFile, withVenueSuite } from '../helpers/runs';

let client: Client;
let venue: PaperVenueServer;
const stamp = Date.now().toString(36);

withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));

async function funded(account: string): Promise<void> {
  const b = new PaperBrokerage({ url: venue.url, account });
  await b.openAccount({ BTC: '5', ETH: '20' });
  await b.close();
}

function algoInput(account: string, over: Partial<AlgoOrderInputRaw>): AlgoOrderInputRaw {
  return {
    venue: { kind: 'paper', url: venue.url, data: { 'ETH/BTC': dataFile('ETH/BTC') } },
    accountId: account,
    symbol: 'ETH/BTC',
    side: 'buy',
    quantity: '3',
    algo: { kind: 'twap', slices: 10, duration: '10s' },
    risk: { maxMarkStalenessSeconds: 3600 },
    ...over,
  } as AlgoOrderInputRaw;
}

async function venueOrders(account: string) {
  const b = new PaperBrokerage({ url: venue.url, account });
  const [orders, fills] = await Promise.all([b.orders(), b.fills()]);
  await b.close();
  return { orders, fills, filled: add('0', ...fills.map((f) => f.quantity)) };
}

describe('GIVEN a TWAP of 3 ETH in 10 slices over 10 s', () => {
  it('WHEN its worker is SIGKILLed after the 4th slice and replaced THEN it completes with exactly 3 ETH, each slice sent once', async () => {
    const account = `twap-kill-${stamp}`;
    await funded(account);
    const queue = uniqueQueue('twap-kill');
    const env = { TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE() };
    let worker: Child = await spawnWorker(env, undefined, queue);
    try {
      const handle = await client.workflow.start('algoOrder', {
        taskQueue: queue,
        workflowId: `twap-kill-${stamp}`,
        args: [algoInput(account, {})],
      });
      const before = await waitFor(
        'slice 4',
        async () => {
          const p = await handle.query(algoProgressQuery);
          return p.step >= 4 && p;
        },
        60_000,
        20,
      );
      await worker.kill9();
      worker = await spawnWorker(env, undefined, queue);
      const done = (await handle.result()) as AlgoProgress;
      const atVenue = await venueOrders(account);
      console.log(
        `TWAP: killed at slice ${before.step} with ${before.filled} filled; finished ${done.phase}, ${done.filled} of 3 in ${done.orders.length} orders; venue filled ${atVenue.filled}`,
      );
      expect(before.phase).toBe('RUNNING');
      expect(done).toMatchObject({ phase: 'COMPLETED', filled: '3', remaining: '0' });
      expect(cmp(atVenue.filled, '3')).toBe(0);
      expect(atVenue.orders.length).toBe(done.orders.length);
      expect(new Set(atVenue.orders.map((o) => o.clientOrderId)).size).toBe(atVenue.orders.length);
      expect(done.orders.length).toBe(10);
      expect(done.orders.every((o) => o.status === 'FILLED')).toBe(true);
    } finally {
      await worker.stop();
    }
  }, 180_000);
});

describe('GIVEN TWAPs and an iceberg on an in-process worker', () => {
  it('WHEN cancelAlgo is signaled after 2 slices THEN it stops CANCELLED and sends nothing more', async () => {
    const account = `twap-cancel-${stamp}`;
    await funded(account);
    const queue = uniqueQueue('twap-cancel');
    await withWorker(queue, async () => {
      const handle = await client.workflow.start('algoOrder', {
        taskQueue: queue,
        workflowId: `twap-cancel-${stamp}`,
        args: [algoInput(account, { algo: { kind: 'twap', slices: 20, duration: '20s' } })],
      });
      await waitFor('slice 2', async () => (await handle.query(algoProgressQuery)).orders.length >= 2, 30_000, 20);
      await handle.signal(cancelAlgoSignal, { reason: 'operator changed their mind' });
      const done = (await handle.result()) as AlgoProgress;
      expect(done).toMatchObject({ phase: 'CANCELLED', reason: 'operator changed their mind' });
      expect(done.orders.length).toBeLessThan(20);
      expect(cmp(done.filled, '3')).toBeLessThan(0);
      expect((await venueOrders(account)).orders.length).toBe(done.orders.length);
    });
  });

  it('WHEN the parent becomes HALTED THEN the TWAP stops HALTED; WHEN REDUCING THEN a non-reduce-only TWAP stops, a reduce-only one goes on', async () => {
    const queue = uniqueQueue('twap-state');
    await withWorker(queue, async () => {
      const accounts = ['halt', 'reduce', 'reduce-ok'].map((k) => `twap-${k}-${stamp}`);
      for (const a of accounts) await funded(a);
      const slow = { algo: { kind: 'twap' as const, slices: 6, duration: '6s' } };
      const halt = await client.workflow.start('algoOrder', {
        taskQueue: queue,
        workflowId: accounts[0],
        args: [algoInput(accounts[0], slow)],
      });
      const reduce = await client.workflow.start('algoOrder', {
        taskQueue: queue,
        workflowId: accounts[1],
        args: [algoInput(accounts[1], slow)],
      });
      const reduceOk = await client.workflow.start('algoOrder', {
        taskQueue: queue,
        workflowId: accounts[2],
        args: [algoInput(accounts[2], { ...slow, side: 'sell', quantity: '1.2', reduceOnly: true })],
      });
      for (const h of [halt, reduce, reduceOk])
        await waitFor('first slice', async () => (await h.query(algoProgressQuery)).orders.length >= 1, 30_000, 20);
      await halt.signal(algoTradingStateSignal, { tradingState: 'HALTED', reason: 'daily loss' });
      await reduce.signal(algoTradingStateSignal, { tradingState: 'REDUCING' });
      await reduceOk.signal(algoTradingStateSignal, { tradingState: 'REDUCING' });
      expect(await halt.result()).toMatchObject({ phase: 'HALTED', reason: 'parent HALTED: daily loss' });
      expect(await reduce.result()).toMatchObject({ phase: 'STOPPED_REDUCING' });
      expect(await reduceOk.result()).toMatchObject({ phase: 'COMPLETED', filled: '1.2' });
    });
  });

  it('WHEN an iceberg buys 2 ETH showing 0.5 THEN it places clips of at most 0.5 until exactly 2 are filled', async () => {
    const account = `iceberg-${stamp}`;
    await funded(account);
    const queue = uniqueQueue('iceberg');
    await withWorker(queue, async () => {
      const done = (await client.workflow.execute('algoOrder', {
        taskQueue: queue,
        workflowId: `iceberg-${stamp}`,
        args: [
          algoInput(account, {
            quantity: '2',
            algo: { kind: 'iceberg', visibleQuantity: '0.5', offsetBps: 0, pollInterval: '100ms' },
          }),
        ],
      })) as AlgoProgress;
      expect(done).toMatchObject({ phase: 'COMPLETED', filled: '2' });
      expect(done.orders.length).toBeGreaterThanOrEqual(4);
      expect(done.orders.every((o) => new Dec(o.quantity).lte('0.5'))).toBe(true);
      const atVenue = await venueOrders(account);
      expect(cmp(atVenue.filled, '2')).toBe(0);
      expect(atVenue.orders.every((o) => o.type === 'limit' && new Dec(o.quantity).lte('0.5'))).toBe(true);
    });
  });
});
