/**
 * The declarative strategy spec (`*.strategy.yaml|yml|json`): a zod schema of strict objects with bounds. The
 * shape only says what may be written; `references` (zod refinement issues, once the shape is clean) resolves
 * every name — indicator ids, `$param` references, timeframes — and reports the exact path of any that does not.
 */
import { z } from 'zod';
import { parseTimeframe } from '../sdk/resample';

/** Conditions nest at most this deep (and/or/not), so a document cannot blow the evaluator's stack. */
export const MAX_CONDITION_DEPTH = 8;
export const PRICE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
export type PriceField = (typeof PRICE_FIELDS)[number];

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const REF = /^\$[A-Za-z_][A-Za-z0-9_]{0,39}$/;

const Ident = z
  .string()
  .regex(IDENT, 'must be a name of letters, digits and _ (at most 40)')
  .refine((k) => !['__proto__', 'constructor', 'prototype'].includes(k), 'is a reserved name');
/** `$name`: the value of a declared param. */
const ParamRef = z.string().regex(REF, 'must be $name, a declared param');
const Timeframe = z.string().regex(/^[1-9]\d{0,3}(m|h|d|w)$/, 'must be like 5m, 15m, 1h, 4h, 1d or 1w');
const Source = z.enum(PRICE_FIELDS);

/** The range of values a number may take (and a `$param` used there must be declared within), and if whole. */
interface Slot {
  min: number;
  max: number;
  integer?: boolean;
}
/**
 * Where numbers go. Levels keep 1 bp from the entry and sizes 0.001 %: a closer or smaller one would round to the
 * entry price or to nothing, and fail the step instead of the file.
 */
const SLOTS = {
  period: { min: 1, max: 1000, integer: true },
  deviations: { min: 0.01, max: 10 },
  pctOfEquity: { min: 0.001, max: 100 },
  riskPct: { min: 0.001, max: 100 },
  limitOffsetBps: { min: 0, max: 5000 },
  stopLossPct: { min: 0.01, max: 99 },
  takeProfitPct: { min: 0.01, max: 1000 },
  trailBps: { min: 1, max: 5000, integer: true },
  pctOfPosition: { min: 0.001, max: 100 },
} satisfies Record<string, Slot>;

/** A number in its slot's range, or a `$param` (whose declared range must fit: see `references`). */
const slot = (s: Slot) => z.union([(s.integer ? z.number().int() : z.number()).min(s.min).max(s.max), ParamRef]);
const Period = slot(SLOTS.period);

/** "Exactly one of these keys", for the JSON Schema (the refine says it to zod). */
const ONE_KEY = { minProperties: 1, maxProperties: 1 };

const series = { source: Source.optional(), timeframe: Timeframe.optional() };
export const INDICATOR_SHAPES = {
  sma: z.strictObject({ period: Period, ...series }),
  ema: z.strictObject({ period: Period, ...series }),
  rsi: z.strictObject({ period: Period, smoothing: z.enum(['wilder', 'simple']).optional(), ...series }),
  atr: z.strictObject({ period: Period, timeframe: Timeframe.optional() }),
  bollinger: z.strictObject({
    period: Period,
    deviations: slot(SLOTS.deviations).optional(),
    band: z.enum(['upper', 'middle', 'lower']),
    ...series,
  }),
  macd: z.strictObject({
    fast: Period.optional(),
    slow: Period.optional(),
    signal: Period.optional(),
    line: z.enum(['macd', 'signal', 'histogram']).optional(),
    ...series,
  }),
  highest: z.strictObject({ period: Period, ...series }),
  lowest: z.strictObject({ period: Period, ...series }),
};
export type IndicatorKind = keyof typeof INDICATOR_SHAPES;
export const INDICATOR_KINDS = Object.keys(INDICATOR_SHAPES) as IndicatorKind[];

/** One indicator: `{ ema: { period: 9 } }` (exactly one kind). */
export const Indicator = z
  .strictObject(
    Object.fromEntries(INDICATOR_KINDS.map((k) => [k, INDICATOR_SHAPES[k].optional()])) as {
      [K in IndicatorKind]: z.ZodOptional<(typeof INDICATOR_SHAPES)[K]>;
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown indicator "${String(iss.keys[0])}" (known: ${INDICATOR_KINDS.join(', ')})`
          : undefined,
    },
  )
  .refine((v) => Object.keys(v).length === 1, `give exactly one indicator (${INDICATOR_KINDS.join(', ')})`)
  .meta(ONE_KEY);
export type Indicator = z.infer<typeof Indicator>;

/** A value: a number, `$param`, a price field of the bar, an indicator id of `indicators`, or an inline indicator. */
export const Operand = z
  .union([z.number(), z.string().min(1).max(41), Indicator])
  .describe('a number, $param, a price (open, high, low, close, volume), an indicator id, or an inline indicator');
export type Operand = z.infer<typeof Operand>;

export type Condition =
  | { cross: { left: Operand; right: Operand; direction: 'above' | 'below' } }
  | { compare: { left: Operand; op: '>' | '<' | '>=' | '<='; right: Operand } }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition }
  | { param: string };
type ConditionIn = { [K in 'cross' | 'compare' | 'and' | 'or' | 'not' | 'param']?: unknown };

const CONDITION_KEYS = ['cross', 'compare', 'and', 'or', 'not', 'param'];
export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z
    .strictObject(
      {
        cross: z.strictObject({ left: Operand, right: Operand, direction: z.enum(['above', 'below']) }).optional(),
        compare: z.strictObject({ left: Operand, op: z.enum(['>', '<', '>=', '<=']), right: Operand }).optional(),
        and: z.array(Condition).min(1).max(16).optional(),
        or: z.array(Condition).min(1).max(16).optional(),
        not: Condition.optional(),
        /** A boolean param: `{ param: $useFilter }`. */
        param: ParamRef.optional(),
      },
      {
        error: (iss) =>
          iss.code === 'unrecognized_keys'
            ? `unknown condition "${String(iss.keys[0])}" (known: ${CONDITION_KEYS.join(', ')})`
            : undefined,
      },
    )
    .refine((v: ConditionIn) => Object.keys(v).length === 1, `give exactly one of ${CONDITION_KEYS.join(', ')}`)
    .meta(ONE_KEY),
) as never;

const Amount = z.union([
  z.number().min(1e-12).max(1e12),
  z
    .string()
    .regex(/^\d{1,15}(\.\d{1,18})?$/, 'must be a decimal like 0.5')
    .refine((v) => /[1-9]/.test(v), 'must be greater than 0'),
]);
export const Size = z
  .strictObject({
    /** Base units. */
    quantity: Amount.optional(),
    /** Notional = equity × pct / 100. */
    pctOfEquity: slot(SLOTS.pctOfEquity).optional(),
    /** Fixed-fractional: lose riskPct % of equity at the stop-loss (needs stopLoss). */
    riskPct: slot(SLOTS.riskPct).optional(),
  })
  .refine((v) => Object.keys(v).length === 1, 'give exactly one of quantity, pctOfEquity, riskPct')
  .meta(ONE_KEY);

export const Entry = z.strictObject({
  when: Condition,
  size: Size,
  order: z
    .strictObject({
      type: z.enum(['market', 'limit']).default('market'),
      /** A limit buy is priced this many bps below the mark. */
      limitOffsetBps: slot(SLOTS.limitOffsetBps).optional(),
      tif: z.enum(['GTC', 'IOC', 'FOK', 'PO']).optional(),
      postOnly: z.boolean().optional(),
    })
    .optional(),
  stopLoss: z.strictObject({ pct: slot(SLOTS.stopLossPct) }).optional(),
  takeProfit: z.strictObject({ pct: slot(SLOTS.takeProfitPct) }).optional(),
  trailingStop: z.strictObject({ trailBps: slot(SLOTS.trailBps) }).optional(),
  /** For the audit trail; defaults to the condition in words. */
  reason: z.string().min(1).max(200).optional(),
});
export type Entry = z.infer<typeof Entry>;

export const Exit = z.strictObject({
  when: Condition,
  /** Share of the position sold (default all of it). */
  pctOfPosition: slot(SLOTS.pctOfPosition).optional(),
  reason: z.string().min(1).max(200).optional(),
});
export type Exit = z.infer<typeof Exit>;

const bounded = <T extends z.ZodNumber>(n: T) => ({ default: n, min: n.optional(), max: n.optional() });
export const Param = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('number'), ...bounded(z.number()), description: z.string().max(200).optional() }),
  z.strictObject({
    type: z.literal('integer'),
    ...bounded(z.number().int()),
    description: z.string().max(200).optional(),
  }),
  z.strictObject({ type: z.literal('boolean'), default: z.boolean(), description: z.string().max(200).optional() }),
]);
export type Param = z.infer<typeof Param>;

const Shape = z.strictObject({
  name: z.string().max(64).regex(NAME, 'must be kebab-case (a-z, 0-9, -), at most 64 characters'),
  version: z.string().regex(SEMVER, 'must be semver (1.0.0)'),
  description: z.string().max(500),
  /** The run's bar this spec is written for: timeframed indicators' lookback is counted in it. */
  timeframe: Timeframe.default('5m').describe("the run's bar this spec is written for"),
  /** The symbols it trades (default: every symbol of the run). */
  symbols: z
    .array(z.string().regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, 'must be like ETH/BTC'))
    .min(1)
    .max(20)
    .optional()
    .describe('the symbols it trades (default: every symbol of the run)'),
  params: z
    .record(Ident, Param)
    .optional()
    .describe('parameters (`--param name=value`), referenced as $name in numbers'),
  indicators: z
    .record(Ident, Indicator)
    .optional()
    .describe('indicators by id, e.g. fast: { ema: { period: 9 } }; conditions name them by id'),
  entries: z.array(Entry).min(1).max(16).describe('when flat, the first entry whose condition holds buys'),
  exits: z.array(Exit).max(16).default([]).describe('when long, the first exit whose condition holds sells'),
});
export type Spec = z.output<typeof Shape>;

type Path = (string | number)[];
type Ctx = z.RefinementCtx;

function checkRef(spec: Spec, ref: string, slot: Slot, path: Path, ctx: Ctx): void {
  const name = ref.slice(1);
  const p = spec.params?.[name];
  const issue = (message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (!p) return issue(`unknown param "${ref}" (declare it under params)`);
  if (p.type === 'boolean') return issue(`param "${ref}" is a boolean, a number is needed here`);
  if (slot.integer && p.type !== 'integer') return issue(`param "${ref}" must be of type integer here`);
  const lo = p.min ?? p.default;
  const hi = p.max ?? p.default;
  if (lo < slot.min || hi > slot.max) {
    issue(
      `param "${ref}" ranges ${lo}..${hi}; here it must be at least ${slot.min} and at most ${slot.max} (set its min and max)`,
    );
  }
}

function checkNumber(spec: Spec, v: unknown, slot: Slot, path: Path, ctx: Ctx): void {
  if (typeof v === 'string') checkRef(spec, v, slot, path, ctx);
}

function checkIndicator(spec: Spec, ind: Indicator, path: Path, ctx: Ctx): void {
  const [kind, args] = Object.entries(ind)[0] as [IndicatorKind, Record<string, unknown>];
  for (const f of ['period', 'fast', 'slow', 'signal'])
    if (f in args) checkNumber(spec, args[f], SLOTS.period, [...path, kind, f], ctx);
  if ('deviations' in args) checkNumber(spec, args.deviations, SLOTS.deviations, [...path, kind, 'deviations'], ctx);
  if (typeof args.timeframe === 'string') {
    const base = parseTimeframe(spec.timeframe);
    const tf = parseTimeframe(args.timeframe);
    if (tf < base || tf % base !== 0)
      ctx.addIssue({
        code: 'custom',
        path: [...path, kind, 'timeframe'],
        message: `${args.timeframe} is not a multiple of the spec's ${spec.timeframe} bars`,
      });
  }
}

function checkOperand(spec: Spec, v: Operand, path: Path, ctx: Ctx): void {
  if (typeof v === 'number') return;
  if (typeof v === 'object') return checkIndicator(spec, v, path, ctx);
  if (v.startsWith('$')) return checkRef(spec, v, { min: -1e15, max: 1e15 }, path, ctx);
  if ((PRICE_FIELDS as readonly string[]).includes(v)) return;
  if (spec.indicators && Object.hasOwn(spec.indicators, v)) return;
  const known = Object.keys(spec.indicators ?? {});
  ctx.addIssue({
    code: 'custom',
    path,
    message: `unknown indicator "${v}" (${known.length ? `declared: ${known.join(', ')}; ` : ''}or a price: ${PRICE_FIELDS.join(', ')})`,
  });
}

function checkCondition(spec: Spec, c: Condition, path: Path, depth: number, ctx: Ctx): void {
  if (depth > MAX_CONDITION_DEPTH) {
    ctx.addIssue({ code: 'custom', path, message: `conditions nest at most ${MAX_CONDITION_DEPTH} deep` });
    return;
  }
  if ('cross' in c || 'compare' in c) {
    const key = 'cross' in c ? 'cross' : 'compare';
    const body = 'cross' in c ? c.cross : c.compare;
    checkOperand(spec, body.left, [...path, key, 'left'], ctx);
    checkOperand(spec, body.right, [...path, key, 'right'], ctx);
    if (typeof body.left === 'number' && typeof body.right === 'number')
      ctx.addIssue({
        code: 'custom',
        path: [...path, key],
        message: 'compares two numbers: name a price or indicator',
      });
  } else if ('and' in c || 'or' in c) {
    const key = 'and' in c ? 'and' : 'or';
    ('and' in c ? c.and : c.or).forEach((x, i) => checkCondition(spec, x, [...path, key, i], depth + 1, ctx));
  } else if ('not' in c) checkCondition(spec, c.not, [...path, 'not'], depth + 1, ctx);
  else {
    const p = spec.params?.[c.param.slice(1)];
    if (!p || p.type !== 'boolean')
      ctx.addIssue({ code: 'custom', path: [...path, 'param'], message: `"${c.param}" is not a boolean param` });
  }
}

/** Every name resolves, every `$param` fits where it is used, every param's default lies in its range. */
function references(spec: Spec, ctx: Ctx): void {
  for (const [name, p] of Object.entries(spec.params ?? {})) {
    if (p.type === 'boolean') continue;
    const path = ['params', name];
    if (p.min !== undefined && p.max !== undefined && p.min > p.max)
      ctx.addIssue({ code: 'custom', path: [...path, 'min'], message: `min ${p.min} is above max ${p.max}` });
    if ((p.min !== undefined && p.default < p.min) || (p.max !== undefined && p.default > p.max))
      ctx.addIssue({ code: 'custom', path: [...path, 'default'], message: `default ${p.default} is out of its range` });
  }
  for (const [id, ind] of Object.entries(spec.indicators ?? {})) {
    if ((PRICE_FIELDS as readonly string[]).includes(id))
      ctx.addIssue({
        code: 'custom',
        path: ['indicators', id],
        message: `"${id}" is a price field: name it otherwise`,
      });
    checkIndicator(spec, ind, ['indicators', id], ctx);
  }
  spec.entries.forEach((e, i) => {
    const path = ['entries', i];
    checkCondition(spec, e.when, [...path, 'when'], 1, ctx);
    const at = (...p: (string | number)[]) => [...path, ...p];
    checkNumber(spec, e.size.pctOfEquity, SLOTS.pctOfEquity, at('size', 'pctOfEquity'), ctx);
    checkNumber(spec, e.size.riskPct, SLOTS.riskPct, at('size', 'riskPct'), ctx);
    if (e.size.riskPct !== undefined && !e.stopLoss)
      ctx.addIssue({
        code: 'custom',
        path: at('size', 'riskPct'),
        message: 'fixed-fractional sizing needs a stopLoss',
      });
    checkNumber(spec, e.order?.limitOffsetBps, SLOTS.limitOffsetBps, at('order', 'limitOffsetBps'), ctx);
    if (e.order?.limitOffsetBps !== undefined && e.order.type !== 'limit')
      ctx.addIssue({ code: 'custom', path: at('order', 'limitOffsetBps'), message: 'only for type: limit' });
    checkNumber(spec, e.stopLoss?.pct, SLOTS.stopLossPct, at('stopLoss', 'pct'), ctx);
    checkNumber(spec, e.takeProfit?.pct, SLOTS.takeProfitPct, at('takeProfit', 'pct'), ctx);
    checkNumber(spec, e.trailingStop?.trailBps, SLOTS.trailBps, at('trailingStop', 'trailBps'), ctx);
  });
  spec.exits.forEach((x, i) => {
    checkCondition(spec, x.when, ['exits', i, 'when'], 1, ctx);
    checkNumber(spec, x.pctOfPosition, SLOTS.pctOfPosition, ['exits', i, 'pctOfPosition'], ctx);
  });
}

/** Names are resolved only once the shape is valid (a transform runs after a clean parse, a refine would not wait). */
export const StrategySpec = Shape.transform((spec, ctx) => {
  references(spec, ctx);
  return spec;
});
export type StrategySpec = Spec;

/** The JSON Schema of a spec file (for editors and LLMs); names are resolved by the loader, not by it. */
export function specJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(Shape, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...s,
    $id: 'https://tempotrade.dev/schemas/strategy-spec.json',
    title: 'tempotrade strategy spec (*.strategy.yaml, *.strategy.json)',
  };
}
