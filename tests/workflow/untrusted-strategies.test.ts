/**
 * Untrusted strategies on the fast layer: an untrusted folder loaded into the worker's registry, every module
 * in its own QuickJS sandbox, run by the real workflow through the strategy step. On one worker a healthy
 * sandboxed run trades to its end, placing exactly the orders of its SDK twin, while hostile runs (a loop, a memory
 * bomb, the four escape attempts, a 10 MB output, NaN quantities) each end HALTED with STRATEGY_FAILED, the reason
 * with its numbers in the status and the audit.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StrategyRegistry } from '../../domain/strategies/registry';
import { loadAllStrategies } from '../../domain/strategies/sandbox/untrusted';
import { runAudit, runStatus } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { momentumModule, strategyFolder } from '../helpers/user-strategies';
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
  'process.js': sandboxed('sb-process', 'process.exit(1);\nreturn [];'),
  'import.js': sandboxed('sb-import', "return import('node:fs').then((fs) => fs.readFileSync('/etc/passwd'));"),
  'huge.js': sandboxed('sb-huge', "return [ctx.buy({ quantity: 1, reason: 'x'.repeat(10 * 1024 * 1024) })];"),
  'nan.js': sandboxed('sb-nan', "return [ctx.buy({ quantity: NaN, reason: 'nan' })];"),
  'require.js': sandboxed('sb-require', `require('fs').writeFileSync(${JSON.stringify(MARK)}, 'escaped');\nreturn [];`),
});

/** The healthy module's logic written with the SDK, in a trusted folder: the same orders are expected. */
const trusted = strategyFolder('tempotrade-untrusted-wf-twin-', { 'twin.js': momentumModule('sdk-momentum', '1.0.0') });

let registry: StrategyRegistry | undefined;
beforeAll(async () => {
  fs.rmSync(MARK, { force: true });
  registry = await loadAllStrategies([trusted], [dir], LIMITS);
});
const suite = workflowSuite('untrusted-strategies', ['ETH/BTC'], {
  strategies: () => {
    if (!registry) throw new Error('the untrusted strategies load in beforeAll');
    return registry;
  },
});

const input = (run: string, name: string, ticks = 40) => suite.input(run, { strategy: { name, params: {} }, ticks });

describe('GIVEN untrusted strategies loaded into one worker, each in its own sandbox', () => {
  it('WHEN a healthy sandboxed run trades beside hostile ones THEN it ends ACTIVE with exactly the orders of its SDK twin and each hostile run ends HALTED by STRATEGY_FAILED with its reason', async () => {
    const cases = [
      ['sb-loop', `sandbox deadline: onBar ran over ${LIMITS.deadlineMs} ms`],
      ['sb-memory', `sandbox memory: onBar went over the ${LIMITS.memoryMb} MB limit`],
      ['sb-escape', "onBar threw: TypeError: cannot read property 'exit' of undefined"],
      ['sb-require', "onBar threw: ReferenceError: 'require' is not defined"],
      ['sb-process', "onBar threw: ReferenceError: 'process' is not defined"],
      ['sb-import', 'invalid output'],
      ['sb-huge', 'invalid output: output is over the 1 MB cap'],
      ['sb-nan', 'invalid output: orders[0].quantity: NaN is not a finite number'],
    ] as const;
    const healthyId = await suite.start(input('sb-healthy', 'sb-momentum'));
    const twinId = await suite.start(input('sdk-twin', 'sdk-momentum'));
    const ids = await Promise.all(cases.map(([name]) => suite.start(input(name, name))));
    const [healthy, twin, ...faults] = await Promise.all(
      [healthyId, twinId, ...ids].map((id) => result(suite.client, id)),
    );

    // The sandboxed module orders exactly what its SDK twin orders, at the venue too.
    expect(healthy.orders).toEqual(twin.orders);
    expect([healthy.cash, healthy.positions, healthy.equity]).toEqual([twin.cash, twin.positions, twin.equity]);
    const venueOrders = async (run: string) =>
      (await suite.account(`acct-${suite.id(run)}`)).orders.map((o) => [
        o.side,
        o.type,
        o.quantity,
        o.status,
        o.averagePrice,
      ]);
    expect(await venueOrders('sb-healthy')).toEqual(await venueOrders('sdk-twin'));

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
