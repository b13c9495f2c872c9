/**
 * The I/O half of an execution engine, registered once per engine as `live.*` and `advanced.*`.
 * placeOrder is idempotent: it first looks the order up by its deterministic clientOrderId, so a retry
 * after a lost response, a worker crash or a timeout never places a second order. The engine's pure
 * pipeline (domain/execution) decides what to send; a denial is a result, not a failure.
 */
import { heartbeat, sleep, Context } from '@temporalio/activity';
import { AMBIGUOUS, TempotradeError } from '../../domain/errors';
import type { EngineName } from '../../domain/execution/engine';
import { ENGINES } from '../../domain/execution/selection';
import type { ClientOrderId } from '../../domain/ids';
import type { Quantizer } from '../../domain/market/instrument';
import { isTerminal, type Order, type PlaceOrder } from '../../domain/orders/order';
import type { BrokerRegistry } from '../../brokers/registry';
import { venueKindOf } from '../../brokers/venues';
import type { OrderPreview } from '../../brokers/brokerage';
import type { CancelOrderInput, FollowOrdersInput, PlaceOrderInput, PlaceOrderResult } from '../types';
import { guarded } from '../failures';

export interface EngineActivityDeps {
  brokers: BrokerRegistry;
  quantizer: Quantizer;
}

/** Venue answers that reject the order itself: a normal outcome recorded as ORDER_REJECTED. */
const VENUE_REJECTIONS = new Set(['INSUFFICIENT_FUNDS', 'INVALID_ORDER', 'BAD_SYMBOL', 'VENUE_REJECTED']);

export function makeEngineActivities(engine: EngineName, deps: EngineActivityDeps) {
  const planner = ENGINES[engine];

  async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
    return guarded(`${engine}.placeOrder ${input.clientOrderId}`, async () => {
      const broker = await deps.brokers.get(input.venue, input.accountId);
      const cid = input.clientOrderId as ClientOrderId;
      const plan = planner.plan(input.intent, {
        instrument: input.instrument,
        snapshot: input.snapshot,
        // A live venue is judged at the moment of submission: a retry after an outage must not send an
        // order on a snapshot that went stale meanwhile. A replay venue lives at the tick's market time.
        now: venueKindOf(input.venue).clock === 'live' ? Date.now() : input.at,
        config: input.config,
        tradingState: input.tradingState,
        capabilities: input.capabilities,
        quantizer: deps.quantizer,
        equity: input.equity,
      });
      const placed = (order: Order, recovered: boolean, notes: string[], preview?: OrderPreview): PlaceOrderResult =>
        plan.ok
          ? {
              kind: 'placed',
              order,
              recovered,
              expectedPrice: plan.expectedPrice,
              expectedSlippageBps: plan.expectedSlippageBps,
              numbers: plan.numbers,
              notes,
              ...(preview ? { preview } : {}),
            }
          : {
              kind: 'placed',
              order,
              recovered,
              expectedPrice: order.price ?? '0',
              expectedSlippageBps: '0',
              numbers: {},
              notes,
            };
      // Idempotency first: a previous attempt may have reached the venue.
      const existing = await broker.fetchOrder(input.intent.symbol, cid);
      if (existing) return placed(existing, true, ['found at the venue by clientOrderId: not submitted again']);
      if (!plan.ok)
        return {
          kind: 'rejected',
          by: 'engine',
          code: plan.code,
          message: plan.message,
          numbers: plan.numbers,
          ...(plan.suggestedQuantity ? { suggestedQuantity: plan.suggestedQuantity } : {}),
        };
      const cmd: PlaceOrder = { ...plan.order, clientOrderId: cid, at: input.at };
      const preview =
        input.config.enablePreview && input.capabilities.preview
          ? await broker.previewOrder(cmd).catch(() => undefined)
          : undefined;
      try {
        return placed(await broker.placeOrder(cmd), false, plan.notes, preview);
      } catch (e) {
        if (!(e instanceof TempotradeError)) throw e;
        if (e.code === 'DUPLICATE_ORDER' || AMBIGUOUS.has(e.code)) {
          // The venue may hold the order: resolve by lookup before anything else.
          const found = await broker.fetchOrder(cmd.symbol, cid);
          if (found) return placed(found, true, [`submit answered ${e.code}; found at the venue by clientOrderId`]);
          if (e.code === 'DUPLICATE_ORDER')
            throw new TempotradeError('VENUE_STATE', `venue says ${cid} is a duplicate but cannot find it`);
        }
        if (VENUE_REJECTIONS.has(e.code))
          return { kind: 'rejected', by: 'venue', code: `VENUE_${e.code}`, message: e.message, numbers: {} };
        throw e;
      }
    });
  }

  async function followOrders(input: FollowOrdersInput): Promise<Order[]> {
    return guarded(`${engine}.followOrders`, async () => {
      const broker = await deps.brokers.get(input.venue, input.accountId);
      const deadline = Date.now() + input.waitMs;
      const pollMs = 200;
      let seen: Order[] | undefined;
      for (;;) {
        const orders: Order[] = [];
        try {
          for (const o of input.orders) {
            // An order the venue does not know is left out of the answer: the workflow sees it missing and
            // reconciles (fail-closed) instead of retrying here forever.
            const found = await broker.fetchOrder(o.symbol, o.clientOrderId as ClientOrderId);
            if (found) orders.push(found);
          }
        } catch (e) {
          // Waiting is optional: once the venue has answered completely, a later poll that fails (rate limit,
          // 5xx) ends the wait with that answer instead of failing it; the workflow follows again next tick.
          if (seen && e instanceof TempotradeError && e.retryable) return seen;
          throw e;
        }
        seen = orders;
        if (orders.length < input.orders.length || orders.every((o) => isTerminal(o.status)) || Date.now() >= deadline)
          return orders;
        heartbeat({ open: orders.filter((o) => !isTerminal(o.status)).length });
        await sleep(pollMs);
        if (Context.current().cancellationSignal.aborted) return orders;
      }
    });
  }

  async function cancelOrder(input: CancelOrderInput): Promise<Order> {
    return guarded(`${engine}.cancelOrder ${input.clientOrderId}`, async () => {
      const broker = await deps.brokers.get(input.venue, input.accountId);
      try {
        return await broker.cancelOrder(input.symbol, input.clientOrderId as ClientOrderId);
      } catch (e) {
        // A cancel that lost the race with a fill: the order is terminal; report what the venue holds.
        if (e instanceof TempotradeError && e.code === 'ORDER_NOT_FOUND') {
          const found = await broker.fetchOrder(input.symbol, input.clientOrderId as ClientOrderId);
          if (found) return found;
        }
        throw e;
      }
    });
  }

  return { placeOrder, followOrders, cancelOrder };
}
