/**
 * Higher timeframes from the run's bars. A bucket starts at a multiple of the timeframe (UTC) and is returned
 * only once closed: the base bars reach its end. A first bucket that began before the window is dropped (its
 * open and range would be partial). So a strategy never sees a bar that has not finished: no look-ahead.
 */
import type { Bar } from './types';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** '15m', '1h', '4h', '1d', '1w' → milliseconds. */
export function parseTimeframe(timeframe: string): number {
  const m = /^([1-9]\d*)(m|h|d|w)$/.exec(timeframe);
  if (!m) throw new Error(`timeframe "${timeframe}" must be like 15m, 1h, 4h, 1d or 1w`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export function resample(bars: readonly Bar[], baseMs: number, timeframeMs: number): Bar[] {
  if (timeframeMs === baseMs) return bars.slice();
  if (timeframeMs < baseMs || timeframeMs % baseMs !== 0) {
    throw new Error(`a ${timeframeMs} ms timeframe is not a multiple of the run's ${baseMs} ms bars`);
  }
  const out: Bar[] = [];
  let cur: Bar | undefined;
  let truncated = false;
  for (const b of bars) {
    const start = Math.floor(b.ts / timeframeMs) * timeframeMs;
    if (cur && cur.ts === start) {
      cur.high = Math.max(cur.high, b.high);
      cur.low = Math.min(cur.low, b.low);
      cur.close = b.close;
      cur.volume += b.volume;
      continue;
    }
    if (cur && !truncated) out.push(cur);
    truncated = cur === undefined && b.ts > start;
    cur = { ts: start, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
  }
  const last = bars[bars.length - 1];
  if (cur && !truncated && last.ts + baseMs >= cur.ts + timeframeMs) out.push(cur);
  return out;
}
