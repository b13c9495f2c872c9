/**
 * The account supervisor's own checks, as data: one entry per account limit, run in order by
 * runAccountChecks for `approve()` (domain/risk/account.ts). A gate denies or passes; a cap states what it
 * allows and what is already committed against it, and the cap with the least headroom resizes or denies
 * the order. The first denial wins. `limits.risk` (the run engine's CHECKS on the account's facts) runs after.
 */
import { Dec, cmp, mul, min as dmin, str, sub } from '../money';
import type { TradingState } from '../run/trading-state';
import type { AccountLimits, ApprovalRequest } from './account';
import type { ReasonCode } from '../vocabulary';

/** What the account's checks see of one approval request. */
export interface AccountFacts {
  accountId: string;
  tradingState: TradingState;
  stateReason: string;
  limits: AccountLimits;
  req: ApprovalRequest;
  /** Approvals whose orders have not finished, all runs. */
  pendingOrders: number;
  /** The account's equity: the sum of its runs'. */
  equity: string;
  /** Positions of all runs plus pending reservations. */
  committed: { total: string; bySymbol: Record<string, string> };
}

export type AccountStep =
  | { outcome: 'PASS' }
  | { outcome: 'DENY'; message: string; numbers: Record<string, string> }
  | { outcome: 'CAP'; cap: string; committed: string };

export interface AccountCheck {
  code: ReasonCode;
  /** 'opening': only orders that open or add to a position (reducing orders pass and reserve nothing). */
  appliesTo: 'all' | 'opening';
  check(f: AccountFacts): AccountStep;
}

const PASS: AccountStep = { outcome: 'PASS' };

export const ACCOUNT_CHECKS: readonly AccountCheck[] = [
  {
    code: 'ACCOUNT_HALTED',
    appliesTo: 'all',
    check: (f) => {
      if (f.tradingState !== 'HALTED') return PASS;
      const message = `account ${f.accountId} is HALTED: ${f.stateReason}`;
      return { outcome: 'DENY', message, numbers: { tradingState: 'HALTED' } };
    },
  },
  {
    code: 'ACCOUNT_REDUCING',
    appliesTo: 'opening',
    check: (f) => {
      if (f.tradingState !== 'REDUCING') return PASS;
      const message = `account ${f.accountId} is REDUCING: only orders that reduce a position (${f.stateReason})`;
      return { outcome: 'DENY', message, numbers: { tradingState: 'REDUCING' } };
    },
  },
  {
    code: 'KILL_SWITCH_ENGAGED',
    appliesTo: 'opening',
    check: (f) =>
      f.limits.killSwitch
        ? { outcome: 'DENY', message: `the account's kill switch is engaged`, numbers: { killSwitch: 'true' } }
        : PASS,
  },
  {
    code: 'ACCOUNT_MAX_OPEN_ORDERS',
    appliesTo: 'opening',
    check: ({ limits: { maxOpenOrders: limit }, pendingOrders: pending }) => {
      if (limit === undefined || pending < limit) return PASS;
      const message = `${pending} orders of the account are pending; the limit is ${limit}`;
      return { outcome: 'DENY', message, numbers: { pendingOrders: String(pending), limit: String(limit) } };
    },
  },
  {
    code: 'ACCOUNT_EXPOSURE_LIMIT',
    appliesTo: 'opening',
    check: ({ limits, equity, committed }) => {
      const pctCap = mul(equity, str(new Dec(limits.maxGrossExposurePct).div(100)));
      const cap = limits.maxGrossExposure ? dmin(pctCap, limits.maxGrossExposure) : pctCap;
      return { outcome: 'CAP', cap, committed: committed.total };
    },
  },
  {
    code: 'ACCOUNT_SYMBOL_EXPOSURE_LIMIT',
    appliesTo: 'opening',
    check: ({ limits, committed, req }) =>
      limits.maxSymbolExposure
        ? { outcome: 'CAP', cap: limits.maxSymbolExposure, committed: committed.bySymbol[req.symbol] ?? '0' }
        : PASS,
  },
];

/** The cap with the least headroom: it decides an opening order's size. */
export interface BindingCap {
  code: ReasonCode;
  cap: string;
  committed: string;
  headroom: string;
}

export type AccountChecksResult =
  | { outcome: 'DENY'; code: ReasonCode; message: string; numbers: Record<string, string> }
  | { outcome: 'PASS'; binding?: BindingCap };

/** Run ACCOUNT_CHECKS in order: the first denial wins; otherwise the binding cap (the first on a tie). */
export function runAccountChecks(f: AccountFacts): AccountChecksResult {
  let binding: BindingCap | undefined;
  for (const c of ACCOUNT_CHECKS) {
    if (c.appliesTo === 'opening' && f.req.reducing) continue;
    const step = c.check(f);
    if (step.outcome === 'DENY') return { outcome: 'DENY', code: c.code, message: step.message, numbers: step.numbers };
    if (step.outcome !== 'CAP') continue;
    const headroom = sub(step.cap, step.committed);
    if (binding && cmp(headroom, binding.headroom) >= 0) continue;
    binding = { code: c.code, cap: step.cap, committed: step.committed, headroom };
  }
  return { outcome: 'PASS', ...(binding ? { binding } : {}) };
}
