/** Long-running process commands: worker, venue, temporal. */
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { connectWorker } from '../../temporal/connection';
import { withTemporalClient } from '../with-client';
import { runWorkerUntilSignal } from '../../workers/worker';
import { runTemporalForeground } from '../../dev/temporal/dev-server';
import { resolveTemporalCli } from '../../dev/temporal/cli-binary';
import { startPaperVenueServer } from '../../simulators/paper-venue/server';
import { exchangeOptionsFrom } from '../../simulators/binance-exchange/config';
import type { KeyFlag } from '../../simulators/binance-exchange/config';
import { collect, pairs, parseFlags, strategiesOption, untrustedStrategiesOption, wholeNumberFlag } from '../flags';
import { strategyDirsFrom } from '../../domain/strategies/loader';
import { loadAllStrategies, untrustedDirsFrom } from '../../domain/strategies/sandbox/untrusted';
import { TempotradeError } from '../../domain/errors';
import { startJournal } from '../../workers/journal';
import { notifierFromEnv } from '../../activities/alerts';
import { createLogger, logFeed, temporalLogger } from '../../workers/telemetry/logger';
import { createTradingMetrics } from '../../workers/telemetry/metrics';
import { installRuntime } from '../../workers/telemetry/runtime';
import { startMetricsServer } from '../../workers/telemetry/server';

const portFlag = () => wholeNumberFlag(0, 65535, 'must be a port number (0: any free port)');

/** --metrics-port wins over TEMPOTRADE_METRICS_PORT; a bad value names whichever was given. */
export function metricsPortFrom(flag: number | undefined, env: NodeJS.ProcessEnv): number | undefined {
  if (flag !== undefined) return flag;
  const raw = env.TEMPOTRADE_METRICS_PORT;
  if (raw === undefined || raw === '') return undefined;
  const r = portFlag().safeParse(raw);
  if (!r.success) throw new TempotradeError('VALIDATION', `TEMPOTRADE_METRICS_PORT: ${r.error.issues[0].message}`);
  return r.data;
}

const WorkerFlags = z
  .object({
    taskQueue: z.string().min(1).optional(),
    venue: z
      .array(
        z
          .string()
          .regex(
            /^[a-z0-9]+(-sandbox)?:[A-Za-z0-9._:-]{1,64}$/,
            'must be EXCHANGE:ACCOUNT, e.g. binance:desk-1 or binance-sandbox:desk-1',
          ),
      )
      .default([]),
    venueRate: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
      .transform(Number)
      .pipe(z.number().positive('must be a positive number'))
      .optional(),
    strategies: z.array(z.string().min(1)).default([]),
    untrustedStrategies: z.array(z.string().min(1)).default([]),
    metricsPort: portFlag().optional(),
    journal: z.boolean().default(true),
  })
  .strict();

export function workerCommand(): Command {
  return new Command('worker')
    .description('run a worker: strategy workflows and all activities (Ctrl-C stops it gracefully)')
    .option('--task-queue <name>', 'task queue to poll')
    .option(
      '--venue <EXCHANGE:ACCOUNT>',
      "also execute this venue account's calls (its own task queue), repeatable; e.g. binance:desk-1",
      collect,
    )
    .option(
      '--venue-rate <perSecond>',
      'at most this many venue activities per second per venue account, for all workers together (server-enforced)',
    )
    .addOption(strategiesOption('also run'))
    .addOption(untrustedStrategiesOption('also run'))
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics (tempotrade_*, temporal_*) at http://0.0.0.0:PORT/metrics; 0 picks a free port (env TEMPOTRADE_METRICS_PORT)',
    )
    .option(
      '--no-journal',
      'do not write the trade journal (default: on, to TEMPOTRADE_JOURNAL_URL or .tempotrade/journal.sqlite)',
    )
    .action(async (opts) => {
      const f = parseFlags(WorkerFlags, opts);
      const metricsPort = metricsPortFrom(f.metricsPort, process.env);
      const log = createLogger({ base: { process: 'worker' } });
      // Before connecting: a broken strategy module stops the worker at once, naming the file.
      const strategies = await loadAllStrategies(
        strategyDirsFrom(f.strategies),
        untrustedDirsFrom(f.untrustedStrategies),
      );
      // A bad webhook setting stops the start (exit 2, naming the variable), not the first alert.
      const alerts = notifierFromEnv(process.env);
      log.info({ alerts: alerts.describe() }, `alerts: ${alerts.describe()}`);
      // Before any NativeConnection: the Runtime is process-wide and takes its logger and exporter once.
      const runtime = await installRuntime({ logger: log, sdkMetrics: metricsPort !== undefined });
      // Before polling too: a bad journal URL or an unreachable database stops the start, naming it.
      const journal = f.journal
        ? await startJournal(process.env, { log: (m) => log.warn({ journal: true }, m) })
        : undefined;
      log.info(
        { journal: journal?.where ?? 'off' },
        journal ? `journal: ${journal.where}` : 'journal: off (--no-journal)',
      );
      const metrics = metricsPort !== undefined ? createTradingMetrics() : undefined;
      const server =
        metrics && metricsPort !== undefined
          ? await startMetricsServer({
              port: metricsPort,
              metrics,
              ...(runtime.sdkMetricsUrl ? { sdkMetricsUrl: runtime.sdkMetricsUrl } : {}),
            })
          : undefined;
      if (server) log.info({ metricsUrl: server.url }, `metrics at ${server.url}`);
      try {
        // env, or the Temporal secret (TEMPORAL_SECRET_ARN) in AWS
        await withTemporalClient(async (client, namespace, cfg) => {
          const connection = await connectWorker(cfg);
          try {
            await runWorkerUntilSignal({
              connection,
              client,
              namespace,
              strategies,
              venueAccounts: f.venue,
              ...(f.venueRate !== undefined ? { venueActivitiesPerSecond: f.venueRate } : {}),
              ...(f.taskQueue ? { taskQueue: f.taskQueue } : {}),
              feed: [logFeed(log), ...(metrics ? [metrics.subscriber] : []), ...(journal ? [journal] : [])],
              ...(metrics ? { activityInterceptors: [metrics.activityInterceptor] } : {}),
              bundleLogger: temporalLogger(log),
              onFeedError: (subscriber, err) => log.error({ subscriber, err }, `run feed: ${subscriber} failed`),
              log: (message, fields) => log.info(fields ?? {}, message),
            });
          } finally {
            await journal?.close();
            await connection.close();
          }
        });
      } finally {
        await server?.close();
      }
    });
}

const VenueFlags = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: wholeNumberFlag(0, 65535, 'must be a port number').default(8701),
    data: z.array(z.string()).default([]),
    account: z.array(z.string()).default([]),
    state: z.string().optional(),
    // --api-key/--api-secret/--balance: collected in argv order into one list (see venueCommand)
    apiKey: z.array(z.unknown()).optional(),
    apiSecret: z.array(z.unknown()).optional(),
    balance: z.array(z.unknown()).optional(),
    config: z.string().min(1).optional(),
    faults: z.string().optional(),
    interval: z.string().optional(),
    start: z.string().min(1).optional(),
    weightLimit: z.string().optional(),
  })
  .strict();

/** "--account KEY=ASSET:AMOUNT[,ASSET:AMOUNT]" → balances per account key. */
function accountBalances(values: string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [key, spec] of Object.entries(pairs(values, '--account'))) {
    out[key] = Object.fromEntries(
      spec.split(',').map((kv) => {
        const [asset, amount] = kv.split(':');
        if (!asset || !amount || !Number.isFinite(Number(amount)))
          throw new Error(`--account: expected KEY=ASSET:AMOUNT, got "${key}=${spec}"`);
        return [asset, amount];
      }),
    );
  }
  return out;
}

export function venueCommand(): Command {
  // Key flags keep their argv order: each --balance belongs to the most recent --api-key.
  const keyFlags: KeyFlag[] = [];
  const keyFlag = (flag: KeyFlag['flag']) => (value: string) => {
    keyFlags.push({ flag, value });
    return keyFlags;
  };
  return new Command('venue')
    .description(
      'run the paper venue (JSON API under /v1) and the local Binance-protocol exchange (/api/v3, /sapi) on the same engine, in its own process',
    )
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', '8701')
    .option('--data <SYM=PATH>', 'market data CSV (.csv or .csv.gz), repeatable', collect)
    .option('--account <KEY=ASSET:AMOUNT>', 'pre-fund an account, repeatable', collect)
    .option('--state <file>', 'persist orders, fills and balances to this file (survives venue restarts)')
    .option(
      '--api-key <key>',
      'local exchange: an API key (= an account), repeatable; followed by its --api-secret and --balance flags',
      keyFlag('--api-key'),
    )
    .option(
      '--api-secret <secret>',
      'local exchange: the HMAC secret of the preceding --api-key',
      keyFlag('--api-secret'),
    )
    .option(
      '--balance <ASSET=AMOUNT>',
      'local exchange: opening balance of the preceding --api-key, repeatable',
      keyFlag('--balance'),
    )
    .option(
      '--config <file.json>',
      'local exchange: JSON config { data, apiKeys, interval, start, weightLimit, faults } (docs/local-exchange.md)',
    )
    .option(
      '--faults <spec>',
      'local exchange: fault injection, e.g. "seed=7,POST.order:drop@0.2,market:stale=3" (docs/local-exchange.md)',
    )
    .option('--interval <interval>', 'local exchange: kline interval each recorded bar is served as (default 1s)')
    .option(
      '--start <bars|ISO>',
      'local exchange: bars of history when the replay starts (default 500), or an ISO instant',
    )
    .option('--weight-limit <n>', 'local exchange: request weight per minute per client IP (default 6000)')
    .action(async (opts) => {
      const f = parseFlags(VenueFlags, opts);
      const log = createLogger({ base: { process: 'venue' } });
      const ex = exchangeOptionsFrom({
        keyFlags,
        ...(f.config ? { config: f.config } : {}),
        ...(f.faults !== undefined ? { faults: f.faults } : {}),
        ...(f.interval !== undefined ? { interval: f.interval } : {}),
        ...(f.start !== undefined ? { start: f.start } : {}),
        ...(f.weightLimit !== undefined ? { weightLimit: f.weightLimit } : {}),
      });
      const datasets = {
        ...ex.datasets,
        ...Object.fromEntries(Object.entries(pairs(f.data, '--data')).map(([s, p]) => [s, path.resolve(p)])),
      };
      const server = await startPaperVenueServer({
        host: f.host,
        port: f.port,
        datasets,
        accounts: accountBalances(f.account),
        exchange: ex.exchange,
        ...(f.state ? { stateFile: path.resolve(f.state) } : {}),
        log: (m) => log.info(m),
      });
      log.info(
        { url: server.url },
        `paper venue listening on ${server.url} (Binance protocol: ${server.url}/api/v3, ${server.exchange.keys.list().length} API key(s), ${server.exchange.clock.interval} bars)`,
      );
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}

export function temporalCommand(): Command {
  const cmd = new Command('temporal')
    .description('run a local Temporal dev server in the foreground (UI on :8233); reuses one that is already up')
    .option('--port <port>', 'gRPC port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--data-dir <dir>', 'where the SQLite file lives', '.tempotrade')
    .action(async (opts: { port: string; uiPort: string; dataDir: string }) => {
      const f = parseFlags(
        z
          .object({
            port: z.coerce.number().int().min(1).max(65535),
            uiPort: z.coerce.number().int().min(1).max(65535),
            dataDir: z.string().min(1),
          })
          .strict(),
        opts,
      );
      await runTemporalForeground({ port: f.port, uiPort: f.uiPort, dataDir: path.resolve(f.dataDir) });
    });
  cmd
    .command('ensure')
    .description('make sure the Temporal CLI is available (builds it with Go into the cache if needed)')
    .action(async () => {
      const r = await resolveTemporalCli({ build: true, log: (m) => console.log(m) });
      console.log(`${r.path} (source: ${r.source})`);
    });
  return cmd;
}
