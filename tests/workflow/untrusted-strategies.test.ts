/**
 * Untrusted strategies on the fast layer: an untrusted folder loaded into the worker's registry, every module
 * in its own QuickJS sandbox, run by the real workflow through the strategy step. On one worker a healthy
 * sandboxed run trades to its end while hostile runs (a loop, a memory bomb, an escape attempt, a require)
 * each end HALTED with STRATEGY_FAILED, the reason with its numbers in the status and the audit.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StrategyRegistry } from '../../domain/strategies/registry';
import { loadAllStrategies } from '../../domain/strategies/sandbox/untrusted';
import { runAudit, runStatus } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { strategyFolder } from '../helpers/user-strategies';
import { workflowSuite } from '../helpers/workflow-harness';

const MARK = path.join(os.tmpdir(), `tempotrade-untrusted-wf-${process.pid}`);
/** Wider than the 50 ms default: the healthy run must not trip on this shared test machine's pauses. */
const LIMITS = { deadlineMs: 250, memoryMb: 32 };

const sandboxed = (name: string, onBar: string) => `export default {
  name: ${JSON.stringify(name)},
  version: '1.0.0',
  description: 'sandboxed',
  params: { pct: { type: 'number', default: 10, min: 1, max: 100 } },
  lookback: (p) => 2,
  onBar(ctx) {
${onBar}
  },
};
`;

const dir = strategyFolder('tempotrade-untrusted-wf-', {
  'momentum.js': sandboxed(
    'sb-momentum',
    `const [prev, last] = ctx.bars.slice(-2);
if (Number(ctx.position) === 0 && last.close > prev.close) return [ctx.buy({ pctOfEquity: ctx.params.pct, reason: 'up' })];
if (Number(ctx.position) > 0 && last.close < prev.close) return [ctx.sell({ quantity: ctx.position, reason: 'down' })];
return [];`,
  ),
  'loop.js': sandboxed('sb-loop', 'while (true) {}'),
  'memory.js': sandboxed('sb-memory', 'const a = []; while (true) a.push(new ArrayBuffer(1 << 20));'),
  'escape.js': sandboxed('sb-escape', "Function('return this')().process.exit(1);\nreturn [];"),
  'require.js': sandboxed('sb-require', `require('fs').writeFileSync(${JSON.stringify(MARK)}, 'escaped');\nreturn [];`),
});

let registry: StrategyRegistry | undefined;
beforeAll(async () => {
  fs.rmSync(MARK, { force: true });
  registry = await loadAllStrategies([], [dir], LIMITS);
});
const suite = workflowSuite('untrusted-strategies', ['ETH/BTC'], {
  strategies: () => {
    if (!registry) throw new Error('the untrusted strategies load in beforeAll');
    return registry;
  },
});

const input = (run: string, name: string, ticks = 40) => suite.input(run, { strategy: { name, params: {} }, ticks });

describe('GIVEN untrusted strategies loaded into one worker, each in its own sandbox', () => {
  it('WHEN a healthy sandboxed run trades beside hostile ones THEN it ends ACTIVE with orders and each hostile run ends HALTED by STRATEGY_FAILED with its reason', async () => {
    const cases = [
      ['sb-loop', `sandbox deadline: onBar ran over ${LIMITS.deadlineMs} ms`],
      ['sb-memory', `sandbox memory: onBar went over the ${LIMITS.memoryMb} MB limit`],
      ['sb-escape', "onBar threw: TypeError: cannot read property 'exit' of undefined"],
      ['sb-require', "onBar threw: ReferenceError: 'require' is not defined"],
    ] as const;
    const healthyId = await suite.start(input('sb-healthy', 'sb-momentum'));
    const ids = await Promise.all(cases.map(([name]) => suite.start(input(name, name))));
    const [healthy, ...faults] = await Promise.all([healthyId, ...ids].map((id) => result(suite.client, id)));

    expect(healthy.tradingState).toBe('ACTIVE');
    expect(healthy.orders.placed).toBeGreaterThan(3);
    const { status: healthyStatus } = await runStatus(suite.client, healthyId);
    expect(healthyStatus.tick).toBe(40);
    expect(healthyStatus.strategyPin?.hash).toBe(registry!.require('sb-momentum').hash);

    for (const [i, [name, words]] of cases.entries()) {
      const { status } = await runStatus(suite.client, ids[i]);
      const audit = await runAudit(suite.client, ids[i]);
      expect([name, faults[i].tradingState, faults[i].orders.placed]).toEqual([name, 'HALTED', 0]);
      expect(status.stateReason).toMatch(new RegExp(`^STRATEGY_FAILED: strategy ${name}@1\\.0\\.0 on ETH/BTC bar `));
      expect(status.stateReason).toContain(words);
      expect(status.strategyFault?.code).toBe('STRATEGY_FAILED');
      const failed = audit.filter((e) => e.kind === 'STRATEGY_FAILED');
      expect(failed).toHaveLength(1);
      expect(failed[0].message).toContain(words);
      // It kept ticking to its end, HALTED, without asking the strategy again.
      expect(status.tick).toBe(40);
    }
    expect(fs.existsSync(MARK)).toBe(false);
  });
});
