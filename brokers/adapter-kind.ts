/**
 * A venue kind, runtime half: how a worker reaches the venue (creates its brokerage) and what the market
 * activities do that differs per kind. Lives beside its pure half (venue-kind.ts) in the kind's folder;
 * registered in registry.ts.
 */
import type { z } from 'zod';
import { TempotradeError } from '../domain/errors';
import type { Balance, Brokerage, DepositOutcome } from './brokerage';
import type { CredentialProvider } from './credentials';
import type { VenueKind, VenueSchema } from './venue-kind';

/** What a worker hands every adapter. */
export interface AdapterEnv {
  credentials: CredentialProvider;
  /** Where paper-on-live accounts keep their state. */
  paperStateDir: string;
}

export interface VenueAdapter<Schema extends VenueSchema, B extends Brokerage> {
  readonly kind: VenueKind<Schema>;
  create(venue: z.output<Schema>, accountId: string, env: AdapterEnv): B | Promise<B>;
  /** Before market.describe: what the venue must hold first (the paper venue's datasets). */
  prepare?(broker: B, venue: z.output<Schema>): Promise<void>;
  /**
   * account.open: a simulated account is funded with the capital once (idempotent, never re-funded);
   * a real one's balances are read.
   */
  openAccount(broker: B, funds: Record<string, string>): Promise<Record<string, Balance>>;
  /** account.deposit, for a kind whose capital is 'deposit': credit paper money once per depositId. */
  deposit?(broker: B, d: Deposit): Promise<DepositOutcome>;
}

export interface Deposit {
  asset: string;
  amount: string;
  /** The idempotency key: a second deposit with this id changes nothing. */
  depositId: string;
}

/** One venue account's brokerage with its kind's hooks bound to it. */
export interface VenueSession {
  readonly broker: Brokerage;
  prepare(): Promise<void>;
  openAccount(funds: Record<string, string>): Promise<Record<string, Balance>>;
  deposit(d: Deposit): Promise<DepositOutcome>;
}

/** An adapter with its brokerage type erased, as the registry lists it. */
export interface RegisteredAdapter {
  readonly kind: object;
  /** Only ever called with a spec of `kind` (registry.ts dispatches on it). */
  open(venue: { kind: string }, accountId: string, env: AdapterEnv): Promise<VenueSession>;
}

export function registerAdapter<Schema extends VenueSchema, B extends Brokerage>(
  adapter: VenueAdapter<Schema, B>,
): RegisteredAdapter {
  return {
    kind: adapter.kind,
    async open(spec, accountId, env) {
      const venue = spec as z.output<Schema>;
      const broker = await adapter.create(venue, accountId, env);
      return {
        broker,
        prepare: async () => adapter.prepare?.(broker, venue),
        openAccount: (funds) => adapter.openAccount(broker, funds),
        deposit: async (d) => {
          if (!adapter.deposit)
            throw new TempotradeError(
              'CONFIG',
              `venue kind "${adapter.kind.id}" holds its capital: nothing to deposit`,
            );
          return adapter.deposit(broker, d);
        },
      };
    },
  };
}
