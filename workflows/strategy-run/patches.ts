/**
 * Every patched() id of strategyRun, with what it changed. An id's string and the point where it is first
 * asked are part of every recorded history: never rename one, never move where it is asked (workflow.ts and
 * start.ts ask most of them once, at fixed points; see there why). Their history: docs/decisions/.
 */

/** Opening and periodic reconciliation with the venue (before: none). Asked at start and at the loop's setup. */
export const RECONCILIATION_PATCH = 'reconciliation-v1';
/** An alert activity on every halt and every guard's state change (before: none). Asked on the first change. */
export const HALT_ALERTS_PATCH = 'halt-alerts-v1';
/** A stop the venue cannot hold is kept synthetic by the run (before: the engine denied it). */
export const SYNTHETIC_STOPS_PATCH = 'synthetic-stops-v1';
/** The run joins its account's supervisor: register, approvals, reports, halt policies (before: alone). */
export const ACCOUNT_PATCH = 'account-supervisor-v1';
/** Equity alone is reported only when it moved by the account's step (before: every tick with a position). */
export const REPORT_STEP_PATCH = 'account-report-step-v1';
/**
 * Calls to the supervisor are activities (before: local activities, which held the run's workflow task and
 * its worker slot open while the supervisor waited for a slot of its own).
 */
export const ACCOUNT_CALLS_PATCH = 'account-calls-as-activities-v1';
/** An intent with an `algo` starts a TWAP / iceberg child workflow (before: `algo` did not exist). */
export const ALGO_CHILDREN_PATCH = 'algo-children-v1';
/** A run that finishes cancels its orders still working at the venue and accounts their last fills. */
export const CANCEL_AT_FINISH_PATCH = 'cancel-open-orders-at-finish-v1';
/** The trading state is checked again after the account's approval, right before the venue. */
export const RECHECK_AFTER_APPROVAL_PATCH = 'recheck-after-approval-v1';
/**
 * A run that pauses between ticks on a venue without a venue queue (the paper venue) reads its snapshot as a
 * local activity: a quiet tick is one workflow task (docs/performance.md). Before: an activity.
 */
export const LOCAL_SNAPSHOT_PATCH = 'local-snapshot-v1';
/**
 * The strategy runs as strategy.step: its ctx.state is carried, its cancels are carried out, its module hash is
 * checked against the run's pin, and a faulty strategy halts the run (before: strategy.signals, no state).
 */
export const STRATEGY_STEP_PATCH = 'strategy-step-v1';
/**
 * A bracket's legs (intents with bracketLeg) take the quantity risk approved for their entry, and are denied
 * with it (before: bracketLeg did not exist). Asked at the first leg that follows an entry.
 */
export const BRACKET_LEGS_PATCH = 'bracket-legs-follow-entry-v1';
/**
 * On a venue whose capital is 'deposit' (paper, paper-live) the run's capital is credited to the account once,
 * keyed by its chain, and audited (before: account.open funded only a new account). Asked in the first execution.
 */
export const CAPITAL_DEPOSIT_PATCH = 'capital-deposit-v1';
