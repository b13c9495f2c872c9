/**
 * strategyRun through ccxt against the local Binance-protocol exchange: accounts (API keys) on the
 * exchange, their credentials as the worker reads them (env provider), run inputs, and the checks
 * "no duplicate order, no lost fill, portfolio = exchange balances to the last unit".
 */
import path from 'node:path';
import { Dec, cmp } from '../../domain/money';
import type { StrategyRunInputRaw } from '../../domain/run/input';
import type { RunSummary } from '../../domain/run/state';
import { credentialEnvPrefixes, envCredentialProvider } from '../../brokers/credentials';
import { createBrokerRegistry, type BrokerRegistry } from '../../brokers/registry';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { startPaperVenueServer } from '../../simulators/paper-venue/server';
import type { BinanceFrontOptions } from '../../simulators/binance-exchange/front';

export const ETH_BTC = path.join(__dirname, '..', '..', 'data', 'market', 'ETH_BTC-5m.csv.gz');

export interface ExchangeAccount {
  accountId: string;
  apiKey: string;
  secret: string;
}

/** An account id and an API key (letters and digits only, as the exchange wants) for it. */
export function exchangeAccount(accountId: string): ExchangeAccount {
  const apiKey = `k${accountId.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 64);
  return { accountId, apiKey, secret: `s-${apiKey}` };
}

/** The local exchange (real wall-clock replay: each recorded 5 m bar served as one 1 s bar) with these accounts funded. */
export async function startExchange(
  accounts: ExchangeAccount[],
  balances: Record<string, string>,
  opts: Omit<BinanceFrontOptions, 'apiKeys'> = {},
): Promise<PaperVenueServer> {
  return startPaperVenueServer({
    datasets: { 'ETH/BTC': ETH_BTC },
    exchange: {
      interval: '1s',
      ...opts,
      apiKeys: accounts.map((a) => ({ apiKey: a.apiKey, secret: a.secret, balances })),
    },
  });
}

/** The environment a worker process needs to trade these accounts (TEMPOTRADE_BINANCE_<ACCOUNT>_API_KEY / _SECRET). */
export function credentialEnv(accounts: ExchangeAccount[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const a of accounts) {
    const [prefix] = credentialEnvPrefixes('binance', a.accountId);
    env[`${prefix}API_KEY`] = a.apiKey;
    env[`${prefix}SECRET`] = a.secret;
  }
  return env;
}

/** The worker's broker registry, reading each account's keys the way a deployed worker does (env). */
export function registryFor(accounts: ExchangeAccount[]): BrokerRegistry {
  return createBrokerRegistry(envCredentialProvider(credentialEnv(accounts)));
}

export function exchangeRunInput(args: {
  runId: string;
  account: ExchangeAccount;
  url: string;
  params: Record<string, unknown>;
  maxTicks: number;
  requestTimeout?: string;
  extra?: Partial<StrategyRunInputRaw>;
}): StrategyRunInputRaw {
  return {
    runId: args.runId,
    accountId: args.account.accountId,
    strategy: { name: 'order-cycle', params: args.params },
    symbols: ['ETH/BTC'],
    venue: {
      kind: 'ccxt',
      exchangeId: 'binance',
      apiUrl: args.url,
      timeframe: '1s',
      requestTimeout: args.requestTimeout ?? '2s',
    },
    engine: 'advanced',
    capital: '1',
    tickInterval: '1s',
    cancelAfterTicks: 2,
    stop: { maxTicks: args.maxTicks },
    ...args.extra,
  } as StrategyRunInputRaw;
}

export interface ExchangeCheck {
  ordersAtVenue: number;
  duplicateClientOrderIds: number;
  fillsAtVenue: number;
  problems: string[];
}

/** Run vs exchange: duplicates, lost fills, and portfolio = balances (exact decimals). */
export function checkAgainstExchange(
  server: PaperVenueServer,
  account: ExchangeAccount,
  summary: RunSummary,
  start: Record<string, string>,
  notTheRuns: string[] = [],
): ExchangeCheck {
  const venue = server.venue;
  const orders = venue.orders(account.apiKey).filter((o) => !notTheRuns.includes(o.clientOrderId));
  const fills = venue.fills(account.apiKey).filter((f) => !notTheRuns.includes(f.clientOrderId));
  const balances = venue.balances(account.apiKey);
  const problems: string[] = [];
  const byCid = new Map<string, number>();
  for (const o of orders) byCid.set(o.clientOrderId, (byCid.get(o.clientOrderId) ?? 0) + 1);
  const duplicateClientOrderIds = [...byCid.values()].filter((n) => n > 1).length;
  if (duplicateClientOrderIds > 0)
    problems.push(`${duplicateClientOrderIds} clientOrderIds at the venue more than once`);
  if (summary.fills !== fills.length)
    problems.push(`fills: run accounted ${summary.fills}, venue made ${fills.length}`);
  if (summary.orders.placed !== orders.length)
    problems.push(`orders: run placed ${summary.orders.placed}, venue holds ${orders.length}`);
  const quote = summary.quote;
  if (cmp(summary.cash, balances[quote]?.total ?? '0') !== 0)
    problems.push(`${quote}: portfolio ${summary.cash} vs exchange ${balances[quote]?.total}`);
  for (const [symbol, qty] of Object.entries(summary.positions)) {
    const base = symbol.split('/')[0];
    const expected = new Dec(start[base] ?? '0').plus(qty);
    if (cmp(expected, balances[base]?.total ?? '0') !== 0)
      problems.push(`${base}: start ${start[base] ?? '0'} + position ${qty} vs exchange ${balances[base]?.total}`);
  }
  return { ordersAtVenue: orders.length, duplicateClientOrderIds, fillsAtVenue: fills.length, problems };
}
