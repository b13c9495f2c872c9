/**
 * A user strategy's ctx.cancel on the fast layer: the run cancels the named open orders at the venue in the
 * tick the strategy asks, long before the run's own cancel-after-ticks would.
 */
import { loadStrategies } from '../../domain/strategies/loader';
import { runAudit } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { strategyFolder, strategyModule } from '../helpers/user-strategies';
import { workflowSuite } from '../helpers/workflow-harness';

/** A resting limit buy 2% under the close; the next bar, whatever still rests is canceled. */
const dir = strategyFolder('tempotrade-cancel-', {
  'resting.js': strategyModule({
    name: 'user-resting',
    description: 'rest, then cancel',
    format: 'cjs',
    onBar: `if (ctx.openOrders.length > 0) return [ctx.cancel({ reason: 'stale' })];
if (Number(ctx.position) > 0) return [ctx.sell({ quantity: ctx.position, reason: 'out' })];
const limitPrice = (ctx.bars[ctx.bars.length - 1].close * 0.98).toFixed(8);
return [ctx.buy({ pctOfEquity: 10, type: 'limit', limitPrice, reason: 'rest' })];`,
  }),
});
const suite = workflowSuite('strategy-cancel', ['ETH/BTC'], { strategies: loadStrategies([dir]) });

describe('GIVEN a strategy that cancels its resting orders', () => {
  it('WHEN it runs THEN each cancel it asks for is carried out at the venue and audited', async () => {
    const input = suite.input('user-cancel', {
      strategy: { name: 'user-resting', params: {} },
      ticks: 30,
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
