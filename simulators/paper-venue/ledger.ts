/**
 * One paper account's balances: per asset, `free` (spendable) and `used` (locked by resting and held
 * stop orders). Every change is a decimal-string operation; a change that would drive an amount below
 * zero is a venue bug and throws instead of silently going negative.
 */
import type { Balance } from '../../brokers/brokerage';
import { TempotradeError } from '../../domain/errors';
import { add, cmp, sub } from '../../domain/money';

export interface Holding {
  free: string;
  used: string;
}

export class Ledger {
  constructor(private readonly holdings: Map<string, Holding> = new Map()) {}

  static fromRecord(balances: Record<string, Holding>): Ledger {
    return new Ledger(new Map(Object.entries(balances).map(([asset, h]) => [asset, { free: h.free, used: h.used }])));
  }

  free(asset: string): string {
    return this.holdings.get(asset)?.free ?? '0';
  }

  total(asset: string): string {
    const h = this.holdings.get(asset);
    return h ? add(h.free, h.used) : '0';
  }

  credit(asset: string, amount: string): void {
    const h = this.holding(asset);
    h.free = add(h.free, amount);
  }

  debit(asset: string, amount: string): void {
    const h = this.holding(asset);
    h.free = this.nonNegative(sub(h.free, amount), asset, 'free');
  }

  /** free → used. */
  lock(asset: string, amount: string): void {
    const h = this.holding(asset);
    h.free = this.nonNegative(sub(h.free, amount), asset, 'free');
    h.used = add(h.used, amount);
  }

  /** used → free. */
  unlock(asset: string, amount: string): void {
    const h = this.holding(asset);
    h.used = this.nonNegative(sub(h.used, amount), asset, 'used');
    h.free = add(h.free, amount);
  }

  view(): Record<string, Balance> {
    const out: Record<string, Balance> = {};
    for (const [asset, h] of this.holdings) out[asset] = { free: h.free, used: h.used, total: add(h.free, h.used) };
    return out;
  }

  toRecord(): Record<string, Holding> {
    const out: Record<string, Holding> = {};
    for (const [asset, h] of this.holdings) out[asset] = { free: h.free, used: h.used };
    return out;
  }

  private holding(asset: string): Holding {
    let h = this.holdings.get(asset);
    if (!h) {
      h = { free: '0', used: '0' };
      this.holdings.set(asset, h);
    }
    return h;
  }

  private nonNegative(v: string, asset: string, which: 'free' | 'used'): string {
    if (cmp(v, 0) < 0)
      throw new TempotradeError('VENUE_STATE', `paper venue bookkeeping error: ${asset} ${which} would become ${v}`);
    return v;
  }
}
