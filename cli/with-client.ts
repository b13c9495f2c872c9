/**
 * One Temporal client for one CLI command: the Temporal CLI's profile and environment (@temporalio/envconfig),
 * or the Temporal secret when TEMPORAL_SECRET_ARN is set (temporal/connection.ts).
 */
import type { Client } from '@temporalio/client';
import { TempotradeError } from '../domain/errors';
import { connectClient, loadTemporalConfig, type TemporalConfig } from '../temporal/connection';

/** A bad connection setting is a usage error on the command line (exit 2), naming the variable. */
async function cliTemporalConfig(): Promise<TemporalConfig> {
  try {
    return await loadTemporalConfig();
  } catch (e) {
    if (e instanceof TempotradeError && e.code === 'CONFIG')
      throw new TempotradeError('VALIDATION', e.message, e.details);
    throw e;
  }
}

/** `cfg` is what the client was connected with, for a command that opens a worker connection too. */
export async function withTemporalClient<T>(
  fn: (c: Client, namespace: string, cfg: TemporalConfig) => Promise<T>,
): Promise<T> {
  const cfg = await cliTemporalConfig();
  const client = await connectClient(cfg);
  try {
    return await fn(client, cfg.namespace, cfg);
  } finally {
    await client.connection.close();
  }
}
