/**
 * Fault injection for the local exchange: per endpoint and probability, reproducible with a seed.
 *
 * Compact spec (CLI `--faults`, or a string in the config file), comma-separated entries:
 *
 *   seed=N                              the seed (default 1); same seed + same requests = same faults
 *   ENDPOINT:KIND[=ARG][@PROBABILITY]   a rule; PROBABILITY in [0, 1], default 1
 *
 *   ENDPOINT  *                         every Binance route (/api/v3/*, /sapi/*)
 *             market                    depth, klines, ticker/24hr, ticker/bookTicker, ticker/price
 *             [METHOD.]NAME             NAME = a path under /api/v3 (order, depth, ticker/24hr, …) or a
 *                                       full path (/sapi/v1/capital/config/getall); METHOD = GET, POST,
 *                                       DELETE (any when omitted): POST.order, DELETE.order, account
 *   KIND      latency=MS | latency=MIN-MAX      delay before handling (uniform in [MIN, MAX]); 250ms, 2s, 250
 *             error=502|503|504                 answer that status (non-JSON gateway body), nothing executed
 *             burst429=N[/Ts]                   this and the next N−1 matching requests: 429, Retry-After T s (1)
 *             drop                              handle the request (an order is booked), then destroy the connection
 *             timeout=MS                        handle it, then hold the answer MS (longer than the client waits)
 *             stale=K                           market data (depth, klines, tickers) as of K bars ago
 *             fill-before-cancel=full|partial   DELETE order: first fill the order at its limit price (all, or
 *                                               half the remainder floored to the step), then cancel the rest
 *
 * Example: `seed=7,POST.order:drop@0.2,*:latency=5-20ms@0.5,market:stale=3,*:burst429=3/2s@0.01`.
 * The config file takes the same string or the parsed form `{ seed, rules: [{ endpoint, kind, … }] }`.
 */
import { z } from 'zod';
import { TempotradeError, formatZodIssues } from '../../domain/errors';

export const MARKET_DATA_PATHS = [
  '/api/v3/depth',
  '/api/v3/klines',
  '/api/v3/ticker/24hr',
  '/api/v3/ticker/bookTicker',
  '/api/v3/ticker/price',
] as const;

/** Every Binance route the local exchange serves (a rule's endpoint must name one of them). */
export const ROUTES = [
  'GET /api/v3/ping',
  'GET /api/v3/time',
  'GET /api/v3/exchangeInfo',
  'GET /api/v3/depth',
  'GET /api/v3/klines',
  'GET /api/v3/ticker/24hr',
  'GET /api/v3/ticker/bookTicker',
  'GET /api/v3/ticker/price',
  'POST /api/v3/order',
  'GET /api/v3/order',
  'DELETE /api/v3/order',
  'GET /api/v3/openOrders',
  'GET /api/v3/allOrders',
  'GET /api/v3/account',
  'GET /api/v3/myTrades',
  'GET /sapi/v1/capital/config/getall',
  'GET /sapi/v1/margin/*',
] as const;

const Endpoint = z.string().refine((e) => endpointMatcher(e) !== undefined, {
  message:
    'must be *, market, or [GET.|POST.|DELETE.]NAME with NAME a route under /api/v3 (order, depth, …) or a full path (/sapi/v1/capital/config/getall)',
});
const Probability = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(1);
const Ms = z.number().int('must be whole milliseconds').nonnegative('must be 0 or more');

export const FaultRule = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('latency'), endpoint: Endpoint, probability: Probability, minMs: Ms, maxMs: Ms })
    .strict()
    .refine((r) => r.maxMs >= r.minMs, { message: 'must be ≥ minMs', path: ['maxMs'] }),
  z
    .object({
      kind: z.literal('error'),
      endpoint: Endpoint,
      probability: Probability,
      status: z.union([z.literal(502), z.literal(503), z.literal(504)], { message: 'must be 502, 503 or 504' }),
    })
    .strict(),
  z
    .object({
      kind: z.literal('burst429'),
      endpoint: Endpoint,
      probability: Probability,
      count: z.number().int().min(1, 'must be at least 1'),
      retryAfterSec: z.number().int().min(1).default(1),
    })
    .strict(),
  z.object({ kind: z.literal('drop'), endpoint: Endpoint, probability: Probability }).strict(),
  z
    .object({
      kind: z.literal('timeout'),
      endpoint: Endpoint,
      probability: Probability,
      delayMs: Ms.min(1, 'must be at least 1 ms'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('stale'),
      endpoint: Endpoint,
      probability: Probability,
      bars: z.number().int().min(1, 'must be at least 1'),
    })
    .strict()
    .refine(
      (r) => endpointCovers(r.endpoint, (m, p) => m === 'GET' && (MARKET_DATA_PATHS as readonly string[]).includes(p)),
      { message: 'stale applies to market data only (market, depth, klines, ticker/*)', path: ['endpoint'] },
    ),
  z
    .object({
      kind: z.literal('fillBeforeCancel'),
      endpoint: Endpoint,
      probability: Probability,
      fill: z.enum(['full', 'partial'], { message: 'must be full or partial' }),
    })
    .strict()
    .refine((r) => endpointCovers(r.endpoint, (m, p) => m === 'DELETE' && p === '/api/v3/order'), {
      message: 'fill-before-cancel applies to DELETE.order only',
      path: ['endpoint'],
    }),
]);
export type FaultRule = z.output<typeof FaultRule>;
export type FaultKind = FaultRule['kind'];

export const FaultPlan = z
  .object({ seed: z.number().int().nonnegative().default(1), rules: z.array(FaultRule).default([]) })
  .strict();
export type FaultPlan = z.output<typeof FaultPlan>;
export type FaultPlanInput = z.input<typeof FaultPlan>;

// ---- endpoints ----------------------------------------------------------------------------------

type Matcher = (method: string, path: string) => boolean;

function endpointMatcher(e: string): Matcher | undefined {
  if (e === '*') return () => true;
  if (e === 'market') return (m, p) => m === 'GET' && (MARKET_DATA_PATHS as readonly string[]).includes(p);
  const m = /^(?:(GET|POST|DELETE)\.)?(.+)$/.exec(e);
  if (!m) return undefined;
  const method = m[1];
  const path = m[2].startsWith('/') ? m[2] : `/api/v3/${m[2]}`;
  const known = ROUTES.some((r) => {
    const [rm, rp] = r.split(' ');
    const pathOk = rp.endsWith('/*') ? path.startsWith(rp.slice(0, -1)) : rp === path;
    return pathOk && (method === undefined || method === rm);
  });
  if (!known) return undefined;
  return (rm, rp) => (method === undefined || method === rm) && rp === path;
}

/** Does every request this endpoint matches satisfy `pred`? (Checked over the route table.) */
function endpointCovers(e: string, pred: (method: string, path: string) => boolean): boolean {
  const match = endpointMatcher(e);
  if (!match) return true; // reported by the endpoint's own check
  const hits = ROUTES.map((r) => r.split(' ') as [string, string]).filter(([m, p]) => match(m, p));
  return hits.length > 0 && hits.every(([m, p]) => pred(m, p));
}

// ---- the compact spec ---------------------------------------------------------------------------

function durationMs(text: string, field: string, rule: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  if (!m)
    throw new TempotradeError(
      'VALIDATION',
      `faults: rule "${rule}": ${field} "${text}" is not a duration (e.g. 250, 250ms, 2s)`,
    );
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
}

function ruleFromText(text: string): Record<string, unknown> {
  const m = /^([^:]+):([a-z0-9-]+)(?:=([^@]+))?(?:@(.+))?$/.exec(text);
  if (!m)
    throw new TempotradeError(
      'VALIDATION',
      `faults: rule "${text}": expected ENDPOINT:KIND[=ARG][@PROBABILITY], e.g. POST.order:drop@0.2`,
    );
  const [, endpoint, kind, arg, prob] = m;
  const probability = prob === undefined ? undefined : /^(0(\.\d+)?|1(\.0+)?)$/.test(prob) ? Number(prob) : NaN;
  if (Number.isNaN(probability))
    throw new TempotradeError(
      'VALIDATION',
      `faults: rule "${text}": probability "${prob}" must be a number between 0 and 1`,
    );
  const base = { endpoint, ...(probability !== undefined ? { probability } : {}) };
  const need = (what: string): string => {
    if (arg === undefined) throw new TempotradeError('VALIDATION', `faults: rule "${text}": ${kind} needs =${what}`);
    return arg;
  };
  const int = (v: string, field: string): number => {
    if (!/^\d+$/.test(v))
      throw new TempotradeError('VALIDATION', `faults: rule "${text}": ${field} "${v}" must be a whole number`);
    return Number(v);
  };
  switch (kind) {
    case 'latency': {
      const [lo, hi] = need('MS or MIN-MAX').split('-');
      const unit = /(ms|s)$/.exec(hi ?? lo)?.[1] ?? '';
      const minMs = durationMs(/(ms|s)$/.test(lo) ? lo : `${lo}${unit}`, 'latency', text);
      return { ...base, kind, minMs, maxMs: hi === undefined ? minMs : durationMs(hi, 'latency', text) };
    }
    case 'error':
      return { ...base, kind, status: int(need('502|503|504'), 'status') };
    case 'burst429': {
      const [n, t] = need('N[/Ts]').split('/');
      return {
        ...base,
        kind,
        count: int(n, 'count'),
        ...(t !== undefined ? { retryAfterSec: Math.ceil(durationMs(t, 'retry-after', text) / 1000) } : {}),
      };
    }
    case 'drop':
      if (arg !== undefined) throw new TempotradeError('VALIDATION', `faults: rule "${text}": drop takes no argument`);
      return { ...base, kind };
    case 'timeout':
      return { ...base, kind, delayMs: durationMs(need('MS'), 'timeout', text) };
    case 'stale':
      return { ...base, kind, bars: int(need('K'), 'bars') };
    case 'fill-before-cancel':
      return { ...base, kind: 'fillBeforeCancel', fill: need('full|partial') };
    default:
      throw new TempotradeError(
        'VALIDATION',
        `faults: rule "${text}": unknown kind "${kind}" (latency, error, burst429, drop, timeout, stale, fill-before-cancel)`,
      );
  }
}

/** The compact spec → the plan's input form (validated by `parseFaultPlan`). */
export function faultSpecToPlan(spec: string): FaultPlanInput {
  const rules: Array<Record<string, unknown>> = [];
  let seed: number | undefined;
  for (const raw of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const s = /^seed=(.*)$/.exec(raw);
    if (s) {
      if (!/^\d{1,15}$/.test(s[1]))
        throw new TempotradeError('VALIDATION', `faults: seed "${s[1]}" must be a whole number`);
      seed = Number(s[1]);
    } else rules.push(ruleFromText(raw));
  }
  return { ...(seed !== undefined ? { seed } : {}), rules } as FaultPlanInput;
}

/** A spec string or a plan object → a validated plan; errors name the field (`faults.rules.2.probability`). */
export function parseFaultPlan(spec: string | unknown, where = 'faults'): FaultPlan {
  const input = typeof spec === 'string' ? faultSpecToPlan(spec) : spec;
  const r = FaultPlan.safeParse(input);
  if (!r.success) throw new TempotradeError('VALIDATION', formatZodIssues(r.error, where));
  return r.data;
}

// ---- the injector -------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, enough for reproducible fault draws. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What to do to one request. */
export interface FaultDecision {
  latencyMs: number;
  error?: 502 | 503 | 504;
  tooMany?: { retryAfterSec: number };
  drop: boolean;
  holdMs?: number;
  staleBars: number;
  fillBeforeCancel?: 'full' | 'partial';
}

export type FaultCounts = Record<FaultKind, number>;

export function zeroFaultCounts(): FaultCounts {
  return { latency: 0, error: 0, burst429: 0, drop: 0, timeout: 0, stale: 0, fillBeforeCancel: 0 };
}

interface ArmedRule {
  rule: FaultRule;
  match: Matcher;
  random: () => number;
  burstLeft: number;
  injected: number;
}

/**
 * Draws faults for requests. Each rule has its own PRNG (seeded from the plan's seed and the rule's
 * position) and draws once per request its endpoint matches, so a rule's faults depend only on the
 * sequence of requests to its endpoint. Counts every fault it injects.
 */
export class FaultInjector {
  private readonly armed: ArmedRule[];
  private readonly counts = zeroFaultCounts();

  constructor(readonly plan: FaultPlan) {
    this.armed = plan.rules.map((rule, i) => ({
      rule,
      match: endpointMatcher(rule.endpoint)!,
      random: prng(plan.seed * 1_000_003 + i * 7919 + 1),
      burstLeft: 0,
      injected: 0,
    }));
  }

  /**
   * The faults for one request. Precedence: latency always; then a 429 (burst) or else a 5xx answers
   * without handling, and the rules that would act on the handled request (drop, timeout, stale,
   * fill-before-cancel) are then not applied (nor counted).
   */
  decide(method: string, path: string): FaultDecision {
    const d: FaultDecision = { latencyMs: 0, drop: false, staleBars: 0 };
    const hits: ArmedRule[] = [];
    for (const a of this.armed) {
      if (!a.match(method, path)) continue;
      if (a.rule.kind === 'burst429' && a.burstLeft > 0) {
        a.burstLeft--;
        hits.push(a);
      } else if (a.random() < a.rule.probability) {
        if (a.rule.kind === 'burst429') a.burstLeft = a.rule.count - 1;
        hits.push(a);
      }
    }
    const applied: ArmedRule[] = [];
    for (const a of hits) {
      const r = a.rule;
      if (r.kind === 'latency') {
        d.latencyMs += r.minMs + Math.floor(a.random() * (r.maxMs - r.minMs + 1));
        applied.push(a);
      } else if (r.kind === 'burst429' && !d.tooMany) {
        d.tooMany = { retryAfterSec: r.retryAfterSec };
        applied.push(a);
      }
    }
    if (!d.tooMany) {
      const err = hits.find((a) => a.rule.kind === 'error');
      if (err && err.rule.kind === 'error') {
        d.error = err.rule.status;
        applied.push(err);
      }
    }
    if (!d.tooMany && d.error === undefined) {
      for (const a of hits) {
        const r = a.rule;
        if (r.kind === 'drop') d.drop = true;
        else if (r.kind === 'timeout') d.holdMs = Math.max(d.holdMs ?? 0, r.delayMs);
        else if (r.kind === 'stale') d.staleBars = Math.max(d.staleBars, r.bars);
        else if (r.kind === 'fillBeforeCancel' && !d.fillBeforeCancel) d.fillBeforeCancel = r.fill;
        else continue;
        applied.push(a);
      }
    }
    for (const a of applied) this.count(a);
    return d;
  }

  stats(): {
    seed: number;
    byKind: FaultCounts;
    byRule: Array<{ endpoint: string; kind: FaultKind; injected: number }>;
  } {
    return {
      seed: this.plan.seed,
      byKind: { ...this.counts },
      byRule: this.armed.map((a) => ({ endpoint: a.rule.endpoint, kind: a.rule.kind, injected: a.injected })),
    };
  }

  private count(a: ArmedRule): void {
    a.injected++;
    this.counts[a.rule.kind]++;
  }
}
