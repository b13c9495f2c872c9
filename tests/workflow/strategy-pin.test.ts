/**
 * Pinned strategy code on the fast layer: a run records its strategy's module hash at its start. When the
 * worker's module for that name changes under the live run, the run halts (STRATEGY_CHANGED, both hashes) and
 * orders nothing until an operator's upgradeStrategy adopts the new hash; a worker without the strategy halts
 * the run saying so (STRATEGY_NOT_FOUND).
 */
import { loadStrategies } from '../../domain/strategies/loader';
import { StrategyRegistry } from '../../domain/strategies/registry';
import { runAudit, runStatus, upgradeRunStrategy } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { momentumModule, strategyFolder } from '../helpers/user-strategies';
import { waitFor } from '../helpers/temporal';
import { holdAt, snapshotNo, workflowSuite } from '../helpers/workflow-harness';

/** The same strategy twice: version 1.0.0, then 1.1.0 with one more comment line (another module hash). */
const pinned = (version: string, note: string) =>
  loadStrategies([
    strategyFolder('tempotrade-pinned-', { 'pinned.js': momentumModule('user-pinned', version, `// ${note}`) }),
  ]);
const v1 = pinned('1.0.0', 'first version');
const v2 = pinned('1.1.0', 'second version: same logic, new module');
let workerHas = v1;
const suite = workflowSuite('strategy-pin', ['ETH/BTC'], { strategies: () => workerHas });

const input = (run: string) => suite.input(run, { strategy: { name: 'user-pinned', params: {} }, ticks: 80 });

describe('GIVEN a run pinned to its strategy module', () => {
  it('WHEN the worker loads a changed module THEN the run halts naming both hashes; upgraded, it trades again', async () => {
    const h1 = v1.require('user-pinned').hash;
    const h2 = v2.require('user-pinned').hash;
    const runInput = input('pin-changed');
    const atTick10 = holdAt(suite.venue, snapshotNo(runInput.accountId, 10));
    workerHas = v1;
    const id = await suite.start(runInput);
    await atTick10.reached;
    workerHas = v2;
    const atTick30 = holdAt(suite.venue, snapshotNo(runInput.accountId, 30));
    atTick10.release();
    await atTick30.reached;
    const halted = (await runStatus(suite.client, id)).status;

    expect(h1).not.toBe(h2);
    expect(halted.tradingState).toBe('HALTED');
    expect(halted.strategyFault?.code).toBe('STRATEGY_CHANGED');
    expect(halted.stateReason).toContain(h1);
    expect(halted.stateReason).toContain(h2);
    expect(halted.strategyPin).toEqual({ name: 'user-pinned', version: '1.0.0', hash: h1 });

    const pin = await upgradeRunStrategy(suite.client, id, { version: '1.1.0', hash: h2 });
    expect(pin).toEqual({ name: 'user-pinned', version: '1.1.0', hash: h2 });
    await expect(upgradeRunStrategy(suite.client, id, { version: '1.1.0', hash: h2 })).rejects.toThrow(
      /already pinned/,
    );
    const upgraded = await waitFor('ACTIVE', async () => {
      const s = (await runStatus(suite.client, id)).status;
      return s.tradingState === 'ACTIVE' && s;
    });
    atTick30.release();
    const summary = await result(suite.client, id);
    const audit = await runAudit(suite.client, id);
    const changed = audit.find((e) => e.kind === 'STRATEGY_CHANGED');
    const upgrade = audit.find((e) => e.kind === 'STRATEGY_UPGRADED');

    expect(upgraded.strategyPin?.hash).toBe(h2);
    expect(changed?.message).toContain(h1);
    expect(changed?.message).toContain(h2);
    expect(upgrade?.numbers).toMatchObject({ fromHash: h1, toHash: h2 });
    // Nothing was placed while halted; orders again after the upgrade.
    const placedAfter = (seq: number) => audit.filter((e) => e.kind === 'ORDER_PLACED' && e.seq > seq).length;
    expect(placedAfter(changed!.seq) - placedAfter(upgrade!.seq)).toBe(0);
    expect(placedAfter(upgrade!.seq)).toBeGreaterThan(0);
    expect(summary.tradingState).toBe('ACTIVE');
  });

  it('WHEN the worker no longer has the strategy THEN the run is HALTED saying so, and goes on ticking to its end', async () => {
    const runInput = input('pin-missing');
    const atTick5 = holdAt(suite.venue, snapshotNo(runInput.accountId, 5));
    workerHas = v2;
    const id = await suite.start(runInput);
    await atTick5.reached;
    workerHas = StrategyRegistry.builtins();
    atTick5.release();
    const summary = await result(suite.client, id);
    const { status } = await runStatus(suite.client, id);

    expect(summary.tradingState).toBe('HALTED');
    expect(status.strategyFault?.code).toBe('STRATEGY_NOT_FOUND');
    expect(status.stateReason).toContain('this worker has no strategy "user-pinned"');
    expect(status.tick).toBe(80);
  });
});
