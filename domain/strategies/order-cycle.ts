import { z } from 'zod';
import { Dec, cmp, str } from '../money';
import { IntentType, TimeInForce, TrailBps } from '../orders/order';
import { AlgoSpec } from '../execution/algo-spec';
import { defineStrategy } from './sdk/define';
import type { OrderRequest } from './sdk/types';

export const OrderCycleParams = z
  .object({
    /** Act on every N-th closed bar (counted by bar time, so restarts keep the rhythm). */
    everyBars: z.number().int().min(1).max(10_000).default(3),
    /** Any intent type: a venue order type, or take_profit / trailing_stop (kept synthetic by the advanced engine). */
    orderType: IntentType.default('market'),
    tif: TimeInForce.optional(),
    postOnly: z.boolean().default(false),
    /** Each entry spends this % of equity. */
    orderPct: z.number().positive().max(100).default(10),
    /**
     * Distance of limit and trigger prices from the mark, in bps, away from the marketable side
     * (a buy limit below the mark, a buy stop above it). Negative: marketable (a buy limit above the mark).
     */
    offsetBps: z.number().min(-1000).max(1000).default(10),
    /** trailing_stop: the trail, bps from the best price since the stop was armed (required for trailing_stop). */
    trailBps: TrailBps.optional(),
    /** Execute each order through an algorithm (TWAP / iceberg child workflow of the run); market orders only. */
    algo: AlgoSpec.optional(),
  })
  .strict()
  .refine((p) => !p.algo || p.orderType === 'market', {
    message: 'an algo executes market orders: orderType must be market',
    path: ['algo'],
  })
  .refine((p) => p.orderType === 'limit' || !p.postOnly, {
    message: 'post-only applies to limit orders',
    path: ['postOnly'],
  })
  .refine((p) => p.orderType !== 'trailing_stop' || p.trailBps !== undefined, {
    message: 'a trailing_stop needs trailBps',
    path: ['trailBps'],
  })
  .refine((p) => p.orderType === 'trailing_stop' || p.trailBps === undefined, {
    message: 'trailBps applies to orderType trailing_stop only',
    path: ['trailBps'],
  });
export type OrderCycleParams = z.infer<typeof OrderCycleParams>;

function priced(
  params: OrderCycleParams,
  markText: string,
  side: 'buy' | 'sell',
): Pick<OrderRequest, 'limitPrice' | 'stopPrice' | 'trailBps'> {
  const { orderType, offsetBps, trailBps } = params;
  const off = new Dec(offsetBps).div(10_000);
  const mark = new Dec(markText);
  const buy = side === 'buy';
  // "toward" moves a price in the direction a stop of this side triggers; "away" the other way.
  const below = (d: Dec, k: Dec) => d.times(new Dec(1).minus(k));
  const above = (d: Dec, k: Dec) => d.times(new Dec(1).plus(k));
  switch (orderType) {
    case 'market':
      return {};
    case 'limit':
      return { limitPrice: str(buy ? below(mark, off) : above(mark, off)) };
    case 'stop_market':
      return { stopPrice: str(buy ? above(mark, off.abs()) : below(mark, off.abs())) };
    case 'stop_limit': {
      const stop = buy ? above(mark, off.abs()) : below(mark, off.abs());
      return { stopPrice: str(stop), limitPrice: str(buy ? above(stop, off.abs()) : below(stop, off.abs())) };
    }
    case 'take_profit_limit': {
      const stop = buy ? below(mark, off.abs()) : above(mark, off.abs());
      return { stopPrice: str(stop), limitPrice: str(stop) };
    }
    case 'take_profit':
      return { stopPrice: str(buy ? below(mark, off.abs()) : above(mark, off.abs())) };
    case 'trailing_stop':
      // The trigger starts trailBps from the mark and follows it (the run's synthetic stop); no price here.
      return trailBps !== undefined ? { trailBps } : {};
  }
}

/**
 * A venue exerciser, not an alpha: every N-th bar it buys when flat and sells the position otherwise,
 * with one configured order type. Used to prove a venue end to end (every order type through the
 * whole flow, under faults) and to smoke-test a new exchange account with small sizes.
 */
export const orderCycle = defineStrategy({
  name: 'order-cycle',
  version: '1.0.0',
  description:
    'Every N bars: buy when flat, sell the position otherwise, with the configured order type (venue exerciser).',
  params: OrderCycleParams,
  lookback: () => 2,
  onBar(ctx) {
    const bars = ctx.bars;
    const last = bars[bars.length - 1];
    if (!last || bars.length < 2) return [];
    const p = ctx.params;
    const barMs = last.ts - bars[bars.length - 2].ts;
    if (barMs <= 0 || Math.round(last.ts / barMs) % p.everyBars !== 0) return [];
    const flat = cmp(ctx.position, 0) === 0;
    const side = flat ? 'buy' : 'sell';
    const how = [
      p.orderType,
      p.trailBps !== undefined ? ` ${p.trailBps} bps trail` : '',
      p.tif ? ` ${p.tif}` : '',
      p.postOnly ? ' post-only' : '',
      p.algo ? ` via ${p.algo.kind}` : '',
    ].join('');
    const order: OrderRequest = {
      type: p.orderType,
      ...(flat ? { pctOfEquity: p.orderPct } : { quantity: ctx.position }),
      ...priced(p, ctx.mark, side),
      ...(p.tif ? { tif: p.tif } : {}),
      postOnly: p.postOnly,
      ...(p.algo ? { algo: p.algo } : {}),
      reason: `cycle: ${side} every ${p.everyBars} bars (${how})`,
    };
    return [flat ? ctx.buy(order) : ctx.sell(order)];
  },
});
