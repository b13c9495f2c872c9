/**
 * The tempotrade worker: strategy workflows + every activity, on one task queue.
 * SIGINT/SIGTERM → worker.shutdown(): in-flight activities finish (grace time), then the process exits.
 */
import path from 'node:path';
import { Worker, bundleWorkflowCode, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createBrokerRegistry, type BrokerRegistry } from '../brokers/registry';
import { ccxtQuantizer } from '../brokers/precision';
import { TASK_QUEUES } from '../temporal/task-queues';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundle the workflow code once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve(WORKFLOWS_PATH), logger: undefined });
  return bundle;
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  brokers?: BrokerRegistry;
  identity?: string;
}

export async function createWorker(opts: CreateWorkerOptions): Promise<{ worker: Worker; brokers: BrokerRegistry }> {
  const brokers = opts.brokers ?? createBrokerRegistry();
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUES.strategies,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ brokers, quantizer: ccxtQuantizer }),
    shutdownGraceTime: '10s',
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
  return { worker, brokers };
}

/** Run until SIGINT/SIGTERM, then shut down gracefully. */
export async function runWorkerUntilSignal(opts: CreateWorkerOptions & { log?: (m: string) => void }): Promise<void> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const { worker, brokers } = await createWorker(opts);
  const stop = (sig: string) => {
    log(`${sig}: shutting down the worker (in-flight activities get 10 s)…`);
    worker.shutdown();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  log(`worker polling task queue "${opts.taskQueue ?? TASK_QUEUES.strategies}" (pid ${process.pid})`);
  try {
    await worker.run();
  } finally {
    await brokers.closeAll();
    log('worker stopped');
  }
}
