/** Fetch recorded workflow histories and replay them with the current workflow code (nondeterminism check). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { NO_FEED } from '../../workers/run-feed';

const HISTORIES = path.join(__dirname, '..', 'replay', 'histories');

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
type Histories = Array<{ workflowId: string; history: History }>;

/**
 * The workflows' histories. With RECORD_HISTORIES=1 and a `file` naming, each is also written to
 * tests/replay/histories/<file(workflowId)>.json (the replay test uses the file name as the workflow id).
 */
export async function fetchHistories(
  client: Client,
  ids: readonly string[],
  file?: (workflowId: string) => string,
): Promise<Histories> {
  const histories = await Promise.all(
    ids.map(async (workflowId) => ({
      workflowId,
      history: await client.workflow.getHandle(workflowId).fetchHistory(),
    })),
  );
  if (file && process.env.RECORD_HISTORIES === '1') {
    mkdirSync(HISTORIES, { recursive: true });
    for (const h of histories)
      writeFileSync(path.join(HISTORIES, `${file(h.workflowId)}.json`), historyToJSON(h.history));
  }
  return histories;
}

/** Each history replayed: [workflowId, the replay error's message, or undefined]. */
export async function replayOutcomes(
  workflowBundle: ReplayWorkerOptions['workflowBundle'],
  histories: Histories,
): Promise<Array<[string, string | undefined]>> {
  const out: Array<[string, string | undefined]> = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle, sinks: NO_FEED }, histories))
    out.push([r.workflowId, r.error?.message]);
  return out;
}
