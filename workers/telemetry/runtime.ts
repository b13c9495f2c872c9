/**
 * The Temporal SDK's process-wide Runtime: its logger is ours (pino) and, when metrics are on, its own
 * metrics (`temporal_*`) are exported in Prometheus text on an internal loopback port that server.ts
 * scrapes and serves with ours. Installed once, before any NativeConnection or Worker exists.
 */
import { createServer } from 'node:net';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { temporalLogger, type Pino } from './logger';

export interface InstalledRuntime {
  /** Where the SDK serves its Prometheus text (undefined: SDK metrics off). */
  sdkMetricsUrl?: string;
}

let installed: InstalledRuntime | undefined;

/** A loopback port free right now (the SDK's exporter cannot report the port it bound to 0). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Install the Runtime with our logger (native logs forwarded into it) and, optionally, SDK metrics. */
export async function installRuntime(opts: { logger: Pino; sdkMetrics: boolean }): Promise<InstalledRuntime> {
  if (installed) return installed;
  const sdkPort = opts.sdkMetrics ? await freeLoopbackPort() : undefined;
  Runtime.install({
    logger: temporalLogger(opts.logger),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
      ...(sdkPort !== undefined ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}` } } } : {}),
    },
  });
  installed = sdkPort !== undefined ? { sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics` } : {};
  return installed;
}
