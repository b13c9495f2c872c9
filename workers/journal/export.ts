/** The journal's export formats: one line (jsonl) or one row (csv) per audit event. */
import { stringify } from 'csv-stringify/sync';
import type { JournalEvent } from './store';

export type ExportFormat = 'csv' | 'jsonl';

export const CSV_COLUMNS = [
  'workflowId',
  'executionRunId',
  'runId',
  'accountId',
  'strategy',
  'venue',
  'engine',
  'seq',
  'tick',
  'at',
  'kind',
  'code',
  'clientOrderId',
  'message',
  'numbers',
] as const;

/** The whole export as text (header included for csv). */
export function formatEvents(events: readonly JournalEvent[], format: ExportFormat): string {
  if (format === 'jsonl') return events.map((e) => JSON.stringify(e) + '\n').join('');
  const rows = events.map(({ event: e, ...run }) => [
    run.workflowId,
    run.executionRunId,
    run.runId,
    run.accountId,
    run.strategy,
    run.venue,
    run.engine,
    e.seq,
    e.tick,
    new Date(e.at).toISOString(),
    e.kind,
    e.code ?? '',
    e.clientOrderId ?? '',
    e.message,
    e.numbers ? JSON.stringify(e.numbers) : '',
  ]);
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS] });
}
