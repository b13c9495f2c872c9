/**
 * Order management and normalization of the advanced engine against the local Binance-protocol exchange,
 * through the real ccxt client: duplicate clientOrderId → the existing order; cancel/replace keeps the side,
 * retries a failing cancel with backoff, and is bounded; cancelAll; a native stop placed through ccxt.
 */
import { cancelAll, cancelAndReplace } from '../../activities/engines/order-management';
import { makeEngineActivities } from '../../activities/engines/engine-activities';
import { ccxtQuantizer } from '../../brokers/precision';
import type { Brokerage } from '../../brokers/brokerage';
import type { BrokerRegistry } from '../../brokers/registry';
import type { ClientOrderId } from '../../domain/ids';
import type { OrderIntent } from '../../domain/orders/order';
import { Dec, str } from '../../domain/money';
import { VenueSpec } from '../../domain/run/input';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { exchangeAccount, registryFor, startExchange } from '../helpers/exchange-runs';
import { intent, risk } from '../helpers/fixtures';

const SYMBOL = 'ETH/BTC';
const account = exchangeAccount('om-1');
const cid = (s: string) => s as ClientOrderId;
const noWait = async () => undefined;

let server: PaperVenueServer;
let registry: BrokerRegistry;
let broker: Brokerage;
let venue: VenueSpec;

async function openWith(faults?: string): Promise<void> {
  server = await startExchange([account], { BTC: '10', ETH: '20' }, faults ? { faults } : {});
  venue = VenueSpec.parse({
    kind: 'ccxt',
    exchangeId: 'binance',
    apiUrl: server.url,
    timeframe: '1s',
    requestTimeout: '2s',
  });
  registry = registryFor([account]);
  broker = await registry.get(venue, account.accountId);
}
afterEach(async () => {
  await registry?.closeAll();
  await server?.close();
});

/** A buy resting 2% under the bid. */
async function restingBuy(clientOrderId: string, quantity = '1'): Promise<{ price: string }> {
  const snap = await broker.snapshot(SYMBOL, { at: Date.now(), limit: 1 });
  const price = str(new Dec(snap.bid).times('0.98').toDecimalPlaces(6, Dec.ROUND_DOWN));
  await broker.placeOrder({
    clientOrderId: cid(clientOrderId),
    symbol: SYMBOL,
    side: 'buy',
    type: 'limit',
    quantity,
    price,
    tif: 'GTC',
    postOnly: false,
    reduceOnly: false,
    at: Date.now(),
  });
  return { price };
}

/** Cancel/replace of `from` by `to`; `maxAttempts` bounds the cancel's retries. */
function replace(
  from: string,
  to: string,
  changes: { price?: string; quantity?: string },
  maxAttempts?: number,
  wait: (ms: number) => Promise<void> = noWait,
) {
  const retry = maxAttempts === undefined ? {} : { retry: { maxAttempts } };
  return cancelAndReplace(
    broker,
    { symbol: SYMBOL, clientOrderId: from, newClientOrderId: to, changes, at: Date.now(), ...retry },
    wait,
  );
}

/** The advanced engine's placeOrder, a fresh book, and the activity input for an intent on the venue's instrument. */
async function advancedPlacing() {
  const { placeOrder } = makeEngineActivities('advanced', { brokers: registry, quantizer: ccxtQuantizer });
  const desc = await broker.describe([SYMBOL]);
  const snapshot = await broker.snapshot(SYMBOL, { at: Date.now(), limit: 3 });
  const input = (clientOrderId: string, i: OrderIntent) => ({
    venue,
    accountId: account.accountId,
    clientOrderId,
    intent: i,
    snapshot,
    instrument: desc.instruments[SYMBOL],
    capabilities: desc.capabilities,
    config: risk({ maxMarkStalenessSeconds: 3600 }),
    tradingState: 'ACTIVE' as const,
    equity: '10',
    at: Date.now(),
  });
  return { placeOrder, snapshot, input };
}

describe('GIVEN the local exchange', () => {
  it('WHEN advanced.placeOrder is sent twice with the same clientOrderId THEN the second answer is the existing order and the venue holds one', async () => {
    await openWith();
    const { placeOrder, input: inputFor } = await advancedPlacing();
    const input = inputFor('dup-1', intent({ quantity: '0.5' }));
    const first = await placeOrder(input);
    const second = await placeOrder(input);
    expect(first).toMatchObject({
      kind: 'placed',
      recovered: false,
      order: { clientOrderId: 'dup-1', status: 'FILLED' },
    });
    expect(second).toMatchObject({
      kind: 'placed',
      recovered: true,
      order: { clientOrderId: 'dup-1', venueOrderId: first.kind === 'placed' ? first.order.venueOrderId : '' },
    });
    expect(server.venue.orders(account.apiKey).filter((o) => o.clientOrderId === 'dup-1')).toHaveLength(1);
  });

  it('WHEN a resting buy is replaced at a new price THEN the old one is canceled and the replacement is a buy for the same quantity', async () => {
    await openWith();
    const { price } = await restingBuy('cr-1', '1.5');
    const newPrice = str(new Dec(price).minus('0.000010'));
    const r = await replace('cr-1', 'cr-2', { price: newPrice });
    expect(r).toMatchObject({
      kind: 'replaced',
      canceled: { status: 'CANCELED', side: 'buy' },
      replacement: { clientOrderId: 'cr-2', side: 'buy', quantity: '1.5', price: newPrice, status: 'NEW' },
      attempts: { cancel: 1, place: 1 },
    });
    const open = await broker.fetchOpenOrders(SYMBOL);
    expect(open.map((o) => [o.clientOrderId, o.side])).toEqual([['cr-2', 'buy']]);
  });

  it('WHEN the exchange fails DELETE order 503 at random THEN cancel/replace retries (seeded: 3 cancel attempts) and still replaces once', async () => {
    await openWith('seed=1,DELETE.order:error=503@0.6');
    await restingBuy('rt-1');
    const waits: number[] = [];
    const r = await replace('rt-1', 'rt-2', { quantity: '2' }, 6, async (ms) => void waits.push(ms));
    expect(r.kind).toBe('replaced');
    expect(r.attempts.cancel).toBe(3); // seed 1: the first two DELETEs answer 503
    expect(waits).toEqual([250, 500, 1000, 2000, 4000].slice(0, r.attempts.cancel - 1));
    expect(r).toMatchObject({ replacement: { side: 'buy', quantity: '2' } });
    expect(server.exchange.stats().faults.byKind.error).toBe(r.attempts.cancel - 1);
    expect(
      server.venue
        .orders(account.apiKey)
        .map((o) => o.clientOrderId)
        .sort(),
    ).toEqual(['rt-1', 'rt-2']);
  });

  it('WHEN every cancel fails 503 THEN cancel/replace gives up after maxAttempts with the venue error and places nothing', async () => {
    await openWith('DELETE.order:error=503');
    await restingBuy('bd-1');
    const e = await replace('bd-1', 'bd-2', { price: '0.01' }, 3).then(
      () => undefined,
      (x: Error & { code?: string }) => x,
    );
    expect(e?.code).toBe('EXCHANGE_UNAVAILABLE');
    expect(server.exchange.stats().faults.byKind.error).toBe(3);
    expect(await broker.fetchOrder(SYMBOL, cid('bd-2'))).toBeUndefined();
  });

  it('WHEN cancelAll THEN every open order of the prefix is canceled and others stay', async () => {
    await openWith();
    await restingBuy('run1-a');
    await restingBuy('run1-b');
    await restingBuy('other-c');
    const canceled = await cancelAll(broker, { symbol: SYMBOL, clientOrderIdPrefix: 'run1-' });
    expect(canceled.map((o) => [o.clientOrderId, o.status]).sort()).toEqual([
      ['run1-a', 'CANCELED'],
      ['run1-b', 'CANCELED'],
    ]);
    expect((await broker.fetchOpenOrders(SYMBOL)).map((o) => o.clientOrderId)).toEqual(['other-c']);
  });

  it('WHEN a stop-market sell is planned by the advanced engine THEN it is placed natively (STOP_LOSS) and rests untriggered', async () => {
    await openWith();
    const { placeOrder, snapshot, input } = await advancedPlacing();
    const stopPrice = str(new Dec(snapshot.bid).times('0.9').toDecimalPlaces(6, Dec.ROUND_DOWN));
    const r = await placeOrder(
      input('stop-1', intent({ side: 'sell', type: 'stop_market', stopPrice, quantity: '1', reduceOnly: true })),
    );
    expect(r).toMatchObject({
      kind: 'placed',
      order: { type: 'stop_market', stopPrice, status: 'NEW', filledQuantity: '0' },
    });
  });
});
