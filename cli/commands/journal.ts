/** `tempotrade journal export`: a whole run (every continue-as-new) or an account's runs, from the trade journal. */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { z } from 'zod';
import { parseFlags } from '../flags';
import { journalConfigFrom, openJournal } from '../../workers/journal/config';
import { formatEvents } from '../../workers/journal/export';
import type { JournalQuery } from '../../workers/journal/store';

/** ISO 8601 or epoch milliseconds → epoch ms. */
const Instant = z
  .string()
  .trim()
  .refine((s) => /^\d+$/.test(s) || (/^\d{4}-\d{2}-\d{2}/.test(s) && Number.isFinite(Date.parse(s))), {
    message: 'must be an ISO time (2024-05-01T00:00:00Z) or epoch milliseconds',
  })
  .transform((s) => (/^\d+$/.test(s) ? Number(s) : Date.parse(s)));

const ExportFlags = z
  .object({
    run: z.string().min(1).optional(),
    account: z.string().min(1).optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    format: z.enum(['csv', 'jsonl'], { message: 'must be csv or jsonl' }),
    out: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if ((f.run === undefined) === (f.account === undefined))
      ctx.addIssue({ code: 'custom', path: ['run'], message: 'give exactly one of --run ID or --account A' });
    if (f.from !== undefined && f.to !== undefined && f.from > f.to)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'is after --to' });
  });

export function journalCommand(): Command {
  const journal = new Command('journal').description(
    'the trade journal: every audit event of every run (TEMPOTRADE_JOURNAL_URL; default .tempotrade/journal.sqlite)',
  );
  journal
    .command('export')
    .description('export a whole run across every continue-as-new, or all runs of an account')
    .option('--run <id>', 'the run id')
    .option('--account <id>', 'every run of this account')
    .option('--from <time>', 'events at or after this time (ISO or epoch ms)')
    .option('--to <time>', 'events at or before this time (ISO or epoch ms)')
    .option('--format <format>', 'csv | jsonl')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts) => {
      const f = parseFlags(ExportFlags, opts);
      const cfg = journalConfigFrom();
      const store = await openJournal(cfg);
      try {
        const base = f.run !== undefined ? { run: f.run } : { account: f.account! };
        const q: JournalQuery = {
          ...base,
          ...(f.from !== undefined ? { from: f.from } : {}),
          ...(f.to !== undefined ? { to: f.to } : {}),
        };
        const events = await store.events(q);
        const text = formatEvents(events, f.format);
        if (!f.out) {
          process.stdout.write(text);
          return;
        }
        writeFileSync(f.out, text);
        const runs = await store.runs(q);
        console.error(`${events.length} event(s) of ${runs.length} run(s) from ${store.where} written to ${f.out}`);
        for (const r of runs)
          console.error(
            `  ${r.workflowId}: ${r.strategy} on ${r.accountId}, tick ${r.ticks}, equity ${r.summary.equity} ${r.summary.quote}, ${r.summary.orders.filled} filled`,
          );
      } finally {
        await store.close();
      }
    });
  return journal;
}
