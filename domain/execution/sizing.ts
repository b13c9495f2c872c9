/**
 * Dynamic position sizing (advanced engine), chosen by risk config `sizing.method`. Each method gives
 * an advised entry notional (quote) or quantity (base):
 *  - equity-leverage (GPT-Trader's fallback): notional = equity × targetLeverage × multiplier;
 *  - fixed-quote: notional = quoteAmount;
 *  - pct-equity: notional = equity × equityPct / 100;
 *  - fixed-fractional: quantity = equity × riskPct / 100 / |price − stop|, the stop being the intent's
 *    protectiveStop (a bracket's stop-loss), else its stopPrice;
 *  - atr-target: quantity = equity × riskPct / 100 / (atrMultiple × ATR(atrPeriod)) — volatility targeting:
 *    the loss at a stop atrMultiple ATRs away is riskPct of equity;
 *  - kelly: f = min(kellyFraction × (W − (1 − W) / R), kellyCapPct / 100); notional = equity × f.
 * Reduce-only (run not ACTIVE, or risk reduceOnlyMode): entries are advised 0; exits pass with
 * reduceOnly set (the advice propagates to the order). Advice ≤ 0 is denied with POSITION_SIZING.
 * Sells are exits in this spot engine and are sized to the strategy's request.
 */
import { Dec, str, cmp } from '../money';
import type { Candle } from '../market/candles';
import type { SizeResult } from './engine';
import type { OrderIntent } from '../orders/order';
import type { RiskConfig } from '../risk/config';
import type { TradingState } from '../run/trading-state';

export interface SizeContext {
  config: RiskConfig;
  tradingState: TradingState;
  equity: string;
  price: string;
  /** Closed bars of the intent's symbol, oldest first (ATR targeting needs atrPeriod + 1). */
  bars?: readonly Candle[];
}

/** Average true range over the last `period` bars (Wilder's true range, simple mean). Undefined when too few bars. */
export function averageTrueRange(bars: readonly Candle[], period: number): string | undefined {
  if (bars.length < period + 1) return undefined;
  let sum = new Dec(0);
  for (let i = bars.length - period; i < bars.length; i += 1) {
    const b = bars[i];
    const prevClose = new Dec(bars[i - 1].close);
    const tr = Dec.max(
      new Dec(b.high).minus(b.low),
      new Dec(b.high).minus(prevClose).abs(),
      new Dec(b.low).minus(prevClose).abs(),
    );
    sum = sum.plus(tr);
  }
  return str(sum.div(period));
}

type Advice = { quantity: Dec; numbers: Record<string, string> } | { error: string; numbers: Record<string, string> };

function advise(intent: OrderIntent, ctx: SizeContext): Advice {
  const s = ctx.config.sizing;
  const equity = new Dec(ctx.equity);
  const price = new Dec(ctx.price);
  const fromNotional = (notional: Dec, numbers: Record<string, string>): Advice => ({
    quantity: price.gt(0) ? notional.div(price) : new Dec(0),
    numbers: { ...numbers, advisedNotional: str(notional) },
  });
  switch (s.method) {
    case 'equity-leverage':
      return fromNotional(equity.times(s.targetLeverage).times(s.multiplier), {
        targetLeverage: String(s.targetLeverage),
        multiplier: String(s.multiplier),
      });
    case 'fixed-quote':
      return fromNotional(new Dec(s.quoteAmount ?? 0), { quoteAmount: s.quoteAmount ?? '' });
    case 'pct-equity':
      return fromNotional(equity.times(s.equityPct ?? 0).div(100), { equityPct: String(s.equityPct) });
    case 'fixed-fractional': {
      const stop = intent.protectiveStop ?? intent.stopPrice;
      if (!stop)
        return {
          error: 'fixed-fractional sizing needs a protective stop (a stopLoss on the entry, or the intent stopPrice)',
          numbers: { riskPct: String(s.riskPct) },
        };
      const distance = price.minus(stop).abs();
      const riskQuote = equity.times(s.riskPct ?? 0).div(100);
      const numbers = {
        riskPct: String(s.riskPct),
        riskQuote: str(riskQuote),
        stopPrice: stop,
        stopDistance: str(distance),
      };
      if (distance.lte(0)) return { error: 'fixed-fractional sizing: the stop is at the entry price', numbers };
      return { quantity: riskQuote.div(distance), numbers };
    }
    case 'atr-target': {
      const atr = averageTrueRange(ctx.bars ?? [], s.atrPeriod);
      const numbers: Record<string, string> = {
        riskPct: String(s.riskPct),
        atrPeriod: String(s.atrPeriod),
        atrMultiple: String(s.atrMultiple),
        bars: String(ctx.bars?.length ?? 0),
      };
      if (!atr || cmp(atr, 0) <= 0)
        return {
          error: `ATR targeting needs ${s.atrPeriod + 1} bars with a range (has ${ctx.bars?.length ?? 0})`,
          numbers,
        };
      const riskQuote = equity.times(s.riskPct ?? 0).div(100);
      return {
        quantity: riskQuote.div(new Dec(atr).times(s.atrMultiple)),
        numbers: { ...numbers, atr, riskQuote: str(riskQuote) },
      };
    }
    case 'kelly': {
      const w = new Dec(s.winRate ?? 0);
      const r = new Dec(s.payoffRatio ?? 1);
      const full = w.minus(new Dec(1).minus(w).div(r));
      const f = Dec.min(full.times(s.kellyFraction), new Dec(s.kellyCapPct).div(100));
      return fromNotional(Dec.max(f, 0).times(equity), {
        winRate: String(s.winRate),
        payoffRatio: String(s.payoffRatio),
        fullKelly: str(full),
        kellyFraction: String(s.kellyFraction),
        kellyCapPct: String(s.kellyCapPct),
        fraction: str(f),
      });
    }
  }
}

export function sizeIntent(intent: OrderIntent, ctx: SizeContext): SizeResult {
  if (!ctx.config.enableDynamicPositionSizing) return { ok: true, intent, numbers: {} };
  const reduceOnly = ctx.tradingState !== 'ACTIVE' || ctx.config.reduceOnlyMode;
  const base = {
    method: ctx.config.sizing.method,
    equity: ctx.equity,
    price: ctx.price,
    requested: intent.quantity,
    reduceOnly: String(reduceOnly),
  };
  if (intent.side === 'sell') {
    // An exit: the strategy's quantity; in reduce-only mode the advice (reduce-only) propagates to the order.
    return reduceOnly
      ? { ok: true, intent: { ...intent, reduceOnly: true }, numbers: { ...base, advisedQuantity: intent.quantity } }
      : { ok: true, intent, numbers: {} };
  }
  if (reduceOnly)
    return {
      ok: false,
      code: 'POSITION_SIZING',
      message: 'sizing advises 0: reduce-only',
      numbers: { ...base, advisedQuantity: '0' },
    };
  const a = advise(intent, ctx);
  if ('error' in a)
    return {
      ok: false,
      code: 'POSITION_SIZING',
      message: a.error,
      numbers: { ...base, ...a.numbers, advisedQuantity: '0' },
    };
  const qty = str(a.quantity);
  const numbers = { ...base, ...a.numbers, advisedQuantity: qty };
  if (cmp(qty, 0) <= 0)
    return {
      ok: false,
      code: 'POSITION_SIZING',
      message: `sizing (${ctx.config.sizing.method}) advises a quantity of ${qty}`,
      numbers,
    };
  return { ok: true, intent: { ...intent, quantity: qty }, numbers };
}
