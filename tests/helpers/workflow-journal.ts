/** What the journal tests (workflow and integration layers) ask of a journaled run. */
import type { Client } from '@temporalio/client';
import type { AuditEvent, RunSummary } from '../../domain/run/state';
import { runStatus } from '../../temporal/runs-client';
import { waitFor } from './temporal';

/** Wait until run `id` is at tick `atLeast` or later; the tick it is at then. */
export const tickOf = (client: Client, id: string, atLeast: number) =>
  waitFor(
    `${id} at tick ${atLeast}`,
    async () => {
      const st = (await runStatus(client, id)).status;
      return st.tick >= atLeast && st.tick;
    },
    180_000,
    // runStatus is several server calls: polling it fast would slow the run it watches.
    250,
  );

/** Every journaled event of the run is there once, seq 1..N; the audit's window equal; the fills as the summary counts them. */
export function expectWhole(events: AuditEvent[], audit: AuditEvent[], summary: RunSummary): void {
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  expect(events.length).toBe(audit[audit.length - 1].seq);
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  expect(audit.map((e) => bySeq.get(e.seq))).toEqual(audit);
  const kinds = (k: string) => events.filter((e) => e.kind === k).length;
  expect(kinds('ORDER_FILLED')).toBe(summary.orders.filled);
  expect(kinds('ORDER_FILLED') + kinds('ORDER_PARTIALLY_FILLED')).toBe(summary.fills);
}
