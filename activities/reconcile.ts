/**
 * `account.reconcile`: read what the venue holds for a run — balances, open orders on its symbols and
 * its own open orders by clientOrderId — in one consistent pass. The comparison is pure
 * (domain/run/reconcile.ts) and happens in the workflow.
 *
 * Consistency: resting orders can fill while we read. The run's orders are read before and after the
 * balances; when any of them moved in between, the pass is repeated (up to 5 times), so balances and
 * fills describe the same moment. A venue that cannot answer fails the activity (retried): a missing
 * report never becomes "nothing there".
 */
import type { ClientOrderId } from '../domain/ids';
import type { Order } from '../domain/orders/order';
import type { VenueView } from '../domain/run/reconcile';
import { TempotradeError } from '../domain/errors';
import type { Brokerage } from '../brokers/brokerage';
import type { BrokerRegistry } from '../brokers/registry';
import type { VenueRef } from './types';
import { guarded } from './failures';

export interface ReconcileInput extends VenueRef {
  symbols: string[];
  runOrders: Array<{ symbol: string; clientOrderId: string }>;
}

const MAX_PASSES = 5;

function fingerprint(orders: Record<string, Order | null>): string {
  return Object.entries(orders)
    .map(([cid, o]) => `${cid}:${o ? `${o.status}:${o.filledQuantity}:${o.fills.length}` : '-'}`)
    .join('|');
}

async function readRunOrders(
  broker: Brokerage,
  runOrders: ReconcileInput['runOrders'],
): Promise<Record<string, Order | null>> {
  const out: Record<string, Order | null> = {};
  for (const o of runOrders)
    out[o.clientOrderId] = (await broker.fetchOrder(o.symbol, o.clientOrderId as ClientOrderId)) ?? null;
  return out;
}

export function createReconcileActivities(deps: { brokers: BrokerRegistry }) {
  return {
    async 'account.reconcile'(input: ReconcileInput): Promise<VenueView> {
      return guarded('account.reconcile', async () => {
        const broker = await deps.brokers.get(input.venue, input.accountId);
        for (let pass = 1; pass <= MAX_PASSES; pass++) {
          const before = await readRunOrders(broker, input.runOrders);
          const balances = await broker.balances();
          const openOrders: Order[] = [];
          for (const s of input.symbols) openOrders.push(...(await broker.fetchOpenOrders(s)));
          const after = await readRunOrders(broker, input.runOrders);
          if (fingerprint(before) === fingerprint(after)) {
            return {
              balances: Object.fromEntries(Object.entries(balances).map(([asset, b]) => [asset, b.total])),
              openOrders,
              runOrders: after,
            };
          }
        }
        throw new TempotradeError(
          'VENUE_STATE',
          `account.reconcile: the run's orders kept changing during ${MAX_PASSES} reads; retrying`,
        );
      });
    },
  };
}
