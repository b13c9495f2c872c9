/**
 * Decimal-safe money math. Every amount that is accounted (cash, quantities, prices, fees, PnL)
 * is a decimal string on the wire and a Decimal in computation; never a binary float.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';

/** A Decimal constructor with enough precision that sums of venue amounts are exact. */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;
export type DecLike = Decimal.Value;

export function dec(v: DecLike): Dec {
  return new Dec(v);
}

/** Canonical decimal string: no exponent, no trailing zeros ("0.00100" → "0.001"). */
export function str(v: DecLike): string {
  const d = new Dec(v);
  return d.isZero() ? '0' : d.toFixed();
}

export const ZERO = '0';

function isDecimalText(v: string): boolean {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) return false;
  return new Dec(v).isFinite();
}

/** A finite decimal amount. Accepts numbers and strings, stores the canonical string. */
export const Amount = z
  .union([z.string(), z.number()])
  .refine((v) => (typeof v === 'number' ? Number.isFinite(v) : isDecimalText(v)), {
    message: 'must be a finite decimal number',
  })
  .transform((v) => str(typeof v === 'number' ? String(v) : v.trim()));

export const PositiveAmount = Amount.refine((v) => new Dec(v).gt(0), { message: 'must be greater than 0' });
export const NonNegativeAmount = Amount.refine((v) => new Dec(v).gte(0), { message: 'must be 0 or more' });

export function add(...xs: DecLike[]): string {
  return str(xs.reduce<Dec>((acc, x) => acc.plus(x), new Dec(0)));
}
export function sub(a: DecLike, b: DecLike): string {
  return str(new Dec(a).minus(b));
}
export function mul(a: DecLike, b: DecLike): string {
  return str(new Dec(a).times(b));
}
export function div(a: DecLike, b: DecLike): string {
  return str(new Dec(a).div(b));
}
export function min(a: DecLike, b: DecLike): string {
  return str(Dec.min(a, b));
}
export function max(a: DecLike, b: DecLike): string {
  return str(Dec.max(a, b));
}
export function cmp(a: DecLike, b: DecLike): -1 | 0 | 1 {
  return new Dec(a).cmp(b) as -1 | 0 | 1;
}
export function isZero(a: DecLike): boolean {
  return new Dec(a).isZero();
}
export function isPositive(a: DecLike): boolean {
  return new Dec(a).gt(0);
}
/** Basis points of `part` relative to `whole` (as a decimal string). */
export function bps(part: DecLike, whole: DecLike): string {
  return str(new Dec(part).div(whole).times(10_000));
}
/** A decimal string rounded for display only (never for accounting). */
export function display(v: DecLike, dp = 8): string {
  return new Dec(v).toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN).toFixed();
}
