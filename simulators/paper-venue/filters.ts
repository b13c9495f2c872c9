/**
 * Order rules and exchange filters of the paper venue, pure. Filter names are Binance's
 * (PRICE_FILTER, LOT_SIZE, NOTIONAL) so that messages read the same on either front. A violation is
 * an INVALID_ORDER; the message names the rule or filter and the field.
 */
import type { Instrument } from '../../domain/market/instrument';
import { cmp, mul } from '../../domain/money';
import type { PlaceOrder } from '../../domain/orders/order';
import { isMultipleOf } from './book';

export const SUPPORTED_TIF = ['GTC', 'IOC', 'FOK'] as const;

/** Which price fields each type needs (true), forbids (false). */
const FIELDS: Record<PlaceOrder['type'], { price: boolean; stopPrice: boolean }> = {
  market: { price: false, stopPrice: false },
  limit: { price: true, stopPrice: false },
  stop_market: { price: false, stopPrice: true },
  stop_limit: { price: true, stopPrice: true },
  take_profit_limit: { price: true, stopPrice: true },
};

/** The first rule or filter `cmd` breaks, as a message, or undefined. `mid` prices market orders. */
export function orderRuleViolation(cmd: PlaceOrder, instrument: Instrument, mid: string): string | undefined {
  if (!(SUPPORTED_TIF as readonly string[]).includes(cmd.tif)) {
    return `tif: ${cmd.tif} is not supported (supported: ${SUPPORTED_TIF.join(', ')}; for post-only send tif GTC with postOnly: true)`;
  }
  const need = FIELDS[cmd.type];
  for (const field of ['price', 'stopPrice'] as const) {
    if (need[field] && cmd[field] === undefined) return `${field}: required for ${cmd.type} orders`;
    if (!need[field] && cmd[field] !== undefined) return `${field}: not allowed on ${cmd.type} orders`;
  }
  if (cmd.postOnly && (cmd.type !== 'limit' || cmd.tif !== 'GTC'))
    return 'postOnly: only limit orders with tif GTC can be post-only';
  if (cmd.reduceOnly && cmd.side === 'buy')
    return 'reduceOnly: a buy cannot reduce a position on a spot venue (there are no shorts)';

  const tick = instrument.precision.price;
  for (const field of ['price', 'stopPrice'] as const) {
    const v = cmd[field];
    if (v !== undefined && !isMultipleOf(v, tick))
      return `Filter failure: PRICE_FILTER (${field} ${v} is not a multiple of the tick ${tick})`;
  }
  const step = instrument.precision.amount;
  const { min, max } = instrument.limits.amount;
  if (!isMultipleOf(cmd.quantity, step))
    return `Filter failure: LOT_SIZE (quantity ${cmd.quantity} is not a multiple of the step ${step})`;
  if (cmp(cmd.quantity, min) < 0)
    return `Filter failure: LOT_SIZE (quantity ${cmd.quantity} is below the minimum ${min} ${instrument.base})`;
  if (max !== undefined && cmp(cmd.quantity, max) > 0)
    return `Filter failure: LOT_SIZE (quantity ${cmd.quantity} is above the maximum ${max} ${instrument.base})`;
  const ref = cmd.price ?? cmd.stopPrice ?? mid;
  const notional = mul(cmd.quantity, ref);
  if (cmp(notional, instrument.limits.cost.min) < 0) {
    return `Filter failure: NOTIONAL (quantity × ${cmd.price ? 'price' : cmd.stopPrice ? 'stopPrice' : 'mid'} = ${notional} ${instrument.quote} is below the minimum ${instrument.limits.cost.min})`;
  }
  return undefined;
}
