/**
 * Order preview: what a submit would do against the current book, computed with the same fill model
 * and rules as a real submit, changing nothing. A submit that would fail is reported in the notes.
 */
import type { OrderPreview } from '../../brokers/brokerage';
import type { Instrument } from '../../domain/market/instrument';
import { add, cmp } from '../../domain/money';
import type { PlaceOrder } from '../../domain/orders/order';
import type { SyntheticBook } from './book';
import { averagePrice, feeFor } from './matching';
import type { ArrivalOutcome } from './matching';

export interface PreviewInput {
  cmd: PlaceOrder;
  instrument: Instrument;
  book: SyntheticBook;
  /** The arrival as the fill model sees it; undefined for a stop (held) or when a rule is violated. */
  plan: ArrivalOutcome | undefined;
  violation: string | undefined;
  duplicate: boolean;
  funds: { asset: string; amount: string; free: string } | undefined;
}

export function previewOf(p: PreviewInput): OrderPreview {
  const { cmd, instrument, book } = p;
  const { base, quote } = instrument;
  const ref = cmd.price ?? cmd.stopPrice ?? (cmd.side === 'buy' ? book.ask : book.bid);
  const notes: string[] = [];
  if (p.duplicate)
    notes.push(
      `clientOrderId ${cmd.clientOrderId} is already used on this account: a submit would fail with DUPLICATE_ORDER`,
    );
  const nothing = (why: string): OrderPreview => ({
    expectedPrice: ref,
    expectedFee: '0',
    feeCurrency: quote,
    fillableQuantity: '0',
    notes: [...notes, why],
  });
  if (p.violation) return nothing(`a submit would be rejected with INVALID_ORDER: ${p.violation}`);
  if (p.plan?.kind === 'rejected') return nothing(`a submit would be rejected with INVALID_ORDER: ${p.plan.message}`);
  if (p.funds && cmp(p.funds.amount, p.funds.free) > 0) {
    notes.push(
      `insufficient balance: needs ${p.funds.amount} ${p.funds.asset}, ${p.funds.free} free: a submit would fail with INSUFFICIENT_FUNDS`,
    );
  }
  if (!p.plan) {
    notes.push(
      `${cmd.type} is held until a bar trades through stopPrice ${cmd.stopPrice}; price and taker fee assume a fill at ${ref}`,
    );
    return {
      expectedPrice: ref,
      expectedFee: feeFor(instrument.fees.taker, cmd.quantity, ref),
      feeCurrency: quote,
      fillableQuantity: '0',
      notes,
    };
  }
  const { executions, filled, remaining, rests } = p.plan;
  if (executions.length > 0) {
    notes.push(
      `takes ${filled} ${base} from ${executions.length} book level(s), ${executions[0].price} to ${executions[executions.length - 1].price}`,
    );
  }
  if (cmp(remaining, 0) > 0) {
    if (rests)
      notes.push(
        `${remaining} ${base} would rest at ${cmd.price} as maker (filled as later bars trade through it, sharing 10 % of each bar's volume)`,
      );
    else if (cmd.tif === 'FOK')
      notes.push(`FOK: the book cannot fill all ${cmd.quantity} ${base}; the order would expire with no fills`);
    else notes.push(`${remaining} ${base} would expire unfilled (beyond the book's depth or the limit price)`);
  }
  const resting = rests && cmd.price !== undefined ? [{ price: cmd.price, quantity: remaining }] : [];
  const expectedFee = add(
    '0',
    ...executions.map((e) => e.fee),
    ...resting.map((r) => feeFor(instrument.fees.maker, r.quantity, r.price)),
  );
  return {
    expectedPrice: averagePrice([...executions, ...resting]) ?? ref,
    expectedFee,
    feeCurrency: quote,
    fillableQuantity: filled,
    notes,
  };
}
