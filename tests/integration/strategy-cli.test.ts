/**
 * A user's strategy folder outside the repo, as the CLI sees it: `strategy list` and `strategy check` load
 * .ts and .js modules importing `tempotrade/strategy` (the folder has no node_modules), and a broken module,
 * a missing export, a duplicate name or bad params exit 2 naming the file and the field — before any connection.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, REPO_ROOT } from '../../cli/spawn';
import { strategyFolder, strategyModule } from '../helpers/user-strategies';

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPOTRADE_STRATEGIES: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The breakout strategy; `first`, a statement before its logic (the module of another name). */
const donchian = (name = 'donchian-breakout', first = '') =>
  strategyModule({
    name,
    from: 'tempotrade/strategy',
    description: 'Buy a breakout above the N-bar high, exit below the N-bar low.',
    params:
      'z.object({ period: z.number().int().min(2).default(20), pct: z.number().positive().max(100).default(10) })',
    lookback: '(p) => p.period + 1',
    onBar: `${first}
const prev = ctx.bars.slice(0, -1), last = ctx.bars[ctx.bars.length - 1];
const hi = Math.max(...prev.map((b) => b.high)), lo = Math.min(...prev.map((b) => b.low));
if (Number(ctx.position) === 0 && last.close > hi) return [ctx.buy({ pctOfEquity: ctx.params.pct, reason: \`close \${last.close} > \${hi}\` })];
if (Number(ctx.position) > 0 && last.close < lo) return [ctx.sell({ quantity: ctx.position, reason: \`close \${last.close} < \${lo}\` })];
return [];`,
  });
const DONCHIAN_TS = donchian();

const EMA_BRACKET_JS = strategyModule({
  name: 'ema-bracket',
  version: '0.2.0',
  from: 'tempotrade/strategy',
  description: 'Above its EMA: buy, risking 1% of equity to a 2% stop, with a 3% take-profit.',
  params: 'z.object({ period: z.number().int().min(2).default(10) })',
  lookback: '(p) => p.period * 2',
  onBar: `const e = ctx.indicators.ema(ctx.bars.map((b) => b.close), ctx.params.period);
const last = ctx.bars[ctx.bars.length - 1];
ctx.state.ticks = Number(ctx.state.ticks ?? 0) + 1;
if (e === null || Number(ctx.position) > 0 || last.close <= e) return [];
return [ctx.buy({ riskPct: 1, stopLoss: { pct: 2 }, takeProfit: { pct: 3 }, reason: 'above EMA' })];`,
});

describe('GIVEN a strategy folder outside the repo with a .ts and a .js strategy', () => {
  const dir = strategyFolder('tempotrade-strategies-', {
    'donchian.ts': DONCHIAN_TS,
    'ema-bracket.js': EMA_BRACKET_JS,
  });
  const bad = strategyFolder('tempotrade-bad-strategies-', {
    'syntax.ts': "import { defineStrategy } from 'tempotrade/strategy';\nexport default defineStrategy({ name: 'x',\n",
    'no-default.ts': 'export const strategy = 1;\n',
    'plain-object.js': "export default { name: 'fake', onBar: () => [] };\n",
    'throws.ts': donchian('thrower', "throw new Error('no data feed');"),
  });

  it('WHEN `strategy list --strategies DIR` THEN the built-ins and both user strategies show with version, source and params', () => {
    const r = cli(['strategy', 'list', '--strategies', dir, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Array<{
      name: string;
      version: string;
      source: string;
      hash: string;
      params: string;
    }>;
    expect(rows.map((x) => x.name)).toEqual([
      'sma-crossover',
      'rsi-mean-reversion',
      'order-cycle',
      'donchian-breakout',
      'ema-bracket',
    ]);
    expect(rows[3]).toMatchObject({
      version: '1.0.0',
      source: path.join(dir, 'donchian.ts'),
      params: '{"period":20,"pct":10}',
    });
    expect(rows[4]).toMatchObject({ version: '0.2.0', source: path.join(dir, 'ema-bracket.js') });
    expect(rows[3].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('WHEN the folders come from TEMPOTRADE_STRATEGIES (`:`-separated) THEN the strategies of each load', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-empty-'));
    const r = cli(['strategy', 'list'], { TEMPOTRADE_STRATEGIES: `${empty}:${dir}` });
    fs.rmSync(empty, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(r.out).toContain('donchian-breakout');
    expect(r.out).toContain('ema-bracket');
  });

  it('WHEN `strategy check` runs each over bundled bars THEN it reports their orders; the bracket gives its legs', () => {
    const ts = cli(['strategy', 'check', path.join(dir, 'donchian.ts'), '--json']);
    expect(ts.code).toBe(0);
    expect(JSON.parse(ts.out)).toMatchObject({
      name: 'donchian-breakout',
      lookback: 21,
      params: { period: 20, pct: 10 },
      ticks: 200,
    });
    expect(JSON.parse(ts.out).intents).toBeGreaterThan(0);
    const js = cli(['strategy', 'check', path.join(dir, 'ema-bracket.js'), '--bars', '300', '--json']);
    expect(js.code).toBe(0);
    const report = JSON.parse(js.out) as { intents: number };
    expect(report.intents % 3).toBe(0); // every entry comes with its stop-loss and take-profit
    expect(report.intents).toBeGreaterThan(0);
  });

  it.each([
    ['syntax.ts', /syntax\.ts: syntax error: .*syntax\.ts:3:0: ERROR/],
    ['no-default.ts', /no-default\.ts: default: no default export/],
    ['plain-object.js', /plain-object\.js: default: the default export was not made by defineStrategy/],
    ['throws.ts', /throws\.ts: strategy thrower@1\.0\.0 on ETH\/BTC bar \S+: onBar threw: no data feed/],
  ])('WHEN `strategy check %s` THEN it exits 2 naming the file and what is wrong', (file, message) => {
    const r = cli(['strategy', 'check', path.join(bad, file)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('WHEN a param is out of range THEN check exits 2 naming the file and the field', () => {
    const r = cli(['strategy', 'check', path.join(dir, 'donchian.ts'), '--param', 'period=1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path.join(dir, 'donchian.ts')}: strategy.params.period:`);
  });

  it('WHEN two folders define the same name THEN list exits 2 naming both files', () => {
    const dup = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-dup-'));
    fs.writeFileSync(path.join(dup, 'again.ts'), DONCHIAN_TS);
    const r = cli(['strategy', 'list', '--strategies', dir, '--strategies', dup]);
    fs.rmSync(dup, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${path.join(dup, 'again.ts')}: name: duplicate strategy name "donchian-breakout" (also in ${path.join(dir, 'donchian.ts')})`,
    );
  });

  it('WHEN a folder holds x.ts and x.js THEN list and worker exit 2 naming both files, before connecting', () => {
    const twin = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-twin-'));
    fs.writeFileSync(path.join(twin, 'donchian.ts'), DONCHIAN_TS);
    fs.writeFileSync(path.join(twin, 'donchian.js'), DONCHIAN_TS);
    const list = cli(['strategy', 'list', '--strategies', twin]);
    const worker = cli(['worker', '--strategies', twin]);
    fs.rmSync(twin, { recursive: true, force: true });
    for (const r of [list, worker]) {
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${path.join(twin, 'donchian.ts')}: file: two modules named donchian (also donchian.js)`);
    }
  });

  it('WHEN `run start` names a user strategy with bad params, or a folder with a broken module THEN exit 2 before connecting', () => {
    const params = cli([
      'run',
      'start',
      '--strategy',
      'donchian-breakout',
      '--strategies',
      dir,
      '--symbol',
      'ETH/BTC',
      '--param',
      'pct=0',
    ]);
    expect(params.code).toBe(2);
    expect(params.err).toContain(`${path.join(dir, 'donchian.ts')}: strategy.params.pct:`);
    const broken = cli(['run', 'start', '--strategy', 'donchian-breakout', '--strategies', bad, '--symbol', 'ETH/BTC']);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/no-default\.ts: default: no default export/);
    const worker = cli(['worker', '--strategies', bad]);
    expect(worker.code).toBe(2);
    expect(worker.err).toMatch(/no-default\.ts: default: no default export/);
  });
});

describe('GIVEN an untrusted folder whose module would write a file if Node required it', () => {
  const mark = path.join(os.tmpdir(), `tempotrade-required-${process.pid}`);
  const untrusted = strategyFolder('tempotrade-untrusted-', {
    'writer.js': `if (typeof require === 'function') require('fs').writeFileSync(${JSON.stringify(mark)}, 'required');
export default {
  name: 'sb-writer',
  version: '1.0.0',
  description: 'sandboxed',
  params: { period: { type: 'integer', default: 5, min: 2 } },
  lookback: (p) => p.period + 1,
  onBar(ctx) { return []; },
};
`,
  });
  const hangs = strategyFolder('tempotrade-untrusted-bad-', {
    'hangs.js':
      "while (true) {}\nexport default { name: 'sb-hangs', version: '1.0.0', lookback: 2, onBar() { return []; } };\n",
  });
  const writer = `${path.join(untrusted, 'writer.js')} (sandboxed)`;
  afterAll(() => fs.rmSync(mark, { force: true }));

  it('WHEN strategy list, run start and worker get --untrusted-strategies or TEMPOTRADE_UNTRUSTED_STRATEGIES THEN they load it sandboxed, never required', () => {
    const list = cli(['strategy', 'list', '--untrusted-strategies', untrusted, '--json']);
    expect(list.err).toBe('');
    const row = (JSON.parse(list.out) as Array<{ name: string; source: string; params: string }>).find(
      (x) => x.name === 'sb-writer',
    );
    expect(row?.source).toBe(writer);
    expect(row?.params).toContain('period');

    const start = ['run', 'start', '--strategy', 'sb-writer', '--symbol', 'ETH/BTC', '--param', 'period=1'];
    for (const r of [
      cli([...start, '--untrusted-strategies', untrusted]),
      cli(start, { TEMPOTRADE_UNTRUSTED_STRATEGIES: untrusted }),
    ]) {
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${writer}: strategy.params.period:`);
    }
    for (const r of [
      cli(['worker', '--untrusted-strategies', hangs]),
      cli(['worker'], { TEMPOTRADE_UNTRUSTED_STRATEGIES: hangs }),
    ]) {
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        `${path.join(hangs, 'hangs.js')}: in the sandbox: sandbox deadline: loading the module ran over 1000 ms`,
      );
    }
    expect(fs.existsSync(mark)).toBe(false);
  });
});
