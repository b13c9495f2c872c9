/**
 * The local Binance-protocol exchange for tests: the real server (paper venue + Binance front) on a
 * free port replaying real ETH/BTC candles, a hand-driven replay clock, and the real ccxt binance
 * client pointed at it with binanceApiUrls.
 */
import * as path from 'node:path';
import * as ccxt from 'ccxt';
import { Dec } from '../../domain/money';
import { binanceApiUrls } from '../../simulators/binance-exchange/urls';
import type { BinanceFrontOptions } from '../../simulators/binance-exchange/front';
import { startPaperVenueServer } from '../../simulators/paper-venue/server';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';

export const ETH_FILE = path.join(__dirname, '..', '..', 'data', 'market', 'ETH_BTC-5m.csv.gz');
export const KEY = 'testKey1';
export const SECRET = 'testSecret1';

/** A replay clock the test moves by hand (ms, starts on a whole second). */
export class ManualClock {
  t = Math.floor(Date.now() / 1000) * 1000 + 100;
  now = (): number => this.t;
  /** Let `bars` more recorded bars close (at the default 1 s interval). */
  bars(n: number, intervalMs = 1000): void {
    this.t += n * intervalMs;
  }
}

export interface LocalExchange {
  server: PaperVenueServer;
  clock: ManualClock;
  client(opts?: { apiKey?: string; secret?: string; timeout?: number }): ccxt.binance;
  close(): Promise<void>;
}

/** `clock`: share one hand-driven clock between exchanges so that their replays start on the same bar. */
export async function startLocalExchange(
  opts: { balances?: Record<string, string>; exchange?: BinanceFrontOptions; clock?: ManualClock } = {},
): Promise<LocalExchange> {
  const clock = opts.clock ?? new ManualClock();
  const server = await startPaperVenueServer({
    datasets: { 'ETH/BTC': ETH_FILE },
    exchange: {
      now: clock.now,
      apiKeys: [{ apiKey: KEY, secret: SECRET, balances: opts.balances ?? { BTC: '10', ETH: '20' } }],
      ...opts.exchange,
    },
  });
  return {
    server,
    clock,
    client: (c = {}) => {
      const ex = new ccxt.binance({
        apiKey: c.apiKey ?? KEY,
        secret: c.secret ?? SECRET,
        timeout: c.timeout ?? 10_000,
        options: { fetchMarkets: ['spot'], fetchMargins: false },
      });
      ex.urls.api = binanceApiUrls(server.url) as typeof ex.urls.api;
      return ex;
    },
    close: () => server.close(),
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Raw `info.balances` of GET /api/v3/account as exact decimals: asset → free + locked. */
export function totals(balance: ccxt.Balances): Record<string, Dec> {
  const info = balance.info as { balances: Array<{ asset: string; free: string; locked: string }> };
  return Object.fromEntries(info.balances.map((b) => [b.asset, new Dec(b.free).plus(b.locked)]));
}
