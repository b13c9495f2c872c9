/** One Temporal client for one CLI command (env, or the Temporal secret when TEMPORAL_SECRET_ARN is set). */
import type { Client } from '@temporalio/client';
import { connectClient, loadTemporalConfig, type TemporalConfig } from '../temporal/connection';

/** `cfg` is what the client was connected with, for a command that opens a worker connection too. */
export async function withTemporalClient<T>(
  fn: (c: Client, namespace: string, cfg: TemporalConfig) => Promise<T>,
): Promise<T> {
  const cfg = await loadTemporalConfig();
  const client = await connectClient(cfg);
  try {
    return await fn(client, cfg.namespace, cfg);
  } finally {
    await client.connection.close();
  }
}
