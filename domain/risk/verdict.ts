/** A risk decision: APPROVED, RESIZED (with the new size) or DENIED, always with a code and its numbers. */
import { z } from 'zod';
import { NonNegativeAmount } from '../money';
import { OrderIntent } from '../orders/order';

export const RiskDecision = z.enum(['APPROVED', 'RESIZED', 'DENIED']);
export type RiskDecision = z.infer<typeof RiskDecision>;

/** UPPER_SNAKE reason code. */
export const ReasonCode = z.string().regex(/^[A-Z][A-Z0-9_]*$/);

export const CheckResult = z
  .object({
    check: z.string(),
    outcome: z.enum(['PASS', 'RESIZE', 'DENY']),
    code: ReasonCode,
    /** The numbers that decided, as decimal strings, named. */
    numbers: z.record(z.string(), z.string()),
  })
  .strict();
export type CheckResult = z.infer<typeof CheckResult>;

export const RiskVerdict = z
  .object({
    decision: RiskDecision,
    code: ReasonCode,
    message: z.string(),
    intent: OrderIntent,
    /** Quantity approved ('0' when denied). */
    quantity: NonNegativeAmount,
    numbers: z.record(z.string(), z.string()),
    checks: z.array(CheckResult),
  })
  .strict();
export type RiskVerdict = z.infer<typeof RiskVerdict>;
