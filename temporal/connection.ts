/**
 * Temporal connection config: one module for the worker, the CLI and the Lambdas.
 *
 * Read as the Temporal CLI reads it (@temporalio/envconfig): a profile of the TOML config file
 * (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml; TEMPORAL_PROFILE, else "default"), then the
 * environment over it: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
 * TEMPORAL_TLS_CLIENT_CERT_PATH/_DATA, TEMPORAL_TLS_CLIENT_KEY_PATH/_DATA, TEMPORAL_TLS_SERVER_CA_CERT_PATH/_DATA,
 * TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_*. TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH are
 * accepted for the client pair too. Default: the local dev server.
 *
 * In AWS (Fargate worker, Lambdas) the credentials live in Secrets Manager: TEMPORAL_SECRET_ARN names a
 * JSON secret { apiKey } or { tlsCert, tlsKey } (PEM text), optionally with address and namespace;
 * `loadTemporalConfig` reads it at run time (cached) and its fields win, so no credential is in the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
// Type only: the worker package (webpack, swc) is loaded by connectWorker alone, so clients (Lambdas) do not carry it.
import type { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { TempotradeError } from '../domain/errors';
import { defaultSecretReader, readJsonSecret, type SecretReader } from '../aws/secrets';

const file = z
  .string()
  .min(1)
  .refine((p) => existsSync(p), 'no such file');

export const TemporalConfig = z
  .object({
    address: z
      .string()
      .regex(/^[^:\s]+:\d+$/, 'must be host:port')
      .default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    apiKey: z.string().min(1).optional(),
    /** TLS on (true) or off (false) whatever else is set; unset: on when a certificate or an API key is given. */
    tls: z.boolean().optional(),
    tlsCertPath: file.optional(),
    tlsKeyPath: file.optional(),
    /** PEM text of the mTLS client certificate and key. */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    serverCaCertPath: file.optional(),
    serverCaCert: z.string().min(1).optional(),
    serverName: z.string().min(1).optional(),
    /** gRPC metadata sent with every call. */
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .refine((c) => Boolean(c.tlsCertPath) === Boolean(c.tlsKeyPath), {
    message: 'the client certificate path and key path go together',
    path: ['tlsCertPath'],
  })
  .refine((c) => Boolean(c.tlsCert) === Boolean(c.tlsKey), {
    message: 'tlsCert and tlsKey go together',
    path: ['tlsCert'],
  });
export type TemporalConfig = z.infer<typeof TemporalConfig>;

type Env = Record<string, string | undefined>;

/** Each config field: its environment variables (first one set wins) and its place in a TOML profile. */
const SOURCES: Record<Exclude<keyof TemporalConfig, 'metadata'>, { env: string[]; toml: string }> = {
  address: { env: ['TEMPORAL_ADDRESS'], toml: 'address' },
  namespace: { env: ['TEMPORAL_NAMESPACE'], toml: 'namespace' },
  apiKey: { env: ['TEMPORAL_API_KEY'], toml: 'api_key' },
  tls: { env: ['TEMPORAL_TLS'], toml: 'tls.disabled' },
  tlsCertPath: { env: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CERT_PATH'], toml: 'tls.client_cert_path' },
  tlsKeyPath: { env: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_KEY_PATH'], toml: 'tls.client_key_path' },
  tlsCert: { env: ['TEMPORAL_TLS_CLIENT_CERT_DATA'], toml: 'tls.client_cert_data' },
  tlsKey: { env: ['TEMPORAL_TLS_CLIENT_KEY_DATA'], toml: 'tls.client_key_data' },
  serverCaCertPath: { env: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH'], toml: 'tls.server_ca_cert_path' },
  serverCaCert: { env: ['TEMPORAL_TLS_SERVER_CA_CERT_DATA'], toml: 'tls.server_ca_cert_data' },
  serverName: { env: ['TEMPORAL_TLS_SERVER_NAME'], toml: 'tls.server_name' },
};

const Bool = z.enum(['true', 'false', '1', '0'], { message: 'must be true, false, 1 or 0' });

/** The config file envconfig reads for this environment (as the Temporal CLI on Linux and macOS). */
function configFileOf(env: Env): string | undefined {
  if (env.TEMPORAL_CONFIG_FILE) return env.TEMPORAL_CONFIG_FILE;
  const base =
    os.platform() === 'darwin'
      ? env.HOME
        ? path.join(env.HOME, 'Library', 'Application Support')
        : undefined
      : env.XDG_CONFIG_HOME || (env.HOME ? path.join(env.HOME, '.config') : undefined);
  return base ? path.join(base, 'temporalio', 'temporal.toml') : undefined;
}

const sourceText = (s: ConfigDataSource | undefined): { path?: string; data?: string } =>
  !s
    ? {}
    : 'path' in s
      ? { path: s.path }
      : { data: typeof s.data === 'string' ? s.data : Buffer.from(s.data).toString('utf8') };

function profileToRaw(p: ClientConfigProfile): Record<string, unknown> {
  const cert = sourceText(p.tls?.clientCert);
  const key = sourceText(p.tls?.clientKey);
  const ca = sourceText(p.tls?.serverCACert);
  return {
    address: p.address,
    namespace: p.namespace,
    apiKey: p.apiKey,
    tls: p.tls?.disabled === undefined ? undefined : !p.tls.disabled,
    tlsCertPath: cert.path,
    tlsCert: cert.data,
    tlsKeyPath: key.path,
    tlsKey: key.data,
    serverCaCertPath: ca.path,
    serverCaCert: ca.data,
    serverName: p.tls?.serverName,
    metadata: p.grpcMeta && Object.keys(p.grpcMeta).length ? p.grpcMeta : undefined,
  };
}

/**
 * The connection config of the Temporal CLI's profile and environment (see the top of this file), with
 * `overrides` (flags, a secret) over both. An error names the variable, or the profile field, that is wrong.
 */
export function temporalConfigFromEnv(env: Env = process.env, overrides: Partial<TemporalConfig> = {}): TemporalConfig {
  // An empty variable is an unset one (CDK and shells leave them empty).
  const set: Record<string, string> = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );
  if (set.TEMPORAL_TLS !== undefined && !Bool.safeParse(set.TEMPORAL_TLS).success)
    throw new TempotradeError('CONFIG', `Temporal connection: TEMPORAL_TLS: must be true, false, 1 or 0`);
  for (const [field, aliases] of [
    ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CERT_PATH'],
    ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_KEY_PATH'],
  ] as const) {
    if (set[field] === undefined && set[aliases] !== undefined) set[field] = set[aliases];
  }
  const configFile = configFileOf(set);
  const profileName = set.TEMPORAL_PROFILE ?? 'default';
  if (set.TEMPORAL_CONFIG_FILE && !existsSync(set.TEMPORAL_CONFIG_FILE))
    throw new TempotradeError(
      'CONFIG',
      `Temporal connection: TEMPORAL_CONFIG_FILE: no such file ${set.TEMPORAL_CONFIG_FILE}`,
    );
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: set });
  } catch (e) {
    const msg = (e as Error).message;
    const what = /Profile '.*' not found/.test(msg)
      ? `TEMPORAL_PROFILE: no profile "${profileName}" in ${configFile ?? 'the config file'}`
      : `${set.TEMPORAL_CONFIG_FILE ? 'TEMPORAL_CONFIG_FILE' : 'config file'} ${configFile}: ${msg}`;
    throw new TempotradeError('CONFIG', `Temporal connection: ${what}`);
  }
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const raw = Object.fromEntries(
    Object.entries({ ...profileToRaw(profile), ...given }).filter(([, v]) => v !== undefined),
  );
  const r = TemporalConfig.safeParse(raw);
  if (!r.success) {
    const label = (field: string): string => {
      if (field in given) return field;
      const src = SOURCES[field as keyof typeof SOURCES];
      const fromEnv = src?.env.find((v) => env[v]);
      return fromEnv ?? (src ? `${src.toml} of profile "${profileName}" in ${configFile}` : field);
    };
    throw new TempotradeError(
      'CONFIG',
      `Temporal connection: ${r.error.issues.map((i) => `${label(String(i.path[0] ?? ''))}: ${i.message}`).join('; ')}`,
      { fields: r.error.issues.map((i) => String(i.path[0] ?? '')) },
    );
  }
  return r.data;
}

/** The Temporal credentials secret (TEMPORAL_SECRET_ARN): what Temporal Cloud needs, as JSON. */
export const TemporalSecret = z
  .object({
    address: z
      .string()
      .regex(/^[^:\s]+:\d+$/, 'must be host:port')
      .optional(),
    namespace: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    tlsCert: z.string().includes('BEGIN CERTIFICATE', { message: 'must be a PEM certificate' }).optional(),
    tlsKey: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }).optional(),
  })
  .strict()
  .refine((s) => Boolean(s.tlsCert) === Boolean(s.tlsKey), {
    message: 'tlsCert and tlsKey go together',
    path: ['tlsCert'],
  });
export type TemporalSecret = z.infer<typeof TemporalSecret>;

/**
 * The connection config for this process: profile and env, plus the Temporal secret when TEMPORAL_SECRET_ARN
 * is set (its fields win; env keeps the non-secret address/namespace that CDK context provides).
 */
export async function loadTemporalConfig(
  env: Env = process.env,
  secrets: SecretReader = defaultSecretReader(),
): Promise<TemporalConfig> {
  const base = temporalConfigFromEnv(env);
  const arn = env.TEMPORAL_SECRET_ARN || undefined;
  if (!arn) return base;
  const secret = await readJsonSecret(secrets, arn, TemporalSecret);
  return temporalConfigFromEnv({}, { ...base, ...secret });
}

/** The SDK's TLS option: off when asked, on with what was given, on for an API key (Temporal Cloud). */
export function tlsOf(c: TemporalConfig): TLSConfig | boolean | undefined {
  if (c.tls === false) return false;
  const pair =
    c.tlsCert && c.tlsKey
      ? { crt: Buffer.from(c.tlsCert), key: Buffer.from(c.tlsKey) }
      : c.tlsCertPath && c.tlsKeyPath
        ? { crt: readFileSync(c.tlsCertPath), key: readFileSync(c.tlsKeyPath) }
        : undefined;
  const ca = c.serverCaCert
    ? Buffer.from(c.serverCaCert)
    : c.serverCaCertPath
      ? readFileSync(c.serverCaCertPath)
      : undefined;
  if (pair || ca || c.serverName)
    return {
      ...(pair ? { clientCertPair: pair } : {}),
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(c.serverName ? { serverNameOverride: c.serverName } : {}),
    };
  return c.tls === true || c.apiKey ? true : undefined;
}

function connectOptions(c: TemporalConfig) {
  return {
    address: c.address,
    tls: tlsOf(c),
    ...(c.apiKey ? { apiKey: c.apiKey } : {}),
    ...(c.metadata ? { metadata: c.metadata } : {}),
  };
}

const unreachable = (c: TemporalConfig, e: unknown) =>
  new TempotradeError(
    'NETWORK',
    `cannot reach Temporal at ${c.address} (${(e as Error).message}). Start one with \`npm run temporal\` or set TEMPORAL_ADDRESS (or a profile: TEMPORAL_PROFILE).`,
  );

export async function connectClient(c: TemporalConfig = temporalConfigFromEnv()): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...connectOptions(c), connectTimeout: '5s' });
    return new Client({ connection, namespace: c.namespace });
  } catch (e) {
    throw unreachable(c, e);
  }
}

export async function connectWorker(c: TemporalConfig = temporalConfigFromEnv()): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  try {
    return await NativeConnection.connect(connectOptions(c));
  } catch (e) {
    throw unreachable(c, e);
  }
}
