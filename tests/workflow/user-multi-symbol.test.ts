/**
 * A multi-symbol user strategy on the fast layer: a momentum rotation between two bundled pairs (ETH/BTC and
 * LTC/BTC) that reads both through ctx.universe and ctx.barsOf, decides once per tick and trades both legs.
 */
import { cmp } from '../../domain/money';
import { loadStrategies } from '../../domain/strategies/loader';
import { runAudit } from '../../temporal/runs-client';
import { differences, result } from '../helpers/runs';
import { workflowSuite } from '../helpers/workflow-harness';
import { strategyFolder, strategyModule } from '../helpers/user-strategies';

const PAIRS = ['ETH/BTC', 'LTC/BTC'];

const dir = strategyFolder('tempotrade-user-rotation-', {
  /** Holds the pair that rose more over the last `period` bars; rotates (sell, then buy) when the leader changes. */
  'rotation.ts': strategyModule({
    name: 'user-rotation',
    description: 'momentum rotation across the run symbols',
    params: 'z.object({ period: z.number().int().min(1).default(4), pct: z.number().positive().max(100).default(40) })',
    lookback: '(p) => p.period + 1',
    onBar: `if (ctx.symbol !== ctx.universe[0]) return [];
const change = (s) => {
  const bars = ctx.barsOf(s);
  return bars[bars.length - 1].close / bars[bars.length - 1 - ctx.params.period].close - 1;
};
const leader = [...ctx.universe].sort((a, b) => change(b) - change(a))[0];
const held = ctx.universe.filter((s) => Number(ctx.positions[s]) > 0);
if (held.length === 1 && held[0] === leader) return [];
return [
  ...held.map((s) => ctx.sell({ symbol: s, quantity: ctx.positions[s], reason: 'rotate out of ' + s })),
  ctx.buy({ symbol: leader, pctOfEquity: ctx.params.pct, reason: 'rotate into ' + leader }),
];`,
  }),
});
const registry = loadStrategies([dir]);
const suite = workflowSuite('user-rotation', PAIRS, { strategies: registry });

describe('GIVEN a user rotation strategy over two bundled pairs', () => {
  it('WHEN it runs 80 ticks of real ETH/BTC and LTC/BTC bars THEN it buys and sells both legs, holds one at a time, and the portfolio equals the venue', async () => {
    const input = suite.input('rotation', { strategy: { name: 'user-rotation', params: {} }, ticks: 80 });
    const id = await suite.start(input);
    const summary = await result(suite.client, id);
    const audit = await runAudit(suite.client, id);
    const venue = await suite.account(input.accountId);

    expect(summary.tradingState).toBe('ACTIVE');
    for (const symbol of PAIRS) {
      const sides = new Set(venue.fills.filter((f) => f.symbol === symbol).map((f) => f.side));
      expect([symbol, [...sides].sort()]).toEqual([symbol, ['buy', 'sell']]);
      const into = audit.filter((e) => e.kind === 'INTENT_SIGNALED' && e.message.endsWith(`rotate into ${symbol}`));
      expect(into.length).toBeGreaterThanOrEqual(1);
    }
    // A rotation sells the old leg before buying the new one, so the run never ends a tick holding both.
    expect(Object.values(summary.positions).filter((q) => cmp(q, 0) > 0).length).toBeLessThanOrEqual(1);
    expect(venue.orders.length).toBe(summary.orders.placed);
    expect(differences(summary, venue)).toEqual([]);
  });
});
