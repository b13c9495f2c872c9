/**
 * The run feed (domain/run/feed.ts): what the journal and the metrics read. Every audit event of a run reaches
 * the worker once outside replay, in order, across continue-as-new, and the last batch carries the final summary.
 */
import type { RunFeedBatch } from '../../domain/run/feed';
import { runAudit } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { sma, workflowSuite } from '../helpers/workflow-harness';

const batches: RunFeedBatch[] = [];
const suite = workflowSuite('feed', ['ETH/BTC'], { feed: [{ name: 'test', onBatch: (b) => batches.push(b) }] });

describe('GIVEN a worker with a run-feed subscriber', () => {
  it('WHEN a run continues as new twice THEN each audit event arrives once, in seq order, and the last summary is the result', async () => {
    const input = suite.input('feed', { strategy: sma(3, 8, 20), ticks: 30, continueAsNewAfterTicks: 10 });
    const id = await suite.start(input);
    const summary = await result(suite.client, id);
    const audit = await runAudit(suite.client, id);

    const mine = batches.filter((b) => b.workflowId === id);
    const live = mine.filter((b) => !b.replaying);
    // A new execution re-sends its carried window: the seq dedups, as the journal does.
    const bySeq = new Map(live.flatMap((b) => b.events).map((e) => [e.seq, e]));
    const seqs = [...bySeq.keys()];
    expect(new Set(mine.map((b) => b.executionRunId)).size).toBe(3);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(audit.filter((e) => e.kind === 'ORDER_FILLED').length).toBeGreaterThan(0);
    expect(audit.map((e) => bySeq.get(e.seq))).toEqual(audit);
    expect(mine.every((b) => b.labels.strategy === 'sma-crossover' && b.labels.venue === 'paper')).toBe(true);
    const { execution: _execution, ...rest } = summary;
    expect(live[live.length - 1].summary).toEqual(rest);
  });
});
