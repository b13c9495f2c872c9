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
