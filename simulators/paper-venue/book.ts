/**
 * The paper venue's liquidity model: a synthetic order book derived from one closed OHLCV candle.
 * Pure (no I/O, no clock); every number is a decimal string computed with domain/money.
 *
 *   mid        = close
 *   spreadBps  = clamp(0.1 × (high − low) / close × 10 000, 1, 50)
 *                (a tenth of the bar's range, at least 1 bp, at most 50 bps)
 *   levels     = 10 per side, i = 0 … 9
 *   offset_i   = spreadBps / 2 + i × max(spreadBps / 2, 1)                       (in bps of mid)
 *   bid_i      = mid × (1 − offset_i / 10 000), rounded DOWN to the instrument's price tick
 *   ask_i      = mid × (1 + offset_i / 10 000), rounded UP to the instrument's price tick
 *   size_i     = max(volume × 0.02, minAmount) × (1 + 0.5 i), floored to the amount step (base units)
 *
 * So the touch is half the spread away from the close on each side, deeper levels step out by at least
 * 1 bp each, and one side holds 32.5 × 2 % = 65 % of the bar's volume in total. With a coarse price
 * tick (an explicit instrument override) several levels can round to the same price: they are merged
 * into one level holding their summed size, so prices stay strictly monotonic. Bid levels that would
 * round to zero or below are dropped.
 */
import type { Candle } from '../../domain/market/candles';
import type { Instrument } from '../../domain/market/instrument';
import { Dec, str } from '../../domain/money';
import type { DecLike } from '../../domain/money';

/** [price, size in base], decimal strings, best first. */
export type Level = [price: string, size: string];

export interface SyntheticBook {
  bids: Level[];
  asks: Level[];
  bid: string;
  ask: string;
  mid: string;
  spreadBps: string;
}

export const BOOK_MODEL = {
  levels: 10,
  spreadRangeShare: '0.1',
  minSpreadBps: '1',
  maxSpreadBps: '50',
  minLevelStepBps: '1',
  levelVolumeShare: '0.02',
  levelGrowth: '0.5',
} as const;

/** A candle's number as the decimal its shortest representation spells (never the binary expansion). */
export function decOf(n: number): Dec {
  return new Dec(String(n));
}

export function floorTo(value: DecLike, step: DecLike): Dec {
  return new Dec(value).div(step).floor().times(step);
}

export function ceilTo(value: DecLike, step: DecLike): Dec {
  return new Dec(value).div(step).ceil().times(step);
}

export function spreadBpsOf(candle: Candle): Dec {
  const close = decOf(candle.close);
  const raw = decOf(candle.high).minus(decOf(candle.low)).div(close).times(10_000).times(BOOK_MODEL.spreadRangeShare);
  return Dec.min(Dec.max(raw, BOOK_MODEL.minSpreadBps), BOOK_MODEL.maxSpreadBps);
}

/** Merge levels that rounded to the same price (they arrive best first, so equal prices are adjacent). */
function merged(levels: Array<[Dec, Dec]>): Level[] {
  const out: Array<[Dec, Dec]> = [];
  for (const [p, s] of levels) {
    const last = out[out.length - 1];
    if (last && last[0].eq(p)) last[1] = last[1].plus(s);
    else out.push([p, s]);
  }
  return out.map(([p, s]) => [str(p), str(s)]);
}

export function bookFromCandle(candle: Candle, instrument: Instrument): SyntheticBook {
  const mid = decOf(candle.close);
  const spreadBps = spreadBpsOf(candle);
  const half = spreadBps.div(2);
  const stepBps = Dec.max(half, BOOK_MODEL.minLevelStepBps);
  const tick = instrument.precision.price;
  const amountStep = instrument.precision.amount;
  const baseSize = Dec.max(decOf(candle.volume).times(BOOK_MODEL.levelVolumeShare), instrument.limits.amount.min);
  const bids: Array<[Dec, Dec]> = [];
  const asks: Array<[Dec, Dec]> = [];
  for (let i = 0; i < BOOK_MODEL.levels; i++) {
    const offset = half.plus(stepBps.times(i)).div(10_000);
    const size = floorTo(baseSize.times(new Dec(BOOK_MODEL.levelGrowth).times(i).plus(1)), amountStep);
    const bid = floorTo(mid.times(new Dec(1).minus(offset)), tick);
    if (bid.gt(0)) bids.push([bid, size]);
    asks.push([ceilTo(mid.times(new Dec(1).plus(offset)), tick), size]);
  }
  const b = merged(bids);
  const a = merged(asks);
  if (b.length === 0)
    throw new Error(`price tick ${tick} is too coarse for ${instrument.symbol} at ${str(mid)}: no bid level above 0`);
  return { bids: b, asks: a, bid: b[0][0], ask: a[0][0], mid: str(mid), spreadBps: str(spreadBps) };
}

/** Is `price` a whole multiple of `step`? */
export function isMultipleOf(price: DecLike, step: DecLike): boolean {
  return new Dec(price).mod(step).isZero();
}

/**
 * A venue's real order book (paper fills on live data) in the SyntheticBook shape, so the same walks
 * fill against it: levels best first, mid = (bid + ask) / 2, spreadBps = (ask − bid) / mid × 10 000.
 * Levels with a size of zero are dropped; either side empty, or a crossed book, is refused.
 */
export function bookFromLevels(bids: readonly Level[], asks: readonly Level[], symbol: string): SyntheticBook {
  const keep = (ls: readonly Level[]): Level[] =>
    ls.filter(([p, s]) => new Dec(p).gt(0) && new Dec(s).gt(0)).map(([p, s]) => [str(p), str(s)]);
  const b = keep(bids);
  const a = keep(asks);
  if (b.length === 0 || a.length === 0)
    throw new Error(`${symbol}: the venue's order book has an empty side (${b.length} bids, ${a.length} asks)`);
  const bid = new Dec(b[0][0]);
  const ask = new Dec(a[0][0]);
  if (bid.gte(ask)) throw new Error(`${symbol}: the venue's order book is crossed (bid ${b[0][0]} ≥ ask ${a[0][0]})`);
  const mid = bid.plus(ask).div(2);
  return {
    bids: b,
    asks: a,
    bid: b[0][0],
    ask: a[0][0],
    mid: str(mid),
    spreadBps: str(ask.minus(bid).div(mid).times(10_000)),
  };
}
