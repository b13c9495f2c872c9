import { liveEngine } from '../../domain/execution/live';
import { advancedEngine } from '../../domain/execution/advanced';
import { selectEngine } from '../../domain/execution/selection';
import { sizeIntent } from '../../domain/execution/sizing';
import { intent, planContext, risk, snapshot, T0 } from '../helpers/fixtures';

describe('engine selection (GPT-Trader factory rule, overridden by the input flag)', () => {
  it.each([
    [undefined, {}, 'live'],
    [undefined, { enableDynamicPositionSizing: true }, 'advanced'],
    [undefined, { enableMarketImpactGuard: true }, 'advanced'],
    ['live', { enableDynamicPositionSizing: true }, 'live'],
    ['advanced', {}, 'advanced'],
  ] as const)('GIVEN engine=%s and risk %j THEN %s, with a reason', (requested, flags, expected) => {
    const choice = selectEngine(requested, risk(flags));
    expect(choice.engine).toBe(expected);
    expect(choice.reason.length).toBeGreaterThan(10);
  });
});

describe('live engine', () => {
  it('GIVEN a market buy WHEN planned THEN the quantity is floored to the step and the expected price includes slippage', () => {
    const r = liveEngine.plan(intent({ quantity: '1.23456' }), planContext());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.order).toMatchObject({ quantity: '1.234', tif: 'IOC', type: 'market' });
    expect(Number(r.expectedPrice)).toBeGreaterThan(0.095);
    expect(r.numbers.spreadBps).toBeDefined();
  });

  it('GIVEN a limit sell WHEN planned THEN the price is rounded up (never worse) with ccxt precision', () => {
    const r = liveEngine.plan(
      intent({ side: 'sell', type: 'limit', limitPrice: '0.0960004', quantity: '1', reduceOnly: true }),
      planContext(),
    );
    expect(r.ok && r.order.price).toBe('0.096001');
    const b = liveEngine.plan(intent({ type: 'limit', limitPrice: '0.0940009', quantity: '1' }), planContext());
    expect(b.ok && b.order.price).toBe('0.094');
  });

  it('GIVEN an order below min notional THEN denied SPEC_MIN_NOTIONAL with a suggested quantity', () => {
    const r = liveEngine.plan(intent({ quantity: '0.005' }), planContext());
    expect(r).toMatchObject({ ok: false, code: 'SPEC_MIN_NOTIONAL', suggestedQuantity: '0.011' });
  });

  it('GIVEN a mark older than the staleness limit THEN denied STALE_MARK with its age', () => {
    const r = liveEngine.plan(intent(), planContext({ now: T0 + 181_000 }));
    expect(r).toMatchObject({ ok: false, code: 'STALE_MARK', numbers: { markAgeSeconds: '181', limitSeconds: '180' } });
    expect(liveEngine.plan(intent(), planContext({ now: T0 + 180_000 })).ok).toBe(true);
  });

  it('GIVEN an order larger than the visible book THEN the slippage guard denies it', () => {
    expect(liveEngine.plan(intent({ quantity: '200' }), planContext())).toMatchObject({
      ok: false,
      code: 'SLIPPAGE_GUARD',
      numbers: { fillable: '130' },
    });
  });

  it('GIVEN an order that walks into level 2 THEN the expected slippage is the VWAP against mid', () => {
    const r = liveEngine.plan(intent({ quantity: '100' }), planContext());
    // 50 @ 0.09501 + 50 @ 0.0951 → VWAP 0.095055 vs mid 0.095 → 5.789… bps
    expect(r.ok && r.numbers).toMatchObject({ method: 'book-walk', vwap: '0.095055' });
    expect(r.ok && Number(r.expectedSlippageBps)).toBeCloseTo(5.7894736842, 8);
  });

  it('GIVEN a per-symbol slippage multiplier THEN it scales the expected slippage and price (and can trip the guard)', () => {
    const plain = liveEngine.plan(intent({ quantity: '2' }), planContext());
    const scaled = liveEngine.plan(
      intent({ quantity: '2' }),
      planContext({ config: risk({ slippageMultipliers: { 'ETH/BTC': 30 } }) }),
    );
    expect(plain.ok && scaled.ok).toBe(true);
    if (!plain.ok || !scaled.ok) return;
    expect(Number(scaled.expectedSlippageBps)).toBeCloseTo(Number(plain.expectedSlippageBps) * 30, 10);
    expect(Number(scaled.expectedPrice)).toBeGreaterThan(Number(plain.expectedPrice));
    expect(
      liveEngine.plan(
        intent({ quantity: '2' }),
        planContext({ config: risk({ slippageMultipliers: { 'ETH/BTC': 60 } }) }),
      ),
    ).toMatchObject({ ok: false, code: 'SLIPPAGE_GUARD', numbers: { multiplier: '60' } });
  });

  it('GIVEN only L1 in the book THEN the GPT-Trader proxy is used: spread_bps + 10000 × notional/L1 × 0.5', () => {
    const l1 = snapshot({ bids: [['0.094990', '50']], asks: [['0.095010', '50']] });
    const r = liveEngine.plan(intent({ quantity: '0.1' }), planContext({ snapshot: l1 }));
    expect(r.ok && r.numbers.method).toBe('seed-l1-proxy');
    // 2.105… + 10000 × (0.0095 / 4.7505) × 0.5 = 2.105… + 9.999…
    expect(r.ok && Number(r.expectedSlippageBps)).toBeCloseTo(2.1052631579 + 9.9989474, 5);
  });

  it('GIVEN a REDUCING run THEN the order is forced reduce-only', () => {
    const r = liveEngine.plan(intent({ side: 'sell', quantity: '1' }), planContext({ tradingState: 'REDUCING' }));
    expect(r.ok && r.order.reduceOnly).toBe(true);
  });

  it('GIVEN post-only or FOK THEN the live engine refuses (ENGINE_UNSUPPORTED), never silently changes it', () => {
    expect(
      liveEngine.plan(intent({ type: 'limit', limitPrice: '0.094', postOnly: true }), planContext()),
    ).toMatchObject({ ok: false, code: 'ENGINE_UNSUPPORTED' });
    expect(liveEngine.plan(intent({ type: 'limit', limitPrice: '0.094', tif: 'FOK' }), planContext())).toMatchObject({
      ok: false,
      code: 'ENGINE_UNSUPPORTED',
    });
  });
});

describe('advanced engine', () => {
  it('GIVEN post-only buy at or above the ask THEN denied POST_ONLY_WOULD_CROSS; below the ask THEN accepted as post-only GTC', () => {
    expect(
      advancedEngine.plan(intent({ type: 'limit', limitPrice: '0.095010', postOnly: true }), planContext()),
    ).toMatchObject({ ok: false, code: 'POST_ONLY_WOULD_CROSS' });
    const ok = advancedEngine.plan(intent({ type: 'limit', limitPrice: '0.095', postOnly: true }), planContext());
    expect(ok.ok && ok.order).toMatchObject({ postOnly: true, tif: 'GTC', price: '0.095' });
  });

  it('GIVEN post-only sell at or below the bid THEN denied', () => {
    expect(
      advancedEngine.plan(
        intent({ side: 'sell', type: 'limit', limitPrice: '0.094990', postOnly: true }),
        planContext(),
      ),
    ).toMatchObject({ ok: false, code: 'POST_ONLY_WOULD_CROSS' });
  });

  it('GIVEN TIF PO THEN mapped to GTC + postOnly; GIVEN GTD on a venue without it THEN TIF_UNSUPPORTED', () => {
    const po = advancedEngine.plan(intent({ type: 'limit', limitPrice: '0.0949', tif: 'PO' }), planContext());
    expect(po.ok && po.order).toMatchObject({ tif: 'GTC', postOnly: true });
    expect(
      advancedEngine.plan(intent({ type: 'limit', limitPrice: '0.0949', tif: 'GTD' }), planContext()),
    ).toMatchObject({ ok: false, code: 'TIF_UNSUPPORTED', numbers: { supported: 'GTC,IOC,FOK' } });
    const fok = advancedEngine.plan(intent({ type: 'limit', limitPrice: '0.0949', tif: 'FOK' }), planContext());
    expect(fok.ok && fok.order.tif).toBe('FOK');
  });

  it('GIVEN a stop without a trigger price THEN denied STOP_PRICE_REQUIRED', () => {
    expect(advancedEngine.plan(intent({ type: 'stop_market', side: 'sell' }), planContext())).toMatchObject({
      ok: false,
      code: 'STOP_PRICE_REQUIRED',
    });
  });

  it('GIVEN dynamic sizing (equity 10 × leverage 1 × 0.2) THEN advice replaces the quantity; reduce-only advises 0 → POSITION_SIZING', () => {
    const config = risk({
      enableDynamicPositionSizing: true,
      sizing: { method: 'equity-leverage', targetLeverage: 1, multiplier: 0.2 },
    });
    const sized = sizeIntent(intent({ quantity: '0.1' }), {
      config,
      tradingState: 'ACTIVE',
      equity: '10',
      price: '0.095',
    });
    expect(sized.ok && Number(sized.intent.quantity)).toBeCloseTo(2 / 0.095, 12);
    expect(sizeIntent(intent(), { config, tradingState: 'REDUCING', equity: '10', price: '0.095' })).toMatchObject({
      ok: false,
      code: 'POSITION_SIZING',
      numbers: { reduceOnly: 'true' },
    });
  });

  it('GIVEN the impact guard on a thin book THEN denied MARKET_IMPACT with the estimate; on a deep book THEN passes', () => {
    const config = risk({ enableMarketImpactGuard: true, maxMarketImpactBps: 50 });
    const thin = snapshot({
      bars: [{ ts: T0 - 300_000, open: 0.095, high: 0.0951, low: 0.0949, close: 0.095, volume: 1 }],
      asks: [
        ['0.095010', '0.3'],
        ['0.095020', '0.3'],
      ],
      bids: [
        ['0.094990', '0.3'],
        ['0.094980', '0.3'],
      ],
    });
    const d = advancedEngine.plan(intent({ quantity: '0.5' }), planContext({ config, snapshot: thin }));
    expect(d).toMatchObject({ ok: false, code: 'MARKET_IMPACT' });
    const deep = snapshot({
      bars: Array.from({ length: 3 }, (_, i) => ({
        ts: T0 - (i + 1) * 300_000,
        open: 0.095,
        high: 0.0951,
        low: 0.0949,
        close: 0.095,
        volume: 500_000,
      })),
      asks: [['0.095010', '5000']],
      bids: [['0.094990', '5000']],
    });
    expect(advancedEngine.plan(intent({ quantity: '0.5' }), planContext({ config, snapshot: deep })).ok).toBe(true);
  });
});
