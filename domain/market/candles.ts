/** OHLCV market data: zod-validated, gap-tolerant. */
import { z } from 'zod';

export const Candle = z
  .object({
    ts: z.number().int().nonnegative(),
    open: z.number().positive(),
    high: z.number().positive(),
    low: z.number().positive(),
    close: z.number().positive(),
    volume: z.number().nonnegative(),
  })
  .strict()
  .refine((c) => c.high >= Math.max(c.open, c.close, c.low) && c.low <= Math.min(c.open, c.close), {
    message: 'high/low must bound open and close',
  });
export type Candle = z.infer<typeof Candle>;

export const CSV_HEADER = 'timestamp,open,high,low,close,volume';

/**
 * Parse `timestamp,open,high,low,close,volume` CSV (timestamp in epoch ms). Rows must be strictly
 * increasing in time; gaps are allowed (real data has them). Errors name the line and the column.
 */
export function parseOhlcvCsv(text: string, source = 'csv'): Candle[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${source}: empty file`);
  const header = lines[0].trim().toLowerCase().replace(/\s/g, '');
  if (header !== CSV_HEADER)
    throw new Error(`${source}: line 1: header must be "${CSV_HEADER}", got "${lines[0].trim()}"`);
  const cols = CSV_HEADER.split(',');
  const out: Candle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const parts = lines[i].split(',');
    if (parts.length !== 6) throw new Error(`${source}: line ${i + 1}: expected 6 columns, got ${parts.length}`);
    const nums = parts.map(Number);
    const bad = nums.findIndex((n) => !Number.isFinite(n));
    if (bad >= 0) throw new Error(`${source}: line ${i + 1}: ${cols[bad]} is not a number ("${parts[bad]}")`);
    const parsed = Candle.safeParse({
      ts: nums[0],
      open: nums[1],
      high: nums[2],
      low: nums[3],
      close: nums[4],
      volume: nums[5],
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${source}: line ${i + 1}: ${issue.path.join('.') || 'row'} ${issue.message}`);
    }
    const prev = out[out.length - 1];
    if (prev && parsed.data.ts <= prev.ts)
      throw new Error(
        `${source}: line ${i + 1}: timestamp ${parsed.data.ts} ${parsed.data.ts === prev.ts ? 'duplicates' : 'is not after'} the previous row's ${prev.ts} (rows must be sorted, one per time)`,
      );
    out.push(parsed.data);
  }
  return out;
}

/** The most common spacing between bars: the timeframe, robust to gaps. */
export function inferBarMs(candles: readonly Candle[]): number {
  if (candles.length < 2) throw new Error('need at least 2 candles to infer the timeframe');
  const counts = new Map<number, number>();
  for (let i = 1; i < Math.min(candles.length, 500); i++) {
    const d = candles[i].ts - candles[i - 1].ts;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
}
