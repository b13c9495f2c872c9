/**
 * `npm run demo`: the whole system on embedded defaults. A local Temporal server (started or reused),
 * the local venue and a worker in their own processes, and three paper strategies on bundled real
 * Binance data (January 2018): one per engine on the venue's replay API (fast, reproducible), and one
 * through the real ccxt binance client against the venue's Binance-protocol exchange (wall-clock
 * replay, one recorded bar a second). A worker SIGKILL in the middle, then the summaries, a check that
 * every portfolio equals the venue's balances, and the Temporal UI links. Stops what it started.
 */
import { Command } from 'commander';
import { z } from 'zod';
import { cmp, display } from '../../domain/money';
import type { RunSummary } from '../../domain/run/state';
import type { StrategyRunInputRaw } from '../../domain/run/input';
import { PaperBrokerage } from '../../brokers/paper/client';
import { connectClient, temporalConfigFromEnv } from '../../temporal/connection';
import { startDevServer, type DevServer } from '../../dev/temporal/dev-server';
import { runStatus, startRun, waitForRun } from '../../temporal/runs-client';
import { accountStatus, updateAccountLimits } from '../../temporal/accounts-client';
import { parseFlags } from '../flags';
import { formatSummary, uiLink } from '../format';
import { progressLine } from './run';
import { spawnVenue, spawnWorker, type Child } from '../spawn';
import { credentialEnvPrefixes } from '../../brokers/credentials';
import { bundledDataFile } from '../../simulators/paper-venue/bundled-data';

export const DEMO_DATA: Record<string, string> = Object.fromEntries(
  ['ETH/BTC', 'LTC/BTC', 'XMR/BTC', 'DASH/BTC'].map((p) => [p, bundledDataFile(p)]),
);

/** A paper venue replaying the bundled data of `symbols`. */
function demoVenue(url: string, symbols: string[]) {
  return { kind: 'paper' as const, url, data: Object.fromEntries(symbols.map((s) => [s, DEMO_DATA[s]])) };
}

/** The demo's account on the local Binance-protocol exchange (an API key like any exchange's). */
export function demoExchangeAccount(stamp: string) {
  const apiKey = `demo${stamp}`;
  return { accountId: `demo-exchange-${stamp}`, apiKey, secret: `demo-secret-${stamp}`, balances: { BTC: '1' } };
}

/** Exchange runs tick on wall-clock bars (one a second): at most this many ticks, so the demo stays short. */
export const EXCHANGE_RUN_MAX_TICKS = 90;

export function demoRuns(stamp: string, venueUrl: string, ticks: number): StrategyRunInputRaw[] {
  const exchange = demoExchangeAccount(stamp);
  return [
    {
      runId: `demo-sma-live-${stamp}`,
      accountId: `demo-live-${stamp}`,
      strategy: { name: 'sma-crossover', params: { fast: 12, slow: 48, orderPct: 15 } },
      symbols: ['ETH/BTC', 'LTC/BTC'],
      venue: demoVenue(venueUrl, ['ETH/BTC', 'LTC/BTC']),
      engine: 'live',
      capital: '1',
      risk: { dailyLossLimitPct: 5, slippageMultipliers: { 'LTC/BTC': 1.5 } },
      stop: { maxTicks: ticks, endOfData: true },
    },
    {
      runId: `demo-rsi-advanced-${stamp}`,
      accountId: `demo-advanced-${stamp}`,
      strategy: {
        name: 'rsi-mean-reversion',
        params: { period: 14, oversold: 25, overbought: 70, orderType: 'limit', limitOffsetBps: 2, postOnly: true },
      },
      symbols: ['XMR/BTC', 'DASH/BTC'],
      venue: demoVenue(venueUrl, ['XMR/BTC', 'DASH/BTC']),
      // engine omitted on purpose: dynamic sizing in the risk config selects the advanced engine.
      capital: '1',
      risk: {
        enableDynamicPositionSizing: true,
        sizing: { method: 'equity-leverage', targetLeverage: 1, multiplier: 0.15 },
        dailyLossLimitPct: 5,
      },
      stop: { maxTicks: ticks, endOfData: true },
    },
    {
      runId: `demo-sma-exchange-${stamp}`,
      accountId: exchange.accountId,
      strategy: { name: 'sma-crossover', params: { fast: 3, slow: 10, orderPct: 20 } },
      symbols: ['ETH/BTC'],
      // The real ccxt binance client, pointed at the local exchange: the same config reaches Binance
      // itself with `apiUrl` removed and keys in the worker's environment (or Secrets Manager).
      venue: { kind: 'ccxt', exchangeId: 'binance', apiUrl: venueUrl, timeframe: '1s' },
      engine: 'live',
      capital: '1',
      tickInterval: '1s',
      risk: { dailyLossLimitPct: 5 },
      stop: { maxTicks: Math.min(ticks, EXCHANGE_RUN_MAX_TICKS) },
    },
  ];
}

/** Portfolio cash and positions against the venue's balances, to the last unit. */
export async function checkAgainstVenue(
  summary: RunSummary,
  venueUrl: string,
  venueAccount = summary.accountId,
): Promise<string[]> {
  const venue = new PaperBrokerage({ url: venueUrl, account: venueAccount });
  const balances = await venue.balances();
  const diffs: string[] = [];
  const quoteHeld = balances[summary.quote]?.total ?? '0';
  if (cmp(quoteHeld, summary.cash) !== 0) diffs.push(`${summary.quote}: portfolio ${summary.cash}, venue ${quoteHeld}`);
  for (const [symbol, qty] of Object.entries(summary.positions)) {
    const base = symbol.split('/')[0];
    const held = balances[base]?.total ?? '0';
    if (cmp(held, qty) !== 0) diffs.push(`${base}: portfolio ${qty}, venue ${held}`);
  }
  await venue.close();
  return diffs;
}

/** TEMPOTRADE_<EXCHANGE>_<ACCOUNT>_API_KEY / _SECRET: how a worker finds an account's keys. */
function credentialEnvFor(
  exchangeId: string,
  accountId: string,
  keys: { apiKey: string; secret: string },
): Record<string, string> {
  const [prefix] = credentialEnvPrefixes(exchangeId, accountId);
  return { [`${prefix}API_KEY`]: keys.apiKey, [`${prefix}SECRET`]: keys.secret };
}

const DemoFlags = z
  .object({ ticks: z.coerce.number().int().min(10).max(100_000), killWorker: z.boolean(), json: z.boolean() })
  .strict();

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run three paper strategies on bundled real data through Temporal: one per engine, one through ccxt on the local exchange',
    )
    .option('--ticks <n>', 'ticks per run (5-minute bars)', '500')
    .option('--no-kill-worker', 'do not SIGKILL the worker in the middle')
    .option('--json', 'print the summaries as JSON', false)
    .action(async (opts) => {
      const f = parseFlags(DemoFlags, opts);
      const log = (m: string) => (f.json ? process.stderr : process.stdout).write(m + '\n');
      const started: Array<{ stop(): Promise<void> }> = [];
      let server: DevServer | undefined;
      try {
        log(
          'tempotrade demo — three paper strategies on real Binance OHLCV (Jan 2018): one per execution engine, one through ccxt on the local Binance-protocol exchange\n',
        );
        server = await startDevServer({ reuse: true, log: (m) => log(`[temporal] ${m}`) });
        if (!server.reused) started.push(server);
        const uiBase = server.uiUrl ?? 'http://localhost:8233';
        log(`[temporal] ${server.reused ? 'reusing' : 'started'} ${server.address}; UI ${uiBase}`);
        const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace };

        const stamp = Date.now().toString(36);
        const exchangeAccount = demoExchangeAccount(stamp);
        const venue = await spawnVenue(DEMO_DATA, { apiKeys: [exchangeAccount] });
        started.push(venue);
        log(`[venue]    local venue on ${venue.url}: replay API /v1, Binance protocol /api/v3 (pid ${venue.pid})`);
        // The worker reads the exchange keys from its environment, like against any exchange, and executes
        // that venue account's calls on its own task queue.
        const workerEnv = { ...env, ...credentialEnvFor('binance', exchangeAccount.accountId, exchangeAccount) };
        const venueQueues = { accounts: [`binance:${exchangeAccount.accountId}`] };
        let worker: Child = await spawnWorker(workerEnv, undefined, undefined, venueQueues);
        started.push({ stop: () => worker.stop() });
        log(`[worker]   worker polling (pid ${worker.pid})`);

        const client = await connectClient(
          temporalConfigFromEnv(process.env, { address: server.address, namespace: server.namespace }),
        );
        const inputs = demoRuns(stamp, venue.url, f.ticks);
        // Account limits, enforced across runs by the account's supervisor workflow (docs/risk.md).
        const limits = { maxGrossExposurePct: 50, dailyLossLimitPct: 20, haltPolicy: 'cancel-orders' as const };
        await updateAccountLimits(client, inputs[0].accountId as string, limits);
        log(
          `[account]  ${inputs[0].accountId}: at most ${limits.maxGrossExposurePct}% of its equity exposed across its runs, halt at a ${limits.dailyLossLimitPct}% daily loss`,
        );
        for (const input of inputs) {
          await startRun(client, input);
          log(`[run]      started ${input.runId}\n           ${uiLink(uiBase, server.namespace, input.runId)}`);
        }

        let killed = !f.killWorker;
        const results = await Promise.all(
          inputs.map((input) =>
            waitForRun(
              client,
              input.runId,
              (s) => {
                log(`[progress] ${progressLine(s)}`);
                if (!killed && s.tick >= f.ticks * 0.4) {
                  killed = true;
                  void (async () => {
                    log(`\n[chaos]    kill -9 worker pid ${worker.pid} at tick ${s.tick} of ${input.runId}`);
                    await worker.kill9();
                    worker = await spawnWorker(workerEnv, undefined, undefined, venueQueues);
                    log(`[chaos]    new worker pid ${worker.pid}: the runs continue from their history\n`);
                  })();
                }
              },
              2000,
            ),
          ),
        );

        const out: Array<RunSummary & { ui: string; venueCheck: string[] }> = [];
        for (const s of results) {
          const diffs = await checkAgainstVenue(
            s,
            venue.url,
            s.accountId === exchangeAccount.accountId ? exchangeAccount.apiKey : s.accountId,
          );
          const ui = uiLink(uiBase, server.namespace, s.workflowId);
          out.push({ ...s, ui, venueCheck: diffs });
          const view = await runStatus(client, s.workflowId);
          const acct = await accountStatus(client, s.accountId);
          const accountLine = `${acct.tradingState}; ${acct.counters.approved} approved, ${acct.counters.resized} resized, ${acct.counters.denied} denied${
            Object.keys(acct.counters.deniedByReason).length
              ? ` (${Object.entries(acct.counters.deniedByReason)
                  .map(([k, v]) => `${k}×${v}`)
                  .join(', ')})`
              : ''
          }; peak exposure ${display(acct.peakCommitted)} ${s.quote}`;
          log(
            `\n${formatSummary(s, ui)}\n${'venue check'.padEnd(14)}  ${diffs.length === 0 ? 'portfolio cash and positions equal the venue balances to the last unit' : `MISMATCH: ${diffs.join('; ')}`}\n${'account'.padEnd(14)}  ${accountLine}\n${'execution'.padEnd(14)}  ${view.execution}`,
          );
        }
        await client.connection.close();
        if (f.json) console.log(JSON.stringify(out, null, 2));
        log(
          `\nThe runs' histories stay in ${server.dataDir ?? 'the reused server'}; \`npm run temporal\` reopens the UI at ${uiBase} to audit them.`,
        );
        if (out.some((o) => o.venueCheck.length > 0)) throw new Error('a portfolio disagrees with the venue');
      } finally {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
      }
    });
}
