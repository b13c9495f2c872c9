/**
 * Spot portfolio accounting, decimal-exact. Cash and positions change only through venue fills, so
 * the portfolio equals the venue's balances to the last unit. Fees are charged in whatever currency
 * the venue charged them: quote fees reduce cash, base fees reduce the position.
 */
import { z } from 'zod';
import { Dec, NonNegativeAmount, Amount, str, add, sub, mul, div, cmp } from '../money';
import { MarketSymbol } from '../market/instrument';
import type { Fill } from '../orders/order';

export const Position = z
  .object({
    symbol: MarketSymbol,
    base: z.string(),
    quantity: NonNegativeAmount,
    /** Average entry price of the open quantity (0 when flat). */
    avgPrice: NonNegativeAmount,
    realizedPnl: Amount,
  })
  .strict();
export type Position = z.infer<typeof Position>;

export const Portfolio = z
  .object({
    quote: z.string().min(1),
    startingCapital: NonNegativeAmount,
    cash: Amount,
    positions: z.record(z.string(), Position),
    realizedPnl: Amount,
    /** Fees paid, by currency. */
    fees: z.record(z.string(), NonNegativeAmount),
    /** Fees in quote terms (base fees valued at the fill price). */
    feesQuote: NonNegativeAmount,
    marks: z.record(z.string(), NonNegativeAmount),
    markedAt: z.number().int().nonnegative(),
    equity: Amount,
    unrealizedPnl: Amount,
    highWaterMark: Amount,
    drawdownPct: NonNegativeAmount,
    maxDrawdownPct: NonNegativeAmount,
    day: z.object({ date: z.string(), startEquity: Amount }).strict(),
    fillCount: z.number().int().nonnegative(),
  })
  .strict();
export type Portfolio = z.infer<typeof Portfolio>;

export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function openPortfolio(args: {
  quote: string;
  cash: string;
  at: number;
  symbols: Array<{ symbol: string; base: string }>;
}): Portfolio {
  const positions: Record<string, Position> = {};
  for (const s of args.symbols)
    positions[s.symbol] = { symbol: s.symbol, base: s.base, quantity: '0', avgPrice: '0', realizedPnl: '0' };
  const cash = str(args.cash);
  return {
    quote: args.quote,
    startingCapital: cash,
    cash,
    positions,
    realizedPnl: '0',
    fees: {},
    feesQuote: '0',
    marks: {},
    markedAt: args.at,
    equity: cash,
    unrealizedPnl: '0',
    highWaterMark: cash,
    drawdownPct: '0',
    maxDrawdownPct: '0',
    day: { date: utcDate(args.at), startEquity: cash },
    fillCount: 0,
  };
}

/** Apply one fill. Pure; returns a new portfolio. */
export function applyFill(p: Portfolio, fill: Fill): Portfolio {
  const pos = p.positions[fill.symbol];
  if (!pos) throw new Error(`fill ${fill.fillId} for ${fill.symbol}, which the portfolio does not hold`);
  const notional = mul(fill.quantity, fill.price);
  let cash = p.cash;
  let quantity = pos.quantity;
  let avgPrice = pos.avgPrice;
  let realized = '0';
  if (fill.side === 'buy') {
    cash = sub(cash, notional);
    const newQty = add(quantity, fill.quantity);
    avgPrice = div(add(mul(quantity, avgPrice), notional), newQty);
    quantity = newQty;
  } else {
    if (cmp(fill.quantity, quantity) > 0)
      throw new Error(`fill ${fill.fillId} sells ${fill.quantity} ${pos.base} but the position holds ${quantity}`);
    cash = add(cash, notional);
    realized = mul(sub(fill.price, avgPrice), fill.quantity);
    quantity = sub(quantity, fill.quantity);
    if (cmp(quantity, 0) === 0) avgPrice = '0';
  }
  let feeQuote = '0';
  if (fill.feeCurrency === p.quote) {
    cash = sub(cash, fill.fee);
    feeQuote = fill.fee;
  } else if (fill.feeCurrency === pos.base) {
    quantity = sub(quantity, fill.fee);
    feeQuote = mul(fill.fee, fill.price);
    if (cmp(quantity, 0) < 0) throw new Error(`fee of ${fill.fee} ${pos.base} exceeds the position`);
  } else {
    throw new Error(
      `fill ${fill.fillId} charged its fee in ${fill.feeCurrency}, which this portfolio cannot account (quote ${p.quote}, base ${pos.base})`,
    );
  }
  const fees = { ...p.fees, [fill.feeCurrency]: add(p.fees[fill.feeCurrency] ?? '0', fill.fee) };
  const next: Portfolio = {
    ...p,
    cash,
    positions: {
      ...p.positions,
      [fill.symbol]: { ...pos, quantity, avgPrice, realizedPnl: add(pos.realizedPnl, realized) },
    },
    realizedPnl: add(p.realizedPnl, realized),
    fees,
    feesQuote: add(p.feesQuote, feeQuote),
    fillCount: p.fillCount + 1,
  };
  return revalue(next);
}

/** Recompute equity, unrealized PnL and drawdown from the current marks. */
function revalue(p: Portfolio): Portfolio {
  let equity = new Dec(p.cash);
  let unrealized = new Dec(0);
  for (const pos of Object.values(p.positions)) {
    const mark = p.marks[pos.symbol];
    if (cmp(pos.quantity, 0) === 0) continue;
    const m = mark ?? pos.avgPrice;
    equity = equity.plus(new Dec(pos.quantity).times(m));
    unrealized = unrealized.plus(new Dec(pos.quantity).times(new Dec(m).minus(pos.avgPrice)));
  }
  const eq = str(equity);
  const hwm = cmp(eq, p.highWaterMark) > 0 ? eq : p.highWaterMark;
  const dd = cmp(hwm, 0) > 0 ? str(Dec.max(0, new Dec(hwm).minus(eq).div(hwm).times(100))) : '0';
  return {
    ...p,
    equity: eq,
    unrealizedPnl: str(unrealized),
    highWaterMark: hwm,
    drawdownPct: dd,
    maxDrawdownPct: cmp(dd, p.maxDrawdownPct) > 0 ? dd : p.maxDrawdownPct,
  };
}

/** Mark to market at market time `at`. Starts a new trading day at the UTC date boundary. */
export function markToMarket(p: Portfolio, marks: Record<string, string>, at: number): Portfolio {
  const marked = revalue({ ...p, marks: { ...p.marks, ...marks }, markedAt: at });
  const date = utcDate(at);
  if (date !== p.day.date) return { ...marked, day: { date, startEquity: marked.equity } };
  return marked;
}

/** Profit (negative: loss) since the start of the current trading day, in quote. */
export function dailyPnl(p: Portfolio): string {
  return sub(p.equity, p.day.startEquity);
}

export function positionNotional(p: Portfolio, symbol: string, price?: string): string {
  const pos = p.positions[symbol];
  if (!pos) return '0';
  return mul(pos.quantity, price ?? p.marks[symbol] ?? pos.avgPrice);
}
