/**
 * `tempotrade schedule …` and `tempotrade account …` as a user types them: bad flags exit 2 naming the
 * flag, before anything connects (the address is one where nothing listens).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT } from '../../cli/spawn';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_SECRET_ARN: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, err: r.stderr };
}

const RUN = ['--strategy', 'sma-crossover', '--symbol', 'ETH/BTC'];

describe('GIVEN the schedule and account commands', () => {
  it.each([
    [['schedule', 'create', 's1', ...RUN], '--every'],
    [['schedule', 'create', 's1', '--every', '5m', '--cron', '*/5 * * * *', ...RUN], '--every'],
    [['schedule', 'create', 's1', '--every', 'hourly', ...RUN], '--every'],
    [['schedule', 'create', 's1', '--cron', '* * *', ...RUN], '--cron'],
    [['schedule', 'create', 's1', '--every', '5m', '--catchup-window', '1s', ...RUN], '--catchup-window'],
    [['schedule', 'create', 's1', '--every', '5m', '--tick', '--tick-interval', '1s', ...RUN], '--tick-interval'],
    [['schedule', 'create', 's1', '--every', '5m', '--overlap', 'sometimes', ...RUN], '--overlap'],
    [['schedule', 'backfill', 's1', '--from', 'yesterday', '--to', '2026-01-01T00:00:00Z'], '--from'],
    [['schedule', 'pause', 'no spaces'], '--schedule-id'],
    [['account', 'halt', 'acct-1'], '--reason'],
    [['account', 'halt', 'a b', '--reason', 'x'], '--account-id'],
  ])('WHEN run with %j THEN it exits 2 naming %s, without connecting', (args, flag) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(flag);
    expect(r.err).not.toMatch(/cannot reach Temporal/);
  });

  it('WHEN a valid schedule meets an unreachable server THEN it exits 1 saying so', () => {
    const r = cli(['schedule', 'create', 's1', '--every', '5m', ...RUN]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach Temporal at 127\.0\.0\.1:1/);
  });

  it('WHEN `schedule create --strategies DIR` names a user strategy THEN it loads and checks it first: bad params exit 2 naming the file, good ones reach for the server', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-sched-cli-'));
    const file = path.join(dir, 'hold.ts');
    fs.writeFileSync(
      file,
      `import { defineStrategy, z } from 'tempotrade/strategy';
export default defineStrategy({ name: 'user-hold', version: '1.0.0', description: 'never trades',
  params: z.object({ n: z.number().int().min(1).default(3) }), lookback: (p) => p.n, onBar: () => [] });
`,
    );
    const user = ['schedule', 'create', 's1', '--every', '5m', '--strategies', dir, '--strategy', 'user-hold'];
    const bad = cli([...user, '--symbol', 'ETH/BTC', '--param', 'n=0']);
    const good = cli([...user, '--symbol', 'ETH/BTC']);
    const without = cli([
      'schedule',
      'create',
      's1',
      '--every',
      '5m',
      '--strategy',
      'user-hold',
      '--symbol',
      'ETH/BTC',
    ]);
    fs.rmSync(dir, { recursive: true, force: true });

    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${file}: strategy.params.n:`);
    expect(good.code).toBe(1);
    expect(good.err).toMatch(/cannot reach Temporal at 127\.0\.0\.1:1/);
    expect(without.code).toBe(2);
    expect(without.err).toContain('unknown strategy "user-hold"');
  });
});
