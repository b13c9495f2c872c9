/**
 * Distinct id types. A ClientOrderId is derived deterministically from the workflow id and the
 * order's sequence number, so a retried or replayed submission always carries the same id.
 */
import { z } from 'zod';

/** A strategy's or an account's name: 1–64 of [A-Za-z0-9._:-]. */
const Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const StrategyId = Name.brand<'StrategyId'>();
export type StrategyId = z.infer<typeof StrategyId>;
export const AccountId = Name.brand<'AccountId'>();
export type AccountId = z.infer<typeof AccountId>;
export const RunId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only')
  .brand<'RunId'>();
export type RunId = z.infer<typeof RunId>;
/** Binance's rule, the strictest common one: 1–36 of [.A-Za-z:/0-9_-]. */
export const ClientOrderId = z
  .string()
  .regex(/^[.A-Za-z:/0-9_-]{1,36}$/)
  .brand<'ClientOrderId'>();
export type ClientOrderId = z.infer<typeof ClientOrderId>;
export const VenueOrderId = z.string().min(1).brand<'VenueOrderId'>();
export type VenueOrderId = z.infer<typeof VenueOrderId>;

/** FNV-1a 64-bit over UTF-16 code units, as base36. Pure and deterministic (safe in workflows). */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(36);
}

/** `tt<hash(workflowId)>-<seq>`: ≤ 36 characters for any workflow id and any seq below 36^20. */
export function deriveClientOrderId(workflowId: string, seq: number): ClientOrderId {
  if (!Number.isInteger(seq) || seq < 1) throw new Error(`order sequence must be a positive integer, got ${seq}`);
  return ClientOrderId.parse(`${clientOrderIdPrefix(workflowId)}${seq.toString(36)}`);
}

/** The prefix every clientOrderId of one workflow chain shares: `tt<hash(workflowId)>-`. */
export function clientOrderIdPrefix(workflowId: string): string {
  return `tt${fnv1a64(workflowId)}-`;
}

/** Does this clientOrderId have the shape tempotrade derives (some run's order, maybe not ours)? */
export function isTempotradeClientOrderId(cid: string): boolean {
  return /^tt[0-9a-z]{1,13}-[0-9a-z]{1,20}$/.test(cid);
}
