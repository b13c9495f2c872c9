/**
 * The strategy run's input: validated with zod by the client before starting, and again by the
 * workflow itself (a bad input fails the run at once with field-named errors, before any order).
 */
import { z } from 'zod';
import { AccountId, RunId } from '../ids';
import { PositiveAmount } from '../money';
import { MarketSymbol } from '../market/instrument';
import { EngineName } from '../execution/engine';
import { RiskConfig } from '../risk/config';
import { parseStrategyParams } from '../strategies';
import { ReconciliationConfig } from './reconcile';
import { HaltPolicy } from '../risk/account';

/** "250ms", "2s", "5m", "1h" or a number of milliseconds. */
import { Duration } from '../duration';
export { Duration };

export const DEFAULT_PAPER_VENUE_URL = 'http://127.0.0.1:8701';

export const VenueSpec = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('paper'),
      url: z.string().url().default(DEFAULT_PAPER_VENUE_URL),
      /** Datasets the paper venue must hold: symbol → CSV path on the venue's machine. */
      data: z.record(MarketSymbol, z.string().min(1)).default({}),
    })
    .strict(),
  z
    .object({
      kind: z.literal('ccxt'),
      /** Any ccxt exchange id, e.g. "binance". Keys come from the worker's env, never from the input. */
      exchangeId: z.string().regex(/^[a-z0-9]+$/, 'must be a ccxt exchange id like "binance"'),
      sandbox: z.boolean().default(false),
      /**
       * Send the exchange's REST calls to this base URL instead of its own hosts: the local
       * Binance-protocol exchange (`tempotrade venue`), or a proxy. Binance only.
       */
      apiUrl: z.string().url().optional(),
      /** ccxt's request timeout; a slower answer is treated as ambiguous and resolved by lookup. */
      requestTimeout: Duration.pipe(z.number().int().min(100, 'must be at least 100ms').max(120_000, 'must be at most 2m')).default(10_000),
      /** Timeframe of bars the strategies see ("1s" suits the local exchange's accelerated replay). */
      timeframe: z.string().regex(/^\d+[smhd]$/, 'must be like 1s, 5m, 1h or 1d').default('5m'),
      /**
       * Who fills the orders. "venue": they are sent to the exchange (live, sandbox or local exchange).
       * "paper": paper trading on live data: market data from the exchange's public endpoints (no keys),
       * orders never sent, filled in-process by tempotrade's paper fill model (brokers/paper-live/).
       */
      fills: z.enum(['venue', 'paper']).default('venue'),
    })
    .strict(),
]);
export type VenueSpec = z.infer<typeof VenueSpec>;

export const StopCondition = z
  .object({
    maxTicks: z.number().int().positive().optional(),
    /** Market time (ms since epoch or ISO date) at which the run ends. */
    endTime: z.union([z.number().int().positive(), z.string().datetime().transform((s) => Date.parse(s))]).optional(),
    /** End when a replay venue has no more data (default true). */
    endOfData: z.boolean().default(true),
  })
  .strict();

export const StrategyRunInput = z
  .object({
    runId: RunId,
    accountId: AccountId,
    strategy: z
      .object({ name: z.string().min(1), params: z.record(z.string(), z.unknown()).default({}) })
      .strict()
      .superRefine((s, ctx) => {
        const p = parseStrategyParams(s.name, s.params);
        if (!p.ok) ctx.addIssue({ code: 'custom', message: p.error });
      }),
    symbols: z.array(MarketSymbol).min(1).max(50).refine((s) => new Set(s).size === s.length, { message: 'must not repeat a symbol' }),
    venue: VenueSpec,
    mode: z.enum(['paper', 'live']).default('paper'),
    /** Absent: advanced iff risk enables dynamic sizing or the market-impact guard (seed factory rule). */
    engine: EngineName.optional(),
    risk: RiskConfig.default(RiskConfig.parse({})),
    /** Starting capital in the quote currency. */
    capital: PositiveAmount,
    /** Wall-clock pause between ticks; 0 replays as fast as the system goes. */
    tickInterval: Duration.default(0),
    stop: StopCondition.default({ endOfData: true }),
    /** Replay only: market time of the first tick (default: data start + the strategy's warm-up). */
    startTime: z.number().int().positive().optional(),
    /** Orders still open after this many ticks are canceled. */
    cancelAfterTicks: z.number().int().min(0).max(10_000).default(3),
    /** Continue-as-new after this many ticks in one run (history stays small). */
    continueAsNewAfterTicks: z.number().int().min(10).max(100_000).default(500),
    /** Venue reconciliation (domain/run/reconcile.ts): what the run owns and what a disagreement does. */
    reconciliation: ReconciliationConfig.default(ReconciliationConfig.parse({})),
    /**
     * Advanced execution. stops — auto: stop orders go to the venue where it has native stops, else they
     * are kept synthetic in the workflow; synthetic: always kept in the workflow (never shown to the venue
     * before they trigger).
     */
    execution: z.object({ stops: z.enum(['auto', 'synthetic']).default('auto') }).strict().default({ stops: 'auto' }),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.mode === 'live' && input.venue.kind === 'paper') ctx.addIssue({ code: 'custom', path: ['mode'], message: 'mode "live" needs a ccxt venue; the paper venue only trades paper' });
    if (input.mode === 'live' && input.venue.kind === 'ccxt' && input.venue.fills === 'paper')
      ctx.addIssue({ code: 'custom', path: ['venue', 'fills'], message: 'fills "paper" never sends an order: use mode "paper" with it, or fills "venue" to trade live' });
    if (input.mode === 'paper' && input.venue.kind === 'ccxt' && input.venue.fills === 'venue' && !input.venue.sandbox && input.venue.apiUrl === undefined)
      ctx.addIssue({ code: 'custom', path: ['venue', 'fills'], message: 'paper mode on a real exchange needs fills: "paper" (paper fills on its live data; or sandbox: true, or a local exchange via venue.apiUrl)' });
    const quotes = new Set(input.symbols.map((s) => s.split('/')[1]));
    if (quotes.size > 1) ctx.addIssue({ code: 'custom', path: ['symbols'], message: `all symbols must share one quote currency (got ${[...quotes].join(', ')})` });
    if (input.venue.kind === 'ccxt' && input.tickInterval === 0) ctx.addIssue({ code: 'custom', path: ['tickInterval'], message: 'a ccxt venue needs a tickInterval above 0' });
  });
export type StrategyRunInput = z.infer<typeof StrategyRunInput>;
export type StrategyRunInputRaw = z.input<typeof StrategyRunInput>;

export const HaltSignal = z
  .object({
    reason: z.string().trim().min(1, 'must say why').max(500),
    /**
     * What the halt does (absent: the run stops trading and leaves open orders to their normal expiry).
     * stop-entries: REDUCING, only reducing orders; cancel-orders: HALTED and every open order canceled;
     * flatten: as cancel-orders, then every position closed with reduce-only market orders.
     */
    policy: HaltPolicy.optional(),
  })
  .strict();
export type HaltSignal = z.infer<typeof HaltSignal>;
export const ResumeSignal = z
  .object({
    reason: z.string().max(500).default('resumed'),
    /**
     * After a reconciliation halt: take the venue's balances as right (the baseline moves so the run's
     * expectation equals what the venue holds). Order differences cannot be adopted; fix them at the venue.
     */
    adoptVenueBalances: z.boolean().default(false),
  })
  .strict();
export type ResumeSignal = z.infer<typeof ResumeSignal>;
export const ReconcileSignal = z.object({ reason: z.string().trim().min(1, 'must say why').max(500) }).strict();
export type ReconcileSignal = z.infer<typeof ReconcileSignal>;
