/** A duration as milliseconds or text (250ms, 2s, 5m, 1h), parsed to milliseconds. */
import { z } from 'zod';

export const Duration = z
  .union([z.number().int().min(0), z.string().regex(/^\d+(ms|s|m|h)$/, 'must be like 250ms, 2s, 5m or 1h')])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const m = /^(\d+)(ms|s|m|h)$/.exec(v)!;
    return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  });
