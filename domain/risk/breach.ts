/**
 * The daily loss limit, measured once for both places that enforce it: a run's guard (its own portfolio)
 * and the account supervisor (the sum of its runs). Each caller names the breach in its own words.
 */
import { Dec, cmp, max, str, sub } from '../money';

export interface DailyLossInput {
  equity: string;
  dayStartEquity: string;
  /** Loss (quote) that breaches; off when absent. */
  limit?: string;
  /** Loss as % of the day-start equity that breaches; off when absent. */
  limitPct?: number;
  /** Decimal places of the loss %, when it is rounded. */
  pctDecimals?: number;
}

export type DailyLossReached =
  { by: 'amount'; loss: string; limit: string } | { by: 'pct'; loss: string; pct: string; limitPct: number };

/** The loss since the day start (0 on a gain). */
export function dailyLoss(equity: string, dayStartEquity: string): string {
  return max(sub(dayStartEquity, equity), '0');
}

/** Which daily loss limit the loss reached, the amount before the %; undefined when neither. */
export function dailyLossReached(i: DailyLossInput): DailyLossReached | undefined {
  const loss = dailyLoss(i.equity, i.dayStartEquity);
  if (i.limit && cmp(loss, i.limit) >= 0) return { by: 'amount', loss, limit: i.limit };
  if (i.limitPct === undefined || cmp(i.dayStartEquity, 0) <= 0) return undefined;
  const ratio = new Dec(loss).div(i.dayStartEquity).times(100);
  const pct = str(i.pctDecimals === undefined ? ratio : ratio.toDecimalPlaces(i.pctDecimals));
  return cmp(pct, i.limitPct) >= 0 ? { by: 'pct', loss, pct, limitPct: i.limitPct } : undefined;
}
