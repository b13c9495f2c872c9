/**
 * Statistics over market data for the risk engine: log returns, Pearson correlation, realized
 * volatility. Pure, deterministic float math (these are measurements, not money); results are
 * reported as fixed-precision decimal strings.
 */

/** A bar as far as risk statistics need it (domain/market Candle fits). */
export interface ClosePoint {
  ts: number;
  close: number;
}

/** ln(c[i] / c[i-1]) for consecutive closes (non-positive closes are skipped). */
export function logReturns(closes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < closes.length; i++) {
    if (closes[i] > 0 && closes[i - 1] > 0) out.push(Math.log(closes[i] / closes[i - 1]));
  }
  return out;
}

/** Pearson correlation of two equally long series; undefined when either has no variance or n < 2. */
export function pearson(a: readonly number[], b: readonly number[]): number | undefined {
  const n = Math.min(a.length, b.length);
  if (n < 2) return undefined;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  if (va === 0 || vb === 0) return undefined;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb)));
}

/**
 * Log returns of two bar series aligned on their shared timestamps (a return is taken only between
 * two consecutive shared timestamps), keeping the last `window` returns.
 */
export function alignedReturns(
  a: readonly ClosePoint[],
  b: readonly ClosePoint[],
  window: number,
): { a: number[]; b: number[] } {
  const bByTs = new Map<number, number>();
  for (const p of b) bByTs.set(p.ts, p.close);
  const shared: Array<[number, number]> = [];
  for (const p of a) {
    const other = bByTs.get(p.ts);
    if (other !== undefined) shared.push([p.close, other]);
  }
  const tail = shared.slice(-(window + 1));
  return { a: logReturns(tail.map((s) => s[0])), b: logReturns(tail.map((s) => s[1])) };
}

/**
 * Resample bars to a coarser grid: the last close of each `everyMs` bucket (UTC-aligned), stamped with
 * the bucket's start. Used to correlate hourly returns from 5 m bars.
 */
export function resampleCloses(bars: readonly ClosePoint[], everyMs: number): ClosePoint[] {
  const out: ClosePoint[] = [];
  for (const b of bars) {
    const ts = Math.floor(b.ts / everyMs) * everyMs;
    if (out.length > 0 && out[out.length - 1].ts === ts) out[out.length - 1] = { ts, close: b.close };
    else out.push({ ts, close: b.close });
  }
  return out;
}

export interface Correlation {
  rho: number | undefined;
  observations: number;
}

/** Rolling Pearson correlation of log returns over the last `window` shared bars. */
export function returnCorrelation(a: readonly ClosePoint[], b: readonly ClosePoint[], window: number): Correlation {
  const r = alignedReturns(a, b, window);
  return { rho: pearson(r.a, r.b), observations: r.a.length };
}

/** Sample standard deviation of the last `window` log returns, in % per bar (undefined if < 2 returns). */
export function realizedVolPct(closes: readonly number[], window: number): number | undefined {
  const r = logReturns(closes.slice(-(window + 1)));
  if (r.length < 2) return undefined;
  const m = r.reduce((s, x) => s + x, 0) / r.length;
  const v = r.reduce((s, x) => s + (x - m) * (x - m), 0) / (r.length - 1);
  return Math.sqrt(v) * 100;
}

/** Fixed-precision decimal string of a measured statistic. */
export function fmt(x: number, dp = 6): string {
  const s = x.toFixed(dp);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
