/**
 * Market-impact estimate, the seed's LiquidityService model (fixed: the guard reads the estimate it
 * computes). impact_bps = sqrt(notional / max(volume_15m, 1000 units)) × 100
 *   × sqrt(notional / depth_5%)     when the notional exceeds the depth within 5% of mid
 *   × (1 + spread_bps / 1000)
 *   × condition factor (EXCELLENT 0.5, GOOD 1, FAIR 1.5, POOR 2, CRITICAL 3).
 * The condition comes from a 0–100 score: spread (40), depth vs. order (40), book imbalance (20).
 * Volumes and depths are in quote. The seed floored volume at 1000 (USD); a fixed floor makes no sense
 * across quote currencies (1000 BTC would blind the guard on BTC pairs), so the floor is optional
 * (risk config impactVolumeFloor) and a market with no volume has maximal impact.
 */
import { Dec, str } from '../money';
import type { MarketSnapshot } from '../market/snapshot';

export type LiquidityCondition = 'EXCELLENT' | 'GOOD' | 'FAIR' | 'POOR' | 'CRITICAL';
export const CONDITION_FACTOR: Readonly<Record<LiquidityCondition, number>> = { EXCELLENT: 0.5, GOOD: 1, FAIR: 1.5, POOR: 2, CRITICAL: 3 };

export interface ImpactEstimate {
  impactBps: string;
  condition: LiquidityCondition;
  score: number;
  numbers: Record<string, string>;
  recommendSlicing: boolean;
  recommendPostOnly: boolean;
}

export function estimateImpact(snapshot: MarketSnapshot, notionalQuote: string, maxImpactBps: number, volume15mQuote: string, floor = '0'): ImpactEstimate {
  const bid = new Dec(snapshot.bid);
  const ask = new Dec(snapshot.ask);
  const mid = bid.plus(ask).div(2);
  const spreadBps = ask.minus(bid).div(mid).times(10_000);
  const within = (p: Dec) => p.minus(mid).abs().div(mid).lte(0.05);
  const depthOf = (levels: MarketSnapshot['bids']) => levels.reduce((acc, [p, s]) => (within(new Dec(p)) ? acc.plus(new Dec(p).times(s)) : acc), new Dec(0));
  const bidDepth = depthOf(snapshot.bids);
  const askDepth = depthOf(snapshot.asks);
  const depth5 = bidDepth.plus(askDepth);
  const notional = new Dec(notionalQuote);
  const vol = Dec.max(volume15mQuote, floor);
  let impact = vol.gt(0) ? notional.div(vol).sqrt().times(100) : new Dec(10_000);
  if (notional.gt(depth5) && depth5.gt(0)) impact = impact.times(notional.div(depth5).sqrt());
  impact = impact.times(new Dec(1).plus(spreadBps.div(1000)));
  const spreadScore = spreadBps.lte(5) ? 40 : spreadBps.lte(20) ? 30 : spreadBps.lte(50) ? 15 : 5;
  const cover = notional.gt(0) ? depth5.div(notional) : new Dec(1e9);
  const depthScore = cover.gte(20) ? 40 : cover.gte(5) ? 30 : cover.gte(1) ? 15 : 5;
  const imbalance = depth5.gt(0) ? bidDepth.minus(askDepth).abs().div(depth5) : new Dec(1);
  const imbalanceScore = imbalance.lte(0.2) ? 20 : imbalance.lte(0.5) ? 10 : 0;
  const score = spreadScore + depthScore + imbalanceScore;
  const condition: LiquidityCondition = score >= 80 ? 'EXCELLENT' : score >= 60 ? 'GOOD' : score >= 40 ? 'FAIR' : score >= 20 ? 'POOR' : 'CRITICAL';
  impact = impact.times(CONDITION_FACTOR[condition]);
  return {
    impactBps: str(impact),
    condition,
    score,
    recommendSlicing: impact.gt(maxImpactBps),
    recommendPostOnly: condition === 'FAIR' || condition === 'POOR' || condition === 'CRITICAL',
    numbers: { impactBps: str(impact), spreadBps: str(spreadBps), depth5pct: str(depth5), volume15m: volume15mQuote, notional: notionalQuote, score: String(score), condition },
  };
}
