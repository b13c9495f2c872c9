/**
 * Secrets Manager, read at run time (AWS SDK v3). Only a secret's ARN or name travels through env or
 * configuration; the value is fetched when first needed and kept in memory for `ttlMs`, so a rotated
 * secret is picked up within that time without a redeploy.
 *
 * Region, credentials and endpoint come from the SDK's usual chain (AWS_REGION, the task/function
 * role; AWS_ENDPOINT_URL_SECRETS_MANAGER points the client at another endpoint, e.g. in tests).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { z } from 'zod';
import { TempotradeError, formatZodIssues } from '../domain/errors';

export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;

export interface SecretReader {
  /** The secret's string value (SecretString). */
  read(secretId: string): Promise<string>;
}

export interface SecretReaderOptions {
  client?: SecretsManagerClient;
  ttlMs?: number;
  now?: () => number;
}

function awsErrorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

export function createSecretReader(opts: SecretReaderOptions = {}): SecretReader {
  const ttl = opts.ttlMs ?? DEFAULT_SECRET_TTL_MS;
  const now = opts.now ?? Date.now;
  let client = opts.client;
  const cache = new Map<string, { at: number; value: Promise<string> }>();
  async function fetch(secretId: string): Promise<string> {
    client ??= new SecretsManagerClient({});
    try {
      const r = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (r.SecretString === undefined)
        throw new TempotradeError(
          'CONFIG',
          `secret ${secretId} has no string value (binary secrets are not supported)`,
        );
      return r.SecretString;
    } catch (e) {
      if (e instanceof TempotradeError) throw e;
      const name = awsErrorName(e);
      if (name === 'ResourceNotFoundException')
        throw new TempotradeError('CONFIG', `secret ${secretId} does not exist (or has no current value)`);
      if (name === 'AccessDeniedException' || name === 'AccessDenied')
        throw new TempotradeError(
          'PERMISSION_DENIED',
          `not allowed to read secret ${secretId}: ${(e as Error).message}`,
        );
      if (name === 'DecryptionFailure')
        throw new TempotradeError('PERMISSION_DENIED', `cannot decrypt secret ${secretId}: ${(e as Error).message}`);
      throw new TempotradeError('NETWORK', `cannot read secret ${secretId}: ${(e as Error).message}`);
    }
  }
  return {
    read(secretId) {
      const hit = cache.get(secretId);
      if (hit && now() - hit.at < ttl) return hit.value;
      const value = fetch(secretId);
      cache.set(secretId, { at: now(), value });
      // A failed read is not cached: the next call asks again.
      value.catch(() => {
        if (cache.get(secretId)?.value === value) cache.delete(secretId);
      });
      return value;
    },
  };
}

let shared: SecretReader | undefined;
/** One reader (and so one cache) per process. */
export function defaultSecretReader(): SecretReader {
  shared ??= createSecretReader();
  return shared;
}

/** Read a JSON secret and validate it; errors name the secret and the field, never the value. */
export async function readJsonSecret<S extends z.ZodType>(
  reader: SecretReader,
  secretId: string,
  schema: S,
): Promise<z.output<S>> {
  const text = await reader.read(secretId);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TempotradeError('CONFIG', `secret ${secretId} is not JSON`);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new TempotradeError('CONFIG', `secret ${secretId}: ${formatZodIssues(r.error)}`);
  return r.data;
}
