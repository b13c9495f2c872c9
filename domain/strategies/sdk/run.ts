/**
 * Running a strategy for one tick: build each symbol's context, call onBar, validate what it returned and turn
 * it into order intents. Pure (the worker's strategy step calls it). Anything wrong — onBar throws, returns
 * something that is not a list of orders, asks for an unknown symbol, outgrows its state — is a
 * TempotradeError STRATEGY_FAILED naming the strategy, the symbol, the bar and the field; no intent is returned.
 */
import { z } from 'zod';
import { Dec, NonNegativeAmount, PositiveAmount, str } from '../../money';
import { formatZodIssues, TempotradeError } from '../../errors';
import { inferBarMs, type Candle } from '../../market/candles';
import { AlgoSpec } from '../../execution/algo-spec';
import { IntentType, OrderIntent, TimeInForce, TrailBps } from '../../orders/order';
import type { Signal, StrategyInput } from '../strategy';
import type { DefinedStrategy } from './define';
import { indicators } from './indicators';
import { parseTimeframe, resample } from './resample';
import type {
  Bar,
  CancelRequest,
  JsonObject,
  OpenOrderView,
  OrderRequest,
  StrategyCancel,
  StrategyContext,
  StrategyOrder,
} from './types';

/** ctx.state past this many bytes of JSON fails the strategy: state is for counters and flags, not history. */
export const STATE_MAX_BYTES = 16_384;

export interface StrategyStepInput {
  strategyId: string;
  /** Closed bars per symbol, oldest first; onBar is called for each symbol that has a mark. */
  windows: Record<string, readonly Candle[]>;
  positions: Record<string, string>;
  marks: Record<string, string>;
  equity: string;
  /** Parsed params. */
  params: unknown;
  state?: JsonObject;
  openOrders?: readonly OpenOrderView[];
  /** The run's bar length (inferred from the bars when absent). */
  barMs?: number;
}

export interface ResolvedCancel {
  symbol: string;
  /** Absent: every open order of the symbol. */
  clientOrderId?: string;
  reason: string;
}

export interface StrategyStepResult {
  intents: OrderIntent[];
  cancels: ResolvedCancel[];
  state: JsonObject;
}

const Level = z.union([PositiveAmount, z.object({ pct: z.number().positive().max(1_000) }).strict()]);
const AlgoRequestSchema = z.union([
  z.object({ twap: z.object({ slices: z.unknown(), duration: z.unknown() }).strict() }).strict(),
  z.object({ iceberg: z.record(z.string(), z.unknown()) }).strict(),
  AlgoSpec,
]);

const OrderOut = z
  .object({
    kind: z.literal('order'),
    side: z.enum(['buy', 'sell']),
    symbol: z.string().min(1).optional(),
    quantity: NonNegativeAmount.optional(),
    pctOfEquity: z.number().positive().max(100).optional(),
    riskPct: z.number().positive().max(100).optional(),
    type: IntentType.optional(),
    limitPrice: PositiveAmount.optional(),
    stopPrice: PositiveAmount.optional(),
    trailBps: TrailBps.optional(),
    tif: TimeInForce.optional(),
    postOnly: z.boolean().optional(),
    reduceOnly: z.boolean().optional(),
    stopLoss: Level.optional(),
    takeProfit: Level.optional(),
    trailingStop: z.object({ trailBps: TrailBps }).strict().optional(),
    algo: AlgoRequestSchema.optional(),
    reason: z.string().max(500),
  })
  .strict();
const CancelOut = z
  .object({
    kind: z.literal('cancel'),
    symbol: z.string().min(1).optional(),
    clientOrderId: z.string().min(1).optional(),
    reason: z.string().max(500),
  })
  .strict();
const Output = z.discriminatedUnion('kind', [OrderOut, CancelOut]);
type OrderOut = z.infer<typeof OrderOut>;

class StrategyError extends Error {}

/** A fault an onBar wrapper already worded (the sandbox's "sandbox deadline: …"): its message is the reason. */
export class WordedFault extends Error {}

function barLabel(bar: Bar | undefined): string {
  return bar ? `bar ${new Date(bar.ts).toISOString()}` : 'no bar';
}

function algoOf(a: NonNullable<OrderOut['algo']>): AlgoSpec {
  const spec = 'kind' in a ? a : 'twap' in a ? { kind: 'twap', ...a.twap } : { kind: 'iceberg', ...a.iceberg };
  const r = AlgoSpec.safeParse(spec);
  if (!r.success) throw new StrategyError(formatZodIssues(r.error, 'algo'));
  return r.data;
}

function levelPrice(level: z.infer<typeof Level>, ref: Dec, up: boolean): Dec {
  if (typeof level === 'string') return new Dec(level);
  const k = new Dec(level.pct).div(100);
  return ref.times(up ? new Dec(1).plus(k) : new Dec(1).minus(k));
}

interface Env {
  universe: readonly string[];
  marks: Record<string, string>;
  equity: string;
}

/** One validated order → its intents (an entry and, for a bracket, the reduce-only legs after it). */
function intentsOf(o: OrderOut, defaultSymbol: string, env: Env): Signal[] {
  const symbol = o.symbol ?? defaultSymbol;
  if (!env.universe.includes(symbol)) {
    throw new StrategyError(`symbol: unknown symbol "${symbol}" (the run trades ${env.universe.join(', ')})`);
  }
  const mark = env.marks[symbol];
  if (!mark) throw new StrategyError(`symbol: no mark for ${symbol} this tick`);
  const type = o.type ?? 'market';
  const ref = new Dec(o.limitPrice ?? (type === 'market' || type === 'limit' ? mark : (o.stopPrice ?? mark)));
  const bracket = o.stopLoss !== undefined || o.takeProfit !== undefined || o.trailingStop !== undefined;
  if (bracket && o.side !== 'buy')
    throw new StrategyError('stopLoss: a bracket protects a buy (a spot venue has no shorts)');
  const stop = o.stopLoss !== undefined ? levelPrice(o.stopLoss, ref, false) : undefined;
  const target = o.takeProfit !== undefined ? levelPrice(o.takeProfit, ref, true) : undefined;
  if (stop && !stop.lt(ref))
    throw new StrategyError(`stopLoss: ${str(stop)} must be below the entry price ${str(ref)}`);
  if (target && !target.gt(ref))
    throw new StrategyError(`takeProfit: ${str(target)} must be above the entry price ${str(ref)}`);

  const sizes = [o.quantity, o.pctOfEquity, o.riskPct].filter((v) => v !== undefined).length;
  if (sizes !== 1) throw new StrategyError('quantity: give exactly one of quantity, pctOfEquity or riskPct');
  let quantity: string;
  if (o.quantity !== undefined) quantity = o.quantity;
  else if (o.pctOfEquity !== undefined) quantity = str(new Dec(env.equity).times(o.pctOfEquity).div(100).div(mark));
  else {
    if (!stop) throw new StrategyError('riskPct: fixed-fractional sizing needs a stopLoss');
    quantity = str(new Dec(env.equity).times(o.riskPct!).div(100).div(ref.minus(stop).abs()));
  }
  if (new Dec(quantity).lte(0)) return [];

  const entry: Signal = {
    symbol,
    side: o.side,
    type,
    quantity,
    ...(o.limitPrice ? { limitPrice: o.limitPrice } : {}),
    ...(o.stopPrice ? { stopPrice: o.stopPrice } : {}),
    ...(o.trailBps !== undefined ? { trailBps: o.trailBps } : {}),
    ...(o.tif ? { tif: o.tif } : {}),
    postOnly: o.postOnly ?? false,
    reduceOnly: o.reduceOnly ?? o.side === 'sell',
    ...(o.algo ? { algo: algoOf(o.algo) } : {}),
    ...(stop ? { protectiveStop: str(stop) } : {}),
    reason: o.reason,
  };
  const leg = (type: Signal['type'], fields: Partial<Signal>, what: NonNullable<Signal['bracketLeg']>): Signal => ({
    symbol,
    side: 'sell',
    type,
    quantity,
    postOnly: false,
    reduceOnly: true,
    ...fields,
    bracketLeg: what,
    reason: `${o.reason} (${what === 'trailing-stop' ? 'trailing stop' : what})`,
  });
  return [
    entry,
    ...(stop ? [leg('stop_market', { stopPrice: str(stop) }, 'stop-loss')] : []),
    ...(target ? [leg('take_profit', { stopPrice: str(target) }, 'take-profit')] : []),
    ...(o.trailingStop ? [leg('trailing_stop', { trailBps: o.trailingStop.trailBps }, 'trailing-stop')] : []),
  ];
}

function toBars(candles: readonly Candle[]): Bar[] {
  return candles.map((c) => ({ ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }));
}

function stateBytes(state: unknown): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(state);
  } catch (e) {
    throw new StrategyError(`state: not JSON (${(e as Error).message})`);
  }
  if (text === undefined || typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new StrategyError('state: ctx.state must stay a JSON object');
  }
  return new TextEncoder().encode(text).length;
}

/** Run onBar once per symbol; throws TempotradeError STRATEGY_FAILED on any fault of the strategy. */
export function runStrategyStep(def: DefinedStrategy<never>, input: StrategyStepInput): StrategyStepResult {
  const universe = Object.keys(input.windows);
  const bars: Record<string, Bar[]> = {};
  for (const s of universe) bars[s] = toBars(input.windows[s]);
  let state: JsonObject = JSON.parse(JSON.stringify(input.state ?? {}));
  const env: Env = { universe, marks: input.marks, equity: input.equity };
  const intents: OrderIntent[] = [];
  const cancels: ResolvedCancel[] = [];
  const resampled = new Map<string, readonly Bar[]>();
  const barMsOf = (symbol: string): number => {
    if (input.barMs) return input.barMs;
    const c = input.windows[symbol];
    if (c.length < 2) throw new StrategyError(`barsOf: need 2 bars of ${symbol} to know the timeframe`);
    return inferBarMs(c);
  };
  for (const symbol of universe) {
    const mark = input.marks[symbol];
    if (!mark) continue;
    const own = bars[symbol];
    const last = own[own.length - 1];
    const where = `strategy ${def.name}@${def.version} on ${symbol} ${barLabel(last)}`;
    const ctx: StrategyContext<never> = {
      symbol,
      bars: own,
      params: input.params as never,
      position: input.positions[symbol] ?? '0',
      equity: input.equity,
      mark,
      universe,
      positions: Object.fromEntries(universe.map((s) => [s, input.positions[s] ?? '0'])),
      marks: input.marks,
      time: last?.ts ?? 0,
      state,
      openOrders: input.openOrders ?? [],
      indicators,
      barsOf(other: string, timeframe?: string): readonly Bar[] {
        if (!bars[other])
          throw new StrategyError(`barsOf: unknown symbol "${other}" (the run trades ${universe.join(', ')})`);
        if (timeframe === undefined) return bars[other];
        const key = `${other}|${timeframe}`;
        let r = resampled.get(key);
        if (!r) {
          try {
            r = resample(bars[other], barMsOf(other), parseTimeframe(timeframe));
          } catch (e) {
            throw new StrategyError(`barsOf: ${(e as Error).message}`);
          }
          resampled.set(key, r);
        }
        return r;
      },
      buy: (o: OrderRequest): StrategyOrder => ({ ...o, kind: 'order', side: 'buy' }),
      sell: (o: OrderRequest): StrategyOrder => ({ ...o, kind: 'order', side: 'sell' }),
      cancel: (c: CancelRequest): StrategyCancel => ({ ...c, kind: 'cancel' }),
    };
    try {
      const out: unknown = def.onBar(ctx);
      if (!Array.isArray(out)) {
        throw new StrategyError(
          `onBar returned ${out === null ? 'null' : typeof out}, not a list of orders (return [] for none)`,
        );
      }
      const produced: OrderIntent[] = [];
      out.forEach((item, i) => {
        const r = Output.safeParse(item);
        if (!r.success) throw new StrategyError(formatZodIssues(r.error, `orders[${i}]`));
        const o = r.data;
        if (o.kind === 'cancel') {
          const target = o.symbol ?? symbol;
          if (!universe.includes(target)) throw new StrategyError(`orders[${i}].symbol: unknown symbol "${target}"`);
          cancels.push({
            symbol: target,
            ...(o.clientOrderId ? { clientOrderId: o.clientOrderId } : {}),
            reason: o.reason,
          });
          return;
        }
        let signals: Signal[];
        try {
          signals = intentsOf(o, symbol, env);
        } catch (e) {
          throw e instanceof StrategyError ? new StrategyError(`orders[${i}].${e.message}`) : e;
        }
        for (const s of signals) {
          const p = OrderIntent.safeParse({ ...s, strategyId: input.strategyId });
          if (!p.success) throw new StrategyError(formatZodIssues(p.error, `orders[${i}]`));
          produced.push(p.data);
        }
      });
      const size = stateBytes(ctx.state);
      if (size > STATE_MAX_BYTES) {
        throw new StrategyError(
          `state: ctx.state is ${size} bytes as JSON, above the ${STATE_MAX_BYTES}-byte cap (keep counters and flags, not history)`,
        );
      }
      state = ctx.state;
      intents.push(...produced);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const kind = e instanceof StrategyError ? 'invalid output: ' : e instanceof WordedFault ? '' : 'onBar threw: ';
      throw new TempotradeError('STRATEGY_FAILED', `${where}: ${kind}${message}`, {
        strategy: def.name,
        version: def.version,
        symbol,
        bar: last ?? null,
      });
    }
  }
  return { intents, cancels, state };
}

/** One symbol, no state: the signals a strategy gives for `input` (built-in tests and comparisons). */
export function signalsOf<P>(def: DefinedStrategy<P>, input: StrategyInput<P>): Signal[] {
  const r = runStrategyStep(def as unknown as DefinedStrategy<never>, {
    strategyId: 'signals',
    windows: { [input.symbol]: input.bars },
    positions: { [input.symbol]: input.position },
    marks: { [input.symbol]: input.mark },
    equity: input.equity,
    params: input.params,
  });
  return r.intents.map(({ strategyId: _id, ...s }) => s);
}
