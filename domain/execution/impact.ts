/**
 * Market impact: three estimators behind one interface (ImpactModel), the guard's sizing by binary
 * search (CONSERVATIVE / STRICT / AGGRESSIVE) and the slice / post-only recommendation.
 *
 * (a) seed — GPT-Trader's LiquidityService model (fixed: the guard reads the estimate it computes).
 *     impact_bps = sqrt(notional / max(volume_15m, floor)) × 100
 *       × sqrt(notional / depth_5%)     when the notional exceeds the depth within 5% of mid
 *       × (1 + spread_bps / 1000)
 *       × condition factor (EXCELLENT 0.5, GOOD 1, FAIR 1.5, POOR 2, CRITICAL 3).
 *     The condition comes from a 0–100 score: spread (40), depth vs. order (40), book imbalance (20).
 *     Volumes and depths are in quote. The seed floored volume at 1000 (USD); a fixed floor makes no sense
 *     across quote currencies (1000 BTC would blind the guard on BTC pairs), so the floor is optional
 *     (risk config impactVolumeFloor) and a market with no volume has maximal impact.
 * (b) sqrt — the square-root law of Almgren et al.: impact_bps = half spread + c × σ_bps × sqrt(Q / V),
 *     σ_bps the standard deviation of bar-to-bar log returns (bps), Q the quantity and V the volume of the
 *     same bars (base), c the risk config's impact.sqrtCoefficient.
 * (c) book — an order-book walk: |VWAP − mid| / mid of the levels the order would take; an order larger
 *     than the visible book is 10 000 bps (it cannot be filled at any known price).
 * Every estimate is monotone in the quantity, which the binary search relies on.
 */
import { Dec, str } from '../money';
import type { MarketSnapshot } from '../market/snapshot';
import type { OrderSide } from '../orders/order';
import { walkBook } from './steps';

export type LiquidityCondition = 'EXCELLENT' | 'GOOD' | 'FAIR' | 'POOR' | 'CRITICAL';
export const CONDITION_FACTOR: Readonly<Record<LiquidityCondition, number>> = {
  EXCELLENT: 0.5,
  GOOD: 1,
  FAIR: 1.5,
  POOR: 2,
  CRITICAL: 3,
};
/** What an estimate is when nothing can be known (no volume, an order larger than the book). */
export const MAX_IMPACT_BPS = '10000';

export interface ImpactEstimate {
  impactBps: string;
  condition: LiquidityCondition;
  score: number;
  numbers: Record<string, string>;
  recommendSlicing: boolean;
  recommendPostOnly: boolean;
}

export interface ImpactInput {
  snapshot: MarketSnapshot;
  side: OrderSide;
  /** Base quantity. */
  quantity: string;
  /** Price used for the notional (limit, else mark). */
  price: string;
  maxImpactBps: number;
  /** Quote volume of the last 15 minutes (seed model). */
  volume15mQuote: string;
  /** Seed model volume floor (quote). */
  floor?: string;
  /** sqrt model coefficient. */
  sqrtCoefficient?: number;
}

export interface ImpactModel {
  readonly name: 'seed' | 'sqrt' | 'book';
  estimate(input: ImpactInput): ImpactEstimate;
}

function midOf(s: MarketSnapshot): Dec {
  return new Dec(s.bid).plus(s.ask).div(2);
}

/** GPT-Trader's liquidity condition: spread (40), depth within 5% vs. the order (40), imbalance (20). */
export function liquidityCondition(
  snapshot: MarketSnapshot,
  notionalQuote: string,
): { condition: LiquidityCondition; score: number; spreadBps: Dec; depth5: Dec } {
  const mid = midOf(snapshot);
  const spreadBps = new Dec(snapshot.ask).minus(snapshot.bid).div(mid).times(10_000);
  const within = (p: Dec) => p.minus(mid).abs().div(mid).lte(0.05);
  const depthOf = (levels: MarketSnapshot['bids']) =>
    levels.reduce((acc, [p, s]) => (within(new Dec(p)) ? acc.plus(new Dec(p).times(s)) : acc), new Dec(0));
  const bidDepth = depthOf(snapshot.bids);
  const askDepth = depthOf(snapshot.asks);
  const depth5 = bidDepth.plus(askDepth);
  const notional = new Dec(notionalQuote);
  const spreadScore = spreadBps.lte(5) ? 40 : spreadBps.lte(20) ? 30 : spreadBps.lte(50) ? 15 : 5;
  const cover = notional.gt(0) ? depth5.div(notional) : new Dec(1e9);
  const depthScore = cover.gte(20) ? 40 : cover.gte(5) ? 30 : cover.gte(1) ? 15 : 5;
  const imbalance = depth5.gt(0) ? bidDepth.minus(askDepth).abs().div(depth5) : new Dec(1);
  const imbalanceScore = imbalance.lte(0.2) ? 20 : imbalance.lte(0.5) ? 10 : 0;
  const score = spreadScore + depthScore + imbalanceScore;
  const condition: LiquidityCondition =
    score >= 80 ? 'EXCELLENT' : score >= 60 ? 'GOOD' : score >= 40 ? 'FAIR' : score >= 20 ? 'POOR' : 'CRITICAL';
  return { condition, score, spreadBps, depth5 };
}

function finish(
  model: ImpactModel['name'],
  impact: Dec,
  input: ImpactInput,
  numbers: Record<string, string>,
): ImpactEstimate {
  const notional = str(new Dec(input.quantity).times(input.price));
  const liq = liquidityCondition(input.snapshot, notional);
  const impactBps = str(impact);
  return {
    impactBps,
    condition: liq.condition,
    score: liq.score,
    recommendSlicing: impact.gt(input.maxImpactBps),
    recommendPostOnly: liq.condition === 'FAIR' || liq.condition === 'POOR' || liq.condition === 'CRITICAL',
    numbers: {
      model,
      impactBps,
      spreadBps: str(liq.spreadBps),
      depth5pct: str(liq.depth5),
      notional,
      score: String(liq.score),
      condition: liq.condition,
      ...numbers,
    },
  };
}

export const seedImpactModel: ImpactModel = {
  name: 'seed',
  estimate(input) {
    const notional = new Dec(input.quantity).times(input.price);
    const liq = liquidityCondition(input.snapshot, str(notional));
    const vol = Dec.max(input.volume15mQuote, input.floor ?? '0');
    let impact = vol.gt(0) ? notional.div(vol).sqrt().times(100) : new Dec(MAX_IMPACT_BPS);
    if (notional.gt(liq.depth5) && liq.depth5.gt(0)) impact = impact.times(notional.div(liq.depth5).sqrt());
    impact = impact.times(new Dec(1).plus(liq.spreadBps.div(1000))).times(CONDITION_FACTOR[liq.condition]);
    return finish('seed', impact, input, { volume15m: input.volume15mQuote });
  },
};

/** Standard deviation of bar-to-bar log returns, in bps (0 with fewer than 2 returns). */
export function barVolatilityBps(bars: MarketSnapshot['bars']): string {
  const rets: number[] = [];
  for (let i = 1; i < bars.length; i += 1) rets.push(Math.log(bars[i].close / bars[i - 1].close));
  if (rets.length < 2) return '0';
  const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
  const variance = rets.reduce((a, r) => a + (r - mean) ** 2, 0) / (rets.length - 1);
  return str(new Dec(Math.sqrt(variance)).times(10_000));
}

export const sqrtImpactModel: ImpactModel = {
  name: 'sqrt',
  estimate(input) {
    const s = input.snapshot;
    const mid = midOf(s);
    const halfSpreadBps = new Dec(s.ask).minus(s.bid).div(mid).times(5_000);
    const volumeBase = s.bars.reduce((acc, b) => acc.plus(b.volume), new Dec(0));
    const sigma = barVolatilityBps(s.bars);
    const c = input.sqrtCoefficient ?? 1;
    const impact = volumeBase.gt(0)
      ? halfSpreadBps.plus(new Dec(c).times(sigma).times(new Dec(input.quantity).div(volumeBase).sqrt()))
      : new Dec(MAX_IMPACT_BPS);
    return finish('sqrt', impact, input, {
      halfSpreadBps: str(halfSpreadBps),
      sigmaBps: sigma,
      volumeBase: str(volumeBase),
      bars: String(s.bars.length),
      coefficient: String(c),
    });
  },
};

export const bookImpactModel: ImpactModel = {
  name: 'book',
  estimate(input) {
    const s = input.snapshot;
    const mid = midOf(s);
    const levels = input.side === 'buy' ? s.asks : s.bids;
    const walk = walkBook(levels, input.quantity);
    const vwap = new Dec(walk.fillable).gt(0) ? new Dec(walk.vwap) : mid;
    const impact = walk.exhausted ? new Dec(MAX_IMPACT_BPS) : vwap.minus(mid).abs().div(mid).times(10_000);
    return finish('book', impact, input, {
      vwap: str(vwap),
      fillable: walk.fillable,
      levels: String(levels.length),
      exhausted: String(walk.exhausted),
    });
  },
};

export const IMPACT_MODELS: Readonly<Record<ImpactModel['name'], ImpactModel>> = {
  seed: seedImpactModel,
  sqrt: sqrtImpactModel,
  book: bookImpactModel,
};

/** GPT-Trader's entry point, kept: the LiquidityService estimate for a notional. */
export function estimateImpact(
  snapshot: MarketSnapshot,
  notionalQuote: string,
  maxImpactBps: number,
  volume15mQuote: string,
  floor = '0',
): ImpactEstimate {
  const price = snapshot.mark;
  return seedImpactModel.estimate({
    snapshot,
    side: 'buy',
    quantity: str(new Dec(notionalQuote).div(price)),
    price,
    maxImpactBps,
    volume15mQuote,
    floor,
  });
}

/** Quote volume of the last 15 minutes of bars (GPT-Trader's volume_15m). */
export function volume15mQuote(bars: MarketSnapshot['bars']): string {
  const end = bars.length ? bars[bars.length - 1].ts : 0;
  const recent = bars.filter((b) => b.ts > end - 15 * 60_000);
  return str(recent.reduce((acc, b) => acc.plus(new Dec(b.volume).times(b.close)), new Dec(0)));
}

export type ImpactSizingMode = 'CONSERVATIVE' | 'STRICT' | 'AGGRESSIVE';

export interface ImpactSizing {
  quantity: string;
  mode: ImpactSizingMode;
  /** Impact of the size chosen (or of the full size when 0 is chosen). */
  estimate: ImpactEstimate;
  iterations: number;
  reason: string;
}

/**
 * Impact-aware sizing, as GPT-Trader's binary search: the largest quantity (multiple of `step`, ≤ the
 * requested one) whose estimated impact is within maxImpactBps.
 *  - CONSERVATIVE: that largest fitting quantity;
 *  - STRICT: the full quantity if it fits, else 0;
 *  - AGGRESSIVE: the full quantity if the visible opposite side holds it (within depth), else as CONSERVATIVE.
 */
export function impactAwareSize(
  model: ImpactModel,
  input: ImpactInput,
  mode: ImpactSizingMode,
  step: string,
): ImpactSizing {
  const full = model.estimate(input);
  const fits = (e: ImpactEstimate) => new Dec(e.impactBps).lte(input.maxImpactBps);
  if (fits(full))
    return {
      quantity: input.quantity,
      mode,
      estimate: full,
      iterations: 0,
      reason: 'the full size is within the impact limit',
    };
  if (mode === 'STRICT')
    return {
      quantity: '0',
      mode,
      estimate: full,
      iterations: 0,
      reason: `STRICT: the full size has ${new Dec(full.impactBps).toFixed(2)} bps > ${input.maxImpactBps} bps`,
    };
  if (mode === 'AGGRESSIVE') {
    const depth = (input.side === 'buy' ? input.snapshot.asks : input.snapshot.bids).reduce(
      (acc, [, s]) => acc.plus(s),
      new Dec(0),
    );
    if (depth.gte(input.quantity))
      return {
        quantity: input.quantity,
        mode,
        estimate: full,
        iterations: 0,
        reason: `AGGRESSIVE: the visible depth ${str(depth)} holds the full size`,
      };
  }
  // Binary search on whole steps: lo fits (0 always does), hi does not.
  const stepD = new Dec(step);
  let lo = new Dec(0);
  let hi = new Dec(input.quantity).div(stepD).floor();
  let best: ImpactEstimate | undefined;
  let iterations = 0;
  while (hi.minus(lo).gt(1)) {
    iterations += 1;
    const mid = lo.plus(hi).div(2).floor();
    const e = model.estimate({ ...input, quantity: str(mid.times(stepD)) });
    if (fits(e)) {
      lo = mid;
      best = e;
    } else hi = mid;
  }
  const quantity = str(lo.times(stepD));
  return {
    quantity,
    mode,
    estimate: best ?? full,
    iterations,
    reason: lo.gt(0)
      ? `largest size within ${input.maxImpactBps} bps`
      : `no size of one step or more fits within ${input.maxImpactBps} bps`,
  };
}
