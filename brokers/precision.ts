/**
 * Quantization with ccxt's own precision helper (decimalToPrecision, TRUNCATE, TICK_SIZE mode), so that
 * an amount or price sent to any venue is rounded as ccxt rounds it. Quantities round down (never
 * more than approved); buy prices round down and sell prices up (never a worse price than asked).
 * decimalToPrecision has no ceiling mode, so a sell price that truncation moved is raised one tick.
 */
import * as ccxt from 'ccxt';
import type { Instrument, Quantizer } from '../domain/market/instrument';
import { add, cmp, str } from '../domain/money';

type PrecisionFns = typeof ccxt.functions;
// ccxt's typings declare the helpers under `functions`; its CommonJS build exports them at the top.
const fns: PrecisionFns =
  typeof (ccxt as unknown as PrecisionFns).decimalToPrecision === 'function'
    ? (ccxt as unknown as PrecisionFns)
    : ccxt.functions;

export function truncateToTick(value: string, tick: string): string {
  return str(fns.decimalToPrecision(str(value), fns.TRUNCATE, tick, fns.TICK_SIZE, fns.NO_PADDING));
}

export const ccxtQuantizer: Quantizer = {
  amount: (inst: Instrument, quantity: string) => truncateToTick(quantity, inst.precision.amount),
  price: (inst: Instrument, price: string, side: 'buy' | 'sell') => {
    const down = truncateToTick(price, inst.precision.price);
    return side === 'buy' || cmp(down, price) === 0 ? down : add(down, inst.precision.price);
  },
};
