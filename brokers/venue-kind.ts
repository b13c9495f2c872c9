/**
 * A venue kind, pure half: what the run input and the workflow need to know about a kind of venue, with no
 * I/O (the workflow bundle imports it through domain/run/input.ts and temporal/task-queues.ts).
 * Its runtime half (how the brokerage is created, how an account opens) is a VenueAdapter (adapter-kind.ts).
 */
import type { z } from 'zod';

/** What a kind checks of the run around its venue spec. */
export interface RunFacts<S> {
  venue: S;
  mode: 'paper' | 'live';
  /** Milliseconds between ticks. */
  tickInterval: number;
}

/** A venue spec's schema: a strict object with a literal `kind` (the run input's union discriminates on it). */
export type VenueSchema = z.ZodObject<{ kind: z.ZodLiteral<string> } & z.ZodRawShape, z.core.$strict>;

export interface VenueKind<Schema extends VenueSchema, S = z.output<Schema>> {
  /** Name in docs and errors: 'paper', 'ccxt', 'paper-live'. */
  readonly id: string;
  /** The spec's input schema; kinds told apart by a field (`fills`) share one schema object. */
  readonly schema: Schema;
  /** Whether a parsed venue spec is of this kind. */
  matches(venue: { kind: string }): boolean;
  /** One brokerage per key in a worker: every field that changes where or how the venue is reached. */
  cacheKey(venue: S, accountId: string): string;
  /**
   * The venue account whose calls share one rate-limited task queue ("binance:acct-1");
   * undefined: the calls run on the workflow's own queue.
   */
  venueAccount(venue: S, accountId: string): string | undefined;
  /**
   * Where a run's capital comes from. deposit: it is paper money the run brings, credited to the account once
   * when the run opens (paper, paper-live); held: the account already holds it, the run only checks (ccxt).
   */
  readonly capital: 'deposit' | 'held';
  /** replay: market time is the run's tick time; live: the wall clock (an engine judges orders at Date.now()). */
  readonly clock: 'replay' | 'live';
  /** Cross-field checks of the run input this kind needs; issues name the field. */
  validateRun(run: RunFacts<S>, ctx: z.RefinementCtx): void;
}
