/**
 * Continue-as-new on the fast layer: a run that continues as new every 10 ticks ends exactly like one that
 * never does (state carried, counters go on), and a halt survives the hand-overs.
 */
import type { RunSummary } from '../../domain/run/state';
import { haltRun, runAudit, runStatus } from '../../temporal/runs-client';
import { waitFor } from '../helpers/temporal';
import { differences, result } from '../helpers/runs';
import { holdAt, sma, snapshotNo, workflowSuite } from '../helpers/workflow-harness';

const suite = workflowSuite('can', ['ETH/BTC']);

const input = (run: string, continueAsNewAfterTicks: number, ticks = 40) =>
  suite.input(run, { strategy: sma(3, 8, 20), ticks, continueAsNewAfterTicks });

describe('GIVEN the same run with and without frequent continue-as-new', () => {
  it('WHEN one continues as new every 10 ticks THEN both end with the same orders, fills and portfolio', async () => {
    const chain = input('can-chain', 10);
    const plainId = await suite.start(input('can-plain', 500));
    const chainId = await suite.start(chain);
    const [plain, chained] = await Promise.all([result(suite.client, plainId), result(suite.client, chainId)]);
    let runsInChain = 0;
    for await (const _ of suite.client.workflow.list({ query: `WorkflowId = '${chainId}'` })) runsInChain++;
    const audit = await runAudit(suite.client, chainId);

    expect(runsInChain).toBe(4); // 40 ticks / 10: no empty run is handed the end
    expect(audit.filter((e) => e.kind === 'CONTINUED_AS_NEW').length).toBe(runsInChain - 1);
    expect(chained.orders.placed).toBeGreaterThan(2);
    // The execution monitor too (its order ids differ only by the workflow's prefix): it survives the hand-overs.
    const same = (s: RunSummary) => ({
      ...s,
      workflowId: '',
      runId: '',
      accountId: '',
      execution: s.execution && {
        ...s.execution,
        recent: s.execution.recent.map((o) => ({ ...o, clientOrderId: o.clientOrderId.split('-').pop() })),
      },
    });
    expect(chained.execution?.run.orders).toBeGreaterThan(0);
    expect(same(chained)).toEqual(same(plain));
    expect(differences(chained, await suite.account(chain.accountId))).toEqual([]);
  });

  it('WHEN halted before several continue-as-new hand-overs THEN it is still HALTED after them, with its reason', async () => {
    const runInput = input('can-halt', 10, 50);
    const atHalt = holdAt(suite.venue, snapshotNo(runInput.accountId, 15));
    const runId = await suite.start(runInput);
    await atHalt.reached;
    await haltRun(suite.client, runId, { reason: 'halt across continue-as-new' });
    const halted = await waitFor('HALTED', async () => {
      const s = (await runStatus(suite.client, runId)).status;
      return s.tradingState === 'HALTED' && s;
    });
    atHalt.release();
    const summary = await result(suite.client, runId);
    const { status } = await runStatus(suite.client, runId);
    const audit = await runAudit(suite.client, runId);
    const haltSeq = audit.filter((e) => e.kind === 'STATE_CHANGED' && e.code === 'HALTED').at(-1)!.seq;
    // Three hand-overs after the halt (ticks 20, 30, 40), each carrying it.
    expect(audit.filter((e) => e.kind === 'CONTINUED_AS_NEW' && e.seq > haltSeq).length).toBeGreaterThanOrEqual(3);
    expect(summary.tradingState).toBe('HALTED');
    expect(status.tick).toBeGreaterThanOrEqual(halted.tick + 30);
    expect(status.stateReason).toBe('halt across continue-as-new');
    expect(summary.orders.placed).toBe(halted.counters!.placed);
  });
});
