/**
 * The promotion gate of a live run (PROMOTION_GATE_PATCH): the worker's promotion.check decides from its own
 * registry whether the strategy is untrusted and, if so, whether the run's pinned hash passed every gate.
 * Missing gates fail the run closed before it opens: no account, no order.
 */
import { ApplicationFailure, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { StrategyPin } from '../../domain/run/state';
import type { RunContext } from './context';
import * as P from './patches';
import { upgradeStrategy } from './strategy';

const gate = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

export async function refuseUnpromoted(
  run: RunContext,
  s: { name: string; version?: string; hash?: string } = run.input.strategy,
): Promise<void> {
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

/**
 * upgradeStrategy's handler: a live run adopts a new module only once the worker's promotion.check passes for
 * it (PROMOTION_UPGRADE_PATCH), else the Update fails STRATEGY_NOT_PROMOTED and the pin stays.
 */
export async function upgradeStrategyGated(
  run: RunContext,
  to: { version: string; hash: string },
): Promise<StrategyPin> {
  if (run.input.mode === 'live' && patched(P.PROMOTION_UPGRADE_PATCH))
    await refuseUnpromoted(run, { name: run.input.strategy.name, version: to.version, hash: to.hash });
  return upgradeStrategy(run, to);
}
