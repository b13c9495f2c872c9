/**
 * Venue credentials from AWS Secrets Manager (the worker in AWS). Env holds only the secret's ARN or
 * name, TEMPOTRADE_VENUE_SECRET_ARN; the value is read at run time, validated, and cached for a TTL
 * (default 5 min, TEMPOTRADE_VENUE_SECRET_TTL_MS), so rotated keys are picked up without a redeploy.
 *
 * Secret layout (JSON), exchange id → account id → keys; "*" is any account of that exchange:
 *   { "binance": { "desk-1": { "apiKey": "…", "secret": "…" }, "*": { "apiKey": "…", "secret": "…" } },
 *     "kraken":  { "desk-2": { "apiKey": "…", "secret": "…", "password": "…" } } }
 */
import { z } from 'zod';
import { TempotradeError } from '../domain/errors';
import { createSecretReader, readJsonSecret, type SecretReader } from '../aws/secrets';
import { VenueCredentials, type CredentialProvider } from './credentials';

export const ANY_ACCOUNT = '*';

export const VenueCredentialsSecret = z.record(
  z.string().regex(/^[a-z0-9]+$/, 'exchange ids are ccxt ids like "binance"'),
  z.record(
    z.string().regex(/^(\*|[A-Za-z0-9._:-]{1,64})$/, 'account ids: letters, digits and . _ : - (or "*")'),
    VenueCredentials,
  ),
);
export type VenueCredentialsSecret = z.infer<typeof VenueCredentialsSecret>;

export interface SecretsManagerCredentialOptions {
  secretId: string;
  reader?: SecretReader;
  ttlMs?: number;
}

export function secretsManagerCredentialProvider(opts: SecretsManagerCredentialOptions): CredentialProvider {
  const reader = opts.reader ?? createSecretReader({ ...(opts.ttlMs !== undefined ? { ttlMs: opts.ttlMs } : {}) });
  return {
    describe: () =>
      `AWS Secrets Manager secret ${opts.secretId} (JSON: exchange → account → { apiKey, secret, password? })`,
    async get(exchangeId, accountId) {
      const all = await readJsonSecret(reader, opts.secretId, VenueCredentialsSecret);
      const byAccount = all[exchangeId];
      return byAccount?.[accountId] ?? byAccount?.[ANY_ACCOUNT];
    },
  };
}

/** The provider the worker should use when TEMPOTRADE_VENUE_SECRET_ARN is set (undefined otherwise). */
export function secretsManagerCredentialProviderFromEnv(
  env: Record<string, string | undefined> = process.env,
): CredentialProvider | undefined {
  const secretId = env.TEMPOTRADE_VENUE_SECRET_ARN || undefined;
  if (!secretId) return undefined;
  const ttl = env.TEMPOTRADE_VENUE_SECRET_TTL_MS;
  if (ttl !== undefined && !/^\d+$/.test(ttl))
    throw new TempotradeError(
      'CONFIG',
      `TEMPOTRADE_VENUE_SECRET_TTL_MS: must be a whole number of milliseconds, got "${ttl}"`,
    );
  return secretsManagerCredentialProvider({ secretId, ...(ttl !== undefined ? { ttlMs: Number(ttl) } : {}) });
}
