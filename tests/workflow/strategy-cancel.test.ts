/**
 * A user strategy's ctx.cancel on the fast layer: the run cancels the named open orders at the venue in the
 * tick the strategy asks, long before the run's own cancel-after-ticks would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadStrategies } from '../../domain/strategies/loader';
import { runAudit } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { workflowSuite } from '../helpers/workflow-harness';

const SDK = path.resolve(__dirname, '..', '..', 'domain', 'strategies', 'sdk');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-cancel-'));
/** A resting limit buy 2% under the close; the next bar, whatever still rests is canceled. */
fs.writeFileSync(
  path.join(dir, 'resting.js'),
  `const { defineStrategy, z } = require(${JSON.stringify(SDK)});
exports.default = defineStrategy({
  name: 'user-resting', version: '1.0.0', description: 'rest, then cancel', params: z.object({}), lookback: () => 2,
  onBar(ctx) {
    if (ctx.openOrders.length > 0) return [ctx.cancel({ reason: 'stale' })];
    if (Number(ctx.position) > 0) return [ctx.sell({ quantity: ctx.position, reason: 'out' })];
    const limitPrice = (ctx.bars[ctx.bars.length - 1].close * 0.98).toFixed(8);
    return [ctx.buy({ pctOfEquity: 10, type: 'limit', limitPrice, reason: 'rest' })];
  },
});
`,
);
const suite = workflowSuite('strategy-cancel', ['ETH/BTC'], { strategies: loadStrategies([dir]) });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('GIVEN a strategy that cancels its resting orders', () => {
  it('WHEN it runs THEN each cancel it asks for is carried out at the venue and audited', async () => {
    const input = suite.input({
      runId: `wf-user-cancel-${Date.now().toString(36)}`,
      symbols: ['ETH/BTC'],
      strategy: { name: 'user-resting', params: {} },
      stop: { maxTicks: 30, endOfData: true },
      cancelAfterTicks: 1_000,
    });
    const id = await suite.start(input);
    const summary = await result(suite.client, id);
    const audit = await runAudit(suite.client, id);
    const asked = audit.filter((e) => e.kind === 'INTENT_SIGNALED' && e.code === 'STRATEGY_CANCEL');
    const venue = await suite.account(input.accountId);

    expect(asked.length).toBeGreaterThan(0);
    expect(summary.orders.canceled).toBeGreaterThanOrEqual(asked.length);
    for (const a of asked) {
      expect(venue.orders.find((o) => o.clientOrderId === a.clientOrderId)?.status).toBe('CANCELED');
    }
  });
});
