/** One Temporal client for one CLI command (env, or the Temporal secret when TEMPORAL_SECRET_ARN is set). */
import type { Client } from '@temporalio/client';
import { connectClient, loadTemporalConfig } from '../temporal/connection';

export async function withTemporalClient<T>(fn: (c: Client, namespace: string) => Promise<T>): Promise<T> {
  const cfg = await loadTemporalConfig();
  const client = await connectClient(cfg);
  try {
    return await fn(client, cfg.namespace);
  } finally {
    await client.connection.close();
  }
}
