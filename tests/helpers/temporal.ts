/**
 * Test harness against the real Temporal dev server that tests/setup/global-setup.ts starts once per
 * jest run: a client, and an in-process worker on a task queue of the test's own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { createWorker, runWorkersUntil, type CreateWorkerOptions } from '../../workers/worker';
import type { BrokerRegistry } from '../../brokers/registry';

export function serverAddress(): string {
  const a = process.env.TEMPORAL_ADDRESS;
  if (!a) throw new Error('TEMPORAL_ADDRESS is not set: the jest global setup should have started a server');
  return a;
}
export const NAMESPACE = () => process.env.TEMPORAL_NAMESPACE ?? 'default';

export async function testClient(): Promise<Client> {
  const connection = await Connection.connect({ address: serverAddress() });
  return new Client({ connection, namespace: NAMESPACE() });
}

export function uniqueQueue(name: string): string {
  return `test-${name}-${process.pid}-${Date.now().toString(36)}`;
}

/** Run `fn` while an in-process worker polls `taskQueue`; the worker is shut down afterwards. */
export async function withWorker<T>(
  taskQueue: string,
  fn: (w: { worker: Worker; brokers: BrokerRegistry }) => Promise<T>,
  opts: Pick<CreateWorkerOptions, 'venueAccounts' | 'venueActivitiesPerSecond' | 'brokers' | 'strategies'> = {},
): Promise<T> {
  const connection = await NativeConnection.connect({ address: serverAddress() });
  try {
    const created = await createWorker({ connection, namespace: NAMESPACE(), taskQueue, ...opts });
    try {
      return await runWorkersUntil(created, fn(created));
    } finally {
      await created.brokers.closeAll();
    }
  } finally {
    await connection.close();
  }
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

export async function executionStatus(client: Client, workflowId: string): Promise<WorkflowExecutionStatusName> {
  return (await client.workflow.getHandle(workflowId).describe()).status.name;
}
