/**
 * Reconciliation: does the venue agree with what the run believes? Pure; the `account.reconcile`
 * activity reads the venue, these functions compare, the workflow acts (fail-closed).
 *
 * Orders (always):
 *   - every order the run holds open must be known to the venue (else ORDER_MISSING);
 *     the venue's newer view of it (more fills, a terminal status) is caught up, not a difference;
 *   - the venue must not report FEWER fills of an order than the run accounted (FILLS_MISMATCH);
 *   - an open order at the venue on the run's symbols that the run does not track is a difference:
 *     ORDER_UNTRACKED when it carries this run's clientOrderId prefix, UNKNOWN_OPEN_ORDER when it is not
 *     a tempotrade order at all, and (balance scope "exclusive" only) FOREIGN_RUN_ORDER when another
 *     tempotrade run trades the same account.
 * Balances (scope "exclusive": the run owns its account's balances of its assets):
 *   expected_total(asset) = baseline(asset) + Δ(asset), where Δ(quote) = cash − startingCapital and
 *   Δ(base of a symbol) = position quantity (fees are inside both: the portfolio accepts fees only in
 *   the quote or the base, and fails closed on any other fee currency),
 *   and the baseline is the venue's totals when the run opened. Any difference, to the last unit, is
 *   BALANCE_MISMATCH. An asset the venue does not report counts as 0 there: a missing report never
 *   makes the run believe it is flat, it makes the run stop.
 *   At the opening, a venue balance of a symbol's base asset is UNEXPECTED_POSITION (a new run starts
 *   flat and would not manage it), and a quote balance below the run's capital is INSUFFICIENT_CAPITAL.
 */
import { z } from 'zod';
import { add, cmp, sub } from '../money';
import type { Order } from '../orders/order';
import type { Portfolio } from '../portfolio/portfolio';
import { isTempotradeClientOrderId } from '../ids';

export const ReconciliationConfig = z
  .object({
    /**
     * exclusive: the run is the only trader of its account's balances of its assets, so balances must
     * match its fills exactly. shared: other runs trade the account too; only orders and fills are
     * compared (account-level balances belong to the account's supervisor).
     */
    balances: z.enum(['exclusive', 'shared']).default('exclusive'),
    /** What a disagreement does to the run: stop everything, or allow only reducing orders. */
    onMismatch: z.enum(['HALTED', 'REDUCING']).default('HALTED'),
    /** Also reconcile every N ticks (0: only at start, after continue-as-new, after a worker restart and on request). */
    everyTicks: z.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type ReconciliationConfig = z.infer<typeof ReconciliationConfig>;

export const DIFFERENCE_CODES = [
  'ORDER_MISSING',
  'FILLS_MISMATCH',
  'ORDER_UNTRACKED',
  'UNKNOWN_OPEN_ORDER',
  'FOREIGN_RUN_ORDER',
  'BALANCE_MISMATCH',
  'UNEXPECTED_POSITION',
  'INSUFFICIENT_CAPITAL',
] as const;
export type DifferenceCode = (typeof DIFFERENCE_CODES)[number];

export interface Difference {
  code: DifferenceCode;
  message: string;
  numbers: Record<string, string>;
  clientOrderId?: string;
  asset?: string;
}

/** What the venue said, read by the `account.reconcile` activity in one consistent pass. */
export interface VenueView {
  /** Totals by asset (free + locked). */
  balances: Record<string, string>;
  /** Open orders at the venue on the run's symbols. */
  openOrders: Order[];
  /** The run's open orders looked up by clientOrderId; null: the venue does not know it. */
  runOrders: Record<string, Order | null>;
}

export interface RunBelief {
  /** The run's open orders with the fill quantity already accounted. */
  openOrders: Record<string, { order: Order }>;
  /** This chain's clientOrderId prefix. */
  ownPrefix: string;
  symbols: string[];
}

export interface OrderReconciliation {
  differences: Difference[];
  /** The venue's newer view of the run's own orders, to be settled (fills applied) by the workflow. */
  catchUp: Order[];
}

export function reconcileOrders(
  belief: RunBelief,
  view: VenueView,
  scope: ReconciliationConfig['balances'],
): OrderReconciliation {
  const differences: Difference[] = [];
  const catchUp: Order[] = [];
  for (const [cid, { order: mine }] of Object.entries(belief.openOrders)) {
    const theirs = view.runOrders[cid];
    if (theirs === undefined) continue; // not asked about (e.g. placed after the read): nothing to say
    if (theirs === null) {
      differences.push({
        code: 'ORDER_MISSING',
        clientOrderId: cid,
        message: `order ${cid} (${mine.side} ${mine.quantity} ${mine.symbol}) is open in the run but the venue does not know it`,
        numbers: { quantity: mine.quantity, filledInRun: mine.filledQuantity },
      });
      continue;
    }
    if (cmp(theirs.filledQuantity, mine.filledQuantity) < 0) {
      differences.push({
        code: 'FILLS_MISMATCH',
        clientOrderId: cid,
        message: `order ${cid}: the venue reports ${theirs.filledQuantity} filled, the run accounted ${mine.filledQuantity}`,
        numbers: { venueFilled: theirs.filledQuantity, runFilled: mine.filledQuantity },
      });
      continue;
    }
    if (
      theirs.status !== mine.status ||
      cmp(theirs.filledQuantity, mine.filledQuantity) !== 0 ||
      theirs.fills.length !== mine.fills.length
    )
      catchUp.push(theirs);
  }
  for (const o of view.openOrders) {
    if (!belief.symbols.includes(o.symbol) || belief.openOrders[o.clientOrderId]) continue;
    const what = `${o.side} ${o.quantity} ${o.symbol} ${o.type}${o.price ? ` @ ${o.price}` : ''} (clientOrderId ${o.clientOrderId}${o.venueOrderId ? `, venue id ${o.venueOrderId}` : ''})`;
    const numbers = { quantity: o.quantity, filled: o.filledQuantity, ...(o.price ? { price: o.price } : {}) };
    if (o.clientOrderId.startsWith(belief.ownPrefix))
      differences.push({
        code: 'ORDER_UNTRACKED',
        clientOrderId: o.clientOrderId,
        message: `the venue holds an open order of this run that the run does not track: ${what}`,
        numbers,
      });
    else if (!isTempotradeClientOrderId(o.clientOrderId))
      differences.push({
        code: 'UNKNOWN_OPEN_ORDER',
        clientOrderId: o.clientOrderId,
        message: `the venue holds an open order no tempotrade run placed: ${what}`,
        numbers,
      });
    else if (scope === 'exclusive')
      differences.push({
        code: 'FOREIGN_RUN_ORDER',
        clientOrderId: o.clientOrderId,
        message: `another tempotrade run trades this account, but this run owns its balances exclusively: ${what}`,
        numbers,
      });
  }
  return { differences, catchUp };
}

/** The assets whose balances the run accounts for: the quote and each symbol's base. */
export function runAssets(portfolio: Portfolio): string[] {
  const bases = Object.values(portfolio.positions).map((p) => p.base);
  return [...new Set([portfolio.quote, ...bases])].sort();
}

/** How the run's fills changed each of its assets since the opening. */
export function runDeltas(portfolio: Portfolio): Record<string, string> {
  const d: Record<string, string> = {};
  d[portfolio.quote] = sub(portfolio.cash, portfolio.startingCapital);
  for (const p of Object.values(portfolio.positions)) d[p.base] = p.quantity;
  return d;
}

export function reconcileBalances(
  portfolio: Portfolio,
  baseline: Record<string, string>,
  venue: Record<string, string>,
): Difference[] {
  const deltas = runDeltas(portfolio);
  const out: Difference[] = [];
  for (const asset of runAssets(portfolio)) {
    const expected = add(baseline[asset] ?? '0', deltas[asset] ?? '0');
    const actual = venue[asset] ?? '0';
    if (cmp(expected, actual) !== 0) {
      out.push({
        code: 'BALANCE_MISMATCH',
        asset,
        message: `${asset}: the venue holds ${actual}, the run's fills say ${expected} (${baseline[asset] ?? '0'} at the opening ${cmp(deltas[asset] ?? '0', 0) < 0 ? '' : '+'}${deltas[asset] ?? '0'})`,
        numbers: {
          venue: actual,
          expected,
          baseline: baseline[asset] ?? '0',
          runDelta: deltas[asset] ?? '0',
          difference: sub(actual, expected),
        },
      });
    }
  }
  return out;
}

/** Checks that only make sense when a run opens on an account: it starts flat, with its capital there. */
export function openingDifferences(args: {
  quote: string;
  capital: string;
  bases: string[];
  venue: Record<string, string>;
}): Difference[] {
  const out: Difference[] = [];
  const quoteHeld = args.venue[args.quote] ?? '0';
  if (cmp(quoteHeld, args.capital) < 0) {
    out.push({
      code: 'INSUFFICIENT_CAPITAL',
      asset: args.quote,
      message: `the run's capital is ${args.capital} ${args.quote} but the account holds ${quoteHeld}`,
      numbers: { capital: args.capital, venue: quoteHeld, shortfall: sub(args.capital, quoteHeld) },
    });
  }
  for (const base of [...new Set(args.bases)].sort()) {
    const held = args.venue[base] ?? '0';
    if (cmp(held, 0) !== 0)
      out.push({
        code: 'UNEXPECTED_POSITION',
        asset: base,
        message: `the account already holds ${held} ${base}; a new run starts flat and would not manage it`,
        numbers: { venue: held },
      });
  }
  return out;
}

export function describeDifferences(ds: readonly Difference[]): string {
  return ds.map((d) => `${d.code}: ${d.message}`).join('; ');
}
