/**
 * The built-ins on the SDK give the same intents as the hand-rolled implementations they replace
 * (tests/unit/legacy-strategies), bar for bar, on the bundled market data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Candle } from '../../domain/market/candles';
import { OrderIntent } from '../../domain/orders/order';
import { orderCycle, rsiMeanReversion, smaCrossover } from '../../domain/strategies';
import type { StrategyDefinition } from '../../domain/strategies';
import { toCandles } from '../../simulators/paper-venue/market-data';
import { readDatasetText } from '../../simulators/paper-venue/state';
import { smaCrossover as legacySma } from './legacy-strategies/sma-crossover';
import { rsiMeanReversion as legacyRsi } from './legacy-strategies/rsi-mean-reversion';
import { orderCycle as legacyCycle } from './legacy-strategies/order-cycle';

const DATA = path.join(__dirname, '..', '..', 'data', 'market');
const DATASETS = fs.readdirSync(DATA).filter((f) => f.endsWith('.csv.gz'));

type Def = StrategyDefinition<never>;

/** Walk the data bar by bar like a run: the position flips when a signal fires, so entries and exits both occur. */
function walk(def: Def, legacy: Def, params: unknown, bars: readonly Candle[]): { compared: number; signals: number } {
  const p = def.params.parse(params) as never;
  const lookback = def.lookback(p);
  expect(legacy.lookback(legacy.params.parse(params) as never)).toBe(lookback);
  let position = '0';
  let signals = 0;
  let compared = 0;
  for (let end = 2; end <= bars.length; end += 1) {
    const window = bars.slice(Math.max(0, end - lookback), end);
    const input = {
      symbol: 'ETH/BTC',
      bars: window,
      params: p,
      position,
      equity: '1.5',
      mark: String(window[window.length - 1].close),
    };
    const parse = (s: object) => OrderIntent.parse({ ...s, strategyId: 's' });
    const now = def.signals(input).map(parse);
    const before = legacy.signals(input).map(parse);
    expect({ end, intents: now }).toEqual({ end, intents: before });
    compared += 1;
    if (now.length > 0) {
      signals += now.length;
      position = position === '0' ? '0.75' : '0';
    }
  }
  return { compared, signals };
}

const CASES: Array<[string, Def, Def, Record<string, unknown>]> = [
  ['sma-crossover defaults', smaCrossover as unknown as Def, legacySma as unknown as Def, {}],
  [
    'sma-crossover 3/8 limit GTC post-only',
    smaCrossover as unknown as Def,
    legacySma as unknown as Def,
    { fast: 3, slow: 8, orderType: 'limit', limitOffsetBps: 7, tif: 'GTC', postOnly: true, orderPct: 33 },
  ],
  ['rsi-mean-reversion defaults', rsiMeanReversion as unknown as Def, legacyRsi as unknown as Def, {}],
  [
    'rsi-mean-reversion 5 40/60 limit',
    rsiMeanReversion as unknown as Def,
    legacyRsi as unknown as Def,
    { period: 5, oversold: 40, overbought: 60, orderType: 'limit' },
  ],
  ['order-cycle market', orderCycle as unknown as Def, legacyCycle as unknown as Def, { everyBars: 2 }],
  [
    'order-cycle limit IOC',
    orderCycle as unknown as Def,
    legacyCycle as unknown as Def,
    { orderType: 'limit', tif: 'IOC', offsetBps: -20 },
  ],
  [
    'order-cycle stop_market',
    orderCycle as unknown as Def,
    legacyCycle as unknown as Def,
    { orderType: 'stop_market' },
  ],
  [
    'order-cycle stop_limit',
    orderCycle as unknown as Def,
    legacyCycle as unknown as Def,
    { orderType: 'stop_limit', offsetBps: 15 },
  ],
  [
    'order-cycle take_profit',
    orderCycle as unknown as Def,
    legacyCycle as unknown as Def,
    { orderType: 'take_profit' },
  ],
  [
    'order-cycle take_profit_limit',
    orderCycle as unknown as Def,
    legacyCycle as unknown as Def,
    { orderType: 'take_profit_limit' },
  ],
  [
    'order-cycle trailing_stop',
    orderCycle as unknown as Def,
    legacyCycle as unknown as Def,
    { orderType: 'trailing_stop', trailBps: 50 },
  ],
  [
    'order-cycle twap',
    orderCycle as unknown as Def,
    legacyCycle as unknown as Def,
    { algo: { kind: 'twap', slices: 4, duration: '2m' } },
  ],
  [
    'order-cycle iceberg',
    orderCycle as unknown as Def,
    legacyCycle as unknown as Def,
    { algo: { kind: 'iceberg', visibleQuantity: '0.1' } },
  ],
];

describe('GIVEN the built-in strategies rewritten on the SDK and their hand-rolled originals', () => {
  const data = new Map(DATASETS.map((f) => [f, toCandles(readDatasetText(path.join(DATA, f)), f)]));
  it.each(CASES)(
    'WHEN %s runs over every bundled dataset THEN every bar gives the same intents',
    (_name, def, legacy, params) => {
      let total = 0;
      for (const [file, bars] of data) {
        // The long datasets are sampled to their first 800 bars to bound the test's time; the 1m set is whole.
        const r = walk(def, legacy, params, file.includes('UNITTEST') ? bars : bars.slice(0, 800));
        total += r.signals;
        expect(r.compared).toBeGreaterThan(0);
      }
      expect(total).toBeGreaterThan(0);
    },
  );
});
