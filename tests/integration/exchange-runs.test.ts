/**
 * strategyRun through the real ccxt client against the local Binance-protocol exchange (wall-clock
 * replay of real ETH/BTC candles, one recorded bar per second): the fault matrix, reconciliation at
 * the opening, and a bad API key.
 */
import type { Client } from '@temporalio/client';
import { runAudit, startRun } from '../../temporal/runs-client';
import type { RunSummary } from '../../domain/run/state';
import { testClient, uniqueQueue, withWorker } from '../helpers/temporal';
import { checkAgainstExchange, exchangeAccount, exchangeRunInput, registryFor, startExchange } from '../helpers/exchange-runs';
import type { ExchangeAccount } from '../helpers/exchange-runs';

jest.setTimeout(600_000);

let client: Client;
beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  await client.connection.close();
});

const ORDER_TYPES: Record<string, Record<string, unknown>> = {
  market: { orderType: 'market' },
  'limit GTC': { orderType: 'limit', tif: 'GTC', offsetBps: 5 },
  'limit IOC': { orderType: 'limit', tif: 'IOC', offsetBps: -20 },
  'limit FOK': { orderType: 'limit', tif: 'FOK', offsetBps: -20 },
  'limit maker': { orderType: 'limit', postOnly: true, offsetBps: 5 },
  'stop market': { orderType: 'stop_market', offsetBps: 5 },
  'stop limit': { orderType: 'stop_limit', offsetBps: 5 },
  'take profit limit': { orderType: 'take_profit_limit', offsetBps: 5 },
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

async function runAll<C>(queue: string, accounts: ExchangeAccount[], cells: C[], start: (cell: C, queue: string) => Promise<string>): Promise<Array<RunSummary & { rejections: string[] }>> {
  return withWorker(
    queue,
    async () => {
      const ids = await Promise.all(cells.map((c) => start(c, queue)));
      const summaries = await Promise.all(ids.map((id) => client.workflow.getHandle(id).result() as Promise<RunSummary>));
      const audits = await Promise.all(ids.map((id) => runAudit(client, id)));
      return summaries.map((s, i) => ({ ...s, rejections: [...new Set(audits[i].filter((e) => e.kind === 'ORDER_REJECTED').map((e) => `${e.code}: ${e.message.slice(0, 160)}`))] }));
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
    const servers = await Promise.all(faults.map(([, spec]) => startExchange(accounts, { BTC: '1' }, spec ? { faults: spec } : {})));
    try {
      const cells = faults.flatMap((f, fi) => types.map((t, ti) => ({ fault: f[0], fi, type: t[0], ti })));
      const summaries = await runAll(uniqueQueue('fault-matrix'), accounts, cells, async (c, queue) => {
        const input = exchangeRunInput({ runId: `fm-${stamp}-${c.fi}-${c.ti}`, account: accounts[c.ti], url: servers[c.fi].url, params: { everyBars: 2, orderPct: 20, ...types[c.ti][1] }, maxTicks: 14 });
        return (await startRun(client, input, { taskQueue: queue })).workflowId;
      });
      const rows: Array<Record<string, string | number>> = [];
      const problems: string[] = [];
      cells.forEach((c, i) => {
        const s = summaries[i];
        const check = checkAgainstExchange(servers[c.fi], accounts[c.ti], s, { ETH: '0' });
        problems.push(...check.problems.map((p) => `${c.fault} × ${c.type}: ${p}`));
        rows.push({ fault: c.fault, orderType: c.type, placed: s.orders.placed, filled: s.orders.filled, partial: s.orders.partiallyFilled, canceled: s.orders.canceled, expired: s.orders.expired, rejected: s.orders.rejected, denied: s.orders.denied, fills: s.fills, venueOrders: check.ordersAtVenue, dupes: check.duplicateClientOrderIds, state: s.tradingState });
      });
      console.log(`fault matrix: ${faults.length} fault kinds × ${types.length} order types = ${rows.length} runs, ${rows.reduce((n, r) => n + Number(r.placed), 0)} orders, ${rows.reduce((n, r) => n + Number(r.fills), 0)} fills; problems: ${problems.length}`);
      console.table(rows);
      console.table(faults.map(([f], fi) => ({ fault: f, injected: JSON.stringify(servers[fi].exchange.stats().faults.byKind), duplicatesRejected: servers[fi].exchange.stats().duplicatesRejected })));
      expect(problems).toEqual([]);
      // Every fault kind was really injected, and every order type really traded.
      faults.forEach(([f, spec], fi) => spec && expect([f, Object.values(servers[fi].exchange.stats().faults.byKind).reduce((a, b) => a + b, 0)]).not.toEqual([f, 0]));
      types.forEach(([t], ti) => expect([t, summaries.filter((_, i) => cells[i].ti === ti).reduce((n, s) => n + s.fills, 0)]).not.toEqual([t, 0]));
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
