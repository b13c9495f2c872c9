/**
 * Deployment parameters, from CDK context (cdk.json, or `-c key=value`). Non-secret only: credentials
 * live in Secrets Manager and are read at run time.
 */
import { z } from 'zod';
import { formatZodIssues } from '../domain/errors';

const Int = (min: number, max: number) =>
  z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(min).max(max));
const SecretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
    'must be a complete Secrets Manager secret ARN',
  );

/** A venue account the deployment serves: its own worker service polls the account's task queue. */
export const VenueAccountConfig = z
  .object({
    /** ccxt exchange id, `-sandbox` for its testnet (as in `tempotrade worker --venue`). */
    exchange: z.string().regex(/^[a-z0-9]+(-sandbox)?$/, 'must be a ccxt exchange id, e.g. binance or binance-sandbox'),
    account: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
    /** Venue activities per second for all of the account's workers together (the exchange's limit / calls per activity). */
    rate: z.number().positive('must be a positive number of activities per second'),
    /** Paper trading on the exchange's live data: the account's simulated state lives on the EFS volume. */
    paperOnLive: z.boolean().default(false),
    tasks: z.number().int().min(1).max(10).default(1),
  })
  .strict();
export type VenueAccountConfig = z.infer<typeof VenueAccountConfig>;

/** A context value given as JSON text (`-c tempotrade:venueAccounts='[…]'`) or as JSON in cdk.json. */
const jsonText = (v: unknown) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

export const DeployConfig = z
  .object({
    /** Temporal frontend, e.g. my-ns.a1b2c.tmprl.cloud:7233 (Temporal Cloud) or a self-hosted host:port. */
    temporalAddress: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port'),
    temporalNamespace: z.string().min(1),
    /** Use existing secrets instead of creating them (complete ARNs). */
    temporalSecretArn: SecretArn.optional(),
    venueSecretArn: SecretArn.optional(),
    /** Subscribe this address to the alerts topic. */
    alertEmail: z.string().email().optional(),
    workerMinTasks: Int(1, 50).default(1),
    workerMaxTasks: Int(1, 100).default(4),
    logRetentionDays: Int(1, 3653).default(30),
    venueAccounts: z
      .preprocess(jsonText, z.array(VenueAccountConfig))
      .default([])
      .refine((list) => new Set(list.map((a) => `${a.exchange}:${a.account}`)).size === list.length, {
        message: 'names the same exchange:account twice',
      }),
    /** `cloudwatch`: an ADOT collector beside each worker sends its /metrics to CloudWatch; `off`: none. */
    metrics: z.enum(['cloudwatch', 'off']).default('cloudwatch'),
    metricsCollectorImage: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => c.workerMaxTasks >= c.workerMinTasks, {
    message: 'must be at least workerMinTasks',
    path: ['workerMaxTasks'],
  });
export type DeployConfig = z.infer<typeof DeployConfig>;

export const CONTEXT_PREFIX = 'tempotrade:';

/** Read `tempotrade:*` context keys into a validated config (errors name the context key). */
export function deployConfigFrom(tryGetContext: (key: string) => unknown): DeployConfig {
  const keys = [
    'temporalAddress',
    'temporalNamespace',
    'temporalSecretArn',
    'venueSecretArn',
    'alertEmail',
    'workerMinTasks',
    'workerMaxTasks',
    'logRetentionDays',
    'venueAccounts',
    'metrics',
    'metricsCollectorImage',
  ];
  const raw = Object.fromEntries(
    keys.map((k) => [k, tryGetContext(CONTEXT_PREFIX + k)]).filter(([, v]) => v !== undefined && v !== ''),
  );
  const r = DeployConfig.safeParse(raw);
  if (!r.success)
    throw new Error(
      `CDK context: ${formatZodIssues(r.error, CONTEXT_PREFIX.slice(0, -1))}`.replace(/tempotrade\./g, 'tempotrade:'),
    );
  return r.data;
}
