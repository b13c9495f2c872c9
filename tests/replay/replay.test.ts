/**
 * Recorded histories (tests/replay/histories, written as .json by `RECORD_HISTORIES=1 npx jest
 * tests/integration/strategy-run.test.ts`, then gzipped) must replay against the current workflow code. A change that
 * breaks determinism for runs already in flight fails here, before it reaches a worker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from '../../workers/worker';
import { NO_FEED } from '../../workers/run-feed';

const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json.gz'));

describe('GIVEN histories recorded from earlier versions of strategyRun', () => {
  it('THEN there are some to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  // One test per history: each gets its own budget and its own line (with its time) in the report. Replay runs the
  // workflow code over the whole history, as a worker does after a restart or for a query of a finished run.
  let bundle: Awaited<ReturnType<typeof workflowBundle>>;
  beforeAll(async () => {
    bundle = await workflowBundle();
  }, 120_000);
  it.each(files)(
    'WHEN %s is replayed with the current workflow code THEN it is not nondeterministic',
    async (file) => {
      const history = historyFromJSON(JSON.parse(gunzipSync(readFileSync(path.join(dir, file))).toString('utf8')));
      const r = await Worker.runReplayHistories({ workflowBundle: bundle, sinks: NO_FEED }, [
        { workflowId: file.replace(/\.json\.gz$/, ''), history },
      ]).next();
      expect(r.done).toBe(false);
      expect(r.value?.error?.message).toBeUndefined();
    },
    120_000,
  );
});
