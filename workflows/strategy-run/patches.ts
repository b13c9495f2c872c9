/**
 * Every patched() id of strategyRun, with what it changed. An id's string and the point where it is first
 * asked are part of every recorded history: never rename one, never move where it is asked (workflow.ts and
 * start.ts ask most of them once, at fixed points; see there why). Their history: docs/decisions/.
 */

/** Each patch: its id, and what it changed. */
const PATCHES = {
  RECONCILIATION_PATCH: {
    id: 'reconciliation-v1',
    note: "Opening and periodic reconciliation with the venue (before: none). Asked at start and at the loop's setup.",
  },
  HALT_ALERTS_PATCH: {
    id: 'halt-alerts-v1',
    note: "An alert activity on every halt and every guard's state change (before: none). Asked on the first change.",
  },
  SYNTHETIC_STOPS_PATCH: {
    id: 'synthetic-stops-v1',
    note: 'A stop the venue cannot hold is kept synthetic by the run (before: the engine denied it).',
  },
  ACCOUNT_PATCH: {
    id: 'account-supervisor-v1',
    note: "The run joins its account's supervisor: register, approvals, reports, halt policies (before: alone).",
  },
  REPORT_STEP_PATCH: {
    id: 'account-report-step-v1',
    note: "Equity alone is reported only when it moved by the account's step (before: every tick with a position).",
  },
  ACCOUNT_CALLS_PATCH: {
    id: 'account-calls-as-activities-v1',
    note: "Calls to the supervisor are activities (before: local activities, which held the run's workflow task and its worker slot open while the supervisor waited for a slot of its own).",
  },
  ALGO_CHILDREN_PATCH: {
    id: 'algo-children-v1',
    note: 'An intent with an `algo` starts a TWAP / iceberg child workflow (before: `algo` did not exist).',
  },
  CANCEL_AT_FINISH_PATCH: {
    id: 'cancel-open-orders-at-finish-v1',
    note: 'A run that finishes cancels its orders still working at the venue and accounts their last fills.',
  },
  RECHECK_AFTER_APPROVAL_PATCH: {
    id: 'recheck-after-approval-v1',
    note: "The trading state is checked again after the account's approval, right before the venue.",
  },
  LOCAL_SNAPSHOT_PATCH: {
    id: 'local-snapshot-v1',
    note: 'A run that pauses between ticks on a venue without a venue queue (the paper venue) reads its snapshot as a local activity: a quiet tick is one workflow task (docs/performance.md). Before: an activity.',
  },
  STRATEGY_STEP_PATCH: {
    id: 'strategy-step-v1',
    note: "The strategy runs as strategy.step: its ctx.state is carried, its cancels are carried out, its module hash is checked against the run's pin, and a faulty strategy halts the run (before: strategy.signals, no state).",
  },
  BRACKET_LEGS_PATCH: {
    id: 'bracket-legs-follow-entry-v1',
    note: "A bracket's legs (intents with bracketLeg) take the quantity risk approved for their entry, and are denied with it (before: bracketLeg did not exist). Asked at the first leg that follows an entry.",
  },
  CAPITAL_DEPOSIT_PATCH: {
    id: 'capital-deposit-v1',
    note: "On a venue whose capital is 'deposit' (paper, paper-live) the run's capital is credited to the account once, keyed by its chain, and audited (before: account.open funded only a new account). Asked in the first execution.",
  },
  PROMOTION_GATE_PATCH: {
    id: 'promotion-gate-v1',
    note: "A live run asks promotion.check before it opens: a worker's untrusted strategy without all its promotion gates for the run's hash fails the run STRATEGY_NOT_PROMOTED, before any order (before: no gate). Asked first, in the first execution of a live run.",
  },
  PROMOTION_UPGRADE_PATCH: {
    id: 'promotion-gate-upgrade-v1',
    note: "A live run's upgradeStrategy asks promotion.check for the new hash first: an untrusted module without all its gates fails the Update STRATEGY_NOT_PROMOTED and the pin stays (before: adopted at once). Asked in the handler, only in live runs.",
  },
} as const satisfies Record<string, { id: string; note: string }>;

type Ids = { readonly [K in keyof typeof PATCHES]: (typeof PATCHES)[K]['id'] };
const ids = Object.fromEntries(Object.entries(PATCHES).map(([name, p]) => [name, p.id])) as Ids;

export const {
  RECONCILIATION_PATCH,
  HALT_ALERTS_PATCH,
  SYNTHETIC_STOPS_PATCH,
  ACCOUNT_PATCH,
  REPORT_STEP_PATCH,
  ACCOUNT_CALLS_PATCH,
  ALGO_CHILDREN_PATCH,
  CANCEL_AT_FINISH_PATCH,
  RECHECK_AFTER_APPROVAL_PATCH,
  LOCAL_SNAPSHOT_PATCH,
  STRATEGY_STEP_PATCH,
  BRACKET_LEGS_PATCH,
  CAPITAL_DEPOSIT_PATCH,
  PROMOTION_GATE_PATCH,
  PROMOTION_UPGRADE_PATCH,
} = ids;
