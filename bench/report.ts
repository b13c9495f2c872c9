/**
 * The bench's report: the markdown table (each figure against its target) and the SVG plots, from the
 * results object bench/run.ts writes to bench/results/latest.json. `npx tsx bench/render.ts` re-renders
 * latest.md and the plots from latest.json.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { lineChart } from './svg';
import { round, type Summary } from './stats';

/** The dev server suggests continue-as-new at this many history events (limit.historyCount.suggestContinueAsNew). */
export const SUGGEST_CAN_EVENTS = 4096;

export const TARGETS = {
  p1P50Ms: 15,
  p1P99Ms: 50,
  p1RoundTrips: 3,
  p2OrdersPerSecond: 200,
  p2RatioOfRaw: 0.5,
  p3Runs: 1000,
  p3P99LagMs: 1000,
  p3BytesPerRun: 2 * 1024 * 1024,
  p4BarsPerSecond: 1_000_000,
};

export const mb = (b: number) => `${round(b / 1024 / 1024, 2)} MB`;
const yes = (b: boolean | undefined) => (b === undefined ? '—' : b ? '**met**' : 'NOT met');
export const fmtS = (s: Summary) => `p50 ${s.p50} / p95 ${s.p95} / p99 ${s.p99} ms (n=${s.n})`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Results = Record<string, any>;

export function markdown(r: Results): string {
  const L: string[] = [];
  L.push(`# Benchmarks (${r.when}${r.quick ? ', --quick' : ''})`, '');
  L.push(
    `Machine: ${r.machine.cpus} cores, ${r.machine.cpu}, Node ${r.machine.node}; Temporal CLI dev server (sqlite), worker, venue and bench on the same cores. Load average before/after: ${r.load.before.join(' ')} / ${r.load.after.join(' ')} (the machine is shared: numbers are noisy). Server sqlite in ${r.dbDir ?? 'the temp dir'}; dynamic config \`${JSON.stringify(r.serverDynamicConfig ?? r.serverConfig)}\`. Worker tuning: \`${JSON.stringify(r.tuning)}\`. Wall time ${r.wallSeconds} s.`,
    '',
  );
  L.push('| figure | measured | target | |', '|---|---|---|---|');
  if (r.p1) {
    L.push(
      `| P1 tick → venue ack p50 | ${r.p1.latencyMs.p50} ms | ≤ ${TARGETS.p1P50Ms} ms | ${yes(r.p1.latencyMs.p50 <= TARGETS.p1P50Ms)} |`,
    );
    L.push(`| P1 tick → venue ack p95 | ${r.p1.latencyMs.p95} ms | — | |`);
    L.push(
      `| P1 tick → venue ack p99 | ${r.p1.latencyMs.p99} ms | ≤ ${TARGETS.p1P99Ms} ms | ${yes(r.p1.latencyMs.p99 <= TARGETS.p1P99Ms)} |`,
    );
    L.push(
      `| P1 server round trips per tick (workflow tasks + activity tasks) | ${r.p1.perTick.roundTrips} (${r.p1.perTick.workflowTasks} + ${r.p1.perTick.activityTasks}; ${r.p1.perTick.localActivities} local activities) | ≤ ${TARGETS.p1RoundTrips} | ${yes(r.p1.perTick.roundTrips <= TARGETS.p1RoundTrips)} |`,
    );
  }
  if (r.p2) {
    L.push(
      `| P2 orders/s end to end (${r.p2.orders.runs} runs) | ${r.p2.orders.ordersPerSecond} | ≥ ${TARGETS.p2OrdersPerSecond} | ${yes(r.p2.orders.ordersPerSecond >= TARGETS.p2OrdersPerSecond)} |`,
    );
    L.push(
      `| P2 raw Temporal: empty workflow + 1 no-op activity /s (same run, ${r.p2.raw.concurrency} in flight) | ${r.p2.raw.perSecond} | — | |`,
    );
    L.push(
      `| P2 ratio orders/s ÷ raw/s | ${round(r.p2.ratio * 100, 0)} % | ≥ ${TARGETS.p2RatioOfRaw * 100} % | ${yes(r.p2.ratio >= TARGETS.p2RatioOfRaw)} |`,
    );
  }
  for (const s of r.p3 ?? []) {
    L.push(
      `| P3 ${s.runs} runs, tick every ${s.tickIntervalMs / 1000} s: p99 tick lag | ${s.lagMs.p99} ms (p50 ${s.lagMs.p50}, n=${s.lagMs.n}) | ${s.runs >= TARGETS.p3Runs ? `≤ ${TARGETS.p3P99LagMs} ms` : '—'} | ${s.runs >= TARGETS.p3Runs ? yes(s.lagMs.p99 <= TARGETS.p3P99LagMs) : ''} |`,
    );
    L.push(
      `| P3 ${s.runs} runs: worker RSS per cached run | ${mb(s.rssPerRunBytes)} (heap ${mb(s.heapPerRunBytes)}) | ${s.runs >= TARGETS.p3Runs ? '≤ 2 MB' : '—'} | ${s.runs >= TARGETS.p3Runs ? yes(s.rssPerRunBytes <= TARGETS.p3BytesPerRun) : ''} |`,
    );
  }
  if (r.p4)
    L.push(
      `| P4 pure core bars/s (one core) | ${r.p4.barsPerSecond.toLocaleString('en')} | ≥ ${TARGETS.p4BarsPerSecond.toLocaleString('en')} | ${yes(r.p4.barsPerSecond >= TARGETS.p4BarsPerSecond)} |`,
    );
  if (r.strategyStep)
    L.push(
      `| S strategy step per tick (${r.strategyStep.symbol}, SMA ${r.strategyStep.fast}/${r.strategyStep.slow}): user module ÷ built-in of the same logic | p50 ${r.strategyStep.rows[1].us.p50} ÷ ${r.strategyStep.rows[0].us.p50} µs = ${r.strategyStep.ratio}× (same orders: ${r.strategyStep.sameIntents ? 'yes' : 'NO'}) | reported | |`,
    );
  if (r.durability)
    L.push(
      `| Durability overhead: ms per tick through Temporal ÷ in-process (same run, ${r.durability.ticks} ticks) | ${r.durability.temporalMsPerTick} ÷ ${r.durability.inProcessMsPerTick} = ${r.durability.ratio}× (same orders and cash: ${r.durability.sameResult ? 'yes' : 'NO'}) | reported | |`,
    );
  L.push('');
  if (r.p1) {
    L.push('## P1 detail', '');
    L.push(
      `${r.p1.orders} orders in ${r.p1.ticks} ticks of one run (order-cycle, a market order every tick, tick every ${r.p1.tickInterval} ms, ${r.p1.executions} executions via continue-as-new), ${r.p1.wallSeconds} s. Latency = the tick's timer was due → the placeOrder activity had the venue's answer. CPU during P1 (% of one core): server ${r.p1.cpuPct.server}, worker ${r.p1.cpuPct.worker}, venue ${r.p1.cpuPct.venue}.`,
      '',
    );
    L.push('| stage | p50 ms | p99 ms |', '|---|---:|---:|');
    const names: Record<string, string> = {
      timerFire: 'timer due → TimerFired recorded',
      toSnapshotStart:
        'TimerFired → market.snapshot starts at the worker (a workflow task; the snapshot runs in it as a local activity)',
      snapshot: 'market.snapshot (venue HTTP)',
      toPlaceStart:
        'snapshot done → placeOrder starts (signals + risk local activities, the account approval activity and its workflow task, dispatch)',
      place: 'placeOrder (venue HTTP: lookup + submit)',
    };
    for (const [k, v] of Object.entries(r.p1.stagesMs as Record<string, Summary>))
      L.push(`| ${names[k]} | ${v.p50} | ${v.p99} |`);
    L.push('');
  }
  if (r.p2) {
    L.push('## P2 detail', '');
    L.push(
      `Orders: ${r.p2.orders.runs} concurrent runs × ${r.p2.orders.ticksPerRun} ticks, a market order every tick (${r.p2.orders.ordersPlaced} orders; every tick ordered: ${r.p2.orders.everyTickOrdered}), rate over the middle 80 % of acks (${r.p2.orders.steadyWindowS} s). CPU % of one core: server ${r.p2.orders.cpuPct.server}, worker ${r.p2.orders.cpuPct.worker}, venue ${r.p2.orders.cpuPct.venue}, bench client ${r.p2.orders.cpuPct.bench}.`,
    );
    L.push(
      `Raw: ${r.p2.raw.workflows} workflows, ${r.p2.raw.concurrency} in flight, same worker process and server. CPU % of one core: server ${r.p2.raw.cpuPct.server}, worker ${r.p2.raw.cpuPct.worker}, bench client ${r.p2.raw.cpuPct.bench}.`,
      '',
    );
  }
  if (r.p3?.length) {
    L.push('## P3 detail', '');
    L.push(
      `Runs of sma-crossover, one pair each; ${r.p3[0].runsPerAccount ?? 1} runs share an account (one venue account and one account supervisor, balances reconciled as 'shared'). Lag = the tick's timer was due → its market.snapshot started at the worker, for every tick due in a window of whole intervals after all runs had ticked once (a tick that had not started by the end of the window counts as that late).`,
      '',
    );
    L.push(
      '| runs | accounts | interval | ticks/s offered | start s | all ticked s | lag p50 / p95 / p99 / max ms | ticks measured | worker RSS | per run | server RSS | CPU % server / worker / venue | round trips per tick |',
      '|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---:|',
    );
    for (const s of r.p3)
      L.push(
        `| ${s.runs} | ${s.accounts ?? s.runs} | ${s.tickIntervalMs / 1000} s | ${s.ticksPerSecondOffered} | ${s.startSeconds} | ${s.allTickedSeconds ?? ''}${s.tickedRuns !== undefined && s.tickedRuns < s.runs ? ` (${s.tickedRuns} ticked)` : ''} | ${s.lagMs.p50} / ${s.lagMs.p95} / ${s.lagMs.p99} / ${s.lagMs.max} | ${s.ticksInWindow} | ${mb(s.workerRssBytes)} | ${mb(s.rssPerRunBytes)} | ${mb(s.serverRssBytes)} | ${s.cpuPct.server} / ${s.cpuPct.worker} / ${s.cpuPct.venue} | ${s.perTick.roundTrips} |`,
      );
    L.push('');
  }
  if (r.resources) {
    const x = r.resources;
    L.push('## Resources', '');
    L.push(
      `Continue-as-new: after \`continueAsNewAfterTicks\` (${x.continueAsNewAfterTicks}) ticks, or earlier when the server suggests it: the dev server does at ${SUGGEST_CAN_EVENTS.toLocaleString('en')} events of history.`,
      '',
    );
    L.push(
      '| | events per tick | bytes of history per tick | per run-day, 5 m bars (288 ticks) | per run-day, 1 m bars (1,440 ticks) | continue-as-new every | runs per day (5 m / 1 m) | history of one execution |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const row of x.rows) {
      const every: number =
        row.measuredTicksPerExecution ??
        Math.min(x.continueAsNewAfterTicks, Math.floor(SUGGEST_CAN_EVENTS / row.eventsPerTick));
      const how = row.measuredTicksPerExecution ? 'measured' : 'from events per tick';
      L.push(
        `| ${row.what} | ${row.eventsPerTick} | ${row.bytesPerTick} | ${mb(row.bytesPerTick * 288)} | ${mb(row.bytesPerTick * 1440)} | ${round(every, 0)} ticks (${how}) | ${round(288 / every, 2)} / ${round(1440 / every, 2)} | ${mb(row.bytesPerTick * every)} |`,
      );
    }
    L.push('');
  }
  if (r.strategyStep) {
    L.push(
      '## S detail: the strategy step (µs per tick)',
      '',
      '| strategy | source | ticks | orders | p50 | p95 | p99 | mean |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const x of r.strategyStep.rows)
      L.push(
        `| ${x.strategy} | ${x.source === 'built-in' ? 'built-in' : 'user module'} | ${x.ticks} | ${x.intents} | ${x.us.p50} | ${x.us.p95} | ${x.us.p99} | ${x.us.mean} |`,
      );
    L.push('');
  }
  if (r.sandbox) {
    const x = r.sandbox;
    L.push(
      `## X detail: the QuickJS sandbox (deadline ${x.deadlineMs} ms, memory ${x.memoryMb} MB; same orders: ${x.sameIntents ? 'yes' : 'NO'})`,
      '',
      '| measure | native p50 | native p99 | sandboxed p50 | sandboxed p99 |',
      '|---|---:|---:|---:|---:|',
      `| µs per onBar call (${x.symbol}) | ${x.perCall.native.p50} | ${x.perCall.native.p99} | ${x.perCall.sandboxed.p50} | ${x.perCall.sandboxed.p99} |`,
      `| ms per tick of ${x.tick.symbols} symbols | ${x.tick.native.p50} | ${x.tick.native.p99} | ${x.tick.sandboxed.p50} | ${x.tick.sandboxed.p99} |`,
      '',
    );
  }
  if (r.p4) {
    L.push('## P4 detail', '', '| pair | strategy | bars | bars/s |', '|---|---|---:|---:|');
    for (const row of r.p4.rows)
      L.push(`| ${row.pair} | ${row.strategy} | ${row.bars} | ${row.barsPerSecond.toLocaleString('en')} |`);
    L.push('');
  }
  return L.join('\n');
}

export function plots(r: Results, dir: string): string[] {
  const files: string[] = [];
  if (r.p1) {
    const labels = ['p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'max'];
    const svg = lineChart({
      title: `P1 tick → venue ack latency (${r.p1.orders} orders)`,
      xLabel: 'percentile',
      yLabel: 'ms',
      series: [
        {
          name: 'tick → ack',
          color: '#1f77b4',
          points: (r.p1.percentiles as Array<[number, number]>).map(([, v], i) => [i, v]),
        },
      ],
      xTicks: labels.map((l, i) => [i, l]),
      hLines: [
        { y: TARGETS.p1P50Ms, label: 'p50 target 15 ms', color: '#2ca02c' },
        { y: TARGETS.p1P99Ms, label: 'p99 target 50 ms', color: '#d62728' },
      ],
    });
    writeFileSync(path.join(dir, 'p1-latency.svg'), svg);
    files.push('p1-latency.svg');
  }
  if (r.p3?.length) {
    const pts = (k: (s: Results) => number) => (r.p3 as Results[]).map((s) => [s.runs, k(s)] as [number, number]);
    writeFileSync(
      path.join(dir, 'p3-scaling.svg'),
      lineChart({
        title: 'P3 tick lag against concurrent runs',
        xLabel: 'concurrent runs (log scale)',
        yLabel: 'tick lag, ms',
        xLog: true,
        series: [
          { name: 'p50 lag', color: '#2ca02c', points: pts((s) => s.lagMs.p50) },
          { name: 'p99 lag', color: '#d62728', points: pts((s) => s.lagMs.p99) },
        ],
        hLines: [{ y: TARGETS.p3P99LagMs, label: 'p99 target 1 s' }],
      }),
    );
    writeFileSync(
      path.join(dir, 'p3-memory.svg'),
      lineChart({
        title: 'P3 worker memory per cached run',
        xLabel: 'concurrent runs (log scale)',
        yLabel: 'MB per run',
        xLog: true,
        series: [
          { name: 'RSS per run', color: '#1f77b4', points: pts((s) => s.rssPerRunBytes / 1024 / 1024) },
          { name: 'heap per run', color: '#ff7f0e', points: pts((s) => s.heapPerRunBytes / 1024 / 1024) },
        ],
        hLines: [{ y: 2, label: 'target 2 MB' }],
      }),
    );
    files.push('p3-scaling.svg', 'p3-memory.svg');
  }
  return files;
}
