/** The worker's journal: from TEMPOTRADE_JOURNAL_URL, opened before the worker polls (an unreachable database fails the start). */
import { journalConfigFrom, openJournal } from './config';
import { JournalWriter, type JournalWriterOptions } from './writer';

export { JournalWriter } from './writer';
export { journalConfigFrom, openJournal } from './config';

export async function startJournal(
  env: NodeJS.ProcessEnv = process.env,
  opts: JournalWriterOptions & { connectTimeoutMs?: number } = {},
): Promise<JournalWriter> {
  const store = await openJournal(journalConfigFrom(env), opts);
  return new JournalWriter(store, opts);
}
