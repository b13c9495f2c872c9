/**
 * The advanced engine, after the seed's AdvancedExecutionEngine, with what it left unfinished done:
 * dynamic sizing (before risk), the post-only cross check, TIF mapping to what the venue supports
 * (unsupported → denied, never silently changed), native stop orders where supported, quantization by
 * side, and the market-impact guard reading the estimate it computes. It also runs every live step.
 */
import { Dec, str, mul, cmp } from '../money';
import type { ExecutionEngine, PlanStep } from './engine';
import { runPipeline } from './engine';
import { deny, requirePrices, validateSpec, staleMarkGuard, slippageGuard, forceReduceOnly } from './steps';
import { sizeIntent } from './sizing';
import { estimateImpact } from './impact';

/** Post-only: a buy at or above the ask, or a sell at or below the bid, would take: denied. */
export const postOnlyCrossCheck: PlanStep = (d, ctx) => {
  const postOnly = d.intent.postOnly || d.intent.tif === 'PO';
  if (!postOnly) return d;
  if (d.order.type !== 'limit' || !d.order.price) return deny('POST_ONLY_NEEDS_LIMIT', 'post-only needs a limit order with a price', { type: d.order.type });
  const { bid, ask } = ctx.snapshot;
  const crosses = d.order.side === 'buy' ? cmp(d.order.price, ask) >= 0 : cmp(d.order.price, bid) <= 0;
  if (crosses) return deny('POST_ONLY_WOULD_CROSS', `post-only ${d.order.side} at ${d.order.price} would cross the book (bid ${bid}, ask ${ask})`, { side: d.order.side, price: d.order.price, bid, ask });
  return { ...d, order: { ...d.order, postOnly: true } };
};

/**
 * TIF mapping: GTC/IOC/FOK pass when the venue supports them; PO becomes GTC + postOnly where the
 * venue has post-only; GTD and anything else unsupported is denied with the supported list.
 */
export const mapTimeInForce: PlanStep = (d, ctx) => {
  const requested = d.intent.tif ?? (d.order.type === 'market' ? 'IOC' : 'GTC');
  const supported = ctx.capabilities.timeInForce;
  if (requested === 'PO') {
    if (!ctx.capabilities.postOnly) return deny('TIF_UNSUPPORTED', 'the venue has no post-only orders', { requested, supported: supported.join(',') });
    return { ...d, order: { ...d.order, tif: 'GTC', postOnly: true }, notes: [...d.notes, 'TIF PO mapped to GTC + postOnly'] };
  }
  if (d.order.type === 'market') return { ...d, order: { ...d.order, tif: 'IOC' } };
  if (!supported.includes(requested)) return deny('TIF_UNSUPPORTED', `the venue does not support TIF ${requested} (supported: ${supported.join(', ')})`, { requested, supported: supported.join(',') });
  return { ...d, order: { ...d.order, tif: requested } };
};

/** Stops go native where the venue supports them; synthetic durable stops are the workflow's job. */
export const stopSupport: PlanStep = (d, ctx) => {
  const t = d.order.type;
  if (t === 'stop_market' && !ctx.capabilities.stopMarket) return deny('STOP_UNSUPPORTED', 'the venue has no native stop-market orders', { type: t });
  if ((t === 'stop_limit' || t === 'take_profit_limit') && !ctx.capabilities.stopLimit) return deny('STOP_UNSUPPORTED', `the venue has no native ${t} orders`, { type: t });
  return d;
};

/** Market-impact guard: deny when the estimate exceeds maxMarketImpactBps. */
export const marketImpactGuard: PlanStep = (d, ctx) => {
  if (!ctx.config.enableMarketImpactGuard) return d;
  const last3 = ctx.snapshot.bars.slice(-3);
  const vol15 = str(last3.reduce((acc, b) => acc.plus(new Dec(b.volume).times(b.close)), new Dec(0)));
  const est = estimateImpact(ctx.snapshot, mul(d.order.quantity, d.price), ctx.config.maxMarketImpactBps, vol15, ctx.config.impactVolumeFloor);
  const numbers = { ...est.numbers, maxImpactBps: String(ctx.config.maxMarketImpactBps), recommendSlicing: String(est.recommendSlicing), recommendPostOnly: String(est.recommendPostOnly) };
  if (cmp(est.impactBps, ctx.config.maxMarketImpactBps) > 0) return { ok: false, code: 'MARKET_IMPACT', message: `estimated impact ${new Dec(est.impactBps).toFixed(2)} bps exceeds ${ctx.config.maxMarketImpactBps} bps`, numbers };
  return { ...d, numbers: { ...d.numbers, ...numbers } };
};

export const ADVANCED_STEPS: readonly PlanStep[] = [requirePrices, stopSupport, postOnlyCrossCheck, mapTimeInForce, validateSpec, staleMarkGuard, slippageGuard, marketImpactGuard, forceReduceOnly];

export const advancedEngine: ExecutionEngine = {
  name: 'advanced',
  size: sizeIntent,
  plan: (intent, ctx) => runPipeline(intent, ctx, ADVANCED_STEPS, intent.tif === 'PO' ? 'GTC' : intent.tif ?? (intent.type === 'market' ? 'IOC' : 'GTC')),
};
