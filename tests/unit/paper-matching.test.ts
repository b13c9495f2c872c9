/**
 * The paper venue's pure fill model (book.ts, matching.ts, filters.ts, market-data.ts) on real
 * Binance candles (data/market, see its README). Expected numbers are worked out by hand from the
 * candles quoted in each test.
 */
import * as path from 'node:path';
import type { Candle } from '../../domain/market/candles';
import type { Instrument } from '../../domain/market/instrument';
import { Dec, add, cmp, mul } from '../../domain/money';
import type { PlaceOrder } from '../../domain/orders/order';
import { ClientOrderId } from '../../domain/ids';
import { bookFromCandle } from '../../simulators/paper-venue/book';
import { orderRuleViolation } from '../../simulators/paper-venue/filters';
import {
  currentIndex,
  deriveInstrument,
  snapshotAt,
  buildMarket,
  toCandles,
} from '../../simulators/paper-venue/market-data';
import {
  POST_ONLY_REJECT_MESSAGE,
  executeArrival,
  feeFor,
  matchRestingOnBar,
  restingBudget,
  statusAfter,
  stopTriggered,
  walkBook,
} from '../../simulators/paper-venue/matching';
import { readDatasetText } from '../../simulators/paper-venue/state';
import { spotInstrument } from '../helpers/fixtures';

const DATA = path.join(__dirname, '..', '..', 'data', 'market');
const load = (file: string): Candle[] => toCandles(readDatasetText(path.join(DATA, file)), file);

const eth = load('ETH_BTC-5m.csv.gz');
const ada = load('ADA_BTC-5m.csv.gz');
const ethInst = deriveInstrument('ETH/BTC', eth);
const adaInst = deriveInstrument('ADA/BTC', ada);
const FEES = { maker: '0.001', taker: '0.001' };

/** ETH/BTC 2018-01-25 17:50 UTC: the quietest bar of the file (11.07 ETH traded). */
const QUIET = 4475;

const sum = (xs: string[]) => add('0', ...xs);

describe('GIVEN real ETH/BTC and ADA/BTC candles', () => {
  describe('WHEN the instrument is derived from the data', () => {
    it('THEN ETH/BTC gets tick 0.000001 (min close 0.083) and step 0.0001 (max close 0.106), ADA/BTC tick 1e-9 and step 1', () => {
      expect(ethInst).toEqual(spotInstrument('ETH/BTC', { amount: '0.0001', price: '0.000001' }, FEES));
      expect(adaInst.precision).toEqual({ amount: '1', price: '0.000000001' });
      expect(adaInst.limits.amount.min).toBe('1');
    });

    it('THEN float artefacts of the CSV are gone (0.09969000000000001 reads as 0.09969)', () => {
      expect(eth[1].close).toBe(0.09969);
      expect(eth[1].ts).toBe(1515560400000);
    });
  });

  describe('WHEN a book is derived from the first ETH/BTC bar (range 0.09828605–0.0994766, close 0.0994766, volume 1820.54447418)', () => {
    const book = bookFromCandle(eth[0], ethInst);

    it('THEN the spread is a tenth of the range in bps (11.968…) and the touch sits half of it either side of the close', () => {
      expect(book.mid).toBe('0.0994766');
      expect(book.spreadBps.startsWith('11.9681')).toBe(true);
      // 0.0994766 × (1 − 5.984/10 000) = 0.0994170… floored to the tick; × (1 + …) = 0.0995361… ceiled.
      expect(book.bid).toBe('0.099417');
      expect(book.ask).toBe('0.099537');
    });

    it('THEN each side has 10 levels, 2 % of the volume at the touch growing by half of it per level, 65 % of the volume in all', () => {
      expect(book.bids).toHaveLength(10);
      expect(book.asks).toHaveLength(10);
      expect(book.asks[0]).toEqual(['0.099537', '36.4108']); // 1820.54447418 × 0.02 = 36.41088… floored to 0.0001
      expect(book.asks[9][1]).toBe('200.2598'); // × 5.5
      expect(Number(sum(book.asks.map((l) => l[1])))).toBeCloseTo(1820.54447418 * 0.65, 1);
      for (let i = 1; i < 10; i++) {
        expect(cmp(book.bids[i][0], book.bids[i - 1][0])).toBe(-1);
        expect(cmp(book.asks[i][0], book.asks[i - 1][0])).toBe(1);
      }
    });
  });

  describe('WHEN bars are very calm or very wild', () => {
    it('THEN the spread is clamped to 1 bp (ETH bar 813, range 0.012 bps) and to 50 bps (ADA bar 24, range 6 %)', () => {
      const calm = bookFromCandle(eth[813], ethInst);
      expect(calm.spreadBps).toBe('1');
      // Levels step out by at least 1 bp: 0.5, 1.5, 2.5 bps above the close 0.09149881, ceiled to the tick.
      expect(calm.asks.slice(0, 3).map((l) => l[0])).toEqual(['0.091504', '0.091513', '0.091522']);
      const wild = bookFromCandle(ada[24], adaInst);
      expect(wild.spreadBps).toBe('50');
      expect(wild.bid).toBe('0.000050254'); // 0.00005038 × (1 − 0.0025), on the 1e-9 tick
      expect(wild.ask).toBe('0.000050506');
    });

    it("THEN with a coarse tick (Binance's 1e-8 for ADA/BTC) levels that round together are merged, keeping their total size", () => {
      const coarse: Instrument = { ...adaInst, precision: { ...adaInst.precision, price: '0.00000001' } };
      const fine = bookFromCandle(ada[263], adaInst);
      const merged = bookFromCandle(ada[263], coarse);
      expect(merged.bids.length).toBeLessThan(10);
      expect(merged.bid).toBe('0.00005255');
      expect(merged.ask).toBe('0.00005257');
      expect(sum(merged.bids.map((l) => l[1]))).toBe(sum(fine.bids.map((l) => l[1])));
      for (let i = 1; i < merged.bids.length; i++) expect(cmp(merged.bids[i][0], merged.bids[i - 1][0])).toBe(-1);
    });
  });

  describe('WHEN a market buy of 10 ETH meets the quiet bar (book depth 7.1958 ETH per side)', () => {
    const book = bookFromCandle(eth[QUIET], ethInst);
    const out = executeArrival(
      { side: 'buy', kind: 'market', quantity: '10', tif: 'IOC', postOnly: false },
      book,
      FEES,
    );

    it("THEN it takes every ask level, one taker execution per level at that level's price, and the remainder expires", () => {
      if (out.kind !== 'executed') throw new Error('expected executions');
      expect(out.executions.map((e) => [e.price, e.quantity])).toEqual(book.asks);
      expect(out.filled).toBe('7.1958');
      expect(out.remaining).toBe('2.8042');
      expect(out.rests).toBe(false);
      expect(statusAfter(out.filled, out.remaining, out.rests)).toBe('EXPIRED');
      expect(out.executions.every((e) => e.liquidity === 'taker')).toBe(true);
    });

    it('THEN a market order never rests, even sent as GTC', () => {
      const gtc = executeArrival(
        { side: 'buy', kind: 'market', quantity: '10', tif: 'GTC', postOnly: false },
        book,
        FEES,
      );
      expect(gtc).toMatchObject({ kind: 'executed', filled: '7.1958', rests: false });
    });

    it('THEN each fee is exactly 0.001 × quantity × price in BTC, never rounded', () => {
      if (out.kind !== 'executed') throw new Error('expected executions');
      expect(out.executions[0]).toEqual({
        price: '0.094448',
        quantity: '0.2214',
        fee: '0.0000209107872',
        liquidity: 'taker',
      });
      for (const e of out.executions) expect(e.fee).toBe(mul(mul('0.001', e.quantity), e.price));
    });
  });

  describe('WHEN fill-or-kill orders meet the quiet bar', () => {
    const book = bookFromCandle(eth[QUIET], ethInst);

    it('THEN a FOK market buy larger than the book fills nothing and expires', () => {
      const out = executeArrival(
        { side: 'buy', kind: 'market', quantity: '10', tif: 'FOK', postOnly: false },
        book,
        FEES,
      );
      expect(out).toEqual({ kind: 'executed', executions: [], filled: '0', remaining: '10', rests: false });
    });

    it('THEN a FOK limit buy the first two levels can cover fills all of it across them', () => {
      const out = executeArrival(
        { side: 'buy', kind: 'limit', price: '0.094462', quantity: '0.5', tif: 'FOK', postOnly: false },
        book,
        FEES,
      );
      if (out.kind !== 'executed') throw new Error('expected executions');
      expect(out.executions.map((e) => [e.price, e.quantity])).toEqual([
        ['0.094448', '0.2214'],
        ['0.094462', '0.2786'],
      ]);
      expect(statusAfter(out.filled, out.remaining, out.rests)).toBe('FILLED');
    });

    it('THEN a FOK limit buy that would need a level above its price fills nothing', () => {
      const out = executeArrival(
        { side: 'buy', kind: 'limit', price: '0.094462', quantity: '0.6', tif: 'FOK', postOnly: false },
        book,
        FEES,
      );
      expect(out).toMatchObject({ kind: 'executed', executions: [], filled: '0', rests: false });
    });
  });

  describe('WHEN a limit sell is marketable for part of its quantity on the quiet bar', () => {
    const book = bookFromCandle(eth[QUIET], ethInst);
    const order = { side: 'sell' as const, kind: 'limit' as const, price: '0.094405', quantity: '1', postOnly: false };

    it('THEN IOC takes the two bid levels at or above its price and expires the rest', () => {
      const out = executeArrival({ ...order, tif: 'IOC' }, book, FEES);
      if (out.kind !== 'executed') throw new Error('expected executions');
      expect(out.executions.map((e) => [e.price, e.quantity])).toEqual([
        ['0.094419', '0.2214'],
        ['0.094405', '0.3321'],
      ]);
      expect(out.remaining).toBe('0.4465');
      expect(statusAfter(out.filled, out.remaining, out.rests)).toBe('EXPIRED');
    });

    it('THEN GTC takes the same and rests the remainder (PARTIALLY_FILLED)', () => {
      const out = executeArrival({ ...order, tif: 'GTC' }, book, FEES);
      if (out.kind !== 'executed') throw new Error('expected executions');
      expect(out.filled).toBe('0.5535');
      expect(out.rests).toBe(true);
      expect(statusAfter(out.filled, out.remaining, out.rests)).toBe('PARTIALLY_FILLED');
    });
  });

  describe('WHEN a post-only limit order arrives', () => {
    const book = bookFromCandle(eth[QUIET], ethInst);

    it("THEN a buy at the ask is rejected with Binance's exact text", () => {
      const out = executeArrival(
        { side: 'buy', kind: 'limit', price: book.ask, quantity: '1', tif: 'GTC', postOnly: true },
        book,
        FEES,
      );
      expect(out).toEqual({ kind: 'rejected', message: 'Order would immediately match and take.' });
      expect(POST_ONLY_REJECT_MESSAGE).toBe('Order would immediately match and take.');
    });

    it('THEN a sell at the bid is rejected, and a buy at the bid rests whole', () => {
      expect(
        executeArrival(
          { side: 'sell', kind: 'limit', price: book.bid, quantity: '1', tif: 'GTC', postOnly: true },
          book,
          FEES,
        ).kind,
      ).toBe('rejected');
      expect(
        executeArrival(
          { side: 'buy', kind: 'limit', price: book.bid, quantity: '1', tif: 'GTC', postOnly: true },
          book,
          FEES,
        ),
      ).toEqual({
        kind: 'executed',
        executions: [],
        filled: '0',
        remaining: '1',
        rests: true,
      });
    });
  });

  describe('WHEN resting orders meet a newly closed bar (ETH bar 4479: low 0.0943257, high 0.09465281, volume 25.61649744)', () => {
    const bar = eth[4479];

    it('THEN 10 % of its volume (2.5616 ETH) is shared by all resting orders, better price first, then earlier order, at their own prices as maker', () => {
      expect(restingBudget(bar, '0.0001')).toBe('2.5616');
      const fills = matchRestingOnBar(
        [
          { ref: 'low-bid', side: 'buy', price: '0.09433', remaining: '1', seq: 1 },
          { ref: 'early', side: 'buy', price: '0.0944', remaining: '1', seq: 2 },
          { ref: 'late', side: 'buy', price: '0.0944', remaining: '1', seq: 3 },
          { ref: 'not-reached', side: 'buy', price: '0.0943', remaining: '1', seq: 4 },
        ],
        bar,
        '0.0001',
        FEES,
      );
      expect(fills.map((f) => [f.ref, f.execution.quantity, f.execution.price])).toEqual([
        ['early', '1', '0.0944'],
        ['late', '1', '0.0944'],
        ['low-bid', '0.5616', '0.09433'],
      ]);
      expect(fills.every((f) => f.execution.liquidity === 'maker')).toBe(true);
      expect(fills[2].execution.fee).toBe('0.000052975728'); // 0.001 × 0.5616 × 0.09433
    });

    it('THEN a resting sell fills when the high reaches it and not above', () => {
      const fills = matchRestingOnBar(
        [
          { ref: 'at-high', side: 'sell', price: '0.094652', remaining: '0.5', seq: 1 },
          { ref: 'above', side: 'sell', price: '0.094653', remaining: '0.5', seq: 2 },
        ],
        bar,
        '0.0001',
        FEES,
      );
      expect(fills.map((f) => f.ref)).toEqual(['at-high']);
    });
  });

  describe('WHEN a bar trades through a stop price (ETH bar 4480: low 0.09411501, high 0.09437593)', () => {
    const bar = eth[4480];

    it('THEN a sell stop triggers at or above the low, a buy stop at or below the high', () => {
      expect(stopTriggered('stop_market', 'sell', '0.0943', bar)).toBe(true);
      expect(stopTriggered('stop_market', 'sell', '0.0941', bar)).toBe(false);
      expect(stopTriggered('stop_limit', 'buy', '0.094375', bar)).toBe(true);
      expect(stopTriggered('stop_limit', 'buy', '0.094376', bar)).toBe(false);
    });

    it('THEN a take-profit sell triggers when the high reaches its stop price (Binance semantics), a take-profit buy on the low', () => {
      expect(stopTriggered('take_profit_limit', 'sell', '0.094375', bar)).toBe(true);
      expect(stopTriggered('take_profit_limit', 'sell', '0.0944', bar)).toBe(false);
      expect(stopTriggered('take_profit_limit', 'buy', '0.0942', bar)).toBe(true);
    });
  });

  describe('WHEN a book walk is limited by price', () => {
    it('THEN a buy never takes a level above its limit and a sell never one below', () => {
      const book = bookFromCandle(eth[QUIET], ethInst);
      expect(walkBook(book.asks, 'buy', '100', '0.094447').legs).toEqual([]);
      expect(walkBook(book.bids, 'sell', '100', '0.094391').legs.map((l) => l.price)).toEqual([
        '0.094419',
        '0.094405',
        '0.094391',
      ]);
    });
  });

  describe('WHEN orders are checked against the exchange filters', () => {
    const base: PlaceOrder = {
      clientOrderId: ClientOrderId.parse('f-1'),
      symbol: 'ETH/BTC',
      side: 'buy',
      type: 'limit',
      quantity: '1',
      price: '0.0944',
      tif: 'GTC',
      postOnly: false,
      reduceOnly: false,
      at: 0,
    };
    const check = (o: Partial<PlaceOrder>) => orderRuleViolation({ ...base, ...o }, ethInst, '0.0944');

    it('THEN a valid order passes and each filter failure is named', () => {
      expect(check({})).toBeUndefined();
      expect(check({ price: '0.09440001' })).toBe(
        'Filter failure: PRICE_FILTER (price 0.09440001 is not a multiple of the tick 0.000001)',
      );
      expect(check({ quantity: '1.00001' })).toBe(
        'Filter failure: LOT_SIZE (quantity 1.00001 is not a multiple of the step 0.0001)',
      );
      expect(check({ quantity: '0.001' })).toBe(
        'Filter failure: NOTIONAL (quantity × price = 0.0000944 BTC is below the minimum 0.0001)',
      );
    });

    it('THEN type, TIF and flag rules name the field', () => {
      expect(check({ type: 'market' })).toBe('price: not allowed on market orders');
      expect(check({ price: undefined })).toBe('price: required for limit orders');
      expect(check({ type: 'stop_limit' })).toBe('stopPrice: required for stop_limit orders');
      expect(check({ tif: 'GTD' })).toMatch(/^tif: GTD is not supported \(supported: GTC, IOC, FOK/);
      expect(check({ postOnly: true, tif: 'IOC' })).toBe('postOnly: only limit orders with tif GTC can be post-only');
      expect(check({ reduceOnly: true })).toMatch(/^reduceOnly: a buy cannot reduce/);
    });
  });

  describe('WHEN the data has a gap (ADA/BTC misses 33 bars after 2018-01-15 11:55 UTC)', () => {
    const m = buildMarket('ADA/BTC', 'ada', ada);
    const lastBeforeGap = ada.findIndex((c) => c.ts === 1516017300000);
    const inGap = 1516020000000;

    it('THEN the current bar inside the gap is the last bar before it, and its close time marks how stale it is', () => {
      expect(ada[lastBeforeGap + 1].ts - ada[lastBeforeGap].ts).toBe(34 * 300_000);
      expect(currentIndex(m, inGap)).toBe(lastBeforeGap);
      const snap = snapshotAt(m, inGap, undefined, 5);
      expect(snap.markTs).toBe(1516017600000);
      expect(snap.mark).toBe('0.00005966');
      expect(snap.bars.map((b) => b.ts)).toEqual(ada.slice(lastBeforeGap - 4, lastBeforeGap + 1).map((c) => c.ts));
    });

    it('THEN fees in the tiny-price market stay exact (0.001 × 12 345 ADA × 0.00005966 BTC)', () => {
      expect(feeFor('0.001', '12345', '0.00005966')).toBe('0.0007365027');
      expect(new Dec(feeFor('0.001', '12345', '0.00005966')).times(1000).div('12345').toString()).toBe('0.00005966');
    });
  });
});
