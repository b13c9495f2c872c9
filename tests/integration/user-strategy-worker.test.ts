/**
 * A user's strategy through real processes: a folder outside the repo holds a .ts and a .js module importing
 * from 'tempotrade/strategy'; `tempotrade worker` loads it (TEMPOTRADE_STRATEGIES, as --strategies does) and
 * `tempotrade run start --strategies DIR --wait` runs each on the bundled data through Temporal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAllChildren, spawnWorker } from '../../cli/spawn';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { runCli } from '../helpers/cli';
import { dataFile, startVenue } from '../helpers/runs';
import { NAMESPACE, serverAddress } from '../helpers/temporal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-worker-strategies-'));
const body = `
  params: z.object({ period: z.number().int().min(2).default(5) }),
  lookback: (p) => p.period + 1,
  onBar(ctx) {
    const prev = ctx.bars.slice(0, -1), last = ctx.bars[ctx.bars.length - 1];
    const hi = Math.max(...prev.map((b) => b.high)), lo = Math.min(...prev.map((b) => b.low));
    if (Number(ctx.position) === 0 && last.close > hi) return [ctx.buy({ pctOfEquity: 10, reason: 'breakout' })];
    if (Number(ctx.position) > 0 && last.close < lo) return [ctx.sell({ quantity: ctx.position, reason: 'breakdown' })];
    return [];
  },
});
`;
fs.writeFileSync(
  path.join(dir, 'donchian.ts'),
  `import { defineStrategy, z } from 'tempotrade/strategy';
export default defineStrategy({ name: 'user-donchian-ts', version: '1.0.0', description: 'breakout (.ts)',${body}`,
);
fs.writeFileSync(
  path.join(dir, 'breakout.js'),
  `import { defineStrategy, z } from 'tempotrade/strategy';
export default defineStrategy({ name: 'user-donchian-js', version: '1.0.0', description: 'breakout (.js)',${body}`,
);

let venue: PaperVenueServer;
const env = () => ({
  TEMPORAL_ADDRESS: serverAddress(),
  TEMPORAL_NAMESPACE: NAMESPACE(),
  TEMPOTRADE_STRATEGIES: dir,
});
const stamp = Date.now().toString(36);

beforeAll(async () => {
  venue = await startVenue(['ETH/BTC']);
  await spawnWorker(env());
}, 180_000);
afterAll(async () => {
  await killAllChildren();
  await venue?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GIVEN a worker started with a folder of user strategies', () => {
  it.each([['user-donchian-ts'], ['user-donchian-js']])(
    'WHEN `run start --strategies DIR --strategy %s --wait` THEN the run places orders, pinned to the module',
    async (name) => {
      const args = ['run', 'start', '--strategies', dir, '--strategy', name, '--symbol', 'ETH/BTC'];
      const where = ['--venue-url', venue.url, '--data', `ETH/BTC=${dataFile('ETH/BTC')}`, '--capital', '1'];
      const run = ['--account', `acct-${name}-${stamp}`, '--id', `${name}-${stamp}`, '--max-ticks', '300'];
      const r = await runCli([...args, ...where, ...run, '--wait', '--json'], { ...env(), TEMPOTRADE_STRATEGIES: '' });
      const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
      const status = await runCli(['run', 'status', `${name}-${stamp}`, '--json'], env());
      const view = JSON.parse(status.stdout);
      const text = (await runCli(['run', 'status', `${name}-${stamp}`], env())).stdout;

      expect(summary.orders.placed).toBeGreaterThan(0);
      expect(summary.tradingState).toBe('ACTIVE');
      expect(view.status.strategyPin).toMatchObject({
        name,
        version: '1.0.0',
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(text).toMatch(
        new RegExp(`^strategy pin +${name}@1\\.0\\.0, module ${view.status.strategyPin.hash.slice(0, 12)}$`, 'm'),
      );
    },
    240_000,
  );
});
