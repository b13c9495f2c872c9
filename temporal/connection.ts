/**
 * Temporal connection config: one module for the worker, the CLI and the Lambdas.
 * Default: the local dev server. Temporal Cloud or any cluster through env:
 *   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, and TEMPORAL_API_KEY or TEMPORAL_TLS_CERT_PATH + TEMPORAL_TLS_KEY_PATH.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { formatZodIssues, TempotradeError } from '../domain/errors';

export const TemporalConfig = z
  .object({
    address: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    apiKey: z.string().min(1).optional(),
    tlsCertPath: z.string().min(1).optional(),
    tlsKeyPath: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => Boolean(c.tlsCertPath) === Boolean(c.tlsKeyPath), { message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together', path: ['tlsCertPath'] });
export type TemporalConfig = z.infer<typeof TemporalConfig>;

export function temporalConfigFromEnv(env: Record<string, string | undefined> = process.env, overrides: Partial<TemporalConfig> = {}): TemporalConfig {
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

function tlsOf(c: TemporalConfig) {
  if (c.tlsCertPath && c.tlsKeyPath) return { clientCertPair: { crt: readFileSync(c.tlsCertPath), key: readFileSync(c.tlsKeyPath) } };
  return c.apiKey ? true : undefined;
}

export async function connectClient(c: TemporalConfig = temporalConfigFromEnv()): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: c.address, tls: tlsOf(c), ...(c.apiKey ? { apiKey: c.apiKey } : {}), connectTimeout: '5s' });
    return new Client({ connection, namespace: c.namespace });
  } catch (e) {
    throw new TempotradeError('NETWORK', `cannot reach Temporal at ${c.address} (${(e as Error).message}). Start one with \`npm run temporal\` or set TEMPORAL_ADDRESS.`);
  }
}

export async function connectWorker(c: TemporalConfig = temporalConfigFromEnv()): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: c.address, tls: tlsOf(c), ...(c.apiKey ? { apiKey: c.apiKey } : {}) });
  } catch (e) {
    throw new TempotradeError('NETWORK', `cannot reach Temporal at ${c.address} (${(e as Error).message}). Start one with \`npm run temporal\` or set TEMPORAL_ADDRESS.`);
  }
}
