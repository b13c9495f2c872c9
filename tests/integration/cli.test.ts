/**
 * The `tempotrade` command as a user runs it: bad flags give an error naming the flag and exit 2,
 * before anything connects or starts.
 */
import { spawnSync } from 'node:child_process';
import { BIN, REPO_ROOT } from '../../cli/spawn';
import { START_SMA } from '../helpers/cli';

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  // An address where nothing listens: if validation let anything through, it would fail differently.
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('GIVEN the tempotrade CLI', () => {
  it('WHEN asked for --help THEN every command documents itself', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['run', 'worker', 'venue', 'temporal', 'demo']) expect(top.out).toContain(c);
    const start = cli(['run', 'start', '--help']);
    for (const f of [
      '--strategy',
      '--symbol',
      '--data',
      '--account',
      '--engine',
      '--mode',
      '--capital',
      '--wait',
      '--json',
    ])
      expect(start.out).toContain(f);
    const startHelp = start.out.replace(/\s+/g, ' ');
    expect(startHelp).toContain("the default 1 is this flag's own, not read from the account or the venue");
    expect(startHelp).toContain('paper money the run deposits into the account as it opens');
    for (const sub of ['halt', 'resume', 'status', 'list']) expect(cli(['run', sub, '--help']).code).toBe(0);
  });

  it.each([
    [[...START_SMA, '--capital', '-5'], '--capital'],
    [['run', 'start', '--strategy', 'nope', '--symbol', 'ETH/BTC'], '--strategy'],
    [['run', 'start', '--strategy', 'sma-crossover'], '--symbol'],
    [[...START_SMA, '--engine', 'turbo'], '--engine'],
    [[...START_SMA, '--max-ticks', 'ten'], '--max-ticks'],
    [[...START_SMA, '--data', 'ETH/BTC'], '--data'],
    [[...START_SMA, '--param', 'fast=50', '--param', 'slow=10'], 'strategy.params.fast'],
    [['run', 'start', '--strategy', 'sma-crossover', '--symbol', 'ethbtc'], 'symbols.0'],
    [[...START_SMA, '--bogus'], '--bogus'],
    [['run', 'halt', 'some-run'], '--reason'],
    [['venue', '--port', 'x'], '--port'],
  ])('WHEN run with %j THEN it exits 2 naming %s, without connecting', (args, field) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(field);
    expect(r.err).not.toMatch(/cannot reach Temporal/);
  });

  it('WHEN RISK_* env vars are bad THEN the error names the risk field', () => {
    const r = cli(START_SMA, {
      RISK_MAX_POSITION_PCT_PER_SYMBOL: '150',
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('risk.maxPositionPctPerSymbol');
  });

  it('WHEN valid flags meet an unreachable server THEN it says how to start one (exit 1)', () => {
    const r = cli(START_SMA);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach Temporal at 127\.0\.0\.1:1.*npm run temporal/);
  });
});
