/** A change of trading state, the same for a run and for an account: both keep why and a bounded history. */
import { keepNewest } from './bounded';
import type { TradingState } from './run/trading-state';

export interface TradingStateHolder<Change> {
  tradingState: TradingState;
  stateReason: string;
  stateChanges: Change[];
}

/** Move `holder` to `to` for `reason`, keeping the newest `keep` changes; returns the state it left. */
export function moveTradingState<Change>(
  holder: TradingStateHolder<Change>,
  to: TradingState,
  reason: string,
  change: (from: TradingState) => Change,
  keep: number,
): TradingState {
  const from = holder.tradingState;
  holder.tradingState = to;
  holder.stateReason = reason;
  holder.stateChanges.push(change(from));
  keepNewest(holder.stateChanges, keep);
  return from;
}

/** How a change reads in an audit trail: `ACTIVE → HALTED (cancel-orders): reason`. */
export function stateChangeMessage(from: TradingState, to: TradingState, reason: string, policy?: string): string {
  return `${from} → ${to}${policy ? ` (${policy})` : ''}: ${reason}`;
}
