/**
 * The worker's telemetry without a server: run-feed batches → tempotrade_ metrics (each event once per
 * chain, replays skipped), the Grafana dashboard over those metrics, and the JSON log lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { metricsPortFrom } from '../../cli/commands/processes';
import type { RunFeedBatch } from '../../domain/run/feed';
import { emptyCounters, summaryOrders, type AuditEvent } from '../../domain/run/state';
import { createLogger, logFeed, temporalLogger } from '../../workers/telemetry/logger';
import { createTradingMetrics, venueLabel } from '../../workers/telemetry/metrics';

const summary = (over: Partial<RunFeedBatch['summary']> = {}): RunFeedBatch['summary'] => ({
  workflowId: 'wf-1',
  runId: 'wf-1',
  accountId: 'acct-1',
  strategy: 'sma-crossover',
  engine: { engine: 'live', reason: 'paper' } as RunFeedBatch['summary']['engine'],
  symbols: ['ETH/BTC'],
  ticks: 10,
  orders: summaryOrders(emptyCounters()),
  fills: 0,
  fees: {},
  feesQuote: '0',
  quote: 'BTC',
  startingCapital: '1',
  cash: '0.8',
  positions: {},
  equity: '1.05',
  realizedPnl: '0',
  unrealizedPnl: '0.05',
  netPnl: '0.05',
  maxDrawdownPct: '2.5',
  tradingState: 'ACTIVE',
  stateReason: 'started',
  ...over,
});

const ev = (seq: number, kind: AuditEvent['kind'], over: Partial<AuditEvent> = {}): AuditEvent => ({
  seq,
  tick: seq,
  at: seq,
  kind,
  message: kind,
  ...over,
});

const batch = (execution: string, events: AuditEvent[], over: Partial<RunFeedBatch> = {}): RunFeedBatch => ({
  workflowId: 'wf-1',
  executionRunId: execution,
  replaying: false,
  labels: { runId: 'wf-1', accountId: 'acct-1', strategy: 'sma-crossover', venue: 'paper', engine: 'live' },
  events,
  summary: summary(),
  ...over,
});

async function value(m: ReturnType<typeof createTradingMetrics>, name: string, labels: Record<string, string> = {}) {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((a, v) => a + v.value, 0);
}

describe('GIVEN the trading metrics fed by the run feed', () => {
  it('WHEN a chain re-sends its carried window and a replay re-sends events THEN each event counts once, by reason code', async () => {
    const m = createTradingMetrics();
    const fill = ev(3, 'ORDER_FILLED', {
      message: 'buy 1 ETH/BTC @ 0.05 (taker, fee 0.00005 BTC; 1 of 1 filled)',
      numbers: { fee: '0.00005' },
      clientOrderId: 'c-1',
    });
    const first = [ev(1, 'RUN_STARTED'), ev(2, 'ORDER_PLACED', { clientOrderId: 'c-1' }), fill];
    m.subscriber.onBatch(batch('e1', first));
    m.subscriber.onBatch(batch('e1', [ev(4, 'RISK_DENIED', { code: 'MAX_POSITION' }), ev(5, 'ORDER_REJECTED')]));
    // The next execution re-sends its carried window, then a replay of it publishes seq 6 again.
    m.subscriber.onBatch(batch('e2', [...first.slice(1), ev(6, 'ORDER_PLACED')]));
    m.subscriber.onBatch(batch('e2', [ev(6, 'ORDER_PLACED'), ev(7, 'ORDER_PLACED')], { replaying: true }));
    m.subscriber.onBatch(batch('e2', [ev(7, 'ORDER_PLACED'), ev(8, 'ORDER_CANCELED')]));

    expect(await value(m, 'tempotrade_orders_placed_total', { account: 'acct-1', strategy: 'sma-crossover' })).toBe(2);
    expect(await value(m, 'tempotrade_orders_filled_total')).toBe(1);
    expect(await value(m, 'tempotrade_fills_total')).toBe(1);
    expect(await value(m, 'tempotrade_orders_canceled_total')).toBe(1);
    expect(await value(m, 'tempotrade_orders_denied_total', { reason: 'MAX_POSITION' })).toBe(1);
    expect(await value(m, 'tempotrade_orders_rejected_total', { reason: 'VENUE_REJECTED' })).toBe(1);
    expect(await value(m, 'tempotrade_fees_total', { currency: 'BTC' })).toBeCloseTo(0.00005, 12);
    expect(await value(m, 'tempotrade_run_equity', { run: 'wf-1', quote: 'BTC' })).toBe(1.05);
    expect(await value(m, 'tempotrade_run_exposure', { run: 'wf-1' })).toBeCloseTo(0.25, 12);
    expect(await value(m, 'tempotrade_run_trading_state', { state: 'ACTIVE' })).toBe(1);
    expect(await value(m, 'tempotrade_account_runs', { account: 'acct-1', state: 'ACTIVE' })).toBe(1);
    const text = await m.registry.metrics();
    expect(text).not.toContain('c-1');
  });

  it('WHEN a run finishes and the retention passes THEN its per-run series go and the account no longer counts it', async () => {
    let t = 0;
    const m = createTradingMetrics({ finishedRetentionMs: 1_000, now: () => t });
    m.subscriber.onBatch(batch('e1', [ev(1, 'RUN_STARTED')]));
    m.subscriber.onBatch(
      batch('e1', [ev(2, 'RUN_FINISHED')], { summary: summary({ finished: { reason: 'x', at: 1 } }) }),
    );
    m.sweep();
    expect(await value(m, 'tempotrade_run_equity', { run: 'wf-1' })).toBe(1.05);
    expect(await value(m, 'tempotrade_account_runs', { account: 'acct-1' })).toBe(0);
    t = 1_000;
    m.sweep();
    expect((await m.registry.metrics()).match(/^tempotrade_run_\w+\{.*run="wf-1"/m)).toBeNull();
  });

  it('WHEN an activity names its venue THEN its label is the feed\'s ("paper", "kind:exchange")', () => {
    expect(venueLabel({ kind: 'paper', url: 'http://x', data: {} })).toBe('paper');
    expect(venueLabel(undefined)).toBeUndefined();
  });
});

describe('GIVEN the Grafana dashboard in docs/grafana', () => {
  it('WHEN its queries are read THEN every tempotrade_ metric they use is one the worker registers', async () => {
    const dash = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'grafana', 'tempotrade.json'), 'utf8'),
    );
    const exprs: string[] = dash.panels.flatMap((p: { targets: Array<{ expr: string }> }) =>
      p.targets.map((t) => t.expr),
    );
    const registered = new Set((await createTradingMetrics().registry.getMetricsAsJSON()).map((x) => x.name));
    const used = new Set(exprs.flatMap((e) => e.match(/tempotrade_\w+/g) ?? []));
    expect(exprs.length).toBeGreaterThan(10);
    for (const name of used)
      expect([name, name.replace(/_(bucket|count|sum)$/, '')].some((n) => registered.has(n))).toBe(true);
    expect(registered.size).toBeGreaterThan(0);
  });
});

describe('GIVEN the worker logger', () => {
  const capture = () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    return { lines, log: createLogger({ env: {}, destination, isTTY: false, base: { process: 'worker' } }) };
  };

  it("WHEN trading events and SDK lines are logged THEN each is a JSON line with the run's fields, once per seq", () => {
    const { lines, log } = capture();
    const feed = logFeed(log);
    const placed = ev(2, 'ORDER_PLACED', { clientOrderId: 'c-9' });
    feed.onBatch(batch('e1', [ev(1, 'RUN_STARTED'), placed]));
    feed.onBatch(batch('e2', [placed, ev(3, 'INTENT_SIGNALED')]));
    temporalLogger(log).warn('poll failed', { taskQueue: 'q' });
    expect(lines.map((l) => l.kind ?? l.msg)).toEqual(['RUN_STARTED', 'ORDER_PLACED', 'poll failed']);
    expect(lines[1]).toMatchObject({
      level: 30,
      process: 'worker',
      workflowId: 'wf-1',
      account: 'acct-1',
      strategy: 'sma-crossover',
      clientOrderId: 'c-9',
      seq: 2,
    });
    expect(lines[2]).toMatchObject({ level: 40, sdk: true, taskQueue: 'q' });
  });

  it('WHEN LOG_LEVEL or TEMPOTRADE_LOG_FORMAT is unknown, or the metrics port is not a port THEN the error names the variable', () => {
    expect(() => createLogger({ env: { LOG_LEVEL: 'loud' } })).toThrow(/LOG_LEVEL/);
    expect(() => createLogger({ env: { TEMPOTRADE_LOG_FORMAT: 'xml' } })).toThrow(/TEMPOTRADE_LOG_FORMAT/);
    expect(() => metricsPortFrom(undefined, { TEMPOTRADE_METRICS_PORT: 'abc' })).toThrow(/TEMPOTRADE_METRICS_PORT/);
    expect(metricsPortFrom(9464, { TEMPOTRADE_METRICS_PORT: 'abc' })).toBe(9464);
    expect(metricsPortFrom(undefined, { TEMPOTRADE_METRICS_PORT: '9100' })).toBe(9100);
  });
});
