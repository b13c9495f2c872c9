/**
 * `tempotrade venue` options for the local exchange: API keys from flags (in argv order) and a JSON
 * config file, merged into the Binance front's options. Flags win over the file for single values;
 * keys and markets add up (a key given twice is an error).
 *
 *   --api-key K --api-secret S [--balance ASSET=AMOUNT]…   one account; each --balance belongs to the
 *                                                          most recent --api-key (argv order)
 *   --config FILE.json     { data, apiKeys: [{apiKey, secret, balances}], interval, start, weightLimit, faults }
 *   --faults SPEC  --interval 1s  --start 500|ISO  --weight-limit 6000
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TempotradeError } from '../../domain/errors';
import { parseReplayStart } from './clock';
import { parseFaultPlan } from './faults';
import type { BinanceFrontOptions } from './front';
import { ApiKey, ApiSecret, parseExchangeConfig } from './keys';
import type { ApiKeySpecInput } from './keys';
import { Interval } from './protocol';

/** One key-related flag, in the order it appeared on the command line. */
export type KeyFlag = { flag: '--api-key' | '--api-secret' | '--balance'; value: string };

export interface ExchangeFlags {
  keyFlags: KeyFlag[];
  config?: string;
  faults?: string;
  interval?: string;
  start?: string;
  weightLimit?: string;
}

function fail(flag: string, message: string): never {
  throw new TempotradeError('VALIDATION', `${flag}: ${message}`);
}

/** Key flags in argv order → API key specs. */
export function apiKeysFromFlags(flags: readonly KeyFlag[]): ApiKeySpecInput[] {
  const out: Array<{ apiKey: string; secret?: string; balances: Record<string, string> }> = [];
  for (const { flag, value } of flags) {
    const last = out[out.length - 1];
    if (flag === '--api-key') {
      if (last && last.secret === undefined) fail('--api-secret', `missing for --api-key ${last.apiKey}`);
      if (!ApiKey.safeParse(value).success) fail('--api-key', `"${value}" must be 1–64 letters or digits`);
      out.push({ apiKey: value, balances: {} });
    } else if (flag === '--api-secret') {
      if (!last) fail('--api-secret', 'must follow an --api-key');
      if (last.secret !== undefined) fail('--api-secret', `given twice for --api-key ${last.apiKey}`);
      if (!ApiSecret.safeParse(value).success)
        fail('--api-secret', 'must be 1–128 printable characters without spaces');
      last.secret = value;
    } else {
      if (!last) fail('--balance', 'must follow an --api-key (each --balance belongs to the most recent --api-key)');
      const m = /^([A-Z0-9]{1,20})=(\d+(\.\d+)?)$/.exec(value);
      if (!m) fail('--balance', `expected ASSET=AMOUNT (e.g. BTC=1.5), got "${value}"`);
      if (last.balances[m[1]] !== undefined) fail('--balance', `${m[1]} given twice for --api-key ${last.apiKey}`);
      last.balances[m[1]] = m[2];
    }
  }
  const incomplete = out.find((k) => k.secret === undefined);
  if (incomplete) fail('--api-secret', `missing for --api-key ${incomplete.apiKey}`);
  return out.map((k) => ({ apiKey: k.apiKey, secret: k.secret!, balances: k.balances }));
}

/** The front's options and extra markets from flags and the optional config file. */
export function exchangeOptionsFrom(f: ExchangeFlags): {
  exchange: BinanceFrontOptions;
  datasets: Record<string, string>;
} {
  let fileKeys: ApiKeySpecInput[] = [];
  let datasets: Record<string, string> = {};
  const exchange: BinanceFrontOptions = {};
  if (f.config !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(f.config, 'utf8'));
    } catch (e) {
      fail('--config', `cannot read ${f.config} as JSON: ${(e as Error).message}`);
    }
    const cfg = parseExchangeConfig(json, f.config);
    const dir = path.dirname(path.resolve(f.config));
    datasets = Object.fromEntries(Object.entries(cfg.data ?? {}).map(([s, p]) => [s, path.resolve(dir, p)]));
    fileKeys = cfg.apiKeys ?? [];
    if (cfg.interval) exchange.interval = cfg.interval;
    if (cfg.start !== undefined)
      exchange.start =
        typeof cfg.start === 'number'
          ? { bars: cfg.start }
          : withFlag('--config (start)', () => parseReplayStart(String(cfg.start)));
    if (cfg.weightLimit !== undefined) exchange.weightLimit = cfg.weightLimit;
    if (cfg.faults !== undefined) exchange.faults = withFlag('--config', () => parseFaultPlan(cfg.faults, 'faults'));
  }
  const flagKeys = apiKeysFromFlags(f.keyFlags);
  const all = [...fileKeys, ...flagKeys];
  const seen = new Set<string>();
  for (const k of all) {
    if (seen.has(k.apiKey)) fail('--api-key', `${k.apiKey} is given twice (flags and --config together)`);
    seen.add(k.apiKey);
  }
  if (all.length > 0) exchange.apiKeys = all;
  if (f.interval !== undefined) {
    const r = Interval.safeParse(f.interval);
    if (!r.success) fail('--interval', r.error.issues[0].message);
    exchange.interval = r.data;
  }
  if (f.start !== undefined) exchange.start = withFlag('--start', () => parseReplayStart(f.start!));
  if (f.weightLimit !== undefined) {
    if (!/^[1-9]\d{0,8}$/.test(f.weightLimit))
      fail('--weight-limit', `must be a positive whole number, got "${f.weightLimit}"`);
    exchange.weightLimit = Number(f.weightLimit);
  }
  if (f.faults !== undefined) exchange.faults = withFlag('--faults', () => parseFaultPlan(f.faults, 'faults'));
  return { exchange, datasets };
}

/** Run `fn`, prefixing a validation error's message with the flag. */
function withFlag<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TempotradeError) throw new TempotradeError('VALIDATION', `${flag}: ${e.message}`);
    throw e;
  }
}
