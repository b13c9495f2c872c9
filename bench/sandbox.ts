/**
 * X — what the QuickJS sandbox costs: one SMA-crossover logic written twice, as a native module (defineStrategy)
 * and as an untrusted module (plain params, in its sandbox), run bar by bar through runStrategyStep over
 * ETH/BTC (µs per onBar call, p50/p99), then as one tick of 100 symbols (ms per tick: the projected cost of a
 * 1 s tick at 100 symbols). Both must decide the same orders. `npx tsx bench/sandbox.ts [--quick]` alone, or
 * `npx tsx bench/run.ts --only sandbox`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Candle } from '../domain/market/candles';
import { str } from '../domain/money';
import { sandboxLimitsFrom } from '../domain/strategies/sandbox/runtime';
import { loadUntrustedStrategies } from '../domain/strategies/sandbox/untrusted';
import { defineStrategy, z } from '../domain/strategies/sdk';
import type { DefinedStrategy } from '../domain/strategies/sdk/define';
import { runStrategyStep, type StrategyStepInput } from '../domain/strategies/sdk/run';
import type { StrategyContext } from '../domain/strategies/sdk/types';
import { BUNDLED_PAIRS } from '../simulators/paper-venue/bundled-data';
import { loadBars } from './core';
import { round, summarize, type Summary } from './stats';

const FAST = 10;
const SLOW = 30;

/** The logic both modules run (the sandbox gets its text, the native module the same function). */
const BODY = `const c = ctx.bars.map((b) => b.close);
const f = ctx.indicators.sma(c, ${FAST}), s = ctx.indicators.sma(c, ${SLOW});
const pf = ctx.indicators.sma(c.slice(0, -1), ${FAST}), ps = ctx.indicators.sma(c.slice(0, -1), ${SLOW});
if (f === null || s === null || pf === null || ps === null) return [];
const flat = Number(ctx.position) === 0;
if (flat && pf <= ps && f > s) return [ctx.buy({ pctOfEquity: 10, reason: 'fast above slow' })];
if (!flat && pf >= ps && f < s) return [ctx.sell({ quantity: ctx.position, reason: 'fast below slow' })];
return [];`;

const SANDBOXED = `export default {
  name: 'sandboxed-sma',
  version: '1.0.0',
  description: 'SMA crossover, sandboxed',
  lookback: ${SLOW + 1},
  onBar(ctx) {
${BODY}
  },
};
`;

// The same text the sandbox runs, compiled natively (the bench's own constant, not user input).
const nativeOnBar = new Function('ctx', BODY) as (ctx: StrategyContext<Record<string, unknown>>) => never;
const NATIVE = defineStrategy({
  name: 'native-sma',
  version: '1.0.0',
  description: 'SMA crossover, native',
  params: z.object({}),
  lookback: () => SLOW + 1,
  onBar: nativeOnBar,
}) as unknown as DefinedStrategy<never>;

export interface SandboxBenchResult {
  symbol: string;
  deadlineMs: number;
  memoryMb: number;
  /** µs per onBar call (one symbol, through runStrategyStep). */
  perCall: { native: Summary; sandboxed: Summary; ratio: number };
  /** ms per tick of `symbols` symbols. */
  tick: { symbols: number; native: Summary; sandboxed: Summary; shareOf1sTick: number };
  sameIntents: boolean;
}

function perCall(def: DefinedStrategy<never>, bars: readonly Candle[], symbol: string) {
  const times: number[] = [];
  const decided: string[] = [];
  let position = '0';
  for (let i = SLOW + 1; i <= bars.length; i++) {
    const window = bars.slice(i - SLOW - 1, i);
    const t0 = process.hrtime.bigint();
    const r = runStrategyStep(def, {
      strategyId: 'bench',
      windows: { [symbol]: window },
      positions: { [symbol]: position },
      marks: { [symbol]: str(window[window.length - 1].close) },
      equity: '1',
      params: {},
      barMs: 300_000,
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
    for (const o of r.intents) {
      decided.push(`${i} ${o.side} ${o.quantity} ${o.reason}`);
      position = o.side === 'buy' ? o.quantity : '0';
    }
  }
  return { times, decided };
}

/** `n` symbols (the bundled pairs, cycled under new names), each its window ending at bar `end`. */
function tickInput(data: readonly Candle[][], n: number, end: number): StrategyStepInput {
  const windows: Record<string, Candle[]> = {};
  const marks: Record<string, string> = {};
  const positions: Record<string, string> = {};
  for (let k = 0; k < n; k++) {
    const bars = data[k % data.length];
    const w = bars.slice(end - SLOW - 1, end);
    const sym = `S${String(k).padStart(3, '0')}/BTC`;
    windows[sym] = w;
    marks[sym] = str(w[w.length - 1].close);
    positions[sym] = k % 2 ? '0.5' : '0';
  }
  return { strategyId: 'bench', windows, positions, marks, equity: '1', params: {}, barMs: 300_000 };
}

function ticks(def: DefinedStrategy<never>, data: readonly Candle[][], n: number, count: number) {
  const times: number[] = [];
  const decided: string[] = [];
  for (let t = 0; t < count; t++) {
    const input = tickInput(data, n, SLOW + 1 + t);
    const t0 = process.hrtime.bigint();
    const r = runStrategyStep(def, input);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    decided.push(JSON.stringify(r.intents));
  }
  return { times, decided };
}

export async function benchSandbox(quick: boolean): Promise<SandboxBenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempotrade-bench-sandbox-'));
  try {
    writeFileSync(path.join(dir, 'sma.js'), SANDBOXED);
    const [entry] = await loadUntrustedStrategies([dir]);
    const sandboxed = entry.definition;
    const symbol = 'ETH/BTC';
    const bars = loadBars(symbol).slice(0, quick ? 1_500 : 5_000);
    // Warm-up: JIT for the native side, V8's lazy WASM tiers for the sandbox.
    perCall(NATIVE, bars.slice(0, 400), symbol);
    perCall(sandboxed, bars.slice(0, 400), symbol);
    const n = perCall(NATIVE, bars, symbol);
    const s = perCall(sandboxed, bars, symbol);
    const data = BUNDLED_PAIRS.map((p) => loadBars(p));
    const count = quick ? 30 : 200;
    ticks(NATIVE, data, 100, 5);
    ticks(sandboxed, data, 100, 5);
    const tn = ticks(NATIVE, data, 100, count);
    const ts = ticks(sandboxed, data, 100, count);
    const native = summarize(n.times);
    const sand = summarize(s.times);
    const tickSandboxed = summarize(ts.times);
    const { deadlineMs, memoryMb } = sandboxLimitsFrom();
    return {
      symbol,
      deadlineMs,
      memoryMb,
      perCall: { native, sandboxed: sand, ratio: round(sand.p50 / native.p50, 1) },
      tick: {
        symbols: 100,
        native: summarize(tn.times),
        sandboxed: tickSandboxed,
        shareOf1sTick: round(tickSandboxed.p50 / 1000, 4),
      },
      sameIntents:
        JSON.stringify(n.decided) === JSON.stringify(s.decided) &&
        JSON.stringify(tn.decided) === JSON.stringify(ts.decided) &&
        n.decided.length > 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchSandbox(process.argv.includes('--quick')).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
