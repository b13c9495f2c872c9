/**
 * The built-ins on the SDK give the same intents as the hand-rolled implementations they replaced, bar for bar, on
 * the bundled market data. tests/fixtures/builtin-intents.json.gz was recorded once by running this walk with those
 * originals (git show b90cd11:tests/unit/legacy-strategies) in place of `def.signals`.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { Candle } from '../../domain/market/candles';
import { OrderIntent } from '../../domain/orders/order';
import { orderCycle, rsiMeanReversion, smaCrossover } from '../../domain/strategies';
import type { StrategyDefinition } from '../../domain/strategies';
import { toCandles } from '../../simulators/paper-venue/market-data';
import { readDatasetText } from '../../simulators/paper-venue/state';

const DATA = path.join(__dirname, '..', '..', 'data', 'market');
const DATASETS = fs.readdirSync(DATA).filter((f) => f.endsWith('.csv.gz'));
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'builtin-intents.json.gz');

type Def = StrategyDefinition<never>;
const BUILT_INS: Record<string, Def> = {
  'sma-crossover': smaCrossover as unknown as Def,
  'rsi-mean-reversion': rsiMeanReversion as unknown as Def,
  'order-cycle': orderCycle as unknown as Def,
};

/** Per dataset: bars walked, the gaps between the bars that gave intents, the first three, a digest of them all. */
const Recorded = z.object({
  bars: z.number().int().positive(),
  gaps: z.array(z.number().int().positive()),
  first: z.array(z.tuple([z.number().int(), z.array(z.unknown())])),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const Fixture = z.array(
  z.object({
    name: z.string(),
    strategy: z.enum(['sma-crossover', 'rsi-mean-reversion', 'order-cycle']),
    params: z.record(z.string(), z.unknown()),
    lookback: z.number().int().positive(),
    datasets: z.record(z.string(), Recorded),
  }),
);
const CASES = Fixture.parse(JSON.parse(gunzipSync(fs.readFileSync(FIXTURE)).toString('utf8')));

type Intents = Array<[end: number, intents: OrderIntent[]]>;

/** Walk the data bar by bar like a run: the position flips when a signal fires, so entries and exits both occur. */
function walk(def: Def, params: unknown, bars: readonly Candle[]): { lookback: number; signals: Intents } {
  const p = def.params.parse(params) as never;
  const lookback = def.lookback(p);
  let position = '0';
  const signals: Intents = [];
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
    const intents = def.signals(input).map((s: object) => OrderIntent.parse({ ...s, strategyId: 's' }));
    if (intents.length > 0) {
      signals.push([end, intents]);
      position = position === '0' ? '0.75' : '0';
    }
  }
  return { lookback, signals };
}

describe('GIVEN the built-in strategies rewritten on the SDK and the intents their hand-rolled originals gave', () => {
  const data = new Map(DATASETS.map((f) => [f, toCandles(readDatasetText(path.join(DATA, f)), f)]));

  it('THEN the recording covers every bundled dataset', () => {
    for (const c of CASES) expect(Object.keys(c.datasets).sort()).toEqual([...DATASETS].sort());
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    'WHEN %s runs over every bundled dataset THEN every bar gives the same intents',
    (_name, c) => {
      let total = 0;
      for (const [file, bars] of data) {
        const recorded = c.datasets[file];
        // The long datasets are sampled to their first 800 bars to bound the test's time; the 1m set is whole.
        const walked = bars.slice(0, file.includes('UNITTEST') ? bars.length : 800);
        expect(walked.length).toBe(recorded.bars);
        const { lookback, signals } = walk(BUILT_INS[c.strategy], c.params, walked);
        expect(lookback).toBe(c.lookback);
        const gaps = signals.map(([end], i) => end - (i === 0 ? 0 : signals[i - 1][0]));
        expect({ file, gaps }).toEqual({ file, gaps: recorded.gaps });
        expect({ file, first: signals.slice(0, recorded.first.length) }).toEqual({ file, first: recorded.first });
        const digest = createHash('sha256').update(JSON.stringify(signals)).digest('hex');
        expect({ file, digest }).toEqual({ file, digest: recorded.sha256 });
        total += signals.length;
      }
      expect(total).toBeGreaterThan(0);
    },
  );
});
