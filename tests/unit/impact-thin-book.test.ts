/**
 * The market-impact guard on a thin book built from real candles: the lowest-volume 5-minute bar of the
 * bundled Binance ETH/BTC data (11.07 ETH traded, 2018-01-25 17:50 UTC), its book as the paper venue
 * models it (simulators/paper-venue/book.ts: 2 % of the bar's volume per level), and the hour of bars before it.
 * Each estimator and each configured action / sizing mode is exercised through the advanced engine's plan.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { advancedEngine } from '../../domain/execution/advanced';
import { IMPACT_MODELS, volume15mQuote } from '../../domain/execution/impact';
import type { MarketSnapshot } from '../../domain/market/snapshot';
import { Dec, add } from '../../domain/money';
import { bookFromCandle } from '../../simulators/paper-venue/book';
import { deriveInstrument, toCandles } from '../../simulators/paper-venue/market-data';
import { planContext, risk, intent } from '../helpers/fixtures';

const candles = toCandles(
  gunzipSync(readFileSync(path.join(__dirname, '..', '..', 'data', 'market', 'ETH_BTC-5m.csv.gz'))).toString('utf8'),
  'ETH_BTC-5m',
);
const instrument = deriveInstrument('ETH/BTC', candles);
const thinIdx = candles.reduce((best, c, i) => (i >= 12 && c.volume < candles[best].volume ? i : best), 12);
const thin = candles[thinIdx];
const book = bookFromCandle(thin, instrument);
const bars = candles.slice(thinIdx - 11, thinIdx + 1);
const at = thin.ts + 300_000;
const snapshot: MarketSnapshot = {
  symbol: 'ETH/BTC',
  at,
  markTs: at,
  mark: String(thin.close),
  bid: book.bid,
  ask: book.ask,
  bids: book.bids,
  asks: book.asks,
  bars,
  endOfData: false,
};
const askDepth = add('0', ...book.asks.map(([, s]) => s));

/** Limits under which 3 ETH is too much for each model on this bar (their full-size estimates: seed 13.8, book 6.3, sqrt 2.6 bps). */
const LIMITS = { seed: 5, book: 5, sqrt: 2.5 } as const;
const ctx = (
  model: keyof typeof LIMITS,
  action: 'deny' | 'resize',
  sizing: 'CONSERVATIVE' | 'STRICT' | 'AGGRESSIVE' = 'CONSERVATIVE',
) =>
  planContext({
    instrument,
    snapshot,
    now: at,
    config: risk({
      enableMarketImpactGuard: true,
      maxMarketImpactBps: LIMITS[model],
      impact: { model, action, sizing },
    }),
  });
const estimate = (model: keyof typeof LIMITS, quantity: string) =>
  Number(
    IMPACT_MODELS[model].estimate({
      snapshot,
      side: 'buy',
      quantity,
      price: snapshot.mark,
      maxImpactBps: LIMITS[model],
      volume15mQuote: volume15mQuote(bars),
    }).impactBps,
  );

describe('GIVEN the thinnest real ETH/BTC bar (11.07 ETH in 5 min) and a 3 ETH buy', () => {
  it('THEN the bar is the thin one and the visible ask side holds 65 % of its volume', () => {
    expect(thin.volume).toBeCloseTo(11.07112892, 8);
    expect(Number(askDepth)).toBeCloseTo(11.07112892 * 0.65, 1);
  });

  it.each(['seed', 'sqrt', 'book'] as const)(
    'WHEN the %s model is configured to deny THEN MARKET_IMPACT with the estimate and a slicing recommendation',
    (model) => {
      const r = advancedEngine.plan(intent({ quantity: '3' }), ctx(model, 'deny'));
      expect(r).toMatchObject({
        ok: false,
        code: 'MARKET_IMPACT',
        numbers: { model, action: 'deny', recommendSlicing: 'true', maxImpactBps: String(LIMITS[model]) },
      });
      expect(r.ok || Number(r.numbers.impactBps)).toBeCloseTo(estimate(model, '3'), 6);
    },
  );

  it.each(['seed', 'sqrt', 'book'] as const)(
    'WHEN the %s model resizes CONSERVATIVE THEN the largest quantity within the limit goes out',
    (model) => {
      const r = advancedEngine.plan(intent({ quantity: '3' }), ctx(model, 'resize', 'CONSERVATIVE'));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const q = r.order.quantity;
      expect(new Dec(q).gt(0) && new Dec(q).lt(3)).toBe(true);
      expect(estimate(model, q)).toBeLessThanOrEqual(LIMITS[model]);
      expect(estimate(model, add(q, instrument.precision.amount))).toBeGreaterThan(LIMITS[model]);
      expect(r.numbers).toMatchObject({ sizingMode: 'CONSERVATIVE', impactSizedQuantity: q });
    },
  );

  it.each(['seed', 'sqrt', 'book'] as const)(
    'WHEN the %s model resizes STRICT THEN the order is denied: the full size does not fit',
    (model) => {
      expect(advancedEngine.plan(intent({ quantity: '3' }), ctx(model, 'resize', 'STRICT'))).toMatchObject({
        ok: false,
        code: 'MARKET_IMPACT',
        numbers: { sizingMode: 'STRICT', impactSizedQuantity: '0' },
      });
    },
  );

  it.each(['seed', 'sqrt', 'book'] as const)(
    'WHEN the %s model resizes AGGRESSIVE THEN 3 ETH goes out whole (the book holds 7.2), but 8 ETH is cut to what fits',
    (model) => {
      expect(advancedEngine.plan(intent({ quantity: '3' }), ctx(model, 'resize', 'AGGRESSIVE'))).toMatchObject({
        ok: true,
        order: { quantity: '3' },
      });
      const big = advancedEngine.plan(intent({ quantity: '8' }), {
        ...ctx(model, 'resize', 'AGGRESSIVE'),
        config: risk({
          enableMarketImpactGuard: true,
          maxMarketImpactBps: LIMITS[model],
          slippageGuardBps: 10_000,
          impact: { model, action: 'resize', sizing: 'AGGRESSIVE' },
        }),
      });
      const conservative = advancedEngine.plan(intent({ quantity: '8' }), ctx(model, 'resize', 'CONSERVATIVE'));
      expect(big.ok && conservative.ok && big.order.quantity === conservative.order.quantity).toBe(true);
    },
  );

  it('THEN the three estimates are printed side by side for 0.5 … 6 ETH', () => {
    const rows = ['0.5', '1', '3', '6'].map((q) => ({
      quantity: q,
      seed: estimate('seed', q).toFixed(2),
      sqrt: estimate('sqrt', q).toFixed(2),
      book: estimate('book', q).toFixed(2),
    }));
    console.log(
      `impact (bps) on the thin bar ${new Date(thin.ts).toISOString()} (volume ${thin.volume} ETH):\n${rows.map((r) => `  ${r.quantity.padStart(4)} ETH  seed ${r.seed.padStart(6)}  sqrt ${r.sqrt.padStart(6)}  book ${r.book.padStart(6)}`).join('\n')}`,
    );
    for (const m of ['seed', 'sqrt', 'book'] as const)
      expect(rows.map((r) => Number(r[m]))).toEqual([...rows.map((r) => Number(r[m]))].sort((a, b) => a - b));
  });
});
