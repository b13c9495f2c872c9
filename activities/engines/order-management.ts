/**
 * Order management against a venue (the advanced engine's `advanced.cancelAndReplace` and
 * `advanced.cancelAll` activities). The pure half — what a replacement is, the retry policy — is
 * domain/execution/management.ts.
 *
 * cancelAndReplace: look the order up; cancel it with bounded retries and exponential backoff (a retryable
 * venue error — network, 5xx, rate limit — is retried; after each failure the order is looked up again, so
 * a cancel whose answer was lost is not sent twice); then place the replacement — same side, type, TIF and
 * flags, new price and/or quantity, minus what filled meanwhile — with the same bounded retries, idempotent
 * by its clientOrderId. Bounded: once the attempts are spent the last venue error is raised.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TempotradeError } from '../../domain/errors';
import type { ClientOrderId } from '../../domain/ids';
import { isTerminal, type Order } from '../../domain/orders/order';
import {
  backoffMs,
  canReplace,
  DEFAULT_RETRY,
  replacementFor,
  ReplaceChanges,
  type RetryPolicy,
} from '../../domain/execution/management';
import type { Brokerage } from '../../brokers/brokerage';
import type { BrokerRegistry } from '../../brokers/registry';
import { formatZodIssues } from '../../domain/errors';
import type { VenueRef } from '../types';
import { guarded } from '../failures';

export interface CancelAndReplaceInput extends VenueRef {
  symbol: string;
  clientOrderId: string;
  /** The replacement's clientOrderId (deterministic in the workflow). */
  newClientOrderId: string;
  changes: ReplaceChanges;
  at: number;
  retry?: Partial<RetryPolicy>;
}

export type CancelAndReplaceResult =
  | { kind: 'replaced'; canceled: Order; replacement: Order; attempts: { cancel: number; place: number } }
  | { kind: 'not-replaced'; code: string; message: string; order?: Order; attempts: { cancel: number; place: number } };

export interface CancelAllInput extends VenueRef {
  symbol?: string;
  /** Only orders whose clientOrderId starts with this (the run's own orders). */
  clientOrderIdPrefix?: string;
}

type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => sleep(ms);

/** Run `fn` up to policy.maxAttempts times while it fails with a retryable venue error. */
async function withRetries<T>(
  policy: RetryPolicy,
  sleep: Sleep,
  fn: (attempt: number) => Promise<T>,
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (e) {
      const retryable = e instanceof TempotradeError && e.retryable;
      if (!retryable || attempt >= policy.maxAttempts) throw e;
      await sleep(Math.max(backoffMs(policy, attempt + 1), e.retryAfterMs ?? 0));
    }
  }
}

export async function cancelAndReplace(
  broker: Brokerage,
  input: Omit<CancelAndReplaceInput, keyof VenueRef>,
  sleep: Sleep = realSleep,
): Promise<CancelAndReplaceResult> {
  const changes = ReplaceChanges.safeParse(input.changes);
  if (!changes.success)
    throw new TempotradeError('VALIDATION', `cancelAndReplace changes: ${formatZodIssues(changes.error)}`);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...input.retry };
  const cid = input.clientOrderId as ClientOrderId;
  const newCid = input.newClientOrderId as ClientOrderId;
  // A replacement already at the venue (a retried activity): that is the answer.
  const already = await broker.fetchOrder(input.symbol, newCid);
  const current = await broker.fetchOrder(input.symbol, cid);
  if (already && current)
    return { kind: 'replaced', canceled: current, replacement: already, attempts: { cancel: 0, place: 0 } };
  if (!current)
    return {
      kind: 'not-replaced',
      code: 'ORDER_NOT_FOUND',
      message: `${cid} is not known at the venue`,
      attempts: { cancel: 0, place: 0 },
    };
  if (!canReplace(current))
    return {
      kind: 'not-replaced',
      code: 'ORDER_TERMINAL',
      message: `${cid} is ${current.status}: nothing to replace`,
      order: current,
      attempts: { cancel: 0, place: 0 },
    };

  const cancel = await withRetries(policy, sleep, async (attempt) => {
    if (attempt > 1) {
      // The previous attempt may have reached the venue: do not cancel twice.
      const seen = await broker.fetchOrder(input.symbol, cid);
      if (seen && isTerminal(seen.status)) return seen;
    }
    try {
      return await broker.cancelOrder(input.symbol, cid);
    } catch (e) {
      if (e instanceof TempotradeError && e.code === 'ORDER_NOT_FOUND') {
        const found = await broker.fetchOrder(input.symbol, cid);
        if (found) return found;
      }
      throw e;
    }
  });
  const canceled = cancel.value;
  const plan = replacementFor(canceled, changes.data, newCid, input.at);
  if (!plan.ok)
    return {
      kind: 'not-replaced',
      code: plan.code,
      message: plan.message,
      order: canceled,
      attempts: { cancel: cancel.attempts, place: 0 },
    };

  const place = await withRetries(policy, sleep, async (attempt) => {
    if (attempt > 1) {
      const seen = await broker.fetchOrder(input.symbol, newCid);
      if (seen) return seen;
    }
    return broker.placeOrder(plan.order);
  });
  return {
    kind: 'replaced',
    canceled,
    replacement: place.value,
    attempts: { cancel: cancel.attempts, place: place.attempts },
  };
}

/** Cancel every open order (of a symbol, of the run's prefix). Orders that fill meanwhile are reported as the venue holds them. */
export async function cancelAll(broker: Brokerage, input: Omit<CancelAllInput, keyof VenueRef>): Promise<Order[]> {
  const open = (await broker.fetchOpenOrders(input.symbol)).filter(
    (o) => !input.clientOrderIdPrefix || o.clientOrderId.startsWith(input.clientOrderIdPrefix),
  );
  const out: Order[] = [];
  for (const o of open) {
    try {
      out.push(await broker.cancelOrder(o.symbol, o.clientOrderId));
    } catch (e) {
      if (!(e instanceof TempotradeError && e.code === 'ORDER_NOT_FOUND')) throw e;
      const found = await broker.fetchOrder(o.symbol, o.clientOrderId);
      if (found) out.push(found);
    }
  }
  return out;
}

export function createOrderManagementActivities(deps: { brokers: BrokerRegistry }) {
  return {
    'advanced.cancelAndReplace': (input: CancelAndReplaceInput) =>
      guarded(`advanced.cancelAndReplace ${input.clientOrderId}`, async () =>
        cancelAndReplace(await deps.brokers.get(input.venue, input.accountId), input),
      ),
    'advanced.cancelAll': (input: CancelAllInput) =>
      guarded('advanced.cancelAll', async () => cancelAll(await deps.brokers.get(input.venue, input.accountId), input)),
  };
}
