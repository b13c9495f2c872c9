/**
 * What the paper venue persists, and the file I/O around it. The state file holds every account's
 * balances and orders (with their fills), the per-symbol clocks, counters, and each market's recorded
 * source with its instrument and a fingerprint of the data. Candles of replay markets are not
 * persisted: a restarted venue reloads them from the recorded sources and refuses to start if the data
 * changed. A live market (fed bar by bar from an exchange, brokers/paper-live/) cannot be re-read, so
 * its last closed bars are persisted with it.
 *
 * Versions: 3 added live markets, 4 each account's deposit ids (a deposit is applied once per id). A version-2
 * or 3 file loads with no deposits recorded and is written back as version 4 at the next change.
 *
 * Writes are atomic (write a temp file in the same directory, fsync, rename over the target), so a
 * venue killed mid-write leaves either the previous state or the new one, never a torn file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { z } from 'zod';
import { TempotradeError, formatZodIssues } from '../../domain/errors';
import { Candle } from '../../domain/market/candles';
import { Instrument, MarketSymbol } from '../../domain/market/instrument';
import { NonNegativeAmount } from '../../domain/money';
import { Order } from '../../domain/orders/order';

export const STATE_VERSION = 4;

/** Account keys: what the `x-tempotrade-account` header carries. */
export const AccountKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'account: letters, digits and . _ : - only (1–64)');
export const Asset = z.string().regex(/^[A-Z0-9]{1,20}$/, 'asset: 1–20 upper-case letters or digits, e.g. BTC');
/** A deposit's idempotency key: the same id never credits an account twice. */
export const DepositId = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9._:@/-]+$/, 'depositId: letters, digits and . _ : @ / - only (1–300)');

const Count = z.number().int().nonnegative();
const Ms = z.number().int().nonnegative();

export const HoldingState = z.object({ free: NonNegativeAmount, used: NonNegativeAmount }).strict();

export const VenueOrderState = z
  .object({
    /** Arrival sequence across the venue (time priority); the order's venueOrderId is `P<seq>`. */
    seq: z.number().int().positive(),
    /** Stops: false until a bar trades through the stop price. Other orders: true. */
    triggered: z.boolean(),
    /** What this order still holds in `used` (released as it fills, on cancel, and when terminal). */
    lock: z.object({ asset: Asset, amount: NonNegativeAmount }).strict(),
    order: Order,
  })
  .strict();
export type VenueOrderState = z.output<typeof VenueOrderState>;

export const MarketState = z
  .object({
    symbol: MarketSymbol,
    source: z.string().min(1),
    instrument: Instrument,
    fingerprint: z.object({ bars: Count, firstTs: Ms, lastTs: Ms, barMs: z.number().int().positive() }).strict(),
  })
  .strict();
export type MarketState = z.output<typeof MarketState>;

/** A market fed live (paper fills on live data): instrument, timeframe and the last closed bars fed, oldest first. */
export const LiveMarketState = z
  .object({
    kind: z.literal('live'),
    symbol: MarketSymbol,
    source: z.string().min(1),
    instrument: Instrument,
    barMs: z.number().int().positive(),
    bars: z.array(Candle).min(1),
  })
  .strict();
export type LiveMarketState = z.output<typeof LiveMarketState>;

export const PaperVenueState = z
  .object({
    /** 2 (before live markets) and 3 (before deposits) are read and migrated: older shapes of the same state. */
    version: z
      .union([z.literal(2), z.literal(3), z.literal(STATE_VERSION)])
      .transform((): typeof STATE_VERSION => STATE_VERSION),
    nextOrderNo: z.number().int().positive(),
    nextFillNo: z.number().int().positive(),
    stats: z.object({ ordersAccepted: Count, duplicateClientOrderIdRejected: Count, fills: Count }).strict(),
    markets: z.array(z.union([MarketState, LiveMarketState])),
    /** account key → symbol → market time: every account replays on its own clock. */
    clocks: z.record(AccountKey, z.record(MarketSymbol, Ms)),
    accounts: z.array(
      z
        .object({
          key: AccountKey,
          balances: z.record(Asset, HoldingState),
          orders: z.array(VenueOrderState),
          /** Ids of the deposits applied (absent before version 4). */
          deposits: z.array(DepositId).default([]),
        })
        .strict(),
    ),
  })
  .strict();
export type PaperVenueState = z.output<typeof PaperVenueState>;

export function parseState(value: unknown, source: string): PaperVenueState {
  const r = PaperVenueState.safeParse(value);
  if (!r.success)
    throw new TempotradeError('CONFIG', `paper venue state ${source} is invalid: ${formatZodIssues(r.error)}`);
  return r.data;
}

/** Write `text` to `file` atomically: temp file in the same directory, fsync, rename. */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The state in `file`, or undefined when there is no such file. */
export function readStateFile(file: string): PaperVenueState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TempotradeError('CONFIG', `cannot read paper venue state file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TempotradeError('CONFIG', `paper venue state file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseState(json, file);
}

/** A dataset file's text; `.gz` files are gunzipped. */
export function readDatasetText(file: string): string {
  const buf = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8');
}
