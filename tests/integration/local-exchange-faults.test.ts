/**
 * Fault injection of the local exchange, observed through the real ccxt client: lost answers of
 * accepted orders, held answers, 429 bursts, stale market data, latency, a fill racing a cancel, and
 * reproducibility of random faults with a seed. Plus the spec's validation messages.
 */
import * as ccxt from 'ccxt';
import { TempotradeError } from '../../domain/errors';
import { Dec } from '../../domain/money';
import { parseFaultPlan } from '../../simulators/binance-exchange/faults';
import { failure, startLocalExchange } from '../helpers/local-exchange';
import type { LocalExchange, ManualClock } from '../helpers/local-exchange';

const SYMBOL = 'ETH/BTC';
const open: LocalExchange[] = [];

async function exchange(faults: string, clock?: ManualClock): Promise<LocalExchange> {
  const lx = await startLocalExchange({ exchange: { faults }, clock });
  open.push(lx);
  return lx;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function restingBuy(c: ccxt.binance, clientOrderId: string, qty = 1): Promise<ccxt.Order> {
  const book = await c.fetchOrderBook(SYMBOL);
  const price = new Dec(book.bids[0][0]!).times('0.98').toDecimalPlaces(6, Dec.ROUND_DOWN).toNumber();
  return c.createOrder(SYMBOL, 'limit', 'buy', qty, price, { clientOrderId });
}

describe('GIVEN the local exchange with a fault plan', () => {
  it('WHEN the answer to an accepted order is dropped THEN ccxt sees a NetworkError while the order exists on the venue', async () => {
    const lx = await exchange('POST.order:drop');
    const c = lx.client();
    await c.loadMarkets();
    const e = await failure(c.createOrder(SYMBOL, 'market', 'buy', 0.5, undefined, { clientOrderId: 'lost-1' }));
    expect(e).toBeInstanceOf(ccxt.NetworkError);
    const found = await c.fetchOrder('', SYMBOL, { origClientOrderId: 'lost-1' });
    expect(found).toMatchObject({ status: 'closed', filled: 0.5 });
    expect(lx.server.exchange.stats()).toMatchObject({ ordersAccepted: 1, faults: { byKind: { drop: 1 } } });
  });

  it('WHEN the answer is held longer than the client waits THEN ccxt raises RequestTimeout while the order exists', async () => {
    const lx = await exchange('POST.order:timeout=1500ms');
    const c = lx.client({ timeout: 400 });
    await c.loadMarkets();
    const e = await failure(restingBuy(c, 'slow-1'));
    expect(e).toBeInstanceOf(ccxt.RequestTimeout);
    expect(await c.fetchOrder('', SYMBOL, { origClientOrderId: 'slow-1' })).toMatchObject({ status: 'open' });
    expect(lx.server.exchange.stats().faults.byKind.timeout).toBe(1);
  });

  it('WHEN 429 bursts of 3 start at random THEN requests fail in runs of 3 with DDoSProtection and Retry-After, and the stats split injected from weight-limit 429s', async () => {
    const lx = await exchange('seed=5,depth:burst429=3/2s@0.3');
    const c = lx.client();
    await c.loadMarkets();
    let seen = '';
    for (let i = 0; i < 20; i++) {
      const e = await c.fetchOrderBook(SYMBOL).then(
        () => undefined,
        (x: Error) => x,
      );
      if (e) {
        expect(e).toBeInstanceOf(ccxt.DDoSProtection);
        expect((c.last_response_headers as Record<string, string>)['Retry-After']).toBe('2');
      }
      seen += e ? 'x' : '.';
    }
    const runs = seen.match(/x+/g) ?? [];
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs.slice(0, -1)) expect(r.length % 3).toBe(0);
    expect(seen).toMatch(/\./);
    expect(lx.server.exchange.stats().rateLimited).toEqual({ injected: seen.split('x').length - 1, weightLimit: 0 });
  });

  it('WHEN market data is stale by 3 bars THEN candles, ticker and book are those of 3 bars ago', async () => {
    // One clock for both: each replay anchors on its clock's time at start, so two clocks read a second
    // apart (on a loaded machine) would start the replays a bar apart.
    const fresh = await exchange('');
    const stale = await exchange('market:stale=3', fresh.clock);
    const a = fresh.client();
    const b = stale.client();
    const [ka, kb] = [await a.fetchOHLCV(SYMBOL, '1s', undefined, 10), await b.fetchOHLCV(SYMBOL, '1s', undefined, 10)];
    expect(kb[9]).toEqual(ka[6]);
    expect((await b.fetchTicker(SYMBOL)).last).toBe(ka[6][4]);
    const m = fresh.server.venue.marketData(SYMBOL);
    expect(ka[9][4]).toBe(m.candles[fresh.server.exchange.clock.closedCount(SYMBOL) - 1].close);
  });

  it('WHEN latency is injected THEN the answer comes no sooner than that', async () => {
    const lx = await exchange('time:latency=300ms');
    const c = lx.client();
    const t0 = Date.now();
    await c.fetchTime();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(lx.server.exchange.stats().faults.byKind.latency).toBe(1);
  });

  it('WHEN a full fill races the cancel THEN cancel answers -2011 (OrderNotFound) and the order is FILLED at its limit price', async () => {
    const lx = await exchange('DELETE.order:fill-before-cancel=full');
    const c = lx.client();
    const o = await restingBuy(c, 'race-full');
    expect(await failure(c.cancelOrder(o.id!, SYMBOL))).toBeInstanceOf(ccxt.OrderNotFound);
    const after = await c.fetchOrder(o.id!, SYMBOL);
    expect(after).toMatchObject({ status: 'closed', filled: 1, average: o.price });
  });

  it('WHEN a partial fill races the cancel THEN the cancel answers CANCELED with executedQty > 0, and the fill is a maker trade', async () => {
    const lx = await exchange('DELETE.order:fill-before-cancel=partial');
    const c = lx.client();
    const o = await restingBuy(c, 'race-part', 1);
    const canceled = await c.cancelOrder(o.id!, SYMBOL);
    expect(canceled).toMatchObject({ status: 'canceled', filled: 0.5 });
    const trades = await c.fetchMyTrades(SYMBOL);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ takerOrMaker: 'maker', amount: 0.5, price: o.price });
    expect((await c.fetchBalance()).BTC.used).toBe(0);
  });

  it('WHEN random 503s have a seed THEN the same seed gives the same faults, and another seed other ones', async () => {
    async function pattern(seed: number): Promise<string> {
      const lx = await exchange(`seed=${seed},depth:error=503@0.5`);
      const c = lx.client();
      let out = '';
      for (let i = 0; i < 16; i++)
        out += await c.fetchOrderBook(SYMBOL).then(
          () => '.',
          () => 'x',
        );
      return out;
    }
    const a = await pattern(42);
    expect(a).toMatch(/x/);
    expect(a).toMatch(/\./);
    expect(await pattern(42)).toBe(a);
    expect(await pattern(7)).not.toBe(a);
  });

  it('WHEN a spec is malformed THEN the error names the rule or the field', () => {
    const msg = (spec: string) => {
      try {
        parseFaultPlan(spec);
      } catch (e) {
        expect(e).toBeInstanceOf(TempotradeError);
        return (e as Error).message;
      }
      throw new Error('expected a validation error');
    };
    expect(msg('POST.order:explode')).toContain('unknown kind "explode"');
    expect(msg('depth:error=500')).toContain('faults.rules.0.status: must be 502, 503 or 504');
    expect(msg('nowhere:drop')).toContain('faults.rules.0.endpoint');
    expect(msg('POST.order:stale=2')).toContain('stale applies to market data only');
    expect(msg('depth:drop@1.5')).toContain('probability "1.5"');
    expect(msg('depth')).toContain('expected ENDPOINT:KIND');
    expect(
      parseFaultPlan({ seed: 3, rules: [{ endpoint: 'POST.order', kind: 'drop', probability: 0.1 }] }).rules[0],
    ).toMatchObject({ kind: 'drop', probability: 0.1 });
  });
});
