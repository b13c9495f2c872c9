/**
 * Trading metrics (`tempotrade_*`) in a prom-client registry of their own, fed by the run feed
 * (workers/run-feed.ts) and by an activity interceptor that times venue calls and strategy steps.
 * Labels are bounded: strategy, account, venue, engine, plus a reason code, a currency or a state; the run
 * id labels only the per-run gauges, which are removed a while after the run finishes. Never an order id.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { venueKindOf } from '../../brokers/venues';
import type { RunFeedBatch } from '../../domain/run/feed';
import type { AuditEvent } from '../../domain/run/state';
import { TradingState } from '../../domain/run/trading-state';
import type { RunFeedSubscriber } from '../run-feed';

const BASE = ['strategy', 'account', 'venue', 'engine'] as const;
const RUN = ['run', ...BASE, 'quote'] as const;
type Labels = Record<(typeof BASE)[number], string>;

/** A venue call is an activity whose input names a venue; the strategy's own step is timed apart. */
const STRATEGY_ACTIVITIES = new Set(['strategy.step', 'strategy.signals']);

export interface TradingMetricsOptions {
  /** How long a finished run's per-run gauges stay for scrapes to read (default 15 min). */
  finishedRetentionMs?: number;
  now?: () => number;
}

export interface TradingMetrics {
  registry: Registry;
  /** Counts each audit event once per (workflowId, seq), outside replay; sets the gauges from the summary. */
  subscriber: RunFeedSubscriber;
  /** Times every activity: venue calls by venue and method, strategy steps by strategy. */
  activityInterceptor: ActivityInterceptorsFactory;
  /** Drop the series of runs finished longer ago than the retention (called before each scrape). */
  sweep(): void;
}

interface RunEntry {
  maxSeq: number;
  labels: Labels & { run: string; quote: string };
  equity: number;
  exposure: number;
  state: string;
  /** A live batch set its gauges (an entry only replayed so far is not on the account's books here). */
  live: boolean;
  finishedAt?: number;
}

export function createTradingMetrics(opts: TradingMetricsOptions = {}): TradingMetrics {
  const registry = new Registry();
  const now = opts.now ?? Date.now;
  const retention = opts.finishedRetentionMs ?? 15 * 60_000;
  const registers = [registry];
  const counter = (name: string, help: string, extra: string[] = []) =>
    new Counter({ name, help, labelNames: [...BASE, ...extra], registers });
  const runGauge = (name: string, help: string, extra: string[] = []) =>
    new Gauge({ name, help, labelNames: [...RUN, ...extra], registers });
  const accountGauge = (name: string, help: string, extra: string[] = []) =>
    new Gauge({ name, help, labelNames: ['account', 'venue', 'quote', ...extra], registers });

  const m = {
    placed: counter('tempotrade_orders_placed_total', 'orders that reached the venue'),
    filled: counter('tempotrade_orders_filled_total', 'orders filled completely'),
    canceled: counter('tempotrade_orders_canceled_total', 'orders that ended canceled'),
    expired: counter('tempotrade_orders_expired_total', 'orders that ended expired'),
    denied: counter(
      'tempotrade_orders_denied_total',
      'intents and orders refused before the venue (risk, account, engine), by reason code',
      ['reason'],
    ),
    rejected: counter('tempotrade_orders_rejected_total', 'orders the venue rejected, by reason code', ['reason']),
    fills: counter('tempotrade_fills_total', 'fills applied (partial and completing)'),
    fees: counter('tempotrade_fees_total', 'fees paid, by fee currency', ['currency']),
    stateChanges: counter('tempotrade_state_changes_total', 'trading state changes, by the state entered', ['to']),
    reconciliations: counter('tempotrade_reconciliations_total', 'reconciliations with the venue, by result', [
      'result',
    ]),
    differences: counter(
      'tempotrade_reconciliation_differences_total',
      'differences between the venue and the run found by reconciliation, by code',
      ['code'],
    ),
    events: counter('tempotrade_audit_events_total', 'audit events, by kind', ['kind']),
    runEquity: runGauge('tempotrade_run_equity', "the run's equity in its quote currency"),
    runExposure: runGauge('tempotrade_run_exposure', "the run's position value (equity less cash) in its quote"),
    runDrawdown: runGauge('tempotrade_run_max_drawdown_pct', "the run's maximum drawdown so far, in %"),
    runPnl: runGauge('tempotrade_run_net_pnl', "the run's equity less its starting capital"),
    runFees: runGauge('tempotrade_run_fees_quote', "the run's fees in its quote currency"),
    runTicks: runGauge('tempotrade_run_ticks', 'ticks the run has processed'),
    runState: runGauge('tempotrade_run_trading_state', '1 for the trading state the run is in, 0 for the others', [
      'state',
    ]),
    accountEquity: accountGauge('tempotrade_account_equity', "equity of the account's running runs on this worker"),
    accountExposure: accountGauge(
      'tempotrade_account_exposure',
      "position value of the account's running runs on this worker",
    ),
    accountDrawdown: accountGauge(
      'tempotrade_account_drawdown_pct',
      "the account's equity below its peak seen by this worker, in %",
    ),
    accountRuns: accountGauge(
      'tempotrade_account_runs',
      "the account's running runs on this worker, by trading state",
      ['state'],
    ),
    venueLatency: new Histogram({
      name: 'tempotrade_venue_call_duration_seconds',
      help: 'venue activity duration, by venue and method (activity name)',
      labelNames: ['venue', 'method', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    venueErrors: new Counter({
      name: 'tempotrade_venue_call_errors_total',
      help: 'venue activity failures, by venue, method and error type',
      labelNames: ['venue', 'method', 'error'],
      registers,
    }),
    stepLatency: new Histogram({
      name: 'tempotrade_strategy_step_duration_seconds',
      help: "the strategy step activity's duration, by strategy",
      labelNames: ['strategy', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };

  const runs = new Map<string, RunEntry>();
  const peaks = new Map<string, number>();

  function count(l: Labels, e: AuditEvent): void {
    m.events.inc({ ...l, kind: e.kind });
    switch (e.kind) {
      case 'ORDER_PLACED':
        return m.placed.inc(l);
      case 'ORDER_FILLED':
        m.filled.inc(l);
        return fill(l, e);
      case 'ORDER_PARTIALLY_FILLED':
        return fill(l, e);
      case 'ORDER_CANCELED':
        return m.canceled.inc(l);
      case 'ORDER_EXPIRED':
        return m.expired.inc(l);
      case 'RISK_DENIED':
      case 'ACCOUNT_DENIED':
      case 'ORDER_DENIED':
        return m.denied.inc({ ...l, reason: e.code ?? 'UNKNOWN' });
      case 'ORDER_REJECTED':
        // A rejection seen when following an order carries the venue's text, not a code.
        return m.rejected.inc({ ...l, reason: e.code ?? 'VENUE_REJECTED' });
      case 'STATE_CHANGED':
        return m.stateChanges.inc({ ...l, to: e.code ?? 'UNKNOWN' });
      case 'RECONCILED':
        return m.reconciliations.inc({ ...l, result: 'ok' });
      case 'RECONCILIATION_FAILED':
        return m.differences.inc({ ...l, code: e.code ?? 'UNKNOWN' });
    }
  }

  function fill(l: Labels, e: AuditEvent): void {
    m.fills.inc(l);
    const fee = Number(e.numbers?.fee ?? '0');
    // The fee currency is only in the message ("fee 0.0001 BNB;"): the numbers carry the amount.
    const currency = /\bfee \S+ (\S+?);/.exec(e.message)?.[1] ?? 'unknown';
    if (fee > 0) m.fees.inc({ ...l, currency }, fee);
  }

  function setRunGauges(r: RunEntry, s: RunFeedBatch['summary']): void {
    const l = r.labels;
    m.runEquity.set(l, r.equity);
    m.runExposure.set(l, r.exposure);
    m.runDrawdown.set(l, Number(s.maxDrawdownPct));
    m.runPnl.set(l, Number(s.netPnl));
    m.runFees.set(l, Number(s.feesQuote));
    m.runTicks.set(l, s.ticks);
    for (const state of TradingState.options) m.runState.set({ ...l, state }, state === s.tradingState ? 1 : 0);
  }

  function removeRunGauges(r: RunEntry): void {
    const l = r.labels;
    for (const g of [m.runEquity, m.runExposure, m.runDrawdown, m.runPnl, m.runFees, m.runTicks]) g.remove(l);
    for (const state of TradingState.options) m.runState.remove({ ...l, state });
  }

  function setAccountGauges(account: string, venue: string, quote: string): void {
    const mine = [...runs.values()].filter(
      (r) =>
        r.live &&
        r.finishedAt === undefined &&
        r.labels.account === account &&
        r.labels.venue === venue &&
        r.labels.quote === quote,
    );
    const l = { account, venue, quote };
    const equity = mine.reduce((a, r) => a + r.equity, 0);
    const key = JSON.stringify(l);
    const peak = Math.max(peaks.get(key) ?? 0, equity);
    peaks.set(key, peak);
    m.accountEquity.set(l, equity);
    m.accountExposure.set(
      l,
      mine.reduce((a, r) => a + r.exposure, 0),
    );
    m.accountDrawdown.set(l, peak > 0 ? ((peak - equity) / peak) * 100 : 0);
    for (const state of TradingState.options)
      m.accountRuns.set({ ...l, state }, mine.filter((r) => r.state === state).length);
  }

  function onBatch(b: RunFeedBatch): void {
    const { accountId: account, strategy, venue, engine } = b.labels;
    const l: Labels = { strategy, account, venue, engine };
    let r = runs.get(b.workflowId);
    if (!r) {
      r = {
        maxSeq: 0,
        labels: { ...l, run: b.workflowId, quote: b.summary.quote },
        equity: 0,
        exposure: 0,
        state: b.summary.tradingState,
        live: false,
      };
      runs.set(b.workflowId, r);
    }
    // Seq is unique and increasing along the chain: a new execution re-sends its carried window, a replay
    // re-sends what was counted before. Both only move the high-water mark.
    const fresh = b.events.filter((e) => e.seq > r.maxSeq);
    if (b.events.length > 0) r.maxSeq = Math.max(r.maxSeq, ...b.events.map((e) => e.seq));
    if (b.replaying) return;
    r.live = true;
    for (const e of fresh) count({ ...l }, e);
    // One reconciliation per tick at most: its differences arrive in one batch.
    if (fresh.some((e) => e.kind === 'RECONCILIATION_FAILED')) m.reconciliations.inc({ ...l, result: 'failed' });
    const s = b.summary;
    r.equity = Number(s.equity);
    r.exposure = Number(s.equity) - Number(s.cash);
    r.state = s.tradingState;
    if (s.finished && r.finishedAt === undefined) r.finishedAt = now();
    setRunGauges(r, s);
    setAccountGauges(account, venue, r.labels.quote);
  }

  function sweep(): void {
    const t = now();
    for (const [id, r] of runs)
      if (r.finishedAt !== undefined && t - r.finishedAt >= retention) {
        removeRunGauges(r);
        runs.delete(id);
      }
  }

  const activityInterceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const method = ctx.info.activityType;
        const arg = input.args[0] as { venue?: unknown; strategy?: unknown } | undefined;
        const strategy =
          STRATEGY_ACTIVITIES.has(method) && typeof arg?.strategy === 'string' ? arg.strategy : undefined;
        const venue = strategy === undefined ? venueLabel(arg?.venue) : undefined;
        const start = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
        try {
          const out = await next(input);
          if (strategy !== undefined) m.stepLatency.observe({ strategy, outcome: 'ok' }, seconds());
          else if (venue !== undefined) m.venueLatency.observe({ venue, method, outcome: 'ok' }, seconds());
          return out;
        } catch (err) {
          if (strategy !== undefined) m.stepLatency.observe({ strategy, outcome: 'error' }, seconds());
          else if (venue !== undefined) {
            m.venueLatency.observe({ venue, method, outcome: 'error' }, seconds());
            m.venueErrors.inc({ venue, method, error: errorType(err) });
          }
          throw err;
        }
      },
    },
  });

  return { registry, subscriber: { name: 'metrics', onBatch }, activityInterceptor, sweep };
}

/** The venue label the run feed uses ("paper", "ccxt:binance"); undefined when the input names no venue. */
export function venueLabel(venue: unknown): string | undefined {
  if (!venue || typeof venue !== 'object') return undefined;
  try {
    const kind = venueKindOf(venue as Parameters<typeof venueKindOf>[0]).id;
    const exchange = (venue as { exchange?: unknown }).exchange;
    return typeof exchange === 'string' ? `${kind}:${exchange}` : kind;
  } catch {
    return undefined;
  }
}

/** A bounded error label: the failure's type (ApplicationFailure codes) or the error's class name. */
function errorType(err: unknown): string {
  const e = err as { type?: unknown; name?: unknown } | undefined;
  const t = typeof e?.type === 'string' ? e.type : typeof e?.name === 'string' ? e.name : 'Error';
  return t.slice(0, 64);
}
