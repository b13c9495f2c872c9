/**
 * The run's side of the account supervisor, pure: what a report to the supervisor holds, whether one is
 * due, and what a delivered report settles. The workflow only sends the signal.
 */
import { cmp, mul, sub } from '../money';
import type { Portfolio } from '../portfolio/portfolio';
import type { RunReport } from '../risk/account';
import { accountClosesToSend, type RunRiskState } from './risk';
import type { AccountLink } from './state';

/** Held positions: quantity and notional at the run's marks, by symbol. */
function held(p: Portfolio): { quantities: Record<string, string>; notionals: Record<string, string> } {
  const positions = Object.values(p.positions).filter((x) => cmp(x.quantity, 0) > 0);
  return {
    quantities: Object.fromEntries(positions.map((x) => [x.symbol, x.quantity])),
    notionals: Object.fromEntries(positions.map((x) => [x.symbol, mul(x.quantity, p.marks[x.symbol] ?? '0')])),
  };
}

export interface PendingReport {
  report: RunReport;
  /** Position quantities in the report (remembered once it is delivered). */
  quantities: Record<string, string>;
}

/**
 * The report to send now, or undefined when nothing moved: positions, finished approvals, the account's
 * close series, or equity by the account's step (`stepped`: since account-report-step-v1; before it, any
 * equity change and any held position made a report).
 */
export function dueReport(args: {
  link: AccountLink;
  risk?: RunRiskState;
  portfolio: Portfolio;
  workflowId: string;
  strategy: string;
  ended: boolean;
  stepped: boolean;
}): PendingReport | undefined {
  const { link: a, portfolio: p, stepped } = args;
  const { quantities, notionals } = held(p);
  const closes = a.correlation && args.risk ? accountClosesToSend(args.risk, a.closesSent ?? {}) : undefined;
  const last = a.lastReportedEquity;
  const equityMoved =
    last === undefined ||
    (stepped
      ? a.reportStepPct !== undefined &&
        cmp(last, 0) > 0 &&
        (Math.abs(Number(sub(p.equity, last))) / Number(last)) * 100 >= a.reportStepPct
      : last !== p.equity);
  const positionsChanged = stepped
    ? JSON.stringify(quantities) !== JSON.stringify(a.reportedPositions ?? {})
    : Object.keys(quantities).length > 0;
  if (!args.ended && !closes && a.released.length === 0 && !positionsChanged && !equityMoved) return undefined;
  return {
    report: {
      workflowId: args.workflowId,
      strategy: args.strategy,
      equity: p.equity,
      positions: notionals,
      released: a.released.slice(0, 1000),
      ended: args.ended,
      ...(closes ? { closes } : {}),
    },
    quantities,
  };
}

/** The supervisor has the report: its approvals are released, and what it said is what was last reported. */
export function reportDelivered(a: AccountLink, sent: PendingReport): void {
  a.released.splice(0, sent.report.released.length);
  a.lastReportedEquity = sent.report.equity;
  a.reportedPositions = sent.quantities;
  for (const [sym, series] of Object.entries(sent.report.closes ?? {}))
    a.closesSent = { ...a.closesSent, [sym]: series[series.length - 1].ts };
}
