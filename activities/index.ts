/**
 * createActivities(deps): every activity of a tempotrade worker, with its I/O dependencies injected.
 * The workflow imports only the *type* of this module (`import type * as acts`).
 */
import type { Quantizer } from '../domain/market/instrument';
import type { BrokerRegistry } from '../brokers/registry';
import type { StrategyRegistry } from '../domain/strategies/registry';
import { createMarketActivities } from './market';
import { createDecisionActivities } from './decisions';
import { createLiveEngineActivities } from './engines/live';
import { createAdvancedEngineActivities } from './engines/advanced';
import { createAlertActivities, type Notifier } from './alerts';
import { createSchedulingActivities } from './scheduling';
import { createReconcileActivities } from './reconcile';
import { createAccountActivities } from './account';
import { createPromotionActivities } from './promotion';

export interface ActivityDeps {
  brokers: BrokerRegistry;
  quantizer: Quantizer;
  /** Where halt/breach alerts go (default: SNS if TEMPOTRADE_ALERTS_TOPIC_ARN is set, else the log). */
  notifier?: Notifier;
  /** The strategies the strategy step runs: built-ins plus those loaded with --strategies (default: built-ins). */
  strategies?: StrategyRegistry;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createMarketActivities(deps),
    ...createReconcileActivities(deps),
    ...createDecisionActivities(deps.strategies ? { strategies: deps.strategies } : {}),
    ...createLiveEngineActivities(deps),
    ...createAdvancedEngineActivities(deps),
    ...createAlertActivities(deps),
    ...createSchedulingActivities(),
    ...createAccountActivities(),
    ...createPromotionActivities(deps.strategies ? { strategies: deps.strategies } : {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
