/** What the account supervisor shows: the status query's answer and the details line in the Temporal UI. */
import { setCurrentDetails } from '@temporalio/workflow';
import { add, max, sub } from '../../domain/money';
import * as books from '../../domain/risk/account';
import type { AccountState } from '../../domain/risk/account';
import type { AccountStatus, FanOutRecord } from '../account-definitions';

export function accountStatus(
  accountId: string,
  st: AccountState,
  fanOuts: FanOutRecord[],
  continuedAsNew: number,
): AccountStatus {
  const equity = books.accountEquity(st);
  const dayStart = books.accountDayStartEquity(st);
  const reservedBy: Record<string, string> = {};
  for (const r of Object.values(st.reservations)) {
    reservedBy[r.workflowId] = add(reservedBy[r.workflowId] ?? '0', r.notional);
  }
  const runs = Object.entries(st.runs).map(([workflowId, r]) => ({
    workflowId,
    strategy: r.strategy,
    equity: r.equity,
    dayStartEquity: r.dayStartEquity,
    positions: r.positions,
    reserved: reservedBy[workflowId] ?? '0',
  }));
  return {
    accountId,
    tradingState: st.tradingState,
    stateReason: st.stateReason,
    ...(st.haltPolicy ? { haltPolicy: st.haltPolicy } : {}),
    limits: st.limits,
    equity,
    highWaterMark: st.highWaterMark,
    drawdownPct: books.accountDrawdownPct(st, equity),
    dayStartEquity: dayStart,
    dailyPnl: sub(equity, dayStart),
    exposure: books.committedExposure(st),
    peakCommitted: st.peakCommitted,
    runs,
    reservations: Object.keys(st.reservations).length,
    counters: st.counters,
    stateChanges: st.stateChanges,
    dayStartedAt: st.day.startedAt,
    fanOuts,
    continuedAsNew,
  };
}

/** The account at a glance in the Temporal UI. */
export function showAccountDetails(st: AccountState, s: AccountStatus): void {
  const policy = st.haltPolicy ? ` (${st.haltPolicy})` : '';
  const equity = `Equity ${s.equity} (day start ${s.dayStartEquity}, high-water mark ${s.highWaterMark}`;
  const exposure = `Committed exposure ${s.exposure.total} (peak ${s.peakCommitted})`;
  const { approved, resized, denied } = st.counters;
  setCurrentDetails(
    [
      `**Account ${s.accountId}: ${st.tradingState}**${policy} — ${st.stateReason}`,
      `${equity}, drawdown ${max(s.drawdownPct, '0')}%)`,
      `${exposure}; ${s.reservations} pending approval(s); ${s.runs.length} run(s)`,
      `Decisions: ${approved} approved, ${resized} resized, ${denied} denied`,
    ].join('\n'),
  );
}
