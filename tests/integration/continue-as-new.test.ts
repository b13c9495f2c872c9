/**
 * Continue-as-new carries the whole state: a run that continues as new every 10 ticks ends exactly like
 * one that never does, and a halt survives the hand-over.
 */
import type { RunSummary } from '../../domain/run/state';
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { haltRun, runAudit, runStatus, startRun } from '../../temporal/runs-client';
import { uniqueQueue, waitFor, withWorker } from '../helpers/temporal';
import { differences, result, runInput, venueAccount, withVenueSuite } from '../helpers/runs';

let client: Client;
let venue: PaperVenueServer;
const queue = uniqueQueue('can');
const stamp = Date.now().toString(36);

withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));

const input = (runId: string, continueAsNewAfterTicks: number) =>
  runInput({ runId, venueUrl: venue.url, symbols: ['ETH/BTC'], strategy: { name: 'sma-crossover', params: { fast: 3, slow: 8, orderPct: 20 } }, stop: { maxTicks: 120, endOfData: true }, continueAsNewAfterTicks });

describe('GIVEN the same run with and without frequent continue-as-new', () => {
  it('WHEN one continues as new every 10 ticks THEN both end with the same orders, fills and portfolio', async () => {
    const [plain, chained, runsInChain, audit] = await withWorker(queue, async () => {
      await startRun(client, input(`can-plain-${stamp}`, 500), { taskQueue: queue });
      await startRun(client, input(`can-chain-${stamp}`, 10), { taskQueue: queue });
      const p = await result(client, `can-plain-${stamp}`);
      const c = await result(client, `can-chain-${stamp}`);
      let n = 0;
      for await (const _ of client.workflow.list({ query: `WorkflowId = 'can-chain-${stamp}'` })) n++;
      return [p, c, n, await runAudit(client, `can-chain-${stamp}`)] as const;
    });
    expect(runsInChain).toBe(12); // 120 ticks / 10: no empty run is handed the end
    expect(audit.filter((e) => e.kind === 'CONTINUED_AS_NEW').length).toBe(runsInChain - 1);
    expect(chained.orders.placed).toBeGreaterThan(2);
    // The execution monitor too (its order ids differ only by the workflow's prefix): it survives the hand-overs.
    const same = (s: RunSummary) => ({ ...s, workflowId: '', runId: '', accountId: '', execution: s.execution && { ...s.execution, recent: s.execution.recent.map((o) => ({ ...o, clientOrderId: o.clientOrderId.split('-').pop() })) } });
    expect(chained.execution?.run.orders).toBeGreaterThan(0);
    expect(same(chained)).toEqual(same(plain));
    expect(differences(chained, await venueAccount(venue.url, input(`can-chain-${stamp}`, 10).accountId, 'BTC', '1'))).toEqual([]);
  });

  it('WHEN halted before several continue-as-new hand-overs THEN it is still HALTED after them, with its reason', async () => {
    const runId = `can-halt-${stamp}`;
    await withWorker(queue, async () => {
      await startRun(client, { ...input(runId, 10), tickInterval: '20ms', stop: { maxTicks: 5000, endOfData: true } }, { taskQueue: queue });
      await waitFor('tick 15', async () => (await runStatus(client, runId)).status.tick >= 15);
      await haltRun(client, runId, { reason: 'halt across continue-as-new' });
      const halted = await waitFor('HALTED', async () => {
        const s = (await runStatus(client, runId)).status;
        return s.tradingState === 'HALTED' && s;
      });
      const later = await waitFor('30 more ticks', async () => {
        const s = (await runStatus(client, runId)).status;
        return s.tick >= halted.tick + 30 && s;
      });
      expect(later.tradingState).toBe('HALTED');
      expect(later.stateReason).toBe('halt across continue-as-new');
      expect(later.counters!.placed).toBe(halted.counters!.placed);
      await client.workflow.getHandle(runId).terminate('test done');
    });
    // 14 s alone; once over 120 s late in a loaded CI run (45 suites in), with no failed assertion.
  }, 300_000);
});
