/**
 * Dynamic position sizing (advanced engine). First method, the seed's fallback:
 * notional = equity × targetLeverage × multiplier; quantity = notional / price.
 * Reduce-only → 0. Advice ≤ 0 → denied with POSITION_SIZING. Sells are sized to the strategy's
 * request (closing a position is not re-sized).
 */
import { Dec, str, cmp } from '../money';
import type { SizeResult } from './engine';
import type { OrderIntent } from '../orders/order';
import type { RiskConfig } from '../risk/config';
import type { TradingState } from '../run/trading-state';

export function sizeIntent(intent: OrderIntent, ctx: { config: RiskConfig; tradingState: TradingState; equity: string; price: string }): SizeResult {
  if (!ctx.config.enableDynamicPositionSizing || intent.side === 'sell') return { ok: true, intent, numbers: {} };
  const { targetLeverage, multiplier } = ctx.config.sizing;
  const reduceOnly = ctx.tradingState !== 'ACTIVE' || ctx.config.reduceOnlyMode;
  const notional = reduceOnly ? new Dec(0) : new Dec(ctx.equity).times(targetLeverage).times(multiplier);
  const qty = cmp(ctx.price, 0) > 0 ? str(notional.div(ctx.price)) : '0';
  const numbers = { method: ctx.config.sizing.method, equity: ctx.equity, targetLeverage: String(targetLeverage), multiplier: String(multiplier), price: ctx.price, advisedNotional: str(notional), advisedQuantity: qty, requested: intent.quantity, reduceOnly: String(reduceOnly) };
  if (cmp(qty, 0) <= 0) return { ok: false, code: 'POSITION_SIZING', message: reduceOnly ? 'sizing advises 0: reduce-only' : 'sizing advises a quantity of 0 or less', numbers };
  return { ok: true, intent: { ...intent, quantity: qty }, numbers };
}
