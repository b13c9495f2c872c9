/**
 * Which engine a run uses. An explicit `engine` input wins. Without it, GPT-Trader's
 * ExecutionEngineFactory rule: advanced iff dynamic position sizing or the market-impact guard is on.
 */
import type { RiskConfig } from '../risk/config';
import type { EngineName, ExecutionEngine } from './engine';
import { liveEngine } from './live';
import { advancedEngine } from './advanced';

export interface EngineChoice {
  engine: EngineName;
  reason: string;
}

export function selectEngine(
  requested: EngineName | undefined,
  risk: Pick<RiskConfig, 'enableDynamicPositionSizing' | 'enableMarketImpactGuard'>,
): EngineChoice {
  if (requested) return { engine: requested, reason: `requested by the run input (engine: '${requested}')` };
  const flags = [
    risk.enableDynamicPositionSizing && 'enableDynamicPositionSizing',
    risk.enableMarketImpactGuard && 'enableMarketImpactGuard',
  ].filter(Boolean);
  if (flags.length > 0)
    return { engine: 'advanced', reason: `no engine requested; risk config enables ${flags.join(' and ')}` };
  return {
    engine: 'live',
    reason: 'no engine requested; neither enableDynamicPositionSizing nor enableMarketImpactGuard is on',
  };
}

export const ENGINES: Readonly<Record<EngineName, ExecutionEngine>> = { live: liveEngine, advanced: advancedEngine };
