/**
 * The tempotrade worker: strategy workflows + every activity, on one task queue.
 * SIGINT/SIGTERM → worker.shutdown(): in-flight activities finish (grace time), then the process exits.
 */
import path from 'node:path';
import {
  Worker,
  bundleWorkflowCode,
  type ActivityInterceptorsFactory,
  type Logger,
  type NativeConnection,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import { createBrokerRegistry, type BrokerRegistry } from '../brokers/registry';
import { envCredentialProvider } from '../brokers/credentials';
import { secretsManagerCredentialProviderFromEnv } from '../brokers/credentials-aws';
import { ccxtQuantizer } from '../brokers/precision';
import type { Client } from '@temporalio/client';
import { TASK_QUEUES, venueTaskQueueOf } from '../temporal/task-queues';
import { reconcileSignal } from '../workflows/definitions';
import type { StrategyRegistry } from '../domain/strategies/registry';
import { runFeedSinks, type RunFeedSubscriber } from './run-feed';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundle the workflow code once per process (the bundler's lines go to `logger`, default: the SDK's). */
export function workflowBundle(logger?: Logger): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve(WORKFLOWS_PATH), logger });
  return bundle;
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  brokers?: BrokerRegistry;
  identity?: string;
  /**
   * Venue accounts whose calls this worker also executes ("binance:acct-1", "binance-sandbox:acct-2"):
   * one activity-only worker per account on that account's task queue.
   */
  venueAccounts?: string[];
  /**
   * Server-enforced cap on venue activities started per second on each venue account's queue, for all
   * of its workers together (Temporal's maxTaskQueueActivitiesPerSecond). Set it from the exchange's
   * rate limit divided by the requests one venue activity makes (docs/operations.md).
   */
  venueActivitiesPerSecond?: number;
  /**
   * Worker tuning and instrumentation passed through to the strategies worker (bench/ measures them:
   * docs/performance.md). Unset: the SDK's defaults.
   */
  tuning?: WorkerTuning;
  /** The strategies this worker runs: built-ins plus those loaded from --strategies folders (default: built-ins). */
  strategies?: StrategyRegistry;
  /** Who reads the runs' feed (journal, metrics): workers/run-feed.ts. */
  feed?: RunFeedSubscriber[];
  /** Around every activity of every worker of the set (the metrics time venue calls and strategy steps). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** Where the workflow bundler logs (default: the SDK's default logger). */
  bundleLogger?: Logger;
  /** Where a failing feed subscriber is reported (default: stderr). */
  onFeedError?: (subscriber: string, err: unknown) => void;
}

/** The worker options bench/ varies, plus interceptors (the bench times activities with one). */
export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
  | 'maxConcurrentWorkflowTaskPolls'
  | 'maxConcurrentActivityTaskPolls'
  | 'nonStickyToStickyPollRatio'
  | 'stickyQueueScheduleToStartTimeout'
  | 'reuseV8Context'
  | 'workflowThreadPoolSize'
  | 'maxEagerActivityReservationsPerWorkflowTask'
  | 'interceptors'
>;

export interface TempotradeWorkers {
  worker: Worker;
  /** One per venue account, polling its venue task queue. */
  venueWorkers: Worker[];
  brokers: BrokerRegistry;
}

export async function createWorker(opts: CreateWorkerOptions): Promise<TempotradeWorkers> {
  // Venue keys: Secrets Manager when TEMPOTRADE_VENUE_SECRET_ARN is set (AWS), else the environment.
  const brokers =
    opts.brokers ?? createBrokerRegistry(secretsManagerCredentialProviderFromEnv() ?? envCredentialProvider());
  const activities = createActivities({
    brokers,
    quantizer: ccxtQuantizer,
    ...(opts.strategies ? { strategies: opts.strategies } : {}),
  });
  const common = {
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    shutdownGraceTime: '10s' as const,
    ...(opts.identity ? { identity: opts.identity } : {}),
  };
  const activityInterceptors = opts.activityInterceptors ?? [];
  const { interceptors: tuned, ...tuning } = opts.tuning ?? {};
  const worker = await Worker.create({
    ...common,
    taskQueue: opts.taskQueue ?? TASK_QUEUES.strategies,
    workflowBundle: await workflowBundle(opts.bundleLogger),
    activities,
    sinks: runFeedSinks(opts.feed ?? [], opts.onFeedError),
    ...tuning,
    ...(tuned || activityInterceptors.length > 0
      ? { interceptors: { ...tuned, activity: [...(tuned?.activity ?? []), ...activityInterceptors] } }
      : {}),
  });
  const venueWorkers = await Promise.all(
    [...new Set(opts.venueAccounts ?? [])].map((name) =>
      Worker.create({
        ...common,
        taskQueue: venueTaskQueueOf(name),
        activities,
        ...(activityInterceptors.length > 0 ? { interceptors: { activity: activityInterceptors } } : {}),
        ...(opts.venueActivitiesPerSecond !== undefined
          ? { maxTaskQueueActivitiesPerSecond: opts.venueActivitiesPerSecond }
          : {}),
      }),
    ),
  );
  return { worker, venueWorkers, brokers };
}

/** Run every worker of the set until `until` settles (or a worker fails); all are shut down after. */
export async function runWorkersUntil<T>(w: TempotradeWorkers, until: Promise<T>): Promise<T> {
  const [result] = await Promise.all([
    w.worker.runUntil(until),
    ...w.venueWorkers.map((v) =>
      v.runUntil(
        until.then(
          () => undefined,
          () => undefined,
        ),
      ),
    ),
  ]);
  return result;
}

/**
 * A worker that starts after others died asks every running strategy run of its queue to reconcile
 * with the venue before its next trade (fail-closed after a crash). Returns the runs signalled.
 */
export async function announceWorkerStart(client: Client, taskQueue: string, who: string): Promise<string[]> {
  const signalled: string[] = [];
  const query = `WorkflowType = 'strategyRun' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}'`;
  for await (const wf of client.workflow.list({ query })) {
    try {
      await client.workflow.getHandle(wf.workflowId).signal(reconcileSignal, { reason: `worker ${who} started` });
      signalled.push(wf.workflowId);
    } catch {
      // finished meanwhile: nothing to reconcile
    }
  }
  return signalled;
}

/** A worker message and its structured fields (the CLI logs them with pino). */
export type WorkerLog = (message: string, fields?: Record<string, unknown>) => void;

/** Run until SIGINT/SIGTERM, then shut down gracefully. */
export async function runWorkerUntilSignal(
  opts: CreateWorkerOptions & { log?: WorkerLog; client?: Client },
): Promise<void> {
  const log: WorkerLog = opts.log ?? ((m: string) => console.log(m));
  const { worker, venueWorkers, brokers } = await createWorker(opts);
  const stop = (sig: string) => {
    log(`${sig}: shutting down the worker (in-flight activities get 10 s)…`);
    for (const w of [worker, ...venueWorkers]) w.shutdown();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const taskQueue = opts.taskQueue ?? TASK_QUEUES.strategies;
  log(`worker polling task queue "${taskQueue}" (pid ${process.pid})`, { taskQueue });
  for (const s of opts.strategies?.list().filter((e) => e.source !== 'built-in') ?? [])
    log(`strategy ${s.name}@${s.version} from ${s.source} (sha256 ${s.hash.slice(0, 12)})`, {
      strategy: s.name,
      version: s.version,
      hash: s.hash,
    });
  for (const name of opts.venueAccounts ?? [])
    log(
      `venue worker for ${name} polling "${venueTaskQueueOf(name)}"${opts.venueActivitiesPerSecond !== undefined ? ` (at most ${opts.venueActivitiesPerSecond} activities/s for all its workers)` : ''}`,
      { venueAccount: name, taskQueue: venueTaskQueueOf(name) },
    );
  if (opts.client) {
    const client = opts.client;
    // After the pollers are up, so the signalled runs find a worker.
    setTimeout(() => {
      announceWorkerStart(client, taskQueue, `${process.pid}`).then(
        (runs) =>
          runs.length > 0 &&
          log(`asked ${runs.length} running run(s) to reconcile with their venue: ${runs.join(', ')}`, {
            workflowIds: runs,
          }),
        (e: unknown) => log(`could not ask running runs to reconcile: ${(e as Error).message}`),
      );
    }, 500);
  }
  try {
    await Promise.all([worker.run(), ...venueWorkers.map((v) => v.run())]);
  } finally {
    await brokers.closeAll();
    log('worker stopped');
  }
}
