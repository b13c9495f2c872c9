/**
 * The risk vocabulary, in one place: every kind of a run's audit event, every kind of the account
 * supervisor's events, and the reason codes of the risk checks with their stable numbers. One name, one
 * meaning: a new kind or code is added here first, with what it means (docs/risk.md shows the codes).
 * Pure data: safe to import from workflow code.
 */

/** What each kind of a strategy run's audit event records. */
export const AUDIT_KINDS = {
  RUN_STARTED: 'the run opened its portfolio: strategy, symbols, capital, mode',
  CAPITAL_DEPOSITED:
    "the run's capital (paper money) credited to its account at the open: amount, asset, balance after",
  ENGINE_SELECTED: 'the order engine chosen for the venue (native or synthetic) and why',
  INTENT_SIGNALED: 'the strategy asked for an order (before any risk check)',
  RISK_APPROVED: "the run's risk engine approved an intent as asked",
  RISK_RESIZED: "the run's risk engine approved an intent with a smaller quantity",
  RISK_DENIED: "the run's risk engine refused an intent",
  ORDER_DENIED: 'an approved order was refused before it reached the venue',
  ORDER_REJECTED: 'the venue (or the order engine) rejected an order, or an order could not be armed or started',
  ORDER_PLACED: 'an order reached the venue, with the status the venue gave it',
  ORDER_FILLED: 'a fill that completed an order',
  ORDER_PARTIALLY_FILLED: 'a fill that left an order short of its quantity',
  ORDER_CANCELED: 'an order ended canceled, with what had filled',
  ORDER_EXPIRED: 'an order ended expired, with what had filled',
  STATE_CHANGED: "the run's trading state changed (ACTIVE, REDUCING, HALTED), by whom and why",
  STATE_UNCHANGED: 'a person or the account asked for the state the run was already in: the second cause',
  SIGNAL_REJECTED: 'a signal to the run failed validation and was ignored',
  CONTINUED_AS_NEW: 'the run handed its state to a new run of its chain (history size)',
  RECONCILED: "the venue's orders and balances agree with the run's",
  RECONCILIATION_FAILED: "a difference between the venue and the run's books",
  BALANCES_ADOPTED: "an operator took the venue's balance of an asset as right",
  STOP_REGISTERED: 'a synthetic stop or trailing stop was armed',
  STOP_TRIGGERED: 'the mark crossed a synthetic stop: its order is sent',
  STOP_REMOVED: 'an armed synthetic stop was removed without triggering',
  ACCOUNT_REGISTERED: "the run joined its account's supervisor, in the account's trading state",
  ACCOUNT_APPROVED: 'the account supervisor approved an opening order as asked',
  ACCOUNT_RESIZED: 'the account supervisor approved an opening order with a smaller quantity',
  ACCOUNT_DENIED: 'the account supervisor refused an opening order',
  ACCOUNT_UNREACHABLE: "the run could not report to its account's supervisor (audited once until it can)",
  ACCOUNT_REACHABLE: "the run reaches its account's supervisor again",
  HALT_POLICY_APPLIED: "what a halt's policy did: open orders canceled, positions flattened",
  TRADE_CLOSED: 'a round trip closed, with its net PnL (a loss is a stop-out)',
  RISK_CONFIG_UPDATED: "the run's risk limits changed at run time",
  ALGO_STARTED: 'a TWAP or iceberg order started as a child workflow',
  ALGO_FINISHED: 'an algo child ended (done, canceled, failed), with what filled',
  ALGO_REPORT_LATE: 'an algo child did not report within the wait; the run goes on and reconciles',
  RUN_FINISHED: 'the run ended (or canceled the orders still working at its end)',
  STRATEGY_LOADED: "the run's strategy at its start: name, version and the module's hash it is pinned to",
  STRATEGY_FAILED:
    'the strategy threw, returned something malformed, asked for an unknown symbol or broke its sandbox limits: HALTED',
  STRATEGY_CHANGED: "the worker's module for the strategy has another hash than the run's pin: HALTED",
  STRATEGY_UPGRADED: 'an operator pinned the run to a new version of its strategy (both hashes)',
} as const;
export type AuditKind = keyof typeof AUDIT_KINDS;

/** What each kind of the account supervisor's events records. */
export const ACCOUNT_EVENT_KINDS = {
  SUPERVISOR_STARTED: "the supervisor opened the account's books, in the trading state it starts in",
  RUN_REGISTERED: 'a run joined the account with its equity',
  RUN_ENDED: "a run left the account's books (it ended, or could not be signalled)",
  APPROVED: 'an order was approved as asked (an opening order reserves its notional)',
  RESIZED: "an opening order was approved with a smaller quantity to fit the account's limits",
  DENIED: 'an order was refused, with the reason code',
  STATE_CHANGED: "the account's trading state changed (a person, a breach, the new day)",
  LIMITS_UPDATED: "the account's limits changed at run time",
  REPORT_REJECTED: "a run's report failed validation and was ignored: the books stay as they were",
  DAY_SCHEDULE_FAILED: 'the day-start Schedule could not be created or updated',
  DAY_STARTED: "a new account day: every run's day-start equity is its equity now",
  RUNS_SIGNALLED: 'a halt or a resume was sent to every registered run, with its timing',
  REPORTING_NEEDS_SENT: 'the runs were told what to report after a change of limits',
} as const;
export type AccountEventKind = keyof typeof ACCOUNT_EVENT_KINDS;

interface ReasonCodeEntry {
  /** Stable: a code keeps its number, a retired number is never given again. */
  number: number;
  meaning: string;
}

/** [code, number, meaning], one row a code. */
const REASON_CODE_ROWS = [
  ['APPROVED', 0, 'every check passed'],
  ['OK', 1, 'the check passed'],
  ['NOT_APPLICABLE', 2, 'a configured check lacked its facts and passed (numbers.missing)'],
  ['STALE_MARK_WARN', 3, 'the mark is older than the warning age: passes'],
  ['VOL_BREAKER_WARNING', 4, 'volatility is at the warning level: passes'],
  ['SPOT_NO_LIQUIDATION', 5, 'a spot order has no liquidation price: passes'],
  ['KILL_SWITCH_ENGAGED', 10, 'the kill switch (of the run or the account) denies every opening order'],
  ['TRADING_HALTED', 11, 'the run is HALTED: no new order'],
  ['REDUCE_ONLY', 12, 'the run is REDUCING or in reduce-only mode: reducing orders only'],
  ['STRATEGY_DISABLED', 13, 'the performance monitor disabled the strategy'],
  ['NO_POSITION', 14, 'a sell with no position to sell (spot, long-only)'],
  ['SELL_EXCEEDS_POSITION', 15, 'a sell larger than the position: resized to it'],
  ['STALE_MARK', 16, 'the mark is older than the allowed age'],
  ['ORDER_RATE_LIMIT', 17, 'too many submissions in the rate window'],
  ['MAX_OPEN_ORDERS', 18, 'as many orders open as the limit'],
  ['DAILY_LOSS_LIMIT', 19, "the run's daily loss reached the limit (quote)"],
  ['DAILY_LOSS_LIMIT_PCT', 20, "the run's daily loss reached the limit (% of the day-start equity)"],
  ['STRATEGY_DRAWDOWN_LIMIT', 21, "the strategy's drawdown from its high-water mark reached the limit"],
  ['ACCOUNT_DRAWDOWN_LIMIT', 22, "the account's drawdown from its high-water mark reached the limit"],
  ['VOL_BREAKER_HALTED', 23, 'the volatility breaker is HALTED: no new order'],
  ['VOL_BREAKER_REDUCING', 24, 'the volatility breaker is REDUCING: reducing orders only'],
  ['STOPOUT_COOLDOWN', 25, 'entries are locked after too many stop-outs'],
  ['MAX_TRADES_PER_DAY', 26, 'as many trades today as the limit'],
  ['MAX_ORDER_NOTIONAL', 27, 'the order is larger than the notional limit: resized to it'],
  ['POSITION_LIMIT_EXCEEDED', 28, 'the position in the symbol would pass its cap'],
  ['TOTAL_EXPOSURE_LIMIT', 29, 'the total exposure would pass its cap (% of equity)'],
  ['STRATEGY_ALLOCATION_EXCEEDED', 30, "the strategy's exposure would pass its allocation"],
  ['CORRELATION_LIMIT', 31, 'the exposure correlated with the symbol would pass its cap'],
  ['LEVERAGE_LIMIT', 32, 'the gross leverage would pass its cap (or there is no equity)'],
  ['SYMBOL_LEVERAGE_LIMIT', 33, "the symbol's leverage would pass its cap"],
  ['LEVERAGE_WINDOW_LIMIT', 34, 'the leverage would pass the cap of the current UTC-hour window'],
  ['LIQUIDATION_BUFFER', 35, 'the mark is too close to the liquidation price now'],
  ['LIQUIDATION_PROJECTION', 36, 'after the trade the mark would be too close to liquidation'],
  ['INSUFFICIENT_BUYING_POWER', 37, 'not enough cash for the order and its fee'],
  ['BRACKET_ENTRY_DENIED', 38, "a bracket's leg whose entry was denied: nothing to protect"],
  ['STRATEGY_WIN_RATE_LOW', 100, "the strategy's rolling win rate fell below the minimum"],
  ['STRATEGY_PROFIT_FACTOR_LOW', 101, "the strategy's rolling profit factor fell below the minimum"],
  ['STRATEGY_DRAWDOWN', 102, "the strategy's rolling drawdown over its trades reached the limit"],
  ['ACCOUNT_HALTED', 200, 'the account is HALTED: no order'],
  ['ACCOUNT_REDUCING', 201, 'the account is REDUCING: reducing orders only'],
  ['ACCOUNT_MAX_OPEN_ORDERS', 202, 'as many approvals pending, all runs, as the limit'],
  ['ACCOUNT_EXPOSURE_LIMIT', 203, 'positions and reservations of all runs would pass the gross cap'],
  ['ACCOUNT_SYMBOL_EXPOSURE_LIMIT', 204, 'all runs together would pass the cap in the symbol'],
  ['ACCOUNT_DAILY_LOSS_LIMIT', 205, "the account's daily loss reached the limit (quote)"],
  ['ACCOUNT_DAILY_LOSS_LIMIT_PCT', 206, "the account's daily loss reached the limit (% of the day start)"],
] as const satisfies readonly (readonly [string, number, string])[];
type ReasonCodeRow = (typeof REASON_CODE_ROWS)[number];

/**
 * Reason codes of the risk checks and guards (run: 1–99, run guards: 100–199, account supervisor: 200–299),
 * and the codes of a check that passes (0–9).
 */
export const REASON_CODES = Object.fromEntries(
  REASON_CODE_ROWS.map(([code, number, meaning]) => [code, { number, meaning }]),
) as { readonly [R in ReasonCodeRow as R[0]]: { readonly number: R[1]; readonly meaning: R[2] } };
export type ReasonCode = keyof typeof REASON_CODES;

/** The catalogue's number of a reason code; undefined for a code it does not list. */
export function reasonNumber(code: string): number | undefined {
  return (REASON_CODES as Record<string, ReasonCodeEntry>)[code]?.number;
}
