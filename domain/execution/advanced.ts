/**
 * The advanced engine, after GPT-Trader's AdvancedExecutionEngine, with what it left unfinished done:
 * dynamic sizing (before risk), the post-only cross check, TIF mapping to what the venue supports
 * (unsupported → denied, never silently changed), native stop orders where supported, quantization by
 * side, and the market-impact guard reading the estimate it computes. It also runs every live step.
 */
import { Dec, cmp } from '../money';
import type { ExecutionEngine, PlanStep } from './engine';
import { runPipeline } from './engine';
import { deny, requirePrices, validateSpec, staleMarkGuard, slippageGuard, forceReduceOnly } from './steps';
import { sizeIntent } from './sizing';
import { IMPACT_MODELS, impactAwareSize, volume15mQuote } from './impact';

/** Post-only: a buy at or above the ask, or a sell at or below the bid, would take: denied. */
export const postOnlyCrossCheck: PlanStep = (d, ctx) => {
  const postOnly = d.intent.postOnly || d.intent.tif === 'PO';
  if (!postOnly) return d;
  if (d.order.type !== 'limit' || !d.order.price)
    return deny('POST_ONLY_NEEDS_LIMIT', 'post-only needs a limit order with a price', { type: d.order.type });
  const { bid, ask } = ctx.snapshot;
  const crosses = d.order.side === 'buy' ? cmp(d.order.price, ask) >= 0 : cmp(d.order.price, bid) <= 0;
  if (crosses)
    return deny(
      'POST_ONLY_WOULD_CROSS',
      `post-only ${d.order.side} at ${d.order.price} would cross the book (bid ${bid}, ask ${ask})`,
      { side: d.order.side, price: d.order.price, bid, ask },
    );
  return { ...d, order: { ...d.order, postOnly: true } };
};

/**
 * TIF mapping from the venue's capabilities (ccxt `features.spot.createOrder.timeInForce`):
 *  - GTC / IOC / FOK pass when the venue supports them, else TIF_UNSUPPORTED with the supported list;
 *  - PO becomes GTC + postOnly where the venue has post-only (a documented mapping, noted in the plan);
 *  - GTD is denied: intents carry no expiry time;
 *  - a market order is always IOC; another TIF asked for it is a documented downgrade, noted in the plan.
 */
export const mapTimeInForce: PlanStep = (d, ctx) => {
  const requested = d.intent.tif ?? (d.order.type === 'market' ? 'IOC' : 'GTC');
  const supported = ctx.capabilities.timeInForce;
  if (requested === 'PO') {
    if (!ctx.capabilities.postOnly)
      return deny('TIF_UNSUPPORTED', 'the venue has no post-only orders', {
        requested,
        supported: supported.join(','),
      });
    return {
      ...d,
      order: { ...d.order, tif: 'GTC', postOnly: true },
      notes: [...d.notes, 'TIF PO mapped to GTC + postOnly'],
    };
  }
  if (d.order.type === 'market') {
    // A market order takes what is there now and never rests: any other TIF asked for is a documented
    // downgrade to IOC, recorded in the plan's notes (and so in the activity result of the history).
    const notes =
      requested === 'IOC'
        ? d.notes
        : [...d.notes, `TIF ${requested} on a market order downgraded to IOC (a market order never rests)`];
    return { ...d, order: { ...d.order, tif: 'IOC' }, notes };
  }
  if (requested === 'GTD') {
    // An intent carries no expiry time, so GTD cannot be sent meaningfully even where the venue has it.
    return deny(
      'TIF_UNSUPPORTED',
      `TIF GTD needs an expiry time, which intents do not carry; use GTC and cancelAfterTicks (venue GTD support: ${supported.includes('GTD')})`,
      { requested, supported: supported.join(','), venueSupportsGTD: String(supported.includes('GTD')) },
    );
  }
  if (!supported.includes(requested))
    return deny('TIF_UNSUPPORTED', `the venue does not support TIF ${requested} (supported: ${supported.join(', ')})`, {
      requested,
      supported: supported.join(','),
    });
  return { ...d, order: { ...d.order, tif: requested } };
};

/** Stops go native where the venue supports them; synthetic durable stops are the workflow's job. */
export const stopSupport: PlanStep = (d, ctx) => {
  const t = d.order.type;
  if (t === 'stop_market' && !ctx.capabilities.stopMarket)
    return deny('STOP_UNSUPPORTED', 'the venue has no native stop-market orders', { type: t });
  if ((t === 'stop_limit' || t === 'take_profit_limit') && !ctx.capabilities.stopLimit)
    return deny('STOP_UNSUPPORTED', `the venue has no native ${t} orders`, { type: t });
  return d;
};

/**
 * Market-impact guard (risk config enableMarketImpactGuard, maxMarketImpactBps, impact.{model,action,sizing}).
 * The estimate above the limit → action deny: MARKET_IMPACT; action resize: impact-aware sizing by binary
 * search (CONSERVATIVE / STRICT / AGGRESSIVE) — a size of 0 is denied MARKET_IMPACT with the mode, any
 * other size replaces the quantity (then quantized by validateSpec). The numbers carry the estimate and
 * the slice / post-only recommendation.
 */
export const marketImpactGuard: PlanStep = (d, ctx) => {
  if (!ctx.config.enableMarketImpactGuard) return d;
  const cfg = ctx.config.impact;
  const model = IMPACT_MODELS[cfg.model];
  const input = {
    snapshot: ctx.snapshot,
    side: d.order.side,
    quantity: d.order.quantity,
    price: d.price,
    maxImpactBps: ctx.config.maxMarketImpactBps,
    volume15mQuote: volume15mQuote(ctx.snapshot.bars),
    floor: ctx.config.impactVolumeFloor,
    sqrtCoefficient: cfg.sqrtCoefficient,
  };
  const est = model.estimate(input);
  const numbers = {
    ...est.numbers,
    maxImpactBps: String(ctx.config.maxMarketImpactBps),
    action: cfg.action,
    recommendSlicing: String(est.recommendSlicing),
    recommendPostOnly: String(est.recommendPostOnly),
  };
  if (cmp(est.impactBps, ctx.config.maxMarketImpactBps) <= 0) return { ...d, numbers: { ...d.numbers, ...numbers } };
  const over = `estimated impact ${new Dec(est.impactBps).toFixed(2)} bps (${cfg.model} model) exceeds ${ctx.config.maxMarketImpactBps} bps`;
  if (cfg.action === 'deny') return deny('MARKET_IMPACT', over, numbers);
  const sized = impactAwareSize(model, input, cfg.sizing, ctx.instrument.precision.amount);
  const sizedNumbers = {
    ...numbers,
    sizingMode: sized.mode,
    impactSizedQuantity: sized.quantity,
    impactSizedBps: sized.estimate.impactBps,
    searchIterations: String(sized.iterations),
  };
  if (cmp(sized.quantity, 0) <= 0)
    return deny('MARKET_IMPACT', `${over}; ${sized.mode} sizing gives 0: ${sized.reason}`, sizedNumbers);
  if (cmp(sized.quantity, d.order.quantity) === 0)
    return {
      ...d,
      numbers: { ...d.numbers, ...sizedNumbers },
      notes: [...d.notes, `${over}; ${sized.reason}: full size kept`],
    };
  return {
    ...d,
    order: { ...d.order, quantity: sized.quantity },
    numbers: { ...d.numbers, ...sizedNumbers },
    notes: [...d.notes, `${over}; resized ${d.order.quantity} → ${sized.quantity} (${sized.mode}: ${sized.reason})`],
  };
};

// The impact guard runs before validateSpec so that a resized quantity is quantized and checked against the market's limits.
export const ADVANCED_STEPS: readonly PlanStep[] = [
  requirePrices,
  stopSupport,
  postOnlyCrossCheck,
  mapTimeInForce,
  marketImpactGuard,
  validateSpec,
  staleMarkGuard,
  slippageGuard,
  forceReduceOnly,
];

export const advancedEngine: ExecutionEngine = {
  name: 'advanced',
  size: sizeIntent,
  plan: (intent, ctx) =>
    runPipeline(
      intent,
      ctx,
      ADVANCED_STEPS,
      intent.tif === 'PO' ? 'GTC' : (intent.tif ?? (intent.type === 'market' ? 'IOC' : 'GTC')),
      'advanced',
    ),
};
