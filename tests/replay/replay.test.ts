/**
 * Recorded histories (tests/replay/histories, written by `RECORD_HISTORIES=1 npx jest
 * tests/integration/strategy-run.test.ts`, then gzipped) must replay against the current workflow code. A change that
 * breaks determinism for runs already in flight fails here, before it reaches a worker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from '../../workers/worker';

const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json.gz'));

describe('GIVEN histories recorded from earlier versions of strategyRun', () => {
  it('THEN there are some to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it('WHEN each is replayed with the current workflow code THEN none is nondeterministic', async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json\.gz$/, ''), history: historyFromJSON(JSON.parse(gunzipSync(readFileSync(path.join(dir, f))).toString('utf8'))) }));
    const results: Array<[string, string | undefined]> = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) results.push([r.workflowId, r.error?.message]);
    expect(results).toEqual(histories.map((h) => [h.workflowId, undefined]));
  });
});
