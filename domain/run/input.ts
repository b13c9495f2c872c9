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
import { ReconciliationConfig } from './reconcile';
import { HaltPolicy } from '../risk/account';
import { VENUE_SCHEMAS, venueKindOf } from '../../brokers/venues';

/** "250ms", "2s", "5m", "1h" or a number of milliseconds. */
import { Duration } from '../duration';
export { Duration };

export { DEFAULT_PAPER_VENUE_URL } from '../../brokers/paper/venue';

/** One schema per venue kind's spec (brokers/venues.ts), told apart by `kind`. */
export const VenueSpec = z.discriminatedUnion('kind', VENUE_SCHEMAS);
export type VenueSpec = z.infer<typeof VenueSpec>;

export const StopCondition = z
  .object({
    maxTicks: z.number().int().positive().optional(),
    /** Market time (ms since epoch or ISO date) at which the run ends. */
    endTime: z
      .union([
        z.number().int().positive(),
        z
          .string()
          .datetime()
          .transform((s) => Date.parse(s)),
      ])
      .optional(),
    /** End when a replay venue has no more data (default true). */
    endOfData: z.boolean().default(true),
  })
  .strict();

export const StrategyRunInput = z
  .object({
    runId: RunId,
    accountId: AccountId,
    /**
     * The strategy as data (its code runs in the worker's strategy step): the client fills version, hash and
     * lookback from its registry at start and checks the params; the strategy step checks them again.
     */
    strategy: z
      .object({
        name: z.string().min(1),
        params: z.record(z.string(), z.unknown()).default({}),
        version: z.string().min(1).optional(),
        /** sha256 of the strategy's module: the run is pinned to it. */
        hash: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex')
          .optional(),
        /** Closed bars the strategy needs before its first step. */
        lookback: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    symbols: z
      .array(MarketSymbol)
      .min(1)
      .max(50)
      .refine((s) => new Set(s).size === s.length, { message: 'must not repeat a symbol' }),
    venue: VenueSpec,
    mode: z.enum(['paper', 'live']).default('paper'),
    /** Absent: advanced iff risk enables dynamic sizing or the market-impact guard. */
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
    execution: z
      .object({ stops: z.enum(['auto', 'synthetic']).default('auto') })
      .strict()
      .default({ stops: 'auto' }),
  })
  .strict()
  .superRefine((input, ctx) => {
    venueKindOf(input.venue).validateRun(
      { venue: input.venue, mode: input.mode, tickInterval: input.tickInterval },
      ctx,
    );
    const quotes = new Set(input.symbols.map((s) => s.split('/')[1]));
    if (quotes.size > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['symbols'],
        message: `all symbols must share one quote currency (got ${[...quotes].join(', ')})`,
      });
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
