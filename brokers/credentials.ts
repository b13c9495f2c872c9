/**
 * Venue credentials: read by the worker at run time, never put in a workflow input or history.
 *
 * A CredentialProvider answers "which keys trade account A on exchange X?". The env provider reads,
 * most specific first:
 *   TEMPOTRADE_<EXCHANGE>_<ACCOUNT>_API_KEY / _SECRET / _PASSWORD   (one venue account of several)
 *   TEMPOTRADE_<EXCHANGE>_API_KEY / _SECRET / _PASSWORD             (the worker's one account there)
 * where <EXCHANGE> and <ACCOUNT> are upper-cased with every character outside A–Z, 0–9 turned into "_".
 * In AWS the Secrets Manager provider (credentials-aws.ts) replaces it.
 */
import { z } from 'zod';
import { TempotradeError, formatZodIssues } from '../domain/errors';

export const VenueCredentials = z
  .object({
    apiKey: z.string().min(1, 'must not be empty'),
    secret: z.string().min(1, 'must not be empty'),
    password: z.string().min(1).optional(),
  })
  .strict();
export type VenueCredentials = z.infer<typeof VenueCredentials>;

export interface CredentialProvider {
  /** The keys for this (exchange, account), or undefined when none are configured (public data only). */
  get(exchangeId: string, accountId: string): Promise<VenueCredentials | undefined>;
  /** Where the keys come from, in words (for error messages; never the keys themselves). */
  describe(): string;
}

export function envName(part: string): string {
  return part.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** The env variable prefixes searched for (exchange, account), most specific first. */
export function credentialEnvPrefixes(exchangeId: string, accountId: string): string[] {
  return [`TEMPOTRADE_${envName(exchangeId)}_${envName(accountId)}_`, `TEMPOTRADE_${envName(exchangeId)}_`];
}

export function envCredentialProvider(env: Record<string, string | undefined> = process.env): CredentialProvider {
  return {
    describe: () => 'the worker environment (TEMPOTRADE_<EXCHANGE>[_<ACCOUNT>]_API_KEY / _SECRET / _PASSWORD)',
    async get(exchangeId, accountId) {
      for (const p of credentialEnvPrefixes(exchangeId, accountId)) {
        const raw = { apiKey: env[`${p}API_KEY`], secret: env[`${p}SECRET`], password: env[`${p}PASSWORD`] };
        if (raw.apiKey === undefined && raw.secret === undefined) continue;
        const r = VenueCredentials.safeParse(
          Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
        );
        if (!r.success) throw new TempotradeError('CONFIG', `credentials ${p}*: ${formatZodIssues(r.error)}`);
        return r.data;
      }
      return undefined;
    },
  };
}
