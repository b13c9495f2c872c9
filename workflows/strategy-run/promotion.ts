/**
 * The promotion gate of a live run (PROMOTION_GATE_PATCH): the worker's promotion.check decides from its own
 * registry whether the strategy is untrusted and, if so, whether the run's pinned hash passed every gate.
 * Missing gates fail the run closed before it opens: no account, no order.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { RunContext } from './context';

const gate = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

export async function refuseUnpromoted(run: RunContext): Promise<void> {
  const s = run.input.strategy;
  const verdict = await gate['promotion.check']({
    name: s.name,
    ...(s.version ? { version: s.version } : {}),
    ...(s.hash ? { hash: s.hash } : {}),
  });
  if (verdict.gated && !verdict.promoted)
    throw ApplicationFailure.nonRetryable(verdict.message, 'STRATEGY_NOT_PROMOTED', {
      strategy: s.name,
      version: s.version,
      hash: s.hash,
      missing: verdict.missing,
    });
}
