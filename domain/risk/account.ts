/**
 * Account-level risk: the state the account supervisor (workflows/account-supervisor/) owns, and the
 * pure decisions it makes with it. Strategy runs of one account ask here before every opening order; the
 * approval *reserves* the order's notional, so runs asking at the same moment can never together pass a
 * cap (the supervisor handles one Update at a time, and each decision sees the reservations before it).
 * Runs report their equity and positions; a report releases the reservations of finished orders. On an
 * account-level breach (daily loss, drawdown) the account's trading state changes and the supervisor
 * signals every registered run. Pure and deterministic; no I/O, no clock (time comes in as arguments).
 */
import { z } from 'zod';
import { keepNewest } from '../bounded';
import { Dec, add, cmp, display, div, max, mul, str, sub } from '../money';
import { PositiveAmount, NonNegativeAmount } from '../money';
import { MarketSymbol } from '../market/instrument';
import { TradingState } from '../run/trading-state';
import { formatZodIssues } from '../errors';
import { OrderIntent } from '../orders/order';
import { utcDate } from '../portfolio/portfolio';
import { RiskConfig, parseSubmitRate } from './config';
import { evaluateIntent } from './engine';
import { accountPortfolio, accountRiskFacts } from './facts';
import { dailyLoss, dailyLossReached } from './breach';
import { runAccountChecks, type AccountFacts, type BindingCap } from './account-checks';
import type { AccountEventKind, ReasonCode } from '../vocabulary';
import { moveTradingState, stateChangeMessage } from '../state-change';

const Pct = z.number().min(0, 'must be 0 or more').max(100, 'is a percentage: 100 at most');

/** What a halt does to the runs of the account (docs/risk.md "Halt policies"). */
export const HaltPolicy = z.enum(['stop-entries', 'cancel-orders', 'flatten']);
export type HaltPolicy = z.infer<typeof HaltPolicy>;

/** Limits the account supervisor enforces across all runs of one account. Absent limits are off. */
export const AccountLimits = z
  .object({
    /** Deny every new opening order of every run (kill switch of the account). */
    killSwitch: z.boolean().default(false),
    /** Gross exposure (positions + pending reservations, quote) of all runs together. */
    maxGrossExposure: PositiveAmount.optional(),
    /** Gross exposure as % of the account's equity (sum of the runs' equity). */
    maxGrossExposurePct: Pct.default(100),
    /** Exposure in one symbol across all runs (quote). */
    maxSymbolExposure: PositiveAmount.optional(),
    /** Orders waiting at the venue, all runs together (each approval holds one until released). */
    maxOpenOrders: z.number().int().positive().optional(),
    /** Account daily loss (quote) that breaches; measured from each run's equity at the account's day start. */
    dailyLossLimit: PositiveAmount.optional(),
    /** Account daily loss as % of the equity at the account's day start. */
    dailyLossLimitPct: Pct.optional(),
    /** Drawdown of the account's equity from its high-water mark, %. */
    maxDrawdownPct: Pct.optional(),
    /** Trading state the account moves to on a breach. */
    breachState: z.enum(['HALTED', 'REDUCING']).default('HALTED'),
    /** What a halt does to the runs: stop entries only, also cancel open orders, or also flatten positions. */
    haltPolicy: HaltPolicy.default('cancel-orders'),
    /** Lift a daily-loss halt by itself when the next day starts (off: a person resumes). */
    resumeOnNewDay: z.boolean().default(false),
    /**
     * The risk engine's checks at account level (docs/risk.md "One engine, two places"): a RiskConfig
     * evaluated against the account's facts — exposure of all runs plus reservations, pending orders,
     * the account's submissions and trades today, each strategy's exposure against its allocation of the
     * account's equity. Its defaults apply once given (e.g. 20% of account equity per symbol). Off when absent.
     */
    risk: RiskConfig.optional(),
    /** When the account's day starts, for the daily reset schedule. */
    dayStart: z
      .object({
        timeZone: z.string().min(1).max(64).default('UTC'),
        hour: z.number().int().min(0).max(23).default(0),
        minute: z.number().int().min(0).max(59).default(0),
      })
      .strict()
      .default({ timeZone: 'UTC', hour: 0, minute: 0 }),
  })
  .strict();
export type AccountLimits = z.infer<typeof AccountLimits>;
export type AccountLimitsInput = z.input<typeof AccountLimits>;

/** A run-time change of limits: any subset of the fields, validated like the whole. */
export const AccountLimitsPatch = AccountLimits.partial().strict();
export type AccountLimitsPatch = z.infer<typeof AccountLimitsPatch>;

/** Apply a patch; on a bad value the current limits are kept and the error names the field. */
export function patchAccountLimits(
  current: AccountLimits,
  raw: unknown,
): { ok: true; limits: AccountLimits } | { ok: false; error: string } {
  const patch = AccountLimitsPatch.safeParse(raw);
  if (!patch.success) return { ok: false, error: formatZodIssues(patch.error) };
  // Explicit undefined turns a limit off; absent keys keep the current value.
  const merged = AccountLimits.safeParse({ ...current, ...patch.data });
  if (!merged.success) return { ok: false, error: formatZodIssues(merged.error) };
  return { ok: true, limits: merged.data };
}

/** An approval request of a run: validated by the supervisor's Update validator. */
export const ApprovalRequest = z
  .object({
    /** The order's clientOrderId: an approval is made once per id (a retried request gets the same answer). */
    requestId: z.string().min(1).max(64),
    workflowId: z.string().min(1).max(255),
    strategy: z.string().min(1).max(64),
    symbol: MarketSymbol,
    side: z.enum(['buy', 'sell']),
    quantity: PositiveAmount,
    price: PositiveAmount,
    /** The run says the order only reduces a position (spot: a sell). */
    reducing: z.boolean(),
  })
  .strict();
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export interface AccountVerdict {
  decision: 'APPROVED' | 'RESIZED' | 'DENIED';
  code: string;
  message: string;
  /** Approved quantity ('0' when denied). */
  quantity: string;
  numbers: Record<string, string>;
  tradingState: TradingState;
}

/** A run's report: sent after fills and on every tick it holds a position (and when it ends). */
export const RunReport = z
  .object({
    workflowId: z.string().min(1).max(255),
    strategy: z.string().min(1).max(64),
    equity: NonNegativeAmount,
    /** Position notional per symbol at the run's marks. */
    positions: z.record(MarketSymbol, NonNegativeAmount),
    /** Approvals whose orders are done (filled, canceled, rejected, never placed): their reservations end. */
    released: z.array(z.string().min(1).max(64)).max(1000).default([]),
    ended: z.boolean().default(false),
    /**
     * Close series (as the account's correlation limit asked for at registration) of the run's symbols that
     * gained a point since the last report: the supervisor keeps the newest per symbol.
     */
    closes: z
      .record(
        MarketSymbol,
        z.array(z.object({ ts: z.number().int().nonnegative(), close: z.number().positive() }).strict()).max(10_000),
      )
      .optional(),
  })
  .strict();
export type RunReport = z.infer<typeof RunReport>;

export interface AccountRun {
  strategy: string;
  equity: string;
  dayStartEquity: string;
  positions: Record<string, string>;
  registeredAt: number;
  lastReportAt: number;
}

export interface Reservation {
  workflowId: string;
  symbol: string;
  notional: string;
  at: number;
}

export interface AccountEvent {
  seq: number;
  at: number;
  /** What the event records: ACCOUNT_EVENT_KINDS (domain/vocabulary.ts). */
  kind: AccountEventKind;
  message: string;
  code?: string;
  workflowId?: string;
  numbers?: Record<string, string>;
}

/** Who changed the account's state: a person, a breach of the limits, or the day-start schedule. */
export type StateChangeBy = 'operator' | 'breach' | 'schedule';

export interface AccountStateChange {
  at: number;
  from: TradingState;
  to: TradingState;
  reason: string;
  by: StateChangeBy;
  code?: string;
}

export interface AccountState {
  accountId: string;
  tradingState: TradingState;
  stateReason: string;
  /** Policy of the current halt (what the runs were told to do). */
  haltPolicy?: HaltPolicy;
  stateChanges: AccountStateChange[];
  limits: AccountLimits;
  runs: Record<string, AccountRun>;
  reservations: Record<string, Reservation>;
  /** Recent decisions by requestId, so a retried request gets the same verdict (bounded). */
  decided: Record<string, AccountVerdict>;
  decidedOrder: string[];
  highWaterMark: string;
  day: { startedAt: number };
  /** The highest committed exposure (positions + reservations) ever seen right after an approval. */
  peakCommitted: string;
  counters: {
    approved: number;
    resized: number;
    denied: number;
    deniedByReason: Record<string, number>;
    reports: number;
    released: number;
  };
  /** Approvals of opening orders: times (for the account's submit rate) and count per UTC day. */
  submitTimes?: number[];
  tradesToday?: { date: string; count: number };
  /** The day-start Schedule has been created (limits with something daily). */
  dayScheduled?: boolean;
  /** Newest close series per symbol from the runs' reports (the account-level correlation limit's data). */
  closes?: Record<string, Array<{ ts: number; close: number }>>;
  events: AccountEvent[];
  eventSeq: number;
}

export const MAX_ACCOUNT_EVENTS = 300;
const MAX_DECIDED = 2000;
const MAX_STATE_CHANGES = 100;

export function openAccount(accountId: string, limits: AccountLimits, at: number): AccountState {
  const st: AccountState = {
    accountId,
    tradingState: limits.killSwitch ? 'HALTED' : 'ACTIVE',
    stateReason: limits.killSwitch ? 'kill switch engaged' : 'supervisor started',
    stateChanges: [],
    limits,
    runs: {},
    reservations: {},
    decided: {},
    decidedOrder: [],
    highWaterMark: '0',
    day: { startedAt: at },
    peakCommitted: '0',
    counters: { approved: 0, resized: 0, denied: 0, deniedByReason: {}, reports: 0, released: 0 },
    events: [],
    eventSeq: 0,
  };
  record(st, at, 'SUPERVISOR_STARTED', `supervisor of account ${accountId} started ${st.tradingState}`, {
    code: st.tradingState,
  });
  return st;
}

export function record(
  st: AccountState,
  at: number,
  kind: AccountEvent['kind'],
  message: string,
  extra: Partial<Pick<AccountEvent, 'code' | 'workflowId' | 'numbers'>> = {},
): void {
  st.eventSeq += 1;
  st.events.push({ seq: st.eventSeq, at, kind, message, ...extra });
  keepNewest(st.events, MAX_ACCOUNT_EVENTS);
}

export function accountEquity(st: AccountState): string {
  return add('0', ...Object.values(st.runs).map((r) => r.equity));
}

/** The account's equity at the start of its day: the sum of its runs'. */
export function accountDayStartEquity(st: AccountState): string {
  return add('0', ...Object.values(st.runs).map((r) => r.dayStartEquity));
}

/** Drawdown of `equity` from the account's high-water mark, in % (6 decimals; 0 before there is a mark). */
export function accountDrawdownPct(st: AccountState, equity: string): string {
  if (cmp(st.highWaterMark, 0) <= 0) return '0';
  return str(Dec.max(0, new Dec(st.highWaterMark).minus(equity).div(st.highWaterMark).times(100)).toDecimalPlaces(6));
}

/** Positions of all runs plus pending reservations, in total and per symbol. */
export function committedExposure(st: AccountState): { total: string; bySymbol: Record<string, string> } {
  const bySymbol: Record<string, string> = {};
  for (const r of Object.values(st.runs))
    for (const [s, n] of Object.entries(r.positions)) bySymbol[s] = add(bySymbol[s] ?? '0', n);
  for (const r of Object.values(st.reservations)) bySymbol[r.symbol] = add(bySymbol[r.symbol] ?? '0', r.notional);
  return { total: add('0', ...Object.values(bySymbol)), bySymbol };
}

/** A run joins the account (idempotent). Its equity moves the high-water mark with it. */
export function registerRun(st: AccountState, workflowId: string, strategy: string, equity: string, at: number): void {
  if (st.runs[workflowId]) return;
  st.runs[workflowId] = { strategy, equity, dayStartEquity: equity, positions: {}, registeredAt: at, lastReportAt: at };
  st.highWaterMark = add(st.highWaterMark, equity);
  record(st, at, 'RUN_REGISTERED', `${workflowId} (${strategy}) joined with equity ${equity}`, {
    workflowId,
    numbers: { equity, accountEquity: accountEquity(st) },
  });
}

function remember(st: AccountState, requestId: string, v: AccountVerdict): AccountVerdict {
  st.decided[requestId] = v;
  st.decidedOrder.push(requestId);
  while (st.decidedOrder.length > MAX_DECIDED) delete st.decided[st.decidedOrder.shift() as string];
  return v;
}

function deny(
  st: AccountState,
  req: ApprovalRequest,
  at: number,
  code: string,
  message: string,
  numbers: Record<string, string>,
): AccountVerdict {
  st.counters.denied += 1;
  st.counters.deniedByReason[code] = (st.counters.deniedByReason[code] ?? 0) + 1;
  record(st, at, 'DENIED', `${req.side} ${req.quantity} ${req.symbol} of ${req.workflowId}: ${code} — ${message}`, {
    code,
    workflowId: req.workflowId,
    numbers,
  });
  return remember(st, req.requestId, {
    decision: 'DENIED',
    code,
    message,
    quantity: '0',
    numbers,
    tradingState: st.tradingState,
  });
}

/**
 * Decide one order of one run against the account, and reserve what is approved: ACCOUNT_CHECKS in order
 * (./account-checks.ts), then `limits.risk`. Opening orders resize down to the headroom left after every
 * other run's positions and reservations; reducing orders pass and reserve nothing.
 */
export function approve(st: AccountState, req: ApprovalRequest, at: number): AccountVerdict {
  const earlier = st.decided[req.requestId];
  if (earlier) return earlier;
  const facts = approvalFacts(st, req);
  const checked = runAccountChecks(facts);
  if (checked.outcome === 'DENY') return deny(st, req, at, checked.code, checked.message, checked.numbers);
  const notional = mul(req.quantity, req.price);
  if (req.reducing) return approveReducing(st, req, at, notional);
  const { binding } = checked;
  const numbers = {
    orderNotional: notional,
    price: req.price,
    ...(binding ? { cap: binding.cap, committed: binding.committed, headroom: max(binding.headroom, '0') } : {}),
    accountEquity: facts.equity,
    maxGrossExposurePct: String(st.limits.maxGrossExposurePct),
    pendingOrders: String(facts.pendingOrders),
  };
  if (binding && cmp(binding.headroom, 0) <= 0) {
    const message = `no headroom left under the account cap of ${binding.cap} (committed ${binding.committed})`;
    return deny(st, req, at, binding.code, message, numbers);
  }
  const sized = sizeToCaps(st, req, at, binding, notional);
  if (sized.decision === 'DENIED') {
    return deny(st, req, at, sized.code, sized.message, { ...numbers, ...sized.numbers });
  }
  const committed = facts.committed.total;
  return reserve(st, req, at, { ...sized, numbers: { ...numbers, ...sized.numbers }, committed });
}

type Sized =
  | { decision: 'APPROVED' | 'RESIZED'; quantity: string; code: string; numbers: Record<string, string> }
  | { decision: 'DENIED'; code: string; message: string; numbers: Record<string, string> };

/** Resize to the binding cap's headroom, then through `limits.risk` (the engine on the account's facts). */
function sizeToCaps(
  st: AccountState,
  req: ApprovalRequest,
  at: number,
  binding: BindingCap | undefined,
  notional: string,
): Sized {
  let quantity = req.quantity;
  let decision: 'APPROVED' | 'RESIZED' = 'APPROVED';
  let code = 'APPROVED';
  if (binding && cmp(notional, binding.headroom) > 0) {
    quantity = div(binding.headroom, req.price);
    decision = 'RESIZED';
    code = binding.code;
  }
  if (!st.limits.risk) return { decision, quantity, code, numbers: {} };
  const v = accountEngineVerdict(st, { ...req, quantity }, at, st.limits.risk);
  if (v.decision === 'DENIED') {
    return { decision: 'DENIED', code: v.code, message: `account risk: ${v.message}`, numbers: v.numbers };
  }
  if (v.decision === 'RESIZED' && cmp(v.quantity, quantity) < 0) {
    return { decision: 'RESIZED', quantity: v.quantity, code: v.code, numbers: v.numbers };
  }
  return { decision, quantity, code, numbers: v.decision === 'RESIZED' ? v.numbers : {} };
}

function approvalFacts(st: AccountState, req: ApprovalRequest): AccountFacts {
  return {
    accountId: st.accountId,
    tradingState: st.tradingState,
    stateReason: st.stateReason,
    limits: st.limits,
    req,
    pendingOrders: Object.keys(st.reservations).length,
    equity: accountEquity(st),
    committed: committedExposure(st),
  };
}

function approveReducing(st: AccountState, req: ApprovalRequest, at: number, notional: string): AccountVerdict {
  st.counters.approved += 1;
  const message = `${req.side} ${req.quantity} ${req.symbol} of ${req.workflowId}: reduces a position`;
  record(st, at, 'APPROVED', message, { code: 'APPROVED', workflowId: req.workflowId, numbers: { notional } });
  const v: AccountVerdict = {
    decision: 'APPROVED',
    code: 'APPROVED',
    message: 'reduces a position',
    quantity: req.quantity,
    numbers: { notional },
    tradingState: st.tradingState,
  };
  return remember(st, req.requestId, v);
}

/** Approve `quantity` (resized when below the request): count it for the day and rate, and reserve its notional. */
function reserve(
  st: AccountState,
  req: ApprovalRequest,
  at: number,
  d: Pick<AccountVerdict, 'decision' | 'quantity' | 'code' | 'numbers'> & { committed: string },
): AccountVerdict {
  const { decision, quantity, code } = d;
  const day = utcDate(at);
  if (st.tradesToday?.date !== day) st.tradesToday = { date: day, count: 0 };
  st.tradesToday.count += 1;
  const windowMs = st.limits.risk?.maxSubmitRate ? parseSubmitRate(st.limits.risk.maxSubmitRate).intervalMs : 0;
  st.submitTimes = [...(st.submitTimes ?? []), at].filter((t) => t > at - windowMs);
  const reserved = mul(quantity, req.price);
  st.reservations[req.requestId] = { workflowId: req.workflowId, symbol: req.symbol, notional: reserved, at };
  const after = add(d.committed, reserved);
  if (cmp(after, st.peakCommitted) > 0) st.peakCommitted = after;
  if (decision === 'RESIZED') st.counters.resized += 1;
  else st.counters.approved += 1;
  const resized = `resized from ${display(req.quantity)} to ${display(quantity)} to fit the account's limits`;
  const v: AccountVerdict = {
    decision,
    code,
    message: decision === 'RESIZED' ? resized : 'within the account limits',
    quantity,
    numbers: { ...d.numbers, reserved, committedAfter: after },
    tradingState: st.tradingState,
  };
  const what = `${req.side} ${req.quantity} ${req.symbol} of ${req.workflowId}`;
  const message = `${what}: ${decision} ${code}${decision === 'RESIZED' ? ` to ${quantity}` : ''}`;
  record(st, at, decision, message, { code, workflowId: req.workflowId, numbers: v.numbers });
  return remember(st, req.requestId, v);
}

/** The risk engine run with the account's facts (limits.risk): the same checks as a run's, account-wide. */
function accountEngineVerdict(st: AccountState, req: ApprovalRequest, at: number, config: RiskConfig) {
  const equity = accountEquity(st);
  const committed = committedExposure(st);
  const positionsOnly = add('0', ...Object.values(st.runs).flatMap((r) => Object.values(r.positions)));
  const strategyExposure = add(
    '0',
    ...Object.values(st.runs)
      .filter((r) => r.strategy === req.strategy)
      .flatMap((r) => Object.values(r.positions)),
    ...Object.entries(st.reservations)
      .filter(([, r]) => st.runs[r.workflowId]?.strategy === req.strategy)
      .map(([, r]) => r.notional),
  );
  const dayStart = add('0', ...Object.values(st.runs).map((r) => r.dayStartEquity));
  const portfolio = accountPortfolio({
    quote: 'quote',
    cash: max(sub(equity, positionsOnly), '0'),
    equity,
    dayStartEquity: dayStart,
    highWaterMark: st.highWaterMark,
    now: at,
  });
  const facts = accountRiskFacts({
    now: at,
    equity,
    exposure: committed.bySymbol,
    openOrders: Object.keys(st.reservations).length,
    submitTimes: st.submitTimes ?? [],
    tradesToday: st.tradesToday?.date === utcDate(at) ? st.tradesToday.count : 0,
    strategy: { id: req.strategy, exposure: strategyExposure, allocationBase: equity },
    ...(config.maxCorrelatedExposurePct !== undefined && st.closes ? { candles: st.closes } : {}),
  });
  const intent = OrderIntent.parse({
    strategyId: req.strategy,
    symbol: req.symbol,
    side: req.side,
    type: 'limit',
    limitPrice: req.price,
    quantity: req.quantity,
    reason: `approval for ${req.workflowId}`,
  });
  return evaluateIntent(intent, {
    tradingState: st.tradingState,
    portfolio,
    config,
    mark: req.price,
    takerFee: '0',
    facts,
  });
}

export interface Breach {
  code: ReasonCode;
  message: string;
  numbers: Record<string, string>;
  target: TradingState;
}

/** Apply a run's report: equity and positions replace the previous ones, finished orders release. */
export function applyReport(st: AccountState, report: RunReport, at: number): void {
  st.counters.reports += 1;
  for (const id of report.released) {
    if (st.reservations[id]) {
      delete st.reservations[id];
      st.counters.released += 1;
    }
  }
  const run = st.runs[report.workflowId];
  if (!run) {
    if (report.ended) return;
    registerRun(st, report.workflowId, report.strategy, report.equity, at);
  }
  const r = st.runs[report.workflowId];
  if (report.ended) {
    // Its capital leaves the account's books: the high-water mark moves with it.
    st.highWaterMark = max(sub(st.highWaterMark, r.equity), '0');
    for (const [id, res] of Object.entries(st.reservations))
      if (res.workflowId === report.workflowId) delete st.reservations[id];
    delete st.runs[report.workflowId];
    record(st, at, 'RUN_ENDED', `${report.workflowId} ended with equity ${report.equity}`, {
      workflowId: report.workflowId,
      numbers: { equity: report.equity },
    });
    return;
  }
  r.equity = report.equity;
  r.positions = Object.fromEntries(Object.entries(report.positions).filter(([, n]) => cmp(n, 0) > 0));
  for (const [symbol, series] of Object.entries(report.closes ?? {})) {
    const held = st.closes?.[symbol];
    const newest = (x: Array<{ ts: number }> | undefined) => (x && x.length ? x[x.length - 1].ts : -1);
    if (series.length > 0 && newest(series) >= newest(held)) st.closes = { ...st.closes, [symbol]: series };
  }
  r.lastReportAt = at;
  const eq = accountEquity(st);
  if (cmp(eq, st.highWaterMark) > 0) st.highWaterMark = eq;
}

/** Account-level breaches: daily loss (absolute, %) and drawdown from the high-water mark. */
export function detectBreach(st: AccountState): Breach | undefined {
  const l = st.limits;
  const equity = accountEquity(st);
  const dayStart = accountDayStartEquity(st);
  const target = l.breachState;
  const limits = { limit: l.dailyLossLimit, limitPct: l.dailyLossLimitPct };
  const daily = dailyLossReached({ equity, dayStartEquity: dayStart, ...limits, pctDecimals: 6 });
  const base = { accountEquity: equity, dayStartEquity: dayStart, dailyLoss: dailyLoss(equity, dayStart) };
  if (daily?.by === 'amount') {
    const message = `account daily loss ${daily.loss} reached the limit of ${daily.limit}`;
    return { code: 'ACCOUNT_DAILY_LOSS_LIMIT', message, numbers: { ...base, limit: daily.limit }, target };
  }
  if (daily?.by === 'pct') {
    const message = `account daily loss ${daily.pct}% reached the limit of ${daily.limitPct}%`;
    const numbers = { ...base, dailyLossPct: daily.pct, limitPct: String(daily.limitPct) };
    return { code: 'ACCOUNT_DAILY_LOSS_LIMIT_PCT', message, numbers, target };
  }
  if (l.maxDrawdownPct === undefined || cmp(st.highWaterMark, 0) <= 0) return undefined;
  const dd = accountDrawdownPct(st, equity);
  if (cmp(dd, l.maxDrawdownPct) < 0) return undefined;
  const mark = st.highWaterMark;
  const message = `account drawdown ${dd}% from the high-water mark ${mark} reached the limit of ${l.maxDrawdownPct}%`;
  const numbers = { ...base, drawdownPct: dd, highWaterMark: st.highWaterMark, limitPct: String(l.maxDrawdownPct) };
  return { code: 'ACCOUNT_DRAWDOWN_LIMIT', message, numbers, target };
}

/** Move the account to `to`; returns whether it changed. A stronger state is never weakened by a breach. */
export function changeAccountState(
  st: AccountState,
  to: TradingState,
  reason: string,
  by: StateChangeBy,
  at: number,
  policy?: HaltPolicy,
  code?: string,
  numbers?: Record<string, string>,
): boolean {
  const from = st.tradingState;
  if (by === 'breach' && (from === 'HALTED' || (from === 'REDUCING' && to === 'REDUCING'))) return false;
  if (from === to && st.haltPolicy === policy) return false;
  moveTradingState(st, to, reason, () => ({ at, from, to, reason, by, ...(code ? { code } : {}) }), MAX_STATE_CHANGES);
  st.haltPolicy = to === 'ACTIVE' ? undefined : policy;
  const message = stateChangeMessage(from, to, reason, to === 'ACTIVE' ? undefined : policy);
  record(st, at, 'STATE_CHANGED', message, { code: code ?? to, ...(numbers ? { numbers } : {}) });
  return true;
}

/** Whether the limits have anything daily, so the account needs its day-start Schedule. */
export function needsDayStart(l: AccountLimits): boolean {
  return (
    l.dailyLossLimit !== undefined ||
    l.dailyLossLimitPct !== undefined ||
    l.resumeOnNewDay ||
    l.risk?.maxTradesPerDay !== undefined ||
    l.risk?.dailyLossLimit !== undefined ||
    l.risk?.dailyLossLimitPct !== undefined
  );
}

/** A new account day: every run's day-start equity is its equity now; a daily-loss halt may lift. */
export function startNewDay(st: AccountState, at: number): { lifted: boolean } {
  st.day = { startedAt: at };
  for (const r of Object.values(st.runs)) r.dayStartEquity = r.equity;
  record(st, at, 'DAY_STARTED', `new account day: day-start equity ${accountEquity(st)}`, {
    code: 'DAY_STARTED',
    numbers: { accountEquity: accountEquity(st) },
  });
  const last = st.stateChanges[st.stateChanges.length - 1];
  if (
    st.limits.resumeOnNewDay &&
    st.tradingState !== 'ACTIVE' &&
    last?.by === 'breach' &&
    last.code?.startsWith('ACCOUNT_DAILY_LOSS')
  ) {
    changeAccountState(st, 'ACTIVE', 'new day: the daily loss limit starts again (resumeOnNewDay)', 'schedule', at);
    return { lifted: true };
  }
  return { lifted: false };
}

/** The trading state a run must take for the account's state (what a registering run is told). */
export interface AccountDirective {
  tradingState: TradingState;
  reason: string;
  policy?: HaltPolicy;
  /** The account's correlation limit needs these close series from the run's reports. */
  correlation?: CorrelationNeed;
  /**
   * Report equity moves of at least this % of the run's equity (absent: the account has no loss limit, so
   * runs report only when positions, reservations or series change). A tenth of the tightest loss limit.
   */
  reportStepPct?: number;
}

/** What runs must send, given the limits: the correlation series and the equity resolution. */
export interface ReportingNeeds {
  correlation?: CorrelationNeed;
  reportStepPct?: number;
}

export function reportingNeeds(st: AccountState): ReportingNeeds {
  const correlation = correlationNeed(st.limits);
  const l = st.limits;
  const equity = accountEquity(st);
  const pcts: number[] = [];
  if (l.dailyLossLimitPct !== undefined) pcts.push(l.dailyLossLimitPct);
  if (l.maxDrawdownPct !== undefined) pcts.push(l.maxDrawdownPct);
  if (l.dailyLossLimit !== undefined && cmp(equity, 0) > 0)
    pcts.push(Number(new Dec(l.dailyLossLimit).div(equity).times(100).toDecimalPlaces(6)));
  if (l.risk?.maxAccountDrawdownPct !== undefined) pcts.push(l.risk.maxAccountDrawdownPct);
  const step = pcts.length ? Math.min(0.1, ...pcts.map((p) => p / 10)) : undefined;
  return { ...(correlation ? { correlation } : {}), ...(step !== undefined ? { reportStepPct: step } : {}) };
}

export interface CorrelationNeed {
  window: number;
  resampleMinutes?: number;
}

export function correlationNeed(limits: AccountLimits): CorrelationNeed | undefined {
  const r = limits.risk;
  if (!r || r.maxCorrelatedExposurePct === undefined) return undefined;
  return {
    window: r.correlationWindow,
    ...(r.correlationResampleMinutes ? { resampleMinutes: r.correlationResampleMinutes } : {}),
  };
}

export function directive(st: AccountState): AccountDirective {
  return {
    tradingState: st.tradingState,
    reason: st.stateReason,
    ...(st.haltPolicy ? { policy: st.haltPolicy } : {}),
    ...reportingNeeds(st),
  };
}

/** The trading state a run takes for a halt policy: stop-entries keeps reductions; the others halt. */
export function runStateFor(policy: HaltPolicy): TradingState {
  return policy === 'stop-entries' ? 'REDUCING' : 'HALTED';
}
