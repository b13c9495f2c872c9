/**
 * The figures of a result: from the equity per tick (numbers: they describe, they never move money) and the
 * fills (decimal: a trade's PnL and fees are sums of the venue's own amounts).
 */
import { add, cmp, mul, sub } from '../domain/money';
import type { ResultFill, ResultOrder, ResultTrade, Summary } from './result';

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

export interface EquityPoint {
  ts: number;
  equity: number;
  /** Any position open at this tick. */
  exposed: boolean;
}

/** Round trips per symbol (flat → position → flat), from the fills in order; fees in the quote currency. */
export function roundTrips(fills: readonly ResultFill[], quote: string): ResultTrade[] {
  const open = new Map<
    string,
    { qty: string; cost: string; proceeds: string; fees: string; at: number; bought: string }
  >();
  const out: ResultTrade[] = [];
  for (const f of fills) {
    const t = open.get(f.symbol) ?? { qty: '0', cost: '0', proceeds: '0', fees: '0', at: f.ts, bought: '0' };
    if (cmp(t.qty, 0) === 0) Object.assign(t, { cost: '0', proceeds: '0', fees: '0', at: f.ts, bought: '0' });
    const notional = mul(f.quantity, f.price);
    const fee = f.feeCurrency === quote ? f.fee : mul(f.fee, f.price);
    t.fees = add(t.fees, fee);
    if (f.side === 'buy') {
      t.qty = add(t.qty, f.quantity);
      t.cost = add(t.cost, notional);
      t.bought = add(t.bought, f.quantity);
    } else {
      t.qty = sub(t.qty, f.quantity);
      t.proceeds = add(t.proceeds, notional);
    }
    open.set(f.symbol, t);
    if (cmp(t.qty, 0) === 0) {
      out.push({
        symbol: f.symbol,
        openedAt: t.at,
        closedAt: f.ts,
        quantity: t.bought,
        entryPrice: cmp(t.bought, 0) > 0 ? String(Number(t.cost) / Number(t.bought)) : '0',
        exitPrice: cmp(t.bought, 0) > 0 ? String(Number(t.proceeds) / Number(t.bought)) : '0',
        pnl: sub(sub(t.proceeds, t.cost), t.fees),
        fees: t.fees,
      });
    }
  }
  return out.map((t) => ({ ...t, entryPrice: decimalText(t.entryPrice), exitPrice: decimalText(t.exitPrice) }));
}

/** A number as a plain decimal string (no exponent), for display fields computed as numbers. */
function decimalText(n: string): string {
  const v = Number(n);
  return Number.isFinite(v) ? v.toFixed(12).replace(/\.?0+$/, '') || '0' : '0';
}

function stdev(xs: readonly number[], mean: number): number {
  if (xs.length < 2) return 0;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
}

export function summarizeResult(args: {
  capital: string;
  equity: string;
  curve: readonly EquityPoint[];
  barMs: number;
  trades: readonly ResultTrade[];
  orders: readonly ResultOrder[];
  fees: string;
}): Summary {
  const { curve, trades } = args;
  const start = Number(args.capital);
  const end = Number(args.equity);
  const span = curve.length > 1 ? curve[curve.length - 1].ts - curve[0].ts : 0;
  const returns: number[] = [];
  for (let i = 1; i < curve.length; i++) returns.push(curve[i].equity / curve[i - 1].equity - 1);
  const mean = returns.length ? returns.reduce((a, b) => a + b, 0) / returns.length : 0;
  const perYear = Math.sqrt(YEAR_MS / args.barMs);
  const sd = stdev(returns, mean);
  const downside = Math.sqrt(returns.reduce((s, r) => s + Math.min(0, r) ** 2, 0) / Math.max(1, returns.length));
  let peak = -Infinity;
  let peakAt = curve[0]?.ts ?? 0;
  let maxDd = 0;
  let maxDdMs = 0;
  for (const p of curve) {
    if (p.equity >= peak) {
      peak = p.equity;
      peakAt = p.ts;
    } else {
      maxDd = Math.max(maxDd, (1 - p.equity / peak) * 100);
      maxDdMs = Math.max(maxDdMs, p.ts - peakAt);
    }
  }
  const wins = trades.filter((t) => cmp(t.pnl, 0) > 0);
  const grossWin = wins.reduce((s, t) => s + Number(t.pnl), 0);
  const grossLoss = -trades.filter((t) => cmp(t.pnl, 0) < 0).reduce((s, t) => s + Number(t.pnl), 0);
  const shortfalls = args.orders.filter((o) => o.shortfallBps !== undefined).map((o) => Number(o.shortfallBps));
  return {
    startingCapital: args.capital,
    equity: args.equity,
    netPnl: sub(args.equity, args.capital),
    returnPct: (end / start - 1) * 100,
    cagrPct: span > 0 && end > 0 ? ((end / start) ** (YEAR_MS / span) - 1) * 100 : 0,
    sharpe: sd > 0 ? (mean / sd) * perYear : 0,
    sortino: downside > 0 ? (mean / downside) * perYear : 0,
    maxDrawdownPct: maxDd,
    maxDrawdownDurationMs: maxDdMs,
    exposurePct: curve.length ? (curve.filter((p) => p.exposed).length / curve.length) * 100 : 0,
    trades: trades.length,
    winRatePct: trades.length ? (wins.length / trades.length) * 100 : 0,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : null,
    fees: args.fees,
    shortfallBps: shortfalls.length ? shortfalls.reduce((a, b) => a + b, 0) / shortfalls.length : 0,
  };
}
