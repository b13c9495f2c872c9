/**
 * Spec files from the CLI, as a user runs it: `strategy check` runs the example spec over bundled bars,
 * `strategy explain` reads it back in words, `strategy schema` prints the JSON Schema, and a bad spec exits 2
 * naming the file and the path into the document — all before any connection.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { BIN, REPO_ROOT } from '../../cli/spawn';
import { strategyFolder } from '../helpers/user-strategies';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPOTRADE_STRATEGIES: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'strategies', 'ema-cross.strategy.yaml');

describe('GIVEN the example spec file examples/strategies/ema-cross.strategy.yaml', () => {
  it('WHEN `strategy check` runs it THEN it passes, on the symbols the spec names, and orders entries with their legs and exits', () => {
    const r = cli(['strategy', 'check', EXAMPLE, '--bars', '2000', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as {
      name: string;
      symbols: string[];
      lookback: number;
      intents: number;
      first: string;
    };
    expect(report).toMatchObject({ name: 'ema-cross-spec', symbols: ['ETH/BTC'], lookback: 168, params: { fast: 9 } });
    expect(report.intents).toBeGreaterThan(3);
    expect(report.first).toMatch(/^buy \S+ ETH\/BTC market \(\(ema\(9\) crosses above ema\(21\)\) and/);
  });

  it('WHEN `strategy check --param` gives a param outside its declared range THEN it exits 2 naming the file and the param', () => {
    const r = cli(['strategy', 'check', EXAMPLE, '--param', 'fast=1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${EXAMPLE}: strategy.params.fast: `);
    const ok = cli(['strategy', 'check', EXAMPLE, '--param', 'fast=12', '--json']);
    expect(JSON.parse(ok.out)).toMatchObject({ params: { fast: 12, slow: 21, pct: 20 } });
  });

  it('WHEN `strategy explain` reads it THEN it prints the rules in plain words', () => {
    const r = cli(['strategy', 'explain', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Buy ETH/BTC with 20% of equity when (ema(9) crosses above ema(21))');
    expect(r.out).toContain('stop-loss 2% below entry, take-profit 4% above entry');
  });

  it('WHEN `strategy schema` runs THEN stdout is the JSON Schema of spec files, and nothing else', () => {
    const r = cli(['strategy', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out) as { $schema: string; properties: Record<string, unknown> };
    expect(schema.$schema).toContain('json-schema.org');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['indicators', 'entries', 'exits', 'params']),
    );
  });

  it('WHEN `strategy list --strategies examples/strategies` runs THEN the spec is listed with its file and hash', () => {
    const r = cli(['strategy', 'list', '--strategies', path.dirname(EXAMPLE), '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Array<{ name: string; source: string; hash: string }>;
    expect(rows.find((x) => x.name === 'ema-cross-spec')).toMatchObject({
      source: EXAMPLE,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});

describe('GIVEN a spec file with a misspelled indicator', () => {
  const dir = strategyFolder('tempotrade-spec-cli-', {
    'typo.strategy.yaml': `name: typo
version: 1.0.0
description: a typo
indicators:
  ema: { ema: { period: 9 } }
entries:
  - when: { cross: { left: emaa, right: close, direction: above } }
    size: { pctOfEquity: 10 }
`,
  });
  it.each([['check'], ['explain']])(
    'WHEN `strategy %s` reads it THEN it exits 2 naming the file and the path into the document',
    (verb) => {
      const file = path.join(dir, 'typo.strategy.yaml');
      const r = cli(['strategy', verb, file]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${file}: entries[0].when.cross.left: unknown indicator "emaa"`);
    },
  );
});
