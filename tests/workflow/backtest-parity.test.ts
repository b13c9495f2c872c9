/**
 * Parity: the same strategy, params, risk config, engine, data, capital and tick count through `runBacktest`
 * (in process, no Temporal) and through the strategyRun workflow on the Temporal test server give the same
 * orders (side, type, quantity, price), fills, fees, final cash and positions, to the last unit. On bundled
 * real data: ETH/BTC, and ADA/BTC, whose January 2018 bars have gaps (up to 170 minutes).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { runBacktest } from '../../backtest';
import type { BacktestResult } from '../../backtest/result';
import type { StrategyRunInputRaw } from '../../domain/run/input';
import { loadStrategies } from '../../domain/strategies/loader';
import { parseOhlcvCsv } from '../../domain/market/candles';
import { firstDifference, type Side } from '../helpers/parity';
import { dataFile, result } from '../helpers/runs';
import { strategyFolder, strategyModule } from '../helpers/user-strategies';
import { workflowSuite } from '../helpers/workflow-harness';

/** The close time of bar `i` of a bundled file (a run's tick at that time sees bars 0..i). */
function barTime(symbol: string, i: number): number {
  const file = dataFile(symbol);
  const bars = parseOhlcvCsv(gunzipSync(readFileSync(file)).toString('utf8'), file);
  return bars[i].ts + (bars[1].ts - bars[0].ts);
}

const dir = strategyFolder('tempotrade-parity-', {
  'maker.ts': strategyModule({
    name: 'parity-maker',
    description: 'limit (or post-only) bids under the close, limit asks over it; resting orders fill on later bars',
    params: 'z.object({ postOnly: z.boolean() })',
    countBars: true,
    onBar: `const last = ctx.bars[ctx.bars.length - 1];
if (n % 6 === 1 && Number(ctx.position) === 0)
  return [ctx.buy({ pctOfEquity: 30, type: 'limit', limitPrice: String(last.close * 0.999), postOnly: ctx.params.postOnly, tif: 'GTC', reason: 'maker bid' })];
if (n % 6 === 4 && Number(ctx.position) > 0)
  return [ctx.sell({ quantity: ctx.position, type: 'limit', limitPrice: String(last.close * 1.001), tif: 'GTC', reason: 'limit ask' })];
return [];`,
  }),
  'bracket.ts': strategyModule({
    name: 'parity-bracket',
    description: 'entries with a stop-loss and a take-profit, and a plain stop under a position',
    countBars: true,
    onBar: `if (Number(ctx.position) === 0 && n % 10 === 2)
  return [ctx.buy({ pctOfEquity: 40, stopLoss: { pct: 0.6 }, takeProfit: { pct: 0.8 }, reason: 'bracket' })];
if (Number(ctx.position) > 0 && n % 10 === 7)
  return [ctx.sell({ quantity: ctx.position, type: 'stop_market', stopPrice: String(ctx.bars[ctx.bars.length - 1].close * 0.997), reason: 'stop under' })];
return [];`,
  }),
});
const registry = loadStrategies([dir]);
const suite = workflowSuite('backtest-parity', ['ETH/BTC', 'ADA/BTC'], { strategies: registry });

/** Both sides of one case: the workflow on Temporal, then the backtest on the same input. */
async function bothSides(input: StrategyRunInputRaw): Promise<{ live: Side; backtest: Side; bt: BacktestResult }> {
  const id = await suite.start(input);
  const summary = await result(suite.client, id);
  const account = await suite.account(input.accountId);
  const live: Side = {
    orders: account.orders,
    fills: account.fills,
    cash: summary.cash,
    positions: summary.positions,
  };
  const bt = await runBacktest(
    {
      strategy: input.strategy.name,
      params: input.strategy.params ?? {},
      symbols: input.symbols,
      data: (input.venue as { data: Record<string, string> }).data,
      ...(input.engine ? { engine: input.engine } : {}),
      risk: (input.risk ?? {}) as Record<string, unknown>,
      capital: String(input.capital),
      maxTicks: input.stop?.maxTicks,
      ...(input.startTime ? { from: input.startTime } : {}),
      ...(input.execution?.stops ? { stops: input.execution.stops } : {}),
      id,
    },
    registry,
  );
  return { live, backtest: { orders: bt.orders, fills: bt.fills, cash: bt.cash, positions: bt.positions }, bt };
}

function expectParity(live: Side, backtest: Side, at_least: { orders: number; fills: number }): void {
  const diff = firstDifference(live, backtest);
  if (diff) throw new Error(`backtest and Temporal run differ: ${diff}`);
  expect(live.orders.length).toBeGreaterThanOrEqual(at_least.orders);
  expect(live.fills.length).toBeGreaterThanOrEqual(at_least.fills);
}

describe('GIVEN one strategy, its params, risk, engine, data, capital and tick count', () => {
  it.each([
    ['live', 'ETH/BTC', {}],
    ['advanced', 'ETH/BTC', { enableDynamicPositionSizing: true, sizing: { method: 'atr-target', riskPct: 1 } }],
    ['live', 'ADA/BTC (gaps of 10 to 170 min)', {}],
  ] as const)(
    'WHEN sma-crossover runs on the %s engine on %s through backtest and through Temporal THEN orders, fills, cash and positions are identical',
    async (engine, market, risk) => {
      const symbol = market.split(' ')[0];
      const input = suite.input(`sma-${engine}-${symbol.replace('/', '')}`, {
        symbols: [symbol],
        engine,
        risk,
        // ADA/BTC: from shortly before its gaps (bars 1504 to 1519 of the file) to well after them.
        ...(symbol === 'ADA/BTC' ? { startTime: barTime(symbol, 1_440) } : {}),
        ticks: 300,
        strategy: { name: 'sma-crossover', params: { fast: 5, slow: 20, orderPct: 25 } },
      });
      const { live, backtest } = await bothSides(input);
      expectParity(live, backtest, { orders: 8, fills: 8 });
    },
    120_000,
  );

  it.each(['live', 'advanced'] as const)(
    'WHEN a limit-order strategy runs on the %s engine (post-only there) THEN resting orders fill on the same later bars on both sides',
    async (engine) => {
      const postOnly = engine === 'advanced';
      const input = suite.input(`maker-${engine}`, {
        symbols: ['ETH/BTC'],
        engine,
        ticks: 300,
        strategy: { name: 'parity-maker', params: { postOnly } },
      });
      const { live, backtest, bt } = await bothSides(input);
      expectParity(live, backtest, { orders: 20, fills: 5 });
      expect(live.orders.some((o) => o.postOnly === postOnly && o.type === 'limit')).toBe(true);
      expect(bt.orders.some((o) => o.status === 'CANCELED')).toBe(true);
    },
    120_000,
  );

  it.each(['auto', 'synthetic'] as const)(
    'WHEN a strategy with brackets and a stop runs on the advanced engine (stops %s) THEN the legs and the stop fire on the same bars on both sides',
    async (stops) => {
      const input = suite.input(`bracket-${stops}`, {
        symbols: ['ETH/BTC'],
        engine: 'advanced',
        ticks: 300,
        execution: { stops },
        strategy: { name: 'parity-bracket', params: {} },
      });
      const { live, backtest } = await bothSides(input);
      expectParity(live, backtest, { orders: 6, fills: 6 });
    },
    120_000,
  );
});
