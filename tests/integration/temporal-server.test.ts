/**
 * Integration tests of the local Temporal tooling against the real server started by tests/setup/global-setup.ts
 * (TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE).
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalCli, temporalCacheDir } from '../../dev/temporal/cli-binary';
import { findFreePort, isServerUp, startDevServer } from '../../dev/temporal/dev-server';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (wire value, independent of our code). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;
const EXPECTED_CUSTOM_ATTRIBUTES = ['StrategyId', 'AccountId', 'Engine', 'TradingMode', 'TradingState'];

function serverUnderTest(): { address: string; namespace: string; host: string; port: number } {
  const address = process.env.TEMPORAL_ADDRESS;
  const namespace = process.env.TEMPORAL_NAMESPACE;
  if (!address || !namespace)
    throw new Error('TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE not set: did the jest global setup run?');
  const m = /^\[?(.+?)\]?:(\d+)$/.exec(address);
  if (!m) throw new Error(`Cannot parse TEMPORAL_ADDRESS=${address}`);
  return { address, namespace, host: m[1], port: Number(m[2]) };
}

/** Restores the given env vars (set or unset) after each test of the enclosing describe. */
function restoreEnvAfterEach(...names: string[]): void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  });
  afterEach(() => {
    for (const n of names) {
      const v = saved[n];
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  });
}

describe('GIVEN the Temporal dev server started by the jest global setup', () => {
  it('WHEN probed with isServerUp THEN it answers', async () => {
    const { address } = serverUnderTest();
    await expect(isServerUp(address)).resolves.toBe(true);
  });

  it('WHEN listing the namespace search attributes THEN the five custom attributes are registered as Keyword', async () => {
    const { address, namespace } = serverUnderTest();
    const connection = await Connection.connect({ address, connectTimeout: 5_000 });
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace });
      const custom = res.customAttributes ?? {};
      for (const name of EXPECTED_CUSTOM_ATTRIBUTES) {
        expect({ name, type: custom[name] }).toEqual({ name, type: INDEXED_VALUE_TYPE_KEYWORD });
      }
    } finally {
      await connection.close();
    }
  });
});

describe('GIVEN the TEMPORAL_CLI_PATH override', () => {
  restoreEnvAfterEach('TEMPORAL_CLI_PATH');
  let scratch: string;
  beforeAll(async () => {
    scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'tempotrade-cli-test-'));
  });
  afterAll(async () => {
    await fsp.rm(scratch, { recursive: true, force: true });
  });

  it('GIVEN it points to a nonexistent file WHEN resolving THEN it rejects naming TEMPORAL_CLI_PATH and the path', async () => {
    const missing = path.join(scratch, 'no-such-temporal');
    process.env.TEMPORAL_CLI_PATH = missing;
    const err = await resolveTemporalCli({ build: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('TEMPORAL_CLI_PATH');
    expect((err as Error).message).toContain(missing);
  });

  it('GIVEN it points to a file that is not executable WHEN resolving THEN it rejects instead of falling through', async () => {
    const notExec = path.join(scratch, 'temporal-not-executable');
    await fsp.writeFile(notExec, '#!/bin/sh\n', { mode: 0o644 });
    process.env.TEMPORAL_CLI_PATH = notExec;
    await expect(resolveTemporalCli({ build: false })).rejects.toThrow(/TEMPORAL_CLI_PATH.*not executable/);
  });

  it('GIVEN it points at the real binary found by a normal resolve WHEN resolving THEN source is "env" with that path', async () => {
    delete process.env.TEMPORAL_CLI_PATH;
    const normal = await resolveTemporalCli({ build: false });
    expect(normal.source).not.toBe('env');

    process.env.TEMPORAL_CLI_PATH = normal.path;
    await expect(resolveTemporalCli({ build: false })).resolves.toEqual({ path: normal.path, source: 'env' });
  });
});

describe('GIVEN the cache location settings', () => {
  restoreEnvAfterEach('TEMPOTRADE_CACHE_DIR', 'XDG_CACHE_HOME');

  it('GIVEN TEMPOTRADE_CACHE_DIR outside the repo WHEN asking for the cache dir THEN it is used', () => {
    const dir = path.join(os.tmpdir(), 'tempotrade-cache-elsewhere');
    process.env.TEMPOTRADE_CACHE_DIR = dir;
    expect(temporalCacheDir()).toBe(dir);
  });

  it('GIVEN only XDG_CACHE_HOME WHEN asking for the cache dir THEN it is $XDG_CACHE_HOME/tempotrade', () => {
    delete process.env.TEMPOTRADE_CACHE_DIR;
    process.env.XDG_CACHE_HOME = path.join(os.tmpdir(), 'xdg-cache');
    expect(temporalCacheDir()).toBe(path.join(os.tmpdir(), 'xdg-cache', 'tempotrade'));
  });

  it('GIVEN TEMPOTRADE_CACHE_DIR inside the repository WHEN asking for the cache dir THEN it refuses', () => {
    process.env.TEMPOTRADE_CACHE_DIR = path.resolve(__dirname, '..', '..', '.cache');
    expect(() => temporalCacheDir()).toThrow(/inside the repository/);
  });
});

describe('GIVEN a server already up', () => {
  it('WHEN startDevServer({ reuse: true }) targets its port THEN it is reused and stop() leaves it up', async () => {
    const { address, namespace, host, port } = serverUnderTest();
    const logs: string[] = [];
    const handle = await startDevServer({ ip: host, port, namespace, reuse: true, log: (m) => logs.push(m) });

    expect(handle.reused).toBe(true);
    expect(handle.address).toBe(address);
    expect(handle.pid).toBeUndefined();
    expect(logs.join('\n')).toMatch(/reusing/i);

    await handle.stop();
    await expect(isServerUp(address)).resolves.toBe(true);
  });

  it('WHEN startDevServer({ reuse: false }) targets its port THEN it rejects saying a Temporal server answers there', async () => {
    const { host, port } = serverUnderTest();
    await expect(startDevServer({ ip: host, port, headless: true, reuse: false })).rejects.toThrow(
      /a Temporal server already answers there/,
    );
  });
});

describe('GIVEN a free port with nothing listening', () => {
  it('WHEN probed with isServerUp THEN it answers false within the timeout', async () => {
    const port = await findFreePort();
    const started = Date.now();
    await expect(isServerUp(`127.0.0.1:${port}`, 1_500)).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
