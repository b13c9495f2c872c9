/**
 * The live (baseline) engine, after GPT-Trader's LiveExecutionEngine: spec validation and quantization,
 * stale-mark guard, slippage guard with per-symbol multipliers, reduce-only forcing. Preview and audit
 * events are its I/O half (activities/engines/live.ts). It supports GTC and IOC only; anything else
 * is denied with ENGINE_UNSUPPORTED rather than silently changed.
 */
import type { ExecutionEngine, PlanStep } from './engine';
import { runPipeline } from './engine';
import { deny, requirePrices, validateSpec, staleMarkGuard, slippageGuard, forceReduceOnly } from './steps';

const liveSupports: PlanStep = (d) => {
  const tif = d.intent.tif;
  if (d.intent.postOnly || (tif && tif !== 'GTC' && tif !== 'IOC')) {
    return deny(
      'ENGINE_UNSUPPORTED',
      `the live engine does not map ${d.intent.postOnly ? 'post-only' : `TIF ${tif}`}; run with engine "advanced"`,
      { tif: tif ?? '', postOnly: String(d.intent.postOnly) },
    );
  }
  if (d.order.type !== 'market' && d.order.type !== 'limit') {
    return deny(
      'ENGINE_UNSUPPORTED',
      `the live engine places market and limit orders only, not ${d.order.type}; run with engine "advanced"`,
      { type: d.order.type },
    );
  }
  return d;
};

export const LIVE_STEPS: readonly PlanStep[] = [
  liveSupports,
  requirePrices,
  validateSpec,
  staleMarkGuard,
  slippageGuard,
  forceReduceOnly,
];

export const liveEngine: ExecutionEngine = {
  name: 'live',
  size: (intent) => ({ ok: true, intent, numbers: {} }),
  plan: (intent, ctx) =>
    runPipeline(intent, ctx, LIVE_STEPS, intent.tif ?? (intent.type === 'market' ? 'IOC' : 'GTC'), 'live'),
};
