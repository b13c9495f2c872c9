/**
 * `tempotrade backtest`: a run in process (engine.ts) over CSV data, and its result (result.ts). The input is
 * a run input like `run start` builds (validated by the same schema), on the in-process paper venue.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TempotradeError } from '../domain/errors';
import { add, mul } from '../domain/money';
import type { RiskConfig } from '../domain/risk/config';
import { StrategyRunInput, type StrategyRunInputRaw } from '../domain/run/input';
import type { RunState } from '../domain/run/state';
import type { StrategyRegistry } from '../domain/strategies/registry';
import { IN_PROCESS_URL } from '../simulators/paper-venue/in-process';
import { pinRunStrategy, validateRunInput } from '../temporal/runs-client';
import { BacktestRun, type TickObserver } from './engine';
import type { BacktestResult, ResultFill, ResultOrder } from './result';
import { roundTrips, summarizeResult, type EquityPoint } from './summary';

export const BacktestOptions = z
  .object({
    strategy: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    symbols: z.array(z.string()).min(1, 'give at least one symbol'),
    /** symbol → CSV path (.csv or .csv.gz). */
    data: z.record(z.string(), z.string().min(1)),
    engine: z.enum(['live', 'advanced']).optional(),
    risk: z.record(z.string(), z.unknown()).default({}),
    capital: z.string().default('1'),
    /** Market time of the first tick (default: the data's start + the strategy's warm-up). */
    from: z.number().int().positive().optional(),
    /** The run ends at this market time. */
    to: z.number().int().positive().optional(),
    maxTicks: z.number().int().positive().optional(),
    /** Orders still open after this many ticks are canceled (as `run start`: 3). */
    cancelAfterTicks: z.number().int().min(0).optional(),
    /** Advanced engine: stop orders to the venue where it has native stops (auto), or kept in the run. */
    stops: z.enum(['auto', 'synthetic']).optional(),
    /** The workflow id the parity tests give both sides (it seeds the clientOrderIds). */
    id: z.string().min(1).optional(),
  })
  .strict();
export type BacktestOptions = z.input<typeof BacktestOptions>;

/** The run input a backtest runs: what `run start --mode paper` would start on the same flags. */
export function backtestRunInput(raw: BacktestOptions, registry: StrategyRegistry): StrategyRunInput {
  const o = BacktestOptions.parse(raw);
  for (const s of o.symbols) {
    if (!o.data[s])
      throw new TempotradeError('VALIDATION', `--data: no data for --symbol ${s} (give --data ${s}=PATH)`);
  }
  for (const [s, file] of Object.entries(o.data)) {
    if (!o.symbols.includes(s)) throw new TempotradeError('VALIDATION', `--data ${s}: not one of the --symbol values`);
    if (!existsSync(file)) throw new TempotradeError('VALIDATION', `--data ${s}: no such file ${file}`);
  }
  const input: StrategyRunInputRaw = {
    runId: o.id ?? `backtest-${o.strategy}-${Date.now().toString(36)}`,
    accountId: 'backtest',
    strategy: { name: o.strategy, params: o.params },
    symbols: o.symbols,
    venue: {
      kind: 'paper',
      url: IN_PROCESS_URL,
      data: Object.fromEntries(Object.entries(o.data).map(([s, f]) => [s, path.resolve(f)])),
    },
    mode: 'paper',
    ...(o.engine ? { engine: o.engine } : {}),
    risk: o.risk as z.input<typeof StrategyRunInput>['risk'],
    capital: o.capital,
    stop: {
      endOfData: true,
      ...(o.maxTicks ? { maxTicks: o.maxTicks } : {}),
      ...(o.to ? { endTime: o.to } : {}),
    },
    ...(o.from ? { startTime: o.from } : {}),
    ...(o.cancelAfterTicks !== undefined ? { cancelAfterTicks: o.cancelAfterTicks } : {}),
    ...(o.stops ? { execution: { stops: o.stops } } : {}),
  };
  return pinRunStrategy(validateRunInput(input, registry), registry);
}

/** Run a backtest to its end; `onTick` sees the run after each tick (progress). */
export async function runBacktest(
  raw: BacktestOptions,
  registry: StrategyRegistry,
  onTick?: TickObserver,
): Promise<BacktestResult> {
  const input = backtestRunInput(raw, registry);
  const lookback = input.strategy.lookback;
  if (lookback === undefined) throw new TempotradeError('VALIDATION', `strategy ${input.strategy.name}: no lookback`);
  const run = new BacktestRun(input, lookback, registry);
  const curve: EquityPoint[] = [];
  const marks: Array<Record<string, string>> = [];
  let state: RunState;
  try {
    state = await run.run((st) => {
      const exposed = Object.values(st.portfolio.positions).some((p) => Number(p.quantity) !== 0);
      curve.push({ ts: st.marketTime, equity: Number(st.portfolio.equity), exposed });
      marks.push(st.portfolio.marks);
      onTick?.(st);
    });
  } catch (e) {
    throw asValidation(e);
  }
  return buildResult(run, state, input, curve, marks);
}

/** A data file the venue cannot load (bad row, unsorted, NaN) is the user's input: exit 2 with its words. */
function asValidation(e: unknown): unknown {
  const err = e as { type?: string; code?: string; message?: string };
  const code = err.type ?? err.code;
  if (code === 'VALIDATION' || code === 'BAD_SYMBOL')
    return new TempotradeError('VALIDATION', err.message ?? String(e));
  return e;
}

function buildResult(
  run: BacktestRun,
  st: RunState,
  input: StrategyRunInput,
  curve: EquityPoint[],
  marks: Array<Record<string, string>>,
): BacktestResult {
  const engine = run.venue.engine;
  const venueOrders = engine.orders(input.accountId);
  const orders: ResultOrder[] = venueOrders.map((o) => ({
    id: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    quantity: o.quantity,
    ...(o.price ? { price: o.price } : {}),
    ...(o.stopPrice ? { stopPrice: o.stopPrice } : {}),
    tif: o.tif,
    postOnly: o.postOnly,
    reduceOnly: o.reduceOnly,
    status: o.status,
    filledQuantity: o.filledQuantity,
    ...(o.averagePrice ? { averagePrice: o.averagePrice } : {}),
    ts: o.createdAt,
    ...(run.reasons.has(o.clientOrderId) ? { reason: run.reasons.get(o.clientOrderId) } : {}),
    ...(run.shortfall.has(o.clientOrderId) ? { shortfallBps: run.shortfall.get(o.clientOrderId) } : {}),
  }));
  const fills: ResultFill[] = engine.fills(input.accountId).map((f) => ({
    fillId: f.fillId,
    orderId: f.clientOrderId,
    symbol: f.symbol,
    side: f.side,
    quantity: f.quantity,
    price: f.price,
    fee: f.fee,
    feeCurrency: f.feeCurrency,
    liquidity: f.liquidity,
    ts: f.ts,
  }));
  const quote = st.portfolio.quote;
  const fees = fills.reduce((s, f) => add(s, f.feeCurrency === quote ? f.fee : mul(f.fee, f.price)), '0');
  const trades = roundTrips(fills, quote);
  const barMs = st.clock.barMs;
  const strategy = input.strategy;
  const from = curve[0]?.ts ?? st.marketTime;
  return {
    kind: 'backtest',
    id: input.runId,
    strategy: {
      name: strategy.name,
      version: strategy.version ?? 'unknown',
      hash: strategy.hash ?? '',
      params: strategy.params,
    },
    engine: st.engine.engine,
    symbols: input.symbols,
    quote,
    capital: input.capital,
    from,
    to: curve[curve.length - 1]?.ts ?? from,
    ticks: st.tick,
    parameters: parametersOf(input),
    orders,
    fills,
    trades,
    cash: st.portfolio.cash,
    positions: Object.fromEntries(Object.values(st.portfolio.positions).map((p) => [p.symbol, p.quantity])),
    summary: summarizeResult({
      capital: input.capital,
      equity: st.portfolio.equity,
      curve,
      barMs,
      trades,
      orders,
      fees,
    }),
    denials: { ...st.counters.deniedByReason, ...Object.fromEntries(run.rejections) },
    equity: withBuyHold(curve, marks, input),
    prices: pricesOf(run, input, from, curve[curve.length - 1]?.ts ?? from, fills),
  };
}

function parametersOf(input: StrategyRunInput): Record<string, unknown> {
  const files = Object.entries(input.venue.kind === 'paper' ? input.venue.data : {});
  const data = Object.fromEntries(files.map(([s, f]) => [s, path.basename(f)]));
  const risk: RiskConfig = input.risk;
  return {
    capital: input.capital,
    engine: input.engine ?? 'by risk config',
    data,
    dataHash: createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16),
    cancelAfterTicks: input.cancelAfterTicks,
    stop: input.stop,
    ...(input.startTime ? { startTime: input.startTime } : {}),
    risk,
  };
}

/** Buy-and-hold: the capital split equally over the symbols at the first tick's marks, held to the end. */
function withBuyHold(curve: EquityPoint[], marks: Array<Record<string, string>>, input: StrategyRunInput) {
  const capital = Number(input.capital);
  const first = marks[0] ?? {};
  const share = capital / input.symbols.length;
  return curve.map((p, i) => ({
    ts: p.ts,
    equity: p.equity,
    buyHold: input.symbols.reduce((s, sym) => s + (share / Number(first[sym])) * Number(marks[i][sym]), 0),
  }));
}

/** Bars the price charts draw: every bar when few, else a sample that keeps each bar a fill happened in. */
function pricesOf(run: BacktestRun, input: StrategyRunInput, from: number, to: number, fills: ResultFill[]) {
  const MAX = 5_000;
  const out: BacktestResult['prices'] = {};
  for (const s of input.symbols) {
    const m = run.venue.engine.marketData(s);
    const idx: number[] = [];
    for (let i = 0; i < m.candles.length; i++)
      if (m.closeTimes[i] <= to && m.closeTimes[i] >= from - m.barMs) idx.push(i);
    const step = Math.max(1, Math.ceil(idx.length / MAX));
    const keep = new Set(idx.filter((_, k) => k % step === 0));
    for (const f of fills) {
      if (f.symbol !== s) continue;
      const i = idx.find((j) => m.candles[j].ts <= f.ts && f.ts < m.closeTimes[j] + 1) ?? idx[idx.length - 1];
      if (i !== undefined) keep.add(i);
    }
    out[s] = [...keep]
      .sort((a, b) => a - b)
      .map((i) => {
        const c = m.candles[i];
        return { ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close };
      });
  }
  return out;
}
