/**
 * S — the strategy step's cost per tick: the worker's `strategy.step` activity function (registry lookup, pin
 * check, params, onBar, output validation), called directly over real bars, for the built-in sma-crossover
 * and for a user module of the same logic loaded by the loader from a folder outside the repo. The two must
 * decide the same orders; the figure is µs per call and the user ÷ built-in ratio.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDecisionActivities, type StrategyStepActivityInput } from '../activities/decisions';
import type { Candle } from '../domain/market/candles';
import { Dec, str } from '../domain/money';
import { loadStrategies } from '../domain/strategies/loader';
import { round, summarize, type Summary } from './stats';

/** The built-in's crossing logic, which the user module imports (by path: it sits outside the repo). */
const SMA_CROSSOVER_MODULE = path.join(__dirname, '..', 'domain', 'strategies', 'sma-crossover');

/**
 * sma-crossover as a user writes it around the same crossings: its own params, market orders from ctx.buy and
 * ctx.sell, the position compared as a number; the same sizes and reasons.
 */
const USER_SMA = `import { defineStrategy, z } from 'tempotrade/strategy';
import { smaCrossSignal } from ${JSON.stringify(SMA_CROSSOVER_MODULE)};
export default defineStrategy({
  name: 'user-sma-crossover',
  version: '1.0.0',
  description: 'sma-crossover, written as a user strategy',
  params: z.object({ fast: z.number().int().min(1).default(10), slow: z.number().int().min(2).default(30), orderPct: z.number().positive().max(100).default(10) }),
  lookback: (p) => p.slow + 1,
  onBar(ctx) {
    const signal = smaCrossSignal(ctx.bars.map((b) => b.close), ctx.params.fast, ctx.params.slow);
    const flat = Number(ctx.position) === 0;
    const common = { type: 'market', postOnly: false };
    if (signal.buy !== undefined && flat)
      return [ctx.buy({ ...common, pctOfEquity: ctx.params.orderPct, reason: signal.buy })];
    if (signal.sell !== undefined && !flat)
      return [ctx.sell({ ...common, quantity: ctx.position, reason: signal.sell })];
    return [];
  },
});
`;

export interface StepRow {
  strategy: string;
  source: string;
  ticks: number;
  intents: number;
  /** µs per strategy.step call. */
  us: Summary;
}

export interface StepResult {
  symbol: string;
  fast: number;
  slow: number;
  rows: StepRow[];
  /** Median µs of the user module ÷ median µs of the built-in (the mean carries GC pauses). */
  ratio: number;
  sameIntents: boolean;
}

type Step = (
  i: StrategyStepActivityInput,
) => Promise<{ intents: { side: string; quantity: string; reason: string }[] }>;

/**
 * One pass over `bars` in lockstep: at each tick every strategy gets a strategy.step on the same closed window
 * (in turn, so JIT, GC and the machine's load fall on all alike), its position following its own intents.
 */
async function pass(step: Step, strategies: readonly string[], symbol: string, bars: readonly Candle[], slow: number) {
  const lookback = slow + 1;
  const times = strategies.map((): number[] => []);
  const decided = strategies.map((): string[] => []);
  const positions = strategies.map(() => '0');
  for (let i = lookback; i <= bars.length; i++) {
    const window = bars.slice(i - lookback, i);
    const mark = str(window[window.length - 1].close);
    for (const [k, strategy] of strategies.entries()) {
      const t0 = process.hrtime.bigint();
      const out = await step({
        strategyId: strategy,
        strategy,
        params: { fast: 10, slow },
        windows: { [symbol]: window },
        positions: { [symbol]: positions[k] },
        marks: { [symbol]: mark },
        equity: '1',
        barMs: 300_000,
      });
      times[k].push(Number(process.hrtime.bigint() - t0) / 1000);
      for (const o of out.intents) {
        decided[k].push(`${i} ${o.side} ${o.quantity} ${o.reason}`);
        positions[k] = o.side === 'buy' ? o.quantity : str(new Dec(positions[k]).minus(o.quantity));
      }
    }
  }
  return { times, decided };
}

export async function benchStrategyStep(bars: readonly Candle[], symbol: string, quick: boolean): Promise<StepResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempotrade-bench-strategy-'));
  try {
    writeFileSync(path.join(dir, 'user-sma.ts'), USER_SMA);
    const registry = loadStrategies([dir]);
    const step = createDecisionActivities({ strategies: registry })['strategy.step'];
    const [fast, slow] = [10, 30];
    const strategies = ['sma-crossover', 'user-sma-crossover'];
    await pass(step, strategies, symbol, bars.slice(0, 500), slow); // warm-up (JIT)
    const run = await pass(step, strategies, symbol, bars.slice(0, quick ? 3_000 : 20_000), slow);
    const rows = strategies.map((strategy, k) => ({
      strategy,
      source: registry.require(strategy).source,
      ticks: run.times[k].length,
      intents: run.decided[k].length,
      us: summarize(run.times[k]),
    }));
    return {
      symbol,
      fast,
      slow,
      rows,
      ratio: round(rows[1].us.p50 / rows[0].us.p50, 2),
      sameIntents: JSON.stringify(run.decided[0]) === JSON.stringify(run.decided[1]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
