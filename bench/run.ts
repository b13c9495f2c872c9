/**
 * `npm run bench [-- --quick]`: runs the benchmarks and writes bench/results/latest.json and latest.md.
 * This slice measures P4 (pure core speed). The Temporal-side benchmarks (tick-to-ack latency,
 * throughput vs raw Temporal, concurrent runs, memory) are the benchmarks issue's work.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { loadBars, runCore } from './core';

const PAIRS = ['ETH/BTC', 'LTC/BTC', 'XMR/BTC', 'ADA/BTC', 'ZEC/BTC', 'DASH/BTC', 'ETC/BTC', 'NXT/BTC', 'TRX/BTC', 'XLM/BTC'];
const TARGET_BARS_PER_SECOND = 1_000_000;

function main(): void {
  const quick = process.argv.includes('--quick');
  const pairs = quick ? PAIRS.slice(0, 2) : PAIRS;
  const repeats = quick ? 1 : 5;
  const rows: Array<{ pair: string; strategy: string; bars: number; barsPerSecond: number; intents: number; fills: number }> = [];
  for (const pair of pairs) {
    const bars = loadBars(pair);
    for (const strategy of ['sma-crossover', 'rsi-mean-reversion']) {
      runCore(pair, bars, strategy, strategy === 'sma-crossover' ? { fast: 10, slow: 30 } : {}); // warm-up
      const runs = Array.from({ length: repeats }, () => runCore(pair, bars, strategy, strategy === 'sma-crossover' ? { fast: 10, slow: 30 } : {}));
      const best = runs.sort((a, b) => b.barsPerSecond - a.barsPerSecond)[0];
      rows.push({ pair, strategy, bars: best.bars, barsPerSecond: Math.round(best.barsPerSecond), intents: best.intents, fills: best.fills });
    }
  }
  const total = rows.reduce((a, r) => a + r.bars, 0);
  const seconds = rows.reduce((a, r) => a + r.bars / r.barsPerSecond, 0);
  const overall = Math.round(total / seconds);
  const result = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
    quick,
    p4: { target: TARGET_BARS_PER_SECOND, barsPerSecond: overall, met: overall >= TARGET_BARS_PER_SECOND, rows },
  };
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
  const md = [
    `# Benchmarks (${result.when}${quick ? ', quick' : ''})`,
    '',
    `Machine: ${result.machine.cpus} cores, ${result.machine.cpu}, Node ${result.machine.node}.`,
    '',
    `**P4 pure core speed**: ${overall.toLocaleString('en')} bars/s (target ≥ ${TARGET_BARS_PER_SECOND.toLocaleString('en')}: ${result.p4.met ? 'met' : 'NOT met'})`,
    '',
    '| pair | strategy | bars | bars/s | intents | fills |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.pair} | ${r.strategy} | ${r.bars} | ${r.barsPerSecond.toLocaleString('en')} | ${r.intents} | ${r.fills} |`),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'latest.md'), md);
  console.log(md);
}

main();
