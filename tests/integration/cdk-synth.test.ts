/**
 * `npx cdk synth` for real, offline, as an operator runs it before `cdk deploy`: the CDK CLI runs the app
 * (cdk.json), esbuild bundles every Lambda locally (no Docker), cdk-nag passes (it fails the synth on an
 * error), and the worker image's build context is the lean one .dockerignore allows. Then a bundled
 * handler, as it would be uploaded, answers API Gateway events against the jest run's Temporal server.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { API_ROUTES } from '../../functions/routes';
import { apiEvent, bodyOf } from '../helpers/apigw';
import type { HttpEvent, HttpResult } from '../../functions/http';

const REPO = path.resolve(__dirname, '..', '..');
const out = mkdtempSync(path.join(os.tmpdir(), 'tempotrade-cdk-synth-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// As docs/deploy.md has an operator name them: a live account and a paper-on-live one.
const VENUE_ACCOUNTS = [
  { exchange: 'binance', account: 'desk-1', rate: 8 },
  { exchange: 'binance', account: 'paper-desk', rate: 4, paperOnLive: true },
];
let synth: { status: number | null; ms: number; stderr: string };
beforeAll(() => {
  const t0 = Date.now();
  const venues = JSON.stringify(VENUE_ACCOUNTS);
  const args = ['--no-install', 'cdk', 'synth', '--quiet', '--no-notices', '-c', `tempotrade:venueAccounts=${venues}`];
  const r = spawnSync('npx', [...args, '-o', out], {
    cwd: REPO,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  synth = { status: r.status, ms: Date.now() - t0, stderr: r.stderr };
  console.log(`npx cdk synth: exit ${r.status} in ${synth.ms} ms`);
}, 310_000);

function dirSize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? dirSize(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).size),
    0,
  );
}

type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }>;
};

describe('GIVEN `npx cdk synth` run offline from the repo root', () => {
  it('THEN it succeeds (cdk-nag included) and writes the stack template', () => {
    expect({ status: synth.status, stderr: synth.status === 0 ? '' : synth.stderr.slice(-3000) }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(existsSync(path.join(out, 'Tempotrade.template.json'))).toBe(true);
    const report = readFileSync(path.join(out, 'AwsSolutions--Tempotrade-NagReport.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    expect(report.filter((l) => l.includes('"Non-Compliant"'))).toEqual([]);
  });

  it('THEN a worker service polls each venue account at its rate, and the paper-on-live one mounts the EFS volume', () => {
    const t = JSON.parse(readFileSync(path.join(out, 'Tempotrade.template.json'), 'utf8')) as Template;
    const of = (type: string) => Object.values(t.Resources).filter((r) => r.Type === type);
    expect(of('AWS::ECS::Service')).toHaveLength(1 + VENUE_ACCOUNTS.length);
    const workers = of('AWS::ECS::TaskDefinition').map((task) =>
      (
        task.Properties.ContainerDefinitions as Array<{ Name: string; Command?: string[]; MountPoints?: unknown[] }>
      ).find((c) => c.Name === 'worker')!,
    );
    expect(workers.map((w) => w.Command?.join(' ')).sort()).toEqual([
      'worker --venue binance:desk-1 --venue-rate 8',
      'worker --venue binance:paper-desk --venue-rate 4',
      undefined,
    ]);
    const mounted = workers.filter((w) => (w.MountPoints ?? []).length > 0);
    expect(mounted.map((w) => w.Command?.[2])).toEqual(['binance:paper-desk']);
    expect(of('AWS::EFS::FileSystem')).toHaveLength(1);
    expect(of('AWS::EFS::FileSystem')[0].Properties.Encrypted).toBe(true);
  });

  it('THEN every Lambda is bundled locally into one index.js, without the worker package', () => {
    const t = JSON.parse(readFileSync(path.join(out, 'Tempotrade.template.json'), 'utf8')) as Template;
    const fns = Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns).toHaveLength(API_ROUTES.length);
    for (const fn of fns) {
      const assetDir = path.join(out, fn.Metadata!['aws:asset:path']);
      const code = readFileSync(path.join(assetDir, 'index.js'), 'utf8');
      expect(code.length).toBeGreaterThan(100_000);
      expect(code).not.toContain('bundleWorkflowCode');
    }
  });

  it('THEN the worker image context holds the sources and package files only (no node_modules, tests, data, .git)', () => {
    const dirs = readdirSync(out).filter((d) => d.startsWith('asset.') && existsSync(path.join(out, d, 'Dockerfile')));
    expect(dirs).toHaveLength(1);
    const ctx = path.join(out, dirs[0]);
    const top = readdirSync(ctx).sort();
    for (const banned of ['node_modules', 'tests', 'data', '.git', 'cdk.out', 'infra', 'functions', 'bench', 'docs'])
      expect(top).not.toContain(banned);
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
      'bin',
      'workers',
      'workflows',
      'activities',
    ])
      expect(top).toContain(needed);
    expect(dirSize(ctx)).toBeLessThan(5 * 1024 * 1024);
  });

  it('WHEN a bundled handler gets API Gateway events THEN it answers 404 for an unknown run and 400 naming a bad field', async () => {
    const t = JSON.parse(readFileSync(path.join(out, 'Tempotrade.template.json'), 'utf8')) as Template;
    const load = (name: string) => {
      const fn = Object.entries(t.Resources).find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`ControlPlane${name}`),
      )![1];
      const file = path.join(out, fn.Metadata!['aws:asset:path'], 'index.js');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bundle = require(file) as { handler: (e: HttpEvent) => Promise<HttpResult> };
      return bundle.handler;
    };
    const status = await load('RunsStatus')(
      apiEvent('GET', '/runs/{id}', { path: { id: `no-such-run-${Date.now()}` } }),
    );
    expect([status.statusCode, bodyOf(status).error]).toEqual([404, 'RUN_NOT_FOUND']);
    const halt = await load('RunsHalt')(
      apiEvent('POST', '/runs/{id}/halt', { path: { id: 'r1' }, body: { reason: '' } }),
    );
    expect([halt.statusCode, bodyOf(halt).fields]).toEqual([400, ['body.reason']]);
  });
});
