/** Comparing a backtest with a run on Temporal: the first difference, in words, or undefined. */

interface OrderLike {
  clientOrderId?: string;
  id?: string;
  symbol: string;
  side: string;
  type: string;
  postOnly?: boolean;
  quantity: string;
  price?: string;
  stopPrice?: string;
  status: string;
  filledQuantity: string;
  averagePrice?: string;
}
interface FillLike {
  symbol: string;
  side: string;
  quantity: string;
  price: string;
  fee: string;
  feeCurrency: string;
  liquidity: string;
  ts: number;
}
export interface Side {
  orders: readonly OrderLike[];
  fills: readonly FillLike[];
  cash: string;
  positions: Record<string, string>;
}

const ORDER_FIELDS = [
  'symbol',
  'side',
  'type',
  'quantity',
  'price',
  'stopPrice',
  'status',
  'filledQuantity',
  'averagePrice',
] as const;
const FILL_FIELDS = ['symbol', 'side', 'quantity', 'price', 'fee', 'feeCurrency', 'liquidity', 'ts'] as const;

function pick<T extends object>(o: T, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));
}

/** Exact comparison (decimal strings as strings: "0.10" and "0.1" differ, as they would in a ledger). */
export function firstDifference(a: Side, b: Side): string | undefined {
  const n = Math.max(a.orders.length, b.orders.length);
  for (let i = 0; i < n; i++) {
    const x = a.orders[i] && pick(a.orders[i], ORDER_FIELDS);
    const y = b.orders[i] && pick(b.orders[i], ORDER_FIELDS);
    if (JSON.stringify(x) !== JSON.stringify(y))
      return `order #${i + 1}: Temporal ${JSON.stringify(x ?? 'none')} vs backtest ${JSON.stringify(y ?? 'none')}`;
  }
  const m = Math.max(a.fills.length, b.fills.length);
  for (let i = 0; i < m; i++) {
    const x = a.fills[i] && pick(a.fills[i], FILL_FIELDS);
    const y = b.fills[i] && pick(b.fills[i], FILL_FIELDS);
    if (JSON.stringify(x) !== JSON.stringify(y))
      return `fill #${i + 1}: Temporal ${JSON.stringify(x ?? 'none')} vs backtest ${JSON.stringify(y ?? 'none')}`;
  }
  if (a.cash !== b.cash) return `cash: Temporal ${a.cash} vs backtest ${b.cash}`;
  if (JSON.stringify(a.positions) !== JSON.stringify(b.positions))
    return `positions: Temporal ${JSON.stringify(a.positions)} vs backtest ${JSON.stringify(b.positions)}`;
  return undefined;
}
