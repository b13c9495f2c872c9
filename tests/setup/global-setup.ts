/**
 * jest globalSetup: one real Temporal server for the whole run.
 *
 * - TEMPORAL_TEST_ADDRESS=host:port → use that server (must be up; custom search attributes are ensured).
 * - otherwise → start a private, headless dev server on free ports with a fresh temp data dir.
 *
 * Tests read TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE; teardown (global-teardown.ts) stops what we started.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import {
  type DevServer,
  DEFAULT_NAMESPACE,
  ensureSearchAttributes,
  findFreePort,
  isServerUp,
  startDevServer,
} from '../../dev/temporal/dev-server';

export interface TestTemporalServerState {
  server?: DevServer;
  /** Temp data dir we created (removed by teardown). */
  tmpDir?: string;
}

declare global {
  var __TEMPORAL_DEV_SERVER__: TestTemporalServerState | undefined;
}

const TestEnvSchema = z.object({
  TEMPORAL_TEST_ADDRESS: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
});

const say = (m: string): void => console.log(`[jest global setup] ${m}`);

export default async function globalSetup(): Promise<void> {
  const envParse = TestEnvSchema.safeParse({
    TEMPORAL_TEST_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS || undefined,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE || undefined,
  });
  if (!envParse.success) throw new Error(`Invalid test environment:\n${z.prettifyError(envParse.error)}`);
  const env = envParse.data;

  if (env.TEMPORAL_TEST_ADDRESS !== undefined) {
    const address = env.TEMPORAL_TEST_ADDRESS;
    const namespace = env.TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE;
    if (!(await isServerUp(address, 5_000))) {
      throw new Error(`TEMPORAL_TEST_ADDRESS=${address}, but no Temporal server answers there. Start one or unset it.`);
    }
    const { added } = await ensureSearchAttributes(address, namespace);
    say(
      `Using the existing Temporal server at ${address} (namespace ${namespace}, from TEMPORAL_TEST_ADDRESS)` +
        (added.length > 0 ? `; registered search attributes ${added.join(', ')}` : ''),
    );
    process.env.TEMPORAL_ADDRESS = address;
    process.env.TEMPORAL_NAMESPACE = namespace;
    globalThis.__TEMPORAL_DEV_SERVER__ = {};
    return;
  }

  const tmpDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tempotrade-test-temporal-'));
  try {
    const [port, uiPort] = [await findFreePort(), await findFreePort()];
    const server = await startDevServer({
      port,
      uiPort,
      headless: true,
      reuse: false,
      dataDir: tmpDir,
      namespace: DEFAULT_NAMESPACE,
    });
    globalThis.__TEMPORAL_DEV_SERVER__ = { server, tmpDir };
    process.env.TEMPORAL_ADDRESS = server.address;
    process.env.TEMPORAL_NAMESPACE = server.namespace;
    const bin = server.binary;
    say(
      `Temporal dev server ${server.address} (namespace ${server.namespace}, pid ${server.pid ?? 'n/a'}), ` +
        `binary: ${bin?.source ?? 'unknown'}${bin?.path ? ` ${bin.path}` : ''}, data dir ${tmpDir}`,
    );
  } catch (err) {
    await fsp.rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}
