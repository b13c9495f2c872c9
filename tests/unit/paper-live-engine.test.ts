/**
 * The paper venue's engine fed live (simulators/paper-venue/venue.ts: openLiveMarket, feedLive), pure: a
 * hand-made order book stands for the exchange's real one and hand-made bars close one by one.
 * Expected numbers are worked out by hand from the book and bars quoted in each test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Candle } from '../../domain/market/candles';
import type { Instrument } from '../../domain/market/instrument';
import { ClientOrderId } from '../../domain/ids';
import { PaperVenue } from '../../simulators/paper-venue/venue';
import { bookFromLevels } from '../../simulators/paper-venue/book';
import type { Level } from '../../simulators/paper-venue/book';
import { readStateFile } from '../../simulators/paper-venue/state';
import { ETH_BTC } from '../helpers/fixtures';

const MIN = 60_000;
const T = 1_700_000_040_000; // a minute boundary
const INST: Instrument = {
  ...ETH_BTC,
  limits: { amount: { min: '0.001' }, cost: { min: '0.0001' } },
  // Different maker and taker rates, so every fill shows which one it paid.
  fees: { maker: '0.001', taker: '0.002' },
};
const BIDS: Level[] = [
  ['0.05', '1'],
  ['0.0499', '2'],
];
const ASKS: Level[] = [
  ['0.0501', '0.5'],
  ['0.0502', '3'],
];
const bar = (i: number, o: Partial<Candle> = {}): Candle => ({
  ts: T + i * MIN,
  open: 0.05,
  high: 0.0502,
  low: 0.0498,
  close: 0.05,
  volume: 100,
  ...o,
});
const cid = (s: string) => ClientOrderId.parse(`test-${s}`);
const order = (id: string, o: Record<string, unknown>) => ({
  clientOrderId: cid(id),
  symbol: 'ETH/BTC',
  tif: 'GTC',
  postOnly: false,
  reduceOnly: false,
  ...o,
});

/** A venue with one live ETH/BTC market (bars 0 and 1 closed, the book above) and account "a" with 1 BTC. */
function liveVenue(stateFile?: string): PaperVenue {
  const v = new PaperVenue(stateFile ? { stateFile } : {});
  v.openLiveMarket('ETH/BTC', { source: 'live:test', instrument: INST, barMs: MIN, bars: [bar(0), bar(1)] });
  v.feedLive('ETH/BTC', { bars: [], book: bookFromLevels(BIDS, ASKS, 'ETH/BTC'), bookTs: T + 2 * MIN + 1_000 });
  v.openAccount('a', { BTC: '1' });
  return v;
}

describe('GIVEN a paper engine fed with a live market', () => {
  it('WHEN a market buy arrives THEN it walks the real book level by level at the taker rate, charged in the quote', () => {
    const v = liveVenue();
    const o = v.placeOrder('a', order('m1', { side: 'buy', type: 'market', quantity: '1', at: T + 2 * MIN + 5_000 }));
    // 0.5 at the best ask 0.0501, the other 0.5 at 0.0502; taker fee 0.002 × q × p on each leg.
    expect(o.status).toBe('FILLED');
    expect(o.fills.map((f) => [f.quantity, f.price, f.fee, f.feeCurrency, f.liquidity, f.ts])).toEqual([
      ['0.5', '0.0501', '0.0000501', 'BTC', 'taker', T + 2 * MIN + 5_000],
      ['0.5', '0.0502', '0.0000502', 'BTC', 'taker', T + 2 * MIN + 5_000],
    ]);
    // 1 − (0.02505 + 0.0251) − (0.0000501 + 0.0000502) = 0.9497497
    expect(v.balances('a')).toEqual({
      BTC: { free: '0.9497497', used: '0', total: '0.9497497' },
      ETH: { free: '1', used: '0', total: '1' },
    });
  });

  it('WHEN a GTC limit buy below the ask rests THEN no bar closed before it fills it, and the first later bar that trades through fills it at its price as maker', () => {
    const v = liveVenue();
    const placed = v.placeOrder(
      'a',
      order('l1', { side: 'buy', type: 'limit', price: '0.0495', quantity: '1', at: T + 2 * MIN + 5_000 }),
    );
    expect(placed.status).toBe('NEW');
    // Locked: 1 × 0.0495 × (1 + max(0.001, 0.002)) = 0.049599
    expect(v.balances('a').BTC).toEqual({ free: '0.950401', used: '0.049599', total: '1' });

    // A bar that closed before the order (already fed ones are ignored) and a later bar above the price: no fill.
    expect(v.feedLive('ETH/BTC', { bars: [bar(1, { low: 0.049 }), bar(2, { low: 0.0496 })] }).appended).toBe(1);
    expect(v.getOrder('a', cid('l1'))!.status).toBe('NEW');

    // The next bar trades through 0.0495: 10 % of its 100 ETH is enough for the whole order.
    v.feedLive('ETH/BTC', { bars: [bar(3, { low: 0.0494 })] });
    const filled = v.getOrder('a', cid('l1'))!;
    expect(filled.status).toBe('FILLED');
    expect(filled.fills.map((f) => [f.quantity, f.price, f.fee, f.liquidity, f.ts])).toEqual([
      ['1', '0.0495', '0.0000495', 'maker', T + 4 * MIN],
    ]);
    // 1 − 0.0495 − 0.0000495
    expect(v.balances('a')).toEqual({
      BTC: { free: '0.9504505', used: '0', total: '0.9504505' },
      ETH: { free: '1', used: '0', total: '1' },
    });
  });

  it('WHEN a bar trades through a held stop THEN the stop walks the exchange book fed with that bar', () => {
    const v = liveVenue();
    v.placeOrder('a', order('b1', { side: 'buy', type: 'market', quantity: '0.4', at: T + 2 * MIN + 1 }));
    const stop = v.placeOrder(
      'a',
      order('s1', {
        side: 'sell',
        type: 'stop_market',
        stopPrice: '0.049',
        quantity: '0.4',
        reduceOnly: true,
        at: T + 2 * MIN + 2,
      }),
    );
    expect(stop.status).toBe('NEW');
    const lower = bookFromLevels(
      [
        ['0.0488', '0.1'],
        ['0.0487', '5'],
      ],
      [['0.0489', '5']],
      'ETH/BTC',
    );
    v.feedLive('ETH/BTC', { bars: [bar(2, { low: 0.0489, close: 0.0489 })], book: lower, bookTs: T + 3 * MIN + 10 });
    const s = v.getOrder('a', cid('s1'))!;
    expect(s.status).toBe('FILLED');
    expect(s.fills.map((f) => [f.quantity, f.price, f.liquidity])).toEqual([
      ['0.1', '0.0488', 'taker'],
      ['0.3', '0.0487', 'taker'],
    ]);
  });

  it('WHEN the engine is restarted from its state file THEN the account, its resting order and the last bars are there, and the next bar fills the order once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paper-live-'));
    const file = path.join(dir, 'acct.json');
    const before = liveVenue(file);
    before.placeOrder(
      'a',
      order('l2', { side: 'buy', type: 'limit', price: '0.0497', quantity: '2', at: T + 2 * MIN }),
    );
    const saved = readStateFile(file)!;
    expect(saved.version).toBe(4);
    expect(saved.markets).toEqual([
      expect.objectContaining({
        kind: 'live',
        symbol: 'ETH/BTC',
        source: 'live:test',
        barMs: MIN,
        bars: [bar(0), bar(1)],
      }),
    ]);

    const after = new PaperVenue({ stateFile: file });
    expect(after.toJSON()).toEqual(before.toJSON());
    after.feedLive('ETH/BTC', { bars: [bar(2, { low: 0.0497 })], book: bookFromLevels(BIDS, ASKS, 'ETH/BTC') });
    after.feedLive('ETH/BTC', { bars: [bar(2, { low: 0.0497 })] });
    expect(after.fills('a').map((f) => [f.quantity, f.price, f.liquidity])).toEqual([['2', '0.0497', 'maker']]);
    expect(new PaperVenue({ stateFile: file }).toJSON()).toEqual(after.toJSON());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([2, 3])(
    'WHEN a version-%i state file (before deposits; 2: also before live markets) is loaded THEN it loads unchanged and is written back as version 4',
    (version) => {
      const candles = [0, 1, 2, 3].map((i) => bar(i));
      const replay = new PaperVenue();
      replay.loadMarket('ETH/BTC', candles, 'recorded.csv');
      replay.openAccount('r', { BTC: '1' });
      replay.placeOrder('r', order('r1', { side: 'buy', type: 'market', quantity: '1', at: T + 2 * MIN }));
      const now = replay.toJSON();
      const old = { ...now, version, accounts: now.accounts.map(({ deposits: _, ...a }) => a) };
      const loaded = PaperVenue.fromJSON(JSON.parse(JSON.stringify(old)), { loadSource: () => candles });
      expect(loaded.toJSON()).toEqual(now);
      expect(loaded.toJSON().version).toBe(4);
    },
  );

  it('WHEN a deposit is applied and the state reloaded THEN its id is kept: the same id never credits twice', () => {
    const v = new PaperVenue();
    expect(v.deposit('d', { asset: 'BTC', amount: '0.3', depositId: 'run:w:1' }).deposited).toBe(true);
    const again = PaperVenue.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
    expect(again.deposit('d', { asset: 'BTC', amount: '0.3', depositId: 'run:w:1' })).toMatchObject({
      deposited: false,
      balances: { BTC: { total: '0.3' } },
    });
    expect(again.deposit('d', { asset: 'BTC', amount: '0.2', depositId: 'run:w:2' }).balances.BTC.total).toBe('0.5');
    expect(() => again.deposit('d', { asset: 'BTC', amount: '0', depositId: 'x' })).toThrow(/amount/);
  });

  it('WHEN a book is empty on one side or crossed THEN it is refused, naming the market', () => {
    expect(() => bookFromLevels([], ASKS, 'ETH/BTC')).toThrow(
      "ETH/BTC: the venue's order book has an empty side (0 bids, 2 asks)",
    );
    expect(() => bookFromLevels([['0.06', '1']], ASKS, 'ETH/BTC')).toThrow(
      "ETH/BTC: the venue's order book is crossed (bid 0.06 ≥ ask 0.0501)",
    );
  });
});
