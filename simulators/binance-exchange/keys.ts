/**
 * Accounts of the local exchange are API keys: each key (with its HMAC secret) is one paper account
 * of the same name, with its own balances. Keys come from flags, a config file, or the admin route
 * `POST /v1/api-keys`; adding a key that exists is a no-op with the same secret (balances are never
 * re-funded) and an error with another one. Secrets live in memory only (never in the state file).
 */
import { z } from 'zod';
import { TempotradeError, formatZodIssues } from '../../domain/errors';
import { MarketSymbol } from '../../domain/market/instrument';
import { NonNegativeAmount } from '../../domain/money';
import { Asset } from '../paper-venue/state';
import { Interval } from './protocol';

/** Binance keys are 64 alphanumerics; any 1–64 letters and digits are accepted here. */
export const ApiKey = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be 1–64 letters or digits');
export const ApiSecret = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1–128 printable characters without spaces');

export const ApiKeySpec = z
  .object({
    apiKey: ApiKey,
    secret: ApiSecret,
    /** Opening balances: ASSET → amount (used only when the account is new). */
    balances: z.record(Asset, NonNegativeAmount).default({}),
  })
  .strict();
export type ApiKeySpec = z.output<typeof ApiKeySpec>;
export type ApiKeySpecInput = z.input<typeof ApiKeySpec>;

/** `tempotrade venue --config FILE.json`. Flags given as well override or add to it. */
export const ExchangeConfigFile = z
  .object({
    /** Markets: symbol → CSV path (relative to the file's directory). */
    data: z.record(MarketSymbol, z.string().min(1)).optional(),
    apiKeys: z.array(ApiKeySpec).optional(),
    interval: Interval.optional(),
    /** Bars of history at start, or an ISO instant. */
    start: z.union([z.number().int().min(1), z.string().min(1)]).optional(),
    weightLimit: z.number().int().positive().optional(),
    /** The compact fault spec, or `{ seed, rules: [...] }`. */
    faults: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  })
  .strict();
export type ExchangeConfigFile = z.output<typeof ExchangeConfigFile>;

export function parseExchangeConfig(value: unknown, file: string): ExchangeConfigFile {
  const r = ExchangeConfigFile.safeParse(value);
  if (!r.success) throw new TempotradeError('VALIDATION', `--config ${file}: ${formatZodIssues(r.error)}`);
  return r.data;
}

export class ApiKeys {
  private readonly secrets = new Map<string, string>();

  /** Register a key; 'exists' when it is already there with the same secret. */
  add(spec: { apiKey: string; secret: string }): 'added' | 'exists' {
    const known = this.secrets.get(spec.apiKey);
    if (known !== undefined) {
      if (known !== spec.secret)
        throw new TempotradeError('VALIDATION', `apiKey: ${spec.apiKey} is already registered with another secret`, {
          httpStatus: 409,
        });
      return 'exists';
    }
    this.secrets.set(spec.apiKey, spec.secret);
    return 'added';
  }

  secretOf(apiKey: string): string | undefined {
    return this.secrets.get(apiKey);
  }

  list(): string[] {
    return [...this.secrets.keys()];
  }
}
