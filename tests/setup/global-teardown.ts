/** jest globalTeardown: stops the dev server global-setup.ts started and removes its temp data dir. */
import { promises as fsp } from 'node:fs';
import type { TestTemporalServerState } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const state: TestTemporalServerState | undefined = globalThis.__TEMPORAL_DEV_SERVER__;
  globalThis.__TEMPORAL_DEV_SERVER__ = undefined;
  if (state === undefined) return;
  try {
    if (state.server !== undefined && !state.server.reused) {
      await state.server.stop();
      console.log(`[jest global teardown] Stopped Temporal dev server ${state.server.address}.`);
    }
  } finally {
    if (state.tmpDir !== undefined) await fsp.rm(state.tmpDir, { recursive: true, force: true });
  }
}
