/**
 * Temporal connection config: one module for the worker, the CLI and the Lambdas.
 * Default: the local dev server. Temporal Cloud or any cluster through env:
 *   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, and TEMPORAL_API_KEY or TEMPORAL_TLS_CERT_PATH + TEMPORAL_TLS_KEY_PATH.
 * In AWS (Fargate worker, Lambdas) the credentials live in Secrets Manager: TEMPORAL_SECRET_ARN names a
 * JSON secret { apiKey } or { tlsCert, tlsKey } (PEM text), optionally with address and namespace;
 * `loadTemporalConfig` reads it at run time (cached), so no credential is ever in the environment.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
// Type only: the worker package (webpack, swc) is loaded by connectWorker alone, so clients (Lambdas) do not carry it.
import type { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { formatZodIssues, TempotradeError } from '../domain/errors';
import { defaultSecretReader, readJsonSecret, type SecretReader } from '../aws/secrets';

export const TemporalConfig = z
  .object({
    address: z
      .string()
      .regex(/^[^:\s]+:\d+$/, 'must be host:port')
      .default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    apiKey: z.string().min(1).optional(),
    tlsCertPath: z.string().min(1).optional(),
    tlsKeyPath: z.string().min(1).optional(),
    /** PEM text of the mTLS client certificate and key (from a secret; never from env). */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => Boolean(c.tlsCertPath) === Boolean(c.tlsKeyPath), {
    message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
    path: ['tlsCertPath'],
  })
  .refine((c) => Boolean(c.tlsCert) === Boolean(c.tlsKey), {
    message: 'tlsCert and tlsKey go together',
    path: ['tlsCert'],
  });
export type TemporalConfig = z.infer<typeof TemporalConfig>;

export function temporalConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<TemporalConfig> = {},
): TemporalConfig {
  const raw = {
    address: env.TEMPORAL_ADDRESS || undefined,
    namespace: env.TEMPORAL_NAMESPACE || undefined,
    apiKey: env.TEMPORAL_API_KEY || undefined,
    tlsCertPath: env.TEMPORAL_TLS_CERT_PATH || undefined,
    tlsKeyPath: env.TEMPORAL_TLS_KEY_PATH || undefined,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
  const r = TemporalConfig.safeParse(raw);
  if (!r.success) throw new TempotradeError('CONFIG', `Temporal connection: ${formatZodIssues(r.error)}`);
  return r.data;
}

/** The Temporal credentials secret (TEMPORAL_SECRET_ARN): what Temporal Cloud needs, as JSON. */
export const TemporalSecret = z
  .object({
    address: z
      .string()
      .regex(/^[^:\s]+:\d+$/, 'must be host:port')
      .optional(),
    namespace: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    tlsCert: z.string().includes('BEGIN CERTIFICATE', { message: 'must be a PEM certificate' }).optional(),
    tlsKey: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }).optional(),
  })
  .strict()
  .refine((s) => Boolean(s.tlsCert) === Boolean(s.tlsKey), {
    message: 'tlsCert and tlsKey go together',
    path: ['tlsCert'],
  });
export type TemporalSecret = z.infer<typeof TemporalSecret>;

/**
 * The connection config for this process: env, plus the Temporal secret when TEMPORAL_SECRET_ARN is set
 * (its fields win over env; env keeps the non-secret address/namespace that CDK context provides).
 */
export async function loadTemporalConfig(
  env: Record<string, string | undefined> = process.env,
  secrets: SecretReader = defaultSecretReader(),
): Promise<TemporalConfig> {
  const base = temporalConfigFromEnv(env);
  const arn = env.TEMPORAL_SECRET_ARN || undefined;
  if (!arn) return base;
  const secret = await readJsonSecret(secrets, arn, TemporalSecret);
  return temporalConfigFromEnv({}, { ...base, ...secret });
}

function tlsOf(c: TemporalConfig) {
  if (c.tlsCert && c.tlsKey) return { clientCertPair: { crt: Buffer.from(c.tlsCert), key: Buffer.from(c.tlsKey) } };
  if (c.tlsCertPath && c.tlsKeyPath)
    return { clientCertPair: { crt: readFileSync(c.tlsCertPath), key: readFileSync(c.tlsKeyPath) } };
  return c.apiKey ? true : undefined;
}

export async function connectClient(c: TemporalConfig = temporalConfigFromEnv()): Promise<Client> {
  try {
    const connection = await Connection.connect({
      address: c.address,
      tls: tlsOf(c),
      ...(c.apiKey ? { apiKey: c.apiKey } : {}),
      connectTimeout: '5s',
    });
    return new Client({ connection, namespace: c.namespace });
  } catch (e) {
    throw new TempotradeError(
      'NETWORK',
      `cannot reach Temporal at ${c.address} (${(e as Error).message}). Start one with \`npm run temporal\` or set TEMPORAL_ADDRESS.`,
    );
  }
}

export async function connectWorker(c: TemporalConfig = temporalConfigFromEnv()): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  try {
    return await NativeConnection.connect({
      address: c.address,
      tls: tlsOf(c),
      ...(c.apiKey ? { apiKey: c.apiKey } : {}),
    });
  } catch (e) {
    throw new TempotradeError(
      'NETWORK',
      `cannot reach Temporal at ${c.address} (${(e as Error).message}). Start one with \`npm run temporal\` or set TEMPORAL_ADDRESS.`,
    );
  }
}
