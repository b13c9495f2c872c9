/**
 * The Temporal connection is read as the Temporal CLI reads it (@temporalio/envconfig): a TOML profile, the
 * environment over it, flags (overrides) over both; a bad value names the variable or profile field.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT } from '../../cli/spawn';
import { temporalConfigFromEnv, tlsOf } from '../../temporal/connection';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempotrade-envconfig-'));
const cert = path.join(dir, 'client.pem');
const key = path.join(dir, 'client.key');
const toml = path.join(dir, 'temporal.toml');
writeFileSync(cert, 'CERT-BYTES');
writeFileSync(key, 'KEY-BYTES');
type TomlTable = Record<string, string | boolean>;
/** A [profile.NAME] section of the CLI's TOML file, with its [profile.NAME.tls] table when given. */
const profile = (name: string, fields: TomlTable, tls?: TomlTable) => {
  const lines = (t: TomlTable) => Object.entries(t).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return [`[profile.${name}]`, ...lines(fields), ...(tls ? [`[profile.${name}.tls]`, ...lines(tls)] : [])].join('\n');
};
writeFileSync(
  toml,
  [
    profile('default', { address: 'default.example:7233', namespace: 'dev' }),
    profile('cloud', { address: 'acme.a1b2c.tmprl.cloud:7233', namespace: 'acme.a1b2c', api_key: 'profile-key' }),
    profile(
      'mtls',
      { address: 'mtls.example:7233', namespace: 'mtls-ns' },
      { client_cert_path: cert, client_key_path: key, server_name: 'mtls.internal' },
    ),
    profile('plain', { address: 'plain.example:7233', api_key: 'k' }, { disabled: true }),
    profile('bad', { address: 'no-port-here' }),
  ].join('\n\n') + '\n',
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withFile = (env: Record<string, string> = {}) => ({ TEMPORAL_CONFIG_FILE: toml, ...env });

describe('GIVEN a Temporal CLI config file with profiles', () => {
  it('WHEN nothing else is set THEN the default profile is used', () => {
    expect(temporalConfigFromEnv(withFile())).toMatchObject({ address: 'default.example:7233', namespace: 'dev' });
  });

  it('WHEN TEMPORAL_PROFILE names one THEN its address, namespace and API key are used, with TLS on for the key', () => {
    const c = temporalConfigFromEnv(withFile({ TEMPORAL_PROFILE: 'cloud' }));
    expect(c).toMatchObject({ address: 'acme.a1b2c.tmprl.cloud:7233', namespace: 'acme.a1b2c', apiKey: 'profile-key' });
    expect(tlsOf(c)).toBe(true);
  });

  it('WHEN env sets a field too THEN env wins over the profile, field by field, and flags win over env', () => {
    const env = withFile({ TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'from-env', TEMPORAL_API_KEY: 'env-key' });
    expect(temporalConfigFromEnv(env)).toMatchObject({
      address: 'acme.a1b2c.tmprl.cloud:7233',
      namespace: 'from-env',
      apiKey: 'env-key',
    });
    expect(temporalConfigFromEnv(env, { namespace: 'from-flag' })).toMatchObject({
      address: 'acme.a1b2c.tmprl.cloud:7233',
      namespace: 'from-flag',
      apiKey: 'env-key',
    });
  });

  it('WHEN a profile has mTLS files THEN the client pair and server name reach the SDK options', () => {
    const tls = tlsOf(temporalConfigFromEnv(withFile({ TEMPORAL_PROFILE: 'mtls' })));
    expect(tls).toMatchObject({ serverNameOverride: 'mtls.internal' });
    const pair = (tls as { clientCertPair: { crt: Buffer; key: Buffer } }).clientCertPair;
    expect([pair.crt.toString(), pair.key.toString()]).toEqual(['CERT-BYTES', 'KEY-BYTES']);
  });

  it('WHEN a profile disables TLS THEN it is off despite the API key; TEMPORAL_TLS=true turns it back on', () => {
    expect(tlsOf(temporalConfigFromEnv(withFile({ TEMPORAL_PROFILE: 'plain' })))).toBe(false);
    expect(tlsOf(temporalConfigFromEnv(withFile({ TEMPORAL_PROFILE: 'plain', TEMPORAL_TLS: 'true' })))).toBe(true);
  });

  it('WHEN TEMPORAL_GRPC_META_* is set THEN it is sent as gRPC metadata', () => {
    expect(temporalConfigFromEnv(withFile({ TEMPORAL_GRPC_META_X_TENANT: 'desk-1' })).metadata).toEqual({
      'x-tenant': 'desk-1',
    });
  });

  it.each([
    [{ TEMPORAL_PROFILE: 'bad' }, `address of profile "bad" in ${toml}: must be host:port`],
    [{ TEMPORAL_PROFILE: 'bad', TEMPORAL_ADDRESS: 'nope' }, 'TEMPORAL_ADDRESS: must be host:port'],
    [{ TEMPORAL_PROFILE: 'missing' }, `TEMPORAL_PROFILE: no profile "missing" in ${toml}`],
    [{ TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS: must be true, false, 1 or 0'],
    [
      { TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'none.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: key },
      'TEMPORAL_TLS_CLIENT_CERT_PATH: no such file',
    ],
    [
      { TEMPORAL_TLS_CLIENT_CERT_PATH: cert },
      'TEMPORAL_TLS_CLIENT_CERT_PATH: the client certificate path and key path go together',
    ],
  ])('WHEN %j THEN the error says %s', (env, message) => {
    expect(() => temporalConfigFromEnv(withFile(env))).toThrow(message);
  });
});

describe('GIVEN no config file', () => {
  it('WHEN nothing is set THEN it is the local dev server', () => {
    expect(temporalConfigFromEnv({ HOME: dir })).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default' });
    expect(tlsOf(temporalConfigFromEnv({ HOME: dir }))).toBeUndefined();
  });

  it('WHEN TEMPORAL_CONFIG_FILE names a file that does not exist THEN the error names it', () => {
    expect(() => temporalConfigFromEnv({ TEMPORAL_CONFIG_FILE: path.join(dir, 'nope.toml') })).toThrow(
      /TEMPORAL_CONFIG_FILE: no such file/,
    );
  });

  it('WHEN the older TEMPORAL_TLS_CERT_PATH / TEMPORAL_TLS_KEY_PATH are set THEN they are the client pair', () => {
    const c = temporalConfigFromEnv({ TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: key });
    expect(c).toMatchObject({ tlsCertPath: cert, tlsKeyPath: key });
  });

  it('WHEN the CLI meets a bad TEMPORAL_ADDRESS THEN it exits 2 naming it, before connecting', () => {
    const r = spawnSync(process.execPath, [BIN, 'run', 'list'], {
      cwd: REPO_ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: 'localhost' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('TEMPORAL_ADDRESS: must be host:port');
  });
});
