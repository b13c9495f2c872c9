/**
 * A pure multi-strategy simulation over the bundled January 2018 pairs, through the same strategy +
 * sizing + risk + portfolio code the workflows use (no Temporal): one shared portfolio (an account),
 * fills at the bar close with a 0.1 % fee. Used to show the correlation and drawdown limits acting on
 * real data.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { parseOhlcvCsv, type Candle } from '../../domain/market/candles';
import { OrderIntent } from '../../domain/orders/order';
import { applyFill, markToMarket, openPortfolio, type Portfolio } from '../../domain/portfolio/portfolio';
import { RiskConfig, type RiskConfigInput } from '../../domain/risk/config';
import { assessGuards, type GuardBreach } from '../../domain/risk/engine';
import { decideIntent } from '../../domain/risk/evaluation';
import { runRiskFacts } from '../../domain/risk/facts';
import type { RiskVerdict } from '../../domain/risk/verdict';
import { getStrategy } from '../../domain/strategies';
import { mul, str } from '../../domain/money';
import type { TradingState } from '../../domain/run/trading-state';

export const PAIRS = ['ADA', 'DASH', 'ETC', 'ETH', 'LTC', 'NXT', 'TRX', 'XLM', 'XMR', 'ZEC'].map((b) => `${b}/BTC`);

export function loadPair(symbol: string): Candle[] {
  const file = path.join(__dirname, '..', '..', 'data', 'market', `${symbol.replace('/', '_')}-5m.csv.gz`);
  return parseOhlcvCsv(gunzipSync(readFileSync(file)).toString('utf8'), file);
}

export interface SimResult {
  bars: number;
  intents: number;
  verdicts: Record<string, number>;
  examples: Record<string, RiskVerdict>;
  /** Every verdict resized or denied by the correlation limit. */
  correlation: RiskVerdict[];
  /** Fills after the guard breach (must be none once HALTED). */
  fillsAfterGuard: number;
  fills: number;
  guard?: { at: number; breach: GuardBreach };
  portfolio: Portfolio;
}

export function simulate(args: {
  strategies: Array<{ name: string; params: Record<string, unknown>; symbols: string[] }>;
  risk: RiskConfigInput;
  capital: string;
  candlesForRisk?: number;
}): SimResult {
  const config = RiskConfig.parse(args.risk);
  const data: Record<string, Candle[]> = Object.fromEntries(PAIRS.map((s) => [s, loadPair(s)]));
  const clock = data['ETH/BTC'].map((b) => b.ts);
  const idx: Record<string, number> = Object.fromEntries(PAIRS.map((s) => [s, -1]));
  let portfolio = openPortfolio({
    quote: 'BTC',
    cash: args.capital,
    at: clock[0],
    symbols: PAIRS.map((s) => ({ symbol: s, base: s.split('/')[0] })),
  });
  const instruments = Object.fromEntries(
    PAIRS.map((s) => [
      s,
      {
        symbol: s,
        base: s.split('/')[0],
        quote: 'BTC',
        precision: { amount: '0.000001', price: '0.00000001' },
        limits: { amount: { min: '0' }, cost: { min: '0' } },
        fees: { maker: '0.001', taker: '0.001' },
      },
    ]),
  );
  const defs = args.strategies.map((s) => {
    const def = getStrategy(s.name);
    const params = def.params.parse(s.params) as never;
    return { ...s, def, params, lookback: def.lookback(params) };
  });
  let tradingState: TradingState = 'ACTIVE';
  const result: SimResult = {
    bars: 0,
    intents: 0,
    verdicts: {},
    examples: {},
    correlation: [],
    fillsAfterGuard: 0,
    fills: 0,
    portfolio,
  };
  const keep = args.candlesForRisk ?? 2016;
  for (const ts of clock) {
    const marks: Record<string, string> = {};
    for (const s of PAIRS) {
      const bars = data[s];
      while (idx[s] + 1 < bars.length && bars[idx[s] + 1].ts <= ts) idx[s]++;
      if (idx[s] >= 0) marks[s] = str(bars[idx[s]].close);
    }
    const at = ts + 300_000;
    portfolio = markToMarket(portfolio, marks, at);
    result.bars++;
    const guard = assessGuards(portfolio, config);
    if (guard && !result.guard) {
      result.guard = { at, breach: guard };
      tradingState = guard.target;
    }
    // A HALTED account keeps being marked (so the test can see it stays halted) but decides nothing.
    if (tradingState === 'HALTED') continue;
    for (const d of defs) {
      for (const symbol of d.symbols) {
        if (idx[symbol] + 1 < d.lookback || !marks[symbol]) continue;
        const window = data[symbol].slice(idx[symbol] - d.lookback + 1, idx[symbol] + 1);
        const signals = d.def.signals({
          symbol,
          bars: window,
          params: d.params,
          position: portfolio.positions[symbol].quantity,
          equity: portfolio.equity,
          mark: marks[symbol],
        });
        for (const sig of signals) {
          result.intents++;
          const candles = Object.fromEntries(
            PAIRS.filter((s) => idx[s] >= 0).map((s) => [s, data[s].slice(Math.max(0, idx[s] - keep + 1), idx[s] + 1)]),
          );
          const facts = runRiskFacts({ now: at, portfolio, strategyId: d.name, candles });
          const v = decideIntent(OrderIntent.parse({ ...sig, strategyId: d.name }), {
            engine: 'advanced',
            portfolio,
            tradingState,
            config,
            instruments,
            facts,
          });
          const key = `${v.decision}:${v.code}`;
          result.verdicts[key] = (result.verdicts[key] ?? 0) + 1;
          result.examples[key] ??= v;
          if (v.code === 'CORRELATION_LIMIT') result.correlation.push(v);
          if (v.decision === 'DENIED') continue;
          const qty = str(Number(v.quantity).toFixed(6));
          if (Number(qty) <= 0) continue;
          portfolio = applyFill(portfolio, {
            fillId: `f${result.fills}`,
            clientOrderId: 'sim' as never,
            symbol,
            side: sig.side,
            quantity: qty,
            price: marks[symbol],
            fee: mul(mul(qty, marks[symbol]), '0.001'),
            feeCurrency: 'BTC',
            liquidity: 'taker',
            ts: at,
          });
          result.fills++;
          if (result.guard) result.fillsAfterGuard++;
        }
      }
    }
  }
  result.portfolio = portfolio;
  return result;
}
