/**
 * `tempotrade backtest` as a user runs it: bad input exits 2 naming the flag, file and row before anything
 * runs; a good run prints the whole result with --json; and the same flags through `run start --mode paper
 * --wait --json` on Temporal (a venue and a worker in their own processes) end with the same orders, fills,
 * fees, cash and positions.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BIN, REPO_ROOT, spawnVenue, spawnWorker, type Child } from '../../cli/spawn';
import type { BacktestResult } from '../../backtest/result';
import type { RunSummary } from '../../domain/run/state';
import { runCli } from '../helpers/cli';
import { NAMESPACE, serverAddress } from '../helpers/temporal';

const DATA = path.join(REPO_ROOT, 'data', 'market', 'ETH_BTC-5m.csv.gz');
const BT = ['backtest', '--strategy', 'sma-crossover', '--symbol', 'ETH/BTC'];

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The bundled ETH/BTC rows (header first), for files broken one way each. */
const rows = gunzipSync(readFileSync(DATA)).toString('utf8').trim().split('\n').slice(0, 400);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tempotrade-backtest-cli-'));
function csv(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
const nanRow = rows[120].split(',').map((v, i) => (i === 4 ? 'NaN' : v));
const FILES = {
  duplicate: csv('duplicate.csv', [...rows.slice(0, 101), rows[100], ...rows.slice(101)]),
  unsorted: csv('unsorted.csv', [rows[0], ...rows.slice(2, 90), rows[1], ...rows.slice(90)]),
  nan: csv('nan.csv', [...rows.slice(0, 120), nanRow.join(','), ...rows.slice(121)]),
};

describe('GIVEN `tempotrade backtest` with bad input', () => {
  it.each([
    ['a missing file', ['--data', `ETH/BTC=${path.join(dir, 'absent.csv')}`], `--data ETH/BTC: no such file`],
    ['a duplicated timestamp', ['--data', `ETH/BTC=${FILES.duplicate}`], `${FILES.duplicate}: line 102: timestamp`],
    ['an unsorted file', ['--data', `ETH/BTC=${FILES.unsorted}`], `${FILES.unsorted}: line 90: timestamp`],
    ['a NaN close', ['--data', `ETH/BTC=${FILES.nan}`], `${FILES.nan}: line 121: close is not a number ("NaN")`],
    ['a symbol absent from the data', ['--data', `LTC/BTC=${DATA}`], '--data: no data for --symbol ETH/BTC'],
    [
      'a param of the wrong type',
      ['--data', `ETH/BTC=${DATA}`, '--param', 'fast=abc'],
      '--param: strategy.params.fast',
    ],
    ['an unknown param', ['--data', `ETH/BTC=${DATA}`, '--param', 'nope=1'], '--param: strategy.params'],
    ['a bad --from', ['--data', `ETH/BTC=${DATA}`, '--from', 'yesterday'], '--from'],
    ['--to before --from', ['--data', `ETH/BTC=${DATA}`, '--from', '2018-01-20', '--to', '2018-01-10'], '--to'],
    ['a bad capital', ['--data', `ETH/BTC=${DATA}`, '--capital', '-1'], '--capital'],
  ])('WHEN it is given %s THEN it exits 2 naming it, and prints no result', (_what, args, message) => {
    const r = cli([...BT, ...args, '--json']);
    expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: '' });
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(/\n\s+at /); // an error line, not a stack
  });

  it('WHEN the duplicated row is read THEN the message says it duplicates the previous one', () => {
    expect(cli([...BT, '--data', `ETH/BTC=${FILES.duplicate}`]).err).toMatch(/duplicates the previous row's \d+/);
  });
});

describe('GIVEN the same flags for `backtest` and for `run start --mode paper --wait`', () => {
  let venue: (Child & { url: string }) | undefined;
  let worker: Child | undefined;
  afterAll(async () => {
    await worker?.stop();
    await venue?.stop();
  });

  it('WHEN both run THEN orders, fills, fees, cash and positions are the same to the last unit', async () => {
    const flags = ['--data', `ETH/BTC=${DATA}`, '--engine', 'live', '--capital', '1', '--max-ticks', '1500'];
    const params = ['--param', 'fast=6', '--param', 'slow=24', '--param', 'orderPct=20'];
    const bt = cli([...BT, ...flags, ...params, '--json']);
    expect({ code: bt.code, err: bt.err }).toEqual({ code: 0, err: '' });
    const result = JSON.parse(bt.out) as BacktestResult;
    expect(result.fills.length).toBeGreaterThan(10);
    expect(Object.keys(result.summary)).toEqual(
      expect.arrayContaining(['netPnl', 'returnPct', 'cagrPct', 'sharpe', 'sortino', 'maxDrawdownPct', 'winRatePct']),
    );

    const env = { TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE() };
    venue = await spawnVenue({ 'ETH/BTC': DATA });
    worker = await spawnWorker(env);
    const account = `bt-cli-${Date.now().toString(36)}`;
    const id = `backtest-cli-parity-${Date.now().toString(36)}`;
    const run = await runCli(
      [
        'run',
        'start',
        '--strategy',
        'sma-crossover',
        '--symbol',
        'ETH/BTC',
        ...flags,
        ...params,
        '--mode',
        'paper',
      ].concat(['--venue-url', venue.url, '--account', account, '--id', id, '--wait', '--json']),
      env,
    );
    const summary = JSON.parse(run.stdout) as RunSummary;
    const audit = await runCli(['run', 'audit', id, '--json'], env);
    const orders = (JSON.parse(audit.stdout) as { orders: { recent: Array<Record<string, unknown>> } }).orders.recent;

    expect(summary.ticks).toBe(result.ticks);
    expect(summary.fills).toBe(result.fills.length);
    expect(summary.feesQuote).toBe(result.summary.fees);
    expect(summary.cash).toBe(result.cash);
    expect(summary.positions).toEqual(result.positions);
    const shape = (o: Record<string, unknown>) => ({
      side: o.side,
      type: o.type,
      quantity: o.quantity,
      price: o.price ?? undefined,
    });
    expect(orders.length).toBeGreaterThan(5);
    expect(orders.map(shape)).toEqual(result.orders.slice(-orders.length).map(shape));
  }, 600_000);
});
