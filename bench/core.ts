/**
 * P4 — pure core speed: bars per second through the same strategy + risk + sizing + portfolio code the
 * workflow uses, without Temporal (what a backtest would run). Real data: the bundled 5 m pairs.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { parseOhlcvCsv, type Candle } from '../domain/market/candles';
import { OrderIntent } from '../domain/orders/order';
import { applyFill, markToMarket, openPortfolio, type Portfolio } from '../domain/portfolio/portfolio';
import { RiskConfig } from '../domain/risk/config';
import { assessGuards } from '../domain/risk/engine';
import { decideIntent } from '../domain/risk/evaluation';
import { getStrategy } from '../domain/strategies';
import { mul, str } from '../domain/money';

export function loadBars(pair: string): Candle[] {
  const file = path.join(__dirname, '..', 'data', 'market', `${pair.replace('/', '_')}-5m.csv.gz`);
  return parseOhlcvCsv(gunzipSync(readFileSync(file)).toString('utf8'), file);
}

export interface CoreResult {
  bars: number;
  seconds: number;
  barsPerSecond: number;
  intents: number;
  fills: number;
}

/** One pass of a strategy over `bars`, filling approved intents at the close with a 0.1 % fee. */
export function runCore(
  symbol: string,
  bars: readonly Candle[],
  strategyName = 'sma-crossover',
  params: Record<string, unknown> = { fast: 10, slow: 30 },
): CoreResult {
  const strategy = getStrategy(strategyName);
  const p = strategy.params.parse(params) as never;
  const lookback = strategy.lookback(p);
  const config = RiskConfig.parse({ enableDynamicPositionSizing: true, dailyLossLimitPct: 5 });
  let portfolio: Portfolio = openPortfolio({
    quote: 'BTC',
    cash: '1',
    at: bars[0].ts,
    symbols: [{ symbol, base: symbol.split('/')[0] }],
  });
  const instruments = {
    [symbol]: {
      symbol,
      base: symbol.split('/')[0],
      quote: 'BTC',
      precision: { amount: '0.000001', price: '0.00000001' },
      limits: { amount: { min: '0' }, cost: { min: '0' } },
      fees: { maker: '0.001', taker: '0.001' },
    },
  };
  let intents = 0;
  let fills = 0;
  const t0 = process.hrtime.bigint();
  for (let i = lookback; i < bars.length; i++) {
    const bar = bars[i];
    const mark = str(bar.close);
    portfolio = markToMarket(portfolio, { [symbol]: mark }, bar.ts + 300_000);
    if (assessGuards(portfolio, config)) continue;
    const window = bars.slice(i - lookback + 1, i + 1);
    const signals = strategy.signals({
      symbol,
      bars: window,
      params: p,
      position: portfolio.positions[symbol].quantity,
      equity: portfolio.equity,
      mark,
    });
    for (const s of signals) {
      intents++;
      const v = decideIntent(OrderIntent.parse({ ...s, strategyId: 'bench' }), {
        engine: 'advanced',
        portfolio,
        tradingState: 'ACTIVE',
        config,
        instruments,
      });
      if (v.decision === 'DENIED') continue;
      const qty = str(Number(v.quantity).toFixed(6));
      if (Number(qty) <= 0) continue;
      portfolio = applyFill(portfolio, {
        fillId: `f${fills}`,
        clientOrderId: 'bench' as never,
        symbol,
        side: s.side,
        quantity: qty,
        price: mark,
        fee: mul(mul(qty, mark), '0.001'),
        feeCurrency: 'BTC',
        liquidity: 'taker',
        ts: bar.ts,
      });
      fills++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = bars.length - lookback;
  return { bars: n, seconds, barsPerSecond: n / seconds, intents, fills };
}
