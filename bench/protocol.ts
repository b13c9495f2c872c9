/** Messages between bench/run.ts and its worker process (bench/worker-main.ts). */
import { z } from 'zod';

export const WorkerTuningConfig = z
  .object({
    maxCachedWorkflows: z.number().int().min(0).optional(),
    maxConcurrentWorkflowTaskExecutions: z.number().int().min(2).optional(),
    maxConcurrentActivityTaskExecutions: z.number().int().min(1).optional(),
    maxConcurrentLocalActivityExecutions: z.number().int().min(1).optional(),
    maxConcurrentWorkflowTaskPolls: z.number().int().min(2).optional(),
    maxConcurrentActivityTaskPolls: z.number().int().min(1).optional(),
    reuseV8Context: z.boolean().optional(),
    maxEagerActivityReservationsPerWorkflowTask: z.number().int().min(0).optional(),
  })
  .strict();
export type WorkerTuningConfig = z.infer<typeof WorkerTuningConfig>;

export const BenchWorkerConfig = z
  .object({
    address: z.string().min(1),
    namespace: z.string().min(1),
    taskQueue: z.string().min(1),
    rawTaskQueue: z.string().min(1),
    tuning: WorkerTuningConfig.default({}),
  })
  .strict();
export type BenchWorkerConfig = z.infer<typeof BenchWorkerConfig>;

export interface ActivityTiming {
  workflowId: string;
  runId: string;
  activityId: string;
  type: string;
  local: boolean;
  /** When the server (or, for a local activity, the workflow) scheduled it (ms since epoch). */
  scheduled: number;
  /** When the activity function started and returned at the worker (ms since epoch). */
  start: number;
  end: number;
}

export type ParentMessage = { kind: 'timings' } | { kind: 'memory'; gc?: boolean } | { kind: 'stop' };
export type WorkerMessage =
  | { kind: 'ready'; pid: number }
  | { kind: 'timings'; timings: ActivityTiming[] }
  | { kind: 'memory'; rss: number; heapUsed: number; external: number; cpuUserMs: number; cpuSystemMs: number };
