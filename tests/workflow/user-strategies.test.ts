/**
 * User strategies on the fast layer: modules written into a folder outside the repo, loaded with the real
 * loader into the worker's registry, run by the real workflow through the strategy step. A user's .ts and .js
 * trade; a faulty strategy halts its own run (STRATEGY_FAILED) while a healthy one on the same worker goes on;
 * a strategy's ctx.state survives continue-as-new. The workflow bundle holds no strategy code.
 */
import type { RunSummary } from '../../domain/run/state';
import { loadStrategies } from '../../domain/strategies/loader';
import { runAudit, runStatus } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { momentumModule, strategyFolder, strategyModule } from '../helpers/user-strategies';
import { workflowSuite } from '../helpers/workflow-harness';
import { sharedWorkflowBundle } from '../helpers/workflow-bundle';

const faulty = (name: string, onBar: string) => ({
  [`${name}.js`]: strategyModule({ name, description: 'faulty', format: 'cjs', onBar }),
});
const dir = strategyFolder('tempotrade-user-strategies-', {
  /** Buys every 7th bar when flat and sells 3 bars later: the bar count lives in ctx.state. */
  'counter.ts': strategyModule({
    name: 'user-counter',
    description: 'a bar counter in ctx.state',
    params: 'z.object({ every: z.number().int().min(2).default(7) })',
    countBars: true,
    onBar: `if (Number(ctx.position) === 0 && n % ctx.params.every === 1) return [ctx.buy({ pctOfEquity: 20, reason: 'bar ' + n })];
if (Number(ctx.position) > 0 && n % ctx.params.every === 4) return [ctx.sell({ quantity: ctx.position, reason: 'bar ' + n })];
return [];`,
  }),
  'momentum.js': momentumModule('user-momentum', '0.1.0'),
  ...faulty('user-throws', "throw new Error('division by zero in my model');"),
  ...faulty('user-nan', "return [ctx.buy({ quantity: NaN, reason: 'nan' })];"),
  ...faulty('user-unknown-symbol', "return [ctx.buy({ symbol: 'DOGE/BTC', pctOfEquity: 10, reason: 'elsewhere' })];"),
});

const registry = loadStrategies([dir]);
const suite = workflowSuite('user-strategies', ['ETH/BTC'], { strategies: registry });

const input = (run: string, name: string, ticks = 60, continueAsNewAfterTicks = 500) =>
  suite.input(run, { strategy: { name, params: {} }, ticks, continueAsNewAfterTicks });

describe('GIVEN user strategies in a folder outside the repo, loaded into the worker', () => {
  it.each([['user-counter (.ts)'], ['user-momentum (.js)']])(
    'WHEN %s runs on the bundled data THEN it places orders, pinned to its module hash',
    async (label) => {
      const name = label.split(' ')[0];
      const id = await suite.start(input(`user-${name}`, name));
      const summary = await result(suite.client, id);
      const { status } = await runStatus(suite.client, id);
      const audit = await runAudit(suite.client, id);
      const entry = registry.require(name);

      expect(summary.orders.placed).toBeGreaterThan(0);
      expect(summary.tradingState).toBe('ACTIVE');
      expect(status.strategyPin).toEqual({ name, version: entry.version, hash: entry.hash });
      const loaded = audit.find((e) => e.kind === 'STRATEGY_LOADED');
      expect(loaded?.message).toContain(entry.hash);
      expect(audit.filter((e) => e.kind === 'ORDER_PLACED').length).toBe(summary.orders.placed);
    },
  );

  it('WHEN faulty strategies run beside a healthy one on the same worker THEN each ends HALTED with STRATEGY_FAILED and no order, and the healthy one trades', async () => {
    const cases = [
      ['user-throws', 'division by zero in my model'],
      ['user-nan', 'quantity'],
      ['user-unknown-symbol', 'unknown symbol "DOGE/BTC"'],
    ] as const;
    const ids = await Promise.all(cases.map(([name]) => suite.start(input(name, name))));
    const healthyId = await suite.start(input('user-healthy', 'user-momentum'));
    const [healthy, ...faults] = await Promise.all([healthyId, ...ids].map((id) => result(suite.client, id)));

    expect(healthy.tradingState).toBe('ACTIVE');
    expect(healthy.orders.placed).toBeGreaterThan(0);
    for (const [i, [, words]] of cases.entries()) {
      const { status } = await runStatus(suite.client, ids[i]);
      const audit = await runAudit(suite.client, ids[i]);
      expect(faults[i].tradingState).toBe('HALTED');
      expect(faults[i].orders.placed).toBe(0);
      expect(status.stateReason).toMatch(/^STRATEGY_FAILED: .*\(bar \d+\)$/);
      expect(status.stateReason).toContain(words);
      expect(status.strategyFault?.code).toBe('STRATEGY_FAILED');
      // It kept ticking to its end, HALTED, without asking the strategy again.
      expect(status.tick).toBe(60);
      expect(audit.filter((e) => e.kind === 'STRATEGY_FAILED').length).toBe(1);
    }
  });

  it('WHEN a strategy that keeps ctx.state continues as new every 10 ticks THEN its orders equal those of an uninterrupted run', async () => {
    const plainId = await suite.start(input('user-state-plain', 'user-counter', 45));
    const chainId = await suite.start(input('user-state-chain', 'user-counter', 45, 10));
    const [plain, chained] = await Promise.all([result(suite.client, plainId), result(suite.client, chainId)]);
    const audit = await runAudit(suite.client, chainId);
    const orders = (s: RunSummary) => s.execution?.recent.map((o) => [o.side, o.quantity, o.placedAt]);

    expect(audit.filter((e) => e.kind === 'CONTINUED_AS_NEW').length).toBe(4);
    expect(plain.orders.placed).toBeGreaterThan(4);
    expect(chained.orders).toEqual(plain.orders);
    expect(orders(chained)).toEqual(orders(plain));
    expect([chained.cash, chained.positions, chained.equity]).toEqual([plain.cash, plain.positions, plain.equity]);
  });
});

describe('GIVEN the workflow bundle the worker runs', () => {
  it('WHEN its code is searched THEN it holds neither the strategy SDK nor trading-signals', async () => {
    const { code } = await sharedWorkflowBundle();
    const modules = [...new Set([...code.matchAll(/"(\.\.?\/[^"\s]+\.[cm]?[jt]s)"/g)].map((m) => m[1]))];

    expect(modules).toContain('./workflows/strategy-run/strategy.ts'); // the module list is what we think it is
    expect(modules.filter((m) => /domain\/strategies\/|trading-signals/.test(m))).toEqual([]);
    expect(code.includes('defineStrategy')).toBe(false);
  });
});
