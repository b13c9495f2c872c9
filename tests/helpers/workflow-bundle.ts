/**
 * The workflow bundle, shared by the test files of a jest run. workflowBundle() (workers/worker.ts)
 * caches per module registry, and jest gives every test file its own, so each file would bundle again
 * (a few seconds each). This keeps the bundle in the temp dir under a hash of every source file of the
 * repository and the lockfile: any change to what the bundle could contain makes a new one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { z } from 'zod';
import { workflowBundle } from '../../workers/worker';

const ROOT = path.resolve(__dirname, '..', '..');
const SKIP = new Set(['node_modules', '.git', 'tests', 'dist', 'cdk.out', 'data', 'docs', '.tempotrade']);

function sources(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name) && !e.name.startsWith('.')) sources(path.join(dir, e.name), out);
    } else if (/\.(ts|js|json)$/.test(e.name)) out.push(path.join(dir, e.name));
  }
  return out;
}

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of sources(ROOT, []).sort())
    h.update(path.relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 24);
}

const Stored = z.object({ code: z.string().min(1), sourceMap: z.string() }).strict();

let shared: Promise<WorkflowBundleWithSourceMap> | undefined;

export function sharedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  shared ??= (async () => {
    const file = path.join(os.tmpdir(), `tempotrade-workflow-bundle-${sourceHash()}.json`);
    if (existsSync(file)) {
      const stored = Stored.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (stored.success) return stored.data;
    }
    const b = await workflowBundle();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ code: b.code, sourceMap: b.sourceMap }));
    renameSync(tmp, file);
    return b;
  })();
  return shared;
}
