/**
 * The bench's worker process (spawned by bench/run.ts with an IPC channel): the tempotrade worker
 * (workers/worker.ts createWorker, with the tuning under test) on the bench's task queue, and a raw
 * worker (bench/raw-workflows.ts + a no-op activity) on its own queue, in the same process so that
 * both share the same CPU and connection. An activity interceptor records when each activity
 * started and ended at the worker; the parent asks for those records and for memory figures.
 *
 * Messages in: {kind:'timings'} | {kind:'memory'} | {kind:'stop'}. Out: {kind:'ready'} | replies.
 */
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { z } from 'zod';
import { createWorker, runWorkersUntil } from '../workers/worker';
import { createBrokerRegistry } from '../brokers/registry';
import { envCredentialProvider } from '../brokers/credentials';
import { BenchWorkerConfig, type ActivityTiming, type ParentMessage, type WorkerMessage } from './protocol';

const config = BenchWorkerConfig.parse(JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '{}'));
const timings: ActivityTiming[] = [];

function send(m: WorkerMessage): void {
  process.send?.(m);
}

class Timing implements ActivityInboundCallsInterceptor {
  async execute(
    input: Parameters<NonNullable<ActivityInboundCallsInterceptor['execute']>>[0],
    next: Parameters<NonNullable<ActivityInboundCallsInterceptor['execute']>>[1],
  ): Promise<unknown> {
    const info = Context.current().info;
    const start = Date.now();
    try {
      return await next(input);
    } finally {
      timings.push({
        runId: info.workflowExecution?.runId ?? '',
        workflowId: info.workflowExecution?.workflowId ?? '',
        activityId: info.activityId,
        type: info.activityType,
        local: info.isLocal,
        scheduled: info.scheduledTimestampMs,
        start,
        end: Date.now(),
      });
    }
  }
}

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: config.address });
  const brokers = createBrokerRegistry(envCredentialProvider());
  const created = await createWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    brokers,
    tuning: { ...config.tuning, interceptors: { activity: [() => ({ inbound: new Timing() })] } },
  });
  const raw = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.rawTaskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./raw-workflows'), logger: undefined }),
    activities: { noop: async () => undefined },
    ...config.tuning,
    interceptors: { activity: [() => ({ inbound: new Timing() })] },
  });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.on('message', (raw: unknown) => {
    const m = z.custom<ParentMessage>((v) => typeof v === 'object' && v !== null && 'kind' in v).parse(raw);
    if (m.kind === 'timings') send({ kind: 'timings', timings: timings.splice(0) });
    else if (m.kind === 'memory') {
      if (m.gc && global.gc) global.gc();
      const u = process.memoryUsage();
      send({
        kind: 'memory',
        rss: u.rss,
        heapUsed: u.heapUsed,
        external: u.external,
        cpuUserMs: process.cpuUsage().user / 1000,
        cpuSystemMs: process.cpuUsage().system / 1000,
      });
    } else if (m.kind === 'stop') stop();
  });
  process.on('disconnect', () => stop());
  setTimeout(() => send({ kind: 'ready', pid: process.pid }), 200);
  await Promise.all([runWorkersUntil(created, stopped), raw.runUntil(stopped)]);
  await brokers.closeAll();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
