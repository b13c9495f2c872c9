/**
 * The paper venue end to end: a real HTTP server (server.ts) replaying real ETH/BTC and ADA/BTC
 * candles (data/market), driven through PaperBrokerage (client.ts), plus the in-process PaperVenue for
 * determinism. Times are real bar close times of 2018-01-25 UTC (ETH/BTC bars 4475–4480).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TempotradeError } from '../../domain/errors';
import { ClientOrderId } from '../../domain/ids';
import { add, cmp, mul, sub } from '../../domain/money';
import type { PlaceOrder } from '../../domain/orders/order';
import { PaperBrokerage } from '../../brokers/paper/client';
import { startPaperVenueServer } from '../../simulators/paper-venue/server';
import type { PaperVenueServer, PaperVenueServerOptions } from '../../simulators/paper-venue/server';
import { readDatasetText } from '../../simulators/paper-venue/state';
import { PAPER_CAPABILITIES, PaperVenue } from '../../simulators/paper-venue/venue';

const DATA = path.join(__dirname, '..', '..', 'data', 'market');
const ETH_FILE = path.join(DATA, 'ETH_BTC-5m.csv.gz');
const ADA_FILE = path.join(DATA, 'ADA_BTC-5m.csv.gz');
const BAR = 300_000;
/** Close times: bar 4475 (the quietest, 11.07 ETH), 4476 (high 0.09468806), 4479 (low 0.0943257), 4480 (low 0.09411501). */
const T_QUIET = 1516902600000 + BAR;
const T_4476 = T_QUIET + BAR;
const T_4479 = 1516903800000 + BAR;
const T_4480 = T_4479 + BAR;

function order(
  o: Omit<Partial<PlaceOrder>, 'clientOrderId'> &
    Pick<PlaceOrder, 'side' | 'type' | 'quantity' | 'at'> & { id: string },
): PlaceOrder {
  const { id, ...rest } = o;
  return {
    clientOrderId: ClientOrderId.parse(id),
    symbol: 'ETH/BTC',
    tif: o.type === 'market' ? 'IOC' : 'GTC',
    postOnly: false,
    reduceOnly: false,
    ...rest,
  };
}

async function rejection(p: Promise<unknown>): Promise<TempotradeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TempotradeError) return e;
    throw e;
  }
  throw new Error('expected the call to fail with a TempotradeError, but it succeeded');
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-paper-'));
const servers: PaperVenueServer[] = [];
const rawServers: http.Server[] = [];

async function venue(opts: PaperVenueServerOptions = {}): Promise<PaperVenueServer> {
  const s = await startPaperVenueServer({ datasets: { 'ETH/BTC': ETH_FILE, 'ADA/BTC': ADA_FILE }, ...opts });
  servers.push(s);
  return s;
}

async function funded(s: PaperVenueServer, account: string, balances: Record<string, string>): Promise<PaperBrokerage> {
  const c = new PaperBrokerage({ url: s.url, account });
  await c.openAccount(balances);
  return c;
}

/** A raw HTTP server answering every request with `handler` (for transport failures). */
async function rawServer(handler: http.RequestListener): Promise<string> {
  const srv = http.createServer(handler);
  rawServers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const srv of rawServers.splice(0)) {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('GIVEN a paper venue server replaying ETH/BTC and ADA/BTC', () => {
  it('WHEN a client describes both markets THEN instruments, capabilities and the common replay clock come from the data', async () => {
    const s = await venue();
    const d = await new PaperBrokerage({ url: s.url, account: 'any' }).describe(['ETH/BTC', 'ADA/BTC']);
    expect(d.clock).toEqual({ kind: 'replay', start: 1515560400000, end: 1517288100000, barMs: BAR });
    expect(d.capabilities).toEqual(PAPER_CAPABILITIES);
    expect(d.instruments['ETH/BTC'].precision).toEqual({ amount: '0.0001', price: '0.000001' });
    expect(d.instruments['ADA/BTC'].precision).toEqual({ amount: '1', price: '0.000000001' });
  });

  it('WHEN a market buy of 10 ETH meets the quiet bar THEN it takes all 10 ask levels and the remainder EXPIRES, paid exactly', async () => {
    const s = await venue();
    const c = await funded(s, 'mkt', { BTC: '5' });
    const snap = await c.snapshot('ETH/BTC', { at: T_QUIET, limit: 1 });
    const o = await c.placeOrder(order({ id: 'mkt-1', side: 'buy', type: 'market', quantity: '10', at: T_QUIET }));
    expect(o.status).toBe('EXPIRED');
    expect(o.filledQuantity).toBe('7.1958');
    expect(o.fills.map((f) => [f.price, f.quantity])).toEqual(snap.asks);
    expect(o.fills.every((f) => f.liquidity === 'taker' && f.feeCurrency === 'BTC' && f.ts === T_QUIET)).toBe(true);
    const paid = add('0', ...o.fills.map((f) => add(mul(f.quantity, f.price), f.fee)));
    expect(await c.balances()).toEqual({
      BTC: { free: sub('5', paid), used: '0', total: sub('5', paid) },
      ETH: { free: '7.1958', used: '0', total: '7.1958' },
    });
  });

  it('WHEN a post-only buy would cross THEN it is rejected as INVALID_ORDER with the exact message and never exists', async () => {
    const s = await venue();
    const c = await funded(s, 'po', { BTC: '1' });
    const { ask } = await c.snapshot('ETH/BTC', { at: T_QUIET, limit: 1 });
    const e = await rejection(
      c.placeOrder(
        order({ id: 'po-1', side: 'buy', type: 'limit', price: ask, quantity: '1', postOnly: true, at: T_QUIET }),
      ),
    );
    expect([e.code, e.message]).toEqual(['INVALID_ORDER', 'Order would immediately match and take.']);
    expect(await c.fetchOrder('ETH/BTC', ClientOrderId.parse('po-1'))).toBeUndefined();
    expect((await c.stats()).ordersAccepted).toBe(0);
  });

  it('WHEN a GTC buy rests below the market THEN later bars fill it partially (10 % of volume each) at its price with maker fees', async () => {
    const s = await venue();
    const c = await funded(s, 'rest', { BTC: '1' });
    const placed = await c.placeOrder(
      order({ id: 'rest-1', side: 'buy', type: 'limit', price: '0.09443', quantity: '5', at: T_QUIET }),
    );
    expect(placed.status).toBe('NEW');
    expect((await c.balances()).BTC).toEqual({ free: '0.52737785', used: '0.47262215', total: '1' }); // 5 × 0.09443 × 1.001
    await c.snapshot('ETH/BTC', { at: T_4479 - 1, limit: 1 }); // bars 4476–4478 never trade down to 0.09443
    expect((await c.fetchOrder('ETH/BTC', placed.clientOrderId))?.status).toBe('NEW');

    await c.snapshot('ETH/BTC', { at: T_4479, limit: 1 });
    const partial = await c.fetchOrder('ETH/BTC', placed.clientOrderId);
    expect(partial?.status).toBe('PARTIALLY_FILLED');
    expect(partial?.fills).toEqual([
      {
        fillId: 'F1',
        clientOrderId: 'rest-1',
        symbol: 'ETH/BTC',
        side: 'buy',
        quantity: '2.5616',
        price: '0.09443',
        fee: '0.000241891888',
        feeCurrency: 'BTC',
        liquidity: 'maker',
        ts: T_4479,
      },
    ]);
    expect((await c.balances()).BTC.used).toBe(mul(mul('2.4384', '0.09443'), '1.001'));
    await c.snapshot('ETH/BTC', { at: T_QUIET, limit: 1 }); // looking back does not rewind the clock…
    await c.snapshot('ETH/BTC', { at: T_4479, limit: 1 }); // …so bar 4479 is not matched twice
    expect((await c.fetchOrder('ETH/BTC', placed.clientOrderId))?.fills).toHaveLength(1);

    await c.snapshot('ETH/BTC', { at: T_4480, limit: 1 });
    const done = await c.fetchOrder('ETH/BTC', placed.clientOrderId);
    expect([done?.status, done?.filledQuantity, done?.fee, done?.averagePrice]).toEqual([
      'FILLED',
      '5',
      '0.00047215',
      '0.09443',
    ]);
    expect(done?.fills[1]).toMatchObject({ quantity: '2.4384', liquidity: 'maker', ts: T_4480 });
    expect(await c.balances()).toEqual({
      BTC: { free: '0.52737785', used: '0', total: '0.52737785' }, // 1 − 5 × 0.09443 − 0.00047215
      ETH: { free: '5', used: '0', total: '5' },
    });
  });

  it('WHEN a partially filled order is canceled THEN it keeps its fills, unlocks the rest, and fills no more', async () => {
    const s = await venue();
    const c = await funded(s, 'cxl', { BTC: '1' });
    const id = ClientOrderId.parse('cxl-1');
    await c.placeOrder(order({ id, side: 'buy', type: 'limit', price: '0.09443', quantity: '5', at: T_QUIET }));
    await c.snapshot('ETH/BTC', { at: T_4479, limit: 1 });
    const canceled = await c.cancelOrder('ETH/BTC', id);
    expect([canceled.status, canceled.filledQuantity, canceled.fills.length]).toEqual(['CANCELED', '2.5616', 1]);
    const spent = add(mul('2.5616', '0.09443'), '0.000241891888');
    expect((await c.balances()).BTC).toEqual({ free: sub('1', spent), used: '0', total: sub('1', spent) });
    await c.snapshot('ETH/BTC', { at: T_4480, limit: 1 });
    expect(await c.fetchOrder('ETH/BTC', id)).toEqual(canceled);
    expect(await c.cancelOrder('ETH/BTC', id)).toEqual(canceled); // terminal: returned unchanged
    expect(await c.fetchOpenOrders('ETH/BTC')).toEqual([]);
  });

  it("WHEN bars trade through held stops THEN each triggers on that bar and executes against that bar's book", async () => {
    const s = await venue();
    const c = await funded(s, 'stop', { BTC: '1' });
    await c.placeOrder(order({ id: 'stop-buy', side: 'buy', type: 'market', quantity: '2', at: T_QUIET }));
    const sellStop = await c.placeOrder(
      order({ id: 'stop-sell', side: 'sell', type: 'stop_market', stopPrice: '0.0943', quantity: '1', at: T_QUIET }),
    );
    const buyStop = await c.placeOrder(
      order({
        id: 'stop-lim',
        side: 'buy',
        type: 'stop_limit',
        stopPrice: '0.09465',
        price: '0.0947',
        quantity: '0.5',
        at: T_QUIET,
      }),
    );
    expect([sellStop.status, buyStop.status]).toEqual(['NEW', 'NEW']);
    expect((await c.balances()).ETH).toEqual({ free: '1', used: '1', total: '2' });

    const at4476 = await c.snapshot('ETH/BTC', { at: T_4476, limit: 1 }); // high 0.09468806 ≥ 0.09465
    const lim = await c.fetchOrder('ETH/BTC', buyStop.clientOrderId);
    expect(lim?.status).toBe('FILLED');
    expect(lim?.fills.map((f) => [f.price, f.liquidity, f.ts])).toEqual([[at4476.ask, 'taker', T_4476]]);

    await c.snapshot('ETH/BTC', { at: T_4480 - 1, limit: 1 });
    expect((await c.fetchOrder('ETH/BTC', sellStop.clientOrderId))?.status).toBe('NEW');
    const at4480 = await c.snapshot('ETH/BTC', { at: T_4480, limit: 1 }); // low 0.09411501 ≤ 0.0943
    const sold = await c.fetchOrder('ETH/BTC', sellStop.clientOrderId);
    expect(sold?.status).toBe('FILLED');
    expect(sold?.fills.map((f) => [f.price, f.quantity, f.ts])).toEqual([[at4480.bid, '1', T_4480]]);
    expect((await c.balances()).ETH).toEqual({ free: '1.5', used: '0', total: '1.5' });
  });

  it('WHEN the same clientOrderId is sent twice THEN the second is DUPLICATE_ORDER, counted, and nothing else changes', async () => {
    const s = await venue();
    const c = await funded(s, 'dup', { BTC: '1' });
    const cmd = order({ id: 'tt1x/run:7', side: 'buy', type: 'limit', price: '0.09', quantity: '1', at: T_QUIET });
    const first = await c.placeOrder(cmd);
    const balances = await c.balances();
    const e = await rejection(c.placeOrder({ ...cmd, at: T_4480 }));
    expect([e.code, e.message]).toEqual(['DUPLICATE_ORDER', 'Duplicate order sent.']);
    expect(await c.stats()).toMatchObject({ ordersAccepted: 1, duplicateClientOrderIdRejected: 1 });
    expect(await c.fetchOrder('ETH/BTC', cmd.clientOrderId)).toEqual(first); // '/' and ':' survive the URL
    expect(await c.balances()).toEqual(balances);
  });

  it("WHEN an order needs more than the free balance THEN it is INSUFFICIENT_FUNDS with Binance's message and nothing changes", async () => {
    const s = await venue();
    const c = await funded(s, 'poor', { BTC: '0.1' });
    for (const cmd of [
      order({ id: 'poor-1', side: 'buy', type: 'market', quantity: '2', at: T_QUIET }),
      order({ id: 'poor-2', side: 'sell', type: 'market', quantity: '0.5', at: T_QUIET }),
    ]) {
      const e = await rejection(c.placeOrder(cmd));
      expect([e.code, e.message]).toEqual([
        'INSUFFICIENT_FUNDS',
        'Account has insufficient balance for requested action.',
      ]);
    }
    expect(await c.balances()).toEqual({ BTC: { free: '0.1', used: '0', total: '0.1' } });
    expect(await c.orders()).toEqual([]);
  });

  it('WHEN trades of every kind have happened THEN balances equal start − Σ buys − fees + Σ sells, exactly', async () => {
    const s = await venue();
    const c = await funded(s, 'recon', { BTC: '2' });
    await c.placeOrder(order({ id: 'r-1', side: 'buy', type: 'market', quantity: '3', at: T_QUIET }));
    await c.placeOrder(order({ id: 'r-2', side: 'buy', type: 'limit', price: '0.09443', quantity: '5', at: T_QUIET }));
    await c.placeOrder(order({ id: 'r-3', side: 'sell', type: 'limit', price: '0.0946', quantity: '1', at: T_QUIET }));
    await c.placeOrder(
      order({ id: 'r-4', side: 'sell', type: 'limit', price: '0.0944', quantity: '1.5', tif: 'IOC', at: T_4476 }),
    );
    await c.snapshot('ETH/BTC', { at: T_4480, limit: 1 });
    await c.placeOrder(order({ id: 'r-5', side: 'sell', type: 'market', quantity: '4', at: T_4480 }));
    expect(await c.fetchOpenOrders()).toEqual([]);
    const fills = await c.fills();
    expect(fills.length).toBeGreaterThanOrEqual(12);
    expect(new Set(fills.map((f) => f.liquidity))).toEqual(new Set(['maker', 'taker']));
    const signed = (side: string, x: string) => (side === 'buy' ? `-${x}` : x);
    const btc = add(
      '2',
      ...fills.map((f) => signed(f.side, mul(f.quantity, f.price))),
      ...fills.map((f) => `-${f.fee}`),
    );
    const eth = add('0', ...fills.map((f) => (f.side === 'buy' ? f.quantity : `-${f.quantity}`)));
    const b = await c.balances();
    expect([b.BTC.total, b.BTC.used, b.ETH.total, b.ETH.used]).toEqual([btc, '0', eth, '0']);
  });

  it('WHEN snapshots are taken at any time THEN no bar closing after that time is ever returned, even across a data gap', async () => {
    const s = await venue();
    const c = await funded(s, 'x', { BTC: '1' });
    const ada = readDatasetText(ADA_FILE)
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[0]));
    const times = [1515560400000, T_QUIET - 1, T_QUIET, 1516017600000, 1516020000000, 1516027799999, 1516027800000];
    for (const at of times) {
      for (const symbol of ['ETH/BTC', 'ADA/BTC']) {
        const snap = await c.snapshot(symbol, { at, limit: 10_000 });
        expect(snap.bars.every((b) => b.ts + BAR <= at)).toBe(true);
        expect(snap.markTs).toBe(snap.bars[snap.bars.length - 1].ts + BAR);
        if (symbol === 'ADA/BTC') expect(snap.bars.length).toBe(ada.filter((ts) => ts + BAR <= at).length);
      }
    }
    const inGap = await c.snapshot('ADA/BTC', { at: 1516027799999, since: 1516016700000, limit: 5 });
    expect(inGap.bars.map((b) => b.ts)).toEqual([1516017000000, 1516017300000]);
    const e = await rejection(c.snapshot('ETH/BTC', { at: 1515560399999, limit: 5 }));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toContain('the data starts at 2018-01-10T04:55:00.000Z');
  });

  it('WHEN a market is loaded again THEN the same path is a no-op and another path is refused naming both', async () => {
    const s = await venue();
    const c = new PaperBrokerage({ url: s.url, account: 'x' });
    expect((await c.ensureMarket('ETH/BTC', ETH_FILE)).bars).toBe(5760);
    const e = await rejection(c.ensureMarket('ETH/BTC', ADA_FILE));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toBe(
      `market ETH/BTC is already loaded from ${ETH_FILE}; refusing to load it again from ${ADA_FILE}`,
    );
    const missing = await rejection(c.ensureMarket('LTC/BTC', path.join(tmp, 'LTC_BTC-5m.csv.gz')));
    expect([missing.code, missing.message]).toEqual([
      'VALIDATION',
      expect.stringContaining(
        `cannot read market data for LTC/BTC from ${path.join(tmp, 'LTC_BTC-5m.csv.gz')}: ENOENT`,
      ),
    ]);
  });

  it('WHEN an order is previewed THEN the book walk is reported and nothing changes', async () => {
    const s = await venue();
    const c = await funded(s, 'pre', { BTC: '1' });
    const p = await c.previewOrder(order({ id: 'pre-1', side: 'buy', type: 'market', quantity: '10', at: T_QUIET }));
    expect(p).toMatchObject({ fillableQuantity: '7.1958', feeCurrency: 'BTC' });
    expect(p?.notes.join(' ')).toContain('2.8042 ETH would expire unfilled');
    expect(await c.balances()).toEqual({ BTC: { free: '1', used: '0', total: '1' } });
    expect(await c.fetchOrder('ETH/BTC', ClientOrderId.parse('pre-1'))).toBeUndefined();
  });

  it('WHEN an account is opened twice or sells more than it holds reduce-only THEN it is never re-funded and the sell is refused', async () => {
    const s = await venue();
    const c = await funded(s, 'idem', { BTC: '1', ETH: '0.5' });
    expect((await c.openAccount({ BTC: '100' })).BTC.total).toBe('1');
    const e = await rejection(
      c.placeOrder(order({ id: 'ro-1', side: 'sell', type: 'market', quantity: '0.6', reduceOnly: true, at: T_QUIET })),
    );
    expect([e.code, e.message]).toEqual(['INVALID_ORDER', 'reduceOnly: selling 0.6 ETH exceeds the 0.5 ETH held']);
  });
});

describe('GIVEN a venue with a state file', () => {
  it('WHEN the venue restarts from it THEN orders, fills, balances, counters and the clock survive, and no account is re-funded', async () => {
    const stateFile = path.join(tmp, 'restart', 'venue.json');
    const a = await venue({ stateFile, accounts: { keep: { BTC: '1' } } });
    const c1 = new PaperBrokerage({ url: a.url, account: 'keep' });
    const cmd = order({ id: 'keep-1', side: 'buy', type: 'limit', price: '0.09443', quantity: '5', at: T_QUIET });
    await c1.placeOrder(cmd);
    await rejection(c1.placeOrder(cmd));
    await c1.snapshot('ETH/BTC', { at: T_4479, limit: 1 });
    const before = {
      order: await c1.fetchOrder('ETH/BTC', cmd.clientOrderId),
      balances: await c1.balances(),
      stats: await c1.stats(),
    };
    const state = a.venue.toJSON();
    await a.close();
    expect(fs.readdirSync(path.dirname(stateFile))).toEqual(['venue.json']); // no temp file left behind

    const b = await venue({ stateFile, accounts: { keep: { BTC: '999' } } });
    const c2 = new PaperBrokerage({ url: b.url, account: 'keep' });
    expect(b.venue.toJSON()).toEqual(state);
    expect(await c2.fetchOrder('ETH/BTC', cmd.clientOrderId)).toEqual(before.order);
    expect(await c2.balances()).toEqual(before.balances);
    expect(await c2.stats()).toMatchObject({
      ordersAccepted: 1,
      duplicateClientOrderIdRejected: 1,
      fills: before.stats.fills,
    });
    await c2.snapshot('ETH/BTC', { at: T_4480, limit: 1 }); // bar 4479 is not matched a second time
    const done = await c2.fetchOrder('ETH/BTC', cmd.clientOrderId);
    expect([done?.status, done?.fills.map((f) => [f.quantity, f.ts])]).toEqual([
      'FILLED',
      [
        ['2.5616', T_4479],
        ['2.4384', T_4480],
      ],
    ]);
  });
});

describe('GIVEN two venues fed the same calls', () => {
  it('WHEN they have traded, canceled, stopped and rejected THEN their JSON states are identical and survive fromJSON', () => {
    const run = (): PaperVenue => {
      const v = new PaperVenue();
      v.loadMarketFromSource('ETH/BTC', ETH_FILE);
      v.openAccount('a', { BTC: '3' });
      v.openAccount('b', { BTC: '1', ETH: '4' });
      v.placeOrder('a', order({ id: 'd1', side: 'buy', type: 'market', quantity: '3', at: T_QUIET }));
      v.placeOrder('a', order({ id: 'd2', side: 'buy', type: 'limit', price: '0.09443', quantity: '5', at: T_QUIET }));
      v.placeOrder('b', order({ id: 'd2', side: 'buy', type: 'limit', price: '0.09443', quantity: '2', at: T_QUIET }));
      v.placeOrder(
        'b',
        order({ id: 'd3', side: 'sell', type: 'stop_market', stopPrice: '0.0943', quantity: '1', at: T_QUIET }),
      );
      expect(() =>
        v.placeOrder('a', order({ id: 'd1', side: 'buy', type: 'market', quantity: '1', at: T_QUIET })),
      ).toThrow('Duplicate order sent.');
      v.advance('a', 'ETH/BTC', T_4479);
      v.advance('b', 'ETH/BTC', T_4479);
      v.cancelOrder('a', 'd2');
      v.advance('a', 'ETH/BTC', T_4480);
      v.advance('b', 'ETH/BTC', T_4480);
      return v;
    };
    const [x, y] = [run(), run()];
    expect(JSON.stringify(x.toJSON())).toBe(JSON.stringify(y.toJSON()));
    // Every account replays on its own clock with its own share of each bar: a's buy took bar 4479's
    // 2.5616 ETH, and b's buy at the same price filled from the same bar, untouched by a.
    expect(x.getOrder('a', 'd2')?.fills.map((f) => [f.quantity, f.ts])).toEqual([['2.5616', T_4479]]);
    expect(x.getOrder('b', 'd2')?.fills.map((f) => [f.quantity, f.ts])).toEqual([['2', T_4479]]);
    expect(cmp(x.balances('b').ETH.total, '5')).toBe(0); // 4 + 2 bought − 1 stopped out
    expect(PaperVenue.fromJSON(JSON.parse(JSON.stringify(x.toJSON()))).toJSON()).toEqual(x.toJSON());
  });
});

describe('GIVEN a PaperBrokerage', () => {
  it('WHEN the venue answers with errors THEN they map to TempotradeError codes and an unknown order is undefined', async () => {
    const s = await venue();
    const c = await funded(s, 'err', { BTC: '1' });
    expect((await rejection(c.snapshot('XRP/BTC', { at: T_QUIET, limit: 1 }))).code).toBe('BAD_SYMBOL');
    expect((await rejection(new PaperBrokerage({ url: s.url, account: 'nobody' }).balances())).code).toBe(
      'AUTHENTICATION',
    );
    const bad = await rejection(
      c.placeOrder({
        ...order({ id: 'err-1', side: 'buy', type: 'market', quantity: '1', at: T_QUIET }),
        quantity: '-1',
      }),
    );
    expect([bad.code, bad.message]).toEqual(['VALIDATION', 'invalid order: quantity: must be greater than 0']);
    const filter = await rejection(
      c.placeOrder(order({ id: 'err-2', side: 'buy', type: 'limit', price: '0.0944001', quantity: '1', at: T_QUIET })),
    );
    expect([filter.code, filter.message]).toEqual([
      'INVALID_ORDER',
      'Filter failure: PRICE_FILTER (price 0.0944001 is not a multiple of the tick 0.000001)',
    ]);
    const missing = await rejection(c.cancelOrder('ETH/BTC', ClientOrderId.parse('never-sent')));
    expect([missing.code, missing.message]).toEqual(['ORDER_NOT_FOUND', 'Unknown order sent.']);
    expect(await c.fetchOrder('ETH/BTC', ClientOrderId.parse('never-sent'))).toBeUndefined();
    const raw = await fetch(`${s.url}/v1/snapshot?symbol=ETH%2FBTC&at=soon`);
    expect([raw.status, ((await raw.json()) as { message: string }).message]).toEqual([
      400,
      'invalid query: at: must be a non-negative integer (market time in ms)',
    ]);
    expect((await fetch(`${s.url}/v1/nothing`)).status).toBe(404);
  });

  it('WHEN the venue is unreachable, silent, overloaded or garbled THEN NETWORK, REQUEST_TIMEOUT, EXCHANGE_UNAVAILABLE, RATE_LIMITED or UNKNOWN', async () => {
    const gone = await venue();
    const goneUrl = gone.url;
    await servers.splice(servers.indexOf(gone), 1)[0].close();
    expect((await rejection(new PaperBrokerage({ url: goneUrl, account: 'x' }).stats())).code).toBe('NETWORK');

    const silent = await rawServer(() => undefined);
    const timeout = await rejection(new PaperBrokerage({ url: silent, account: 'x', timeoutMs: 200 }).stats());
    expect([timeout.code, timeout.message]).toEqual([
      'REQUEST_TIMEOUT',
      `paper venue at ${silent} did not answer GET /v1/stats within 200 ms`,
    ]);

    const down = await rawServer((_req, res) => res.writeHead(503).end());
    expect((await rejection(new PaperBrokerage({ url: down, account: 'x' }).stats())).code).toBe(
      'EXCHANGE_UNAVAILABLE',
    );

    const busy = await rawServer((_req, res) => res.writeHead(429, { 'retry-after': '2' }).end());
    const limited = await rejection(new PaperBrokerage({ url: busy, account: 'x' }).stats());
    expect([limited.code, limited.retryAfterMs, limited.retryable]).toEqual(['RATE_LIMITED', 2000, true]);

    const garbled = await rawServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ clientOrderId: 'g-1', quantity: 'lots' })),
    );
    const g = await rejection(
      new PaperBrokerage({ url: garbled, account: 'x' }).fetchOrder('ETH/BTC', ClientOrderId.parse('g-1')),
    );
    expect(g.code).toBe('UNKNOWN');
    expect(g.message).toContain('quantity: must be a finite decimal number');
  });
});
