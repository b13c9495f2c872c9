/**
 * A declarative spec strategy (*.strategy.yaml) on the fast layer: loaded from a user's folder with the real
 * loader, run by the real workflow through the strategy step on the bundled ETH/BTC bars, under the advanced
 * engine (its brackets' stops, take-profits and trailing stops kept by the run). It places exactly the orders
 * of its twin written with the SDK, run the same way.
 */
import type { AuditEvent } from '../../domain/run/state';
import { loadStrategies } from '../../domain/strategies/loader';
import { runAudit, runStatus } from '../../temporal/runs-client';
import { result } from '../helpers/runs';
import { TWIN_SDK_MODULE, TWIN_SPEC_YAML } from '../helpers/spec-strategies';
import { strategyFolder } from '../helpers/user-strategies';
import { workflowSuite } from '../helpers/workflow-harness';

const dir = strategyFolder('tempotrade-user-spec-', {
  'twin.strategy.yaml': TWIN_SPEC_YAML,
  'twin-sdk.ts': TWIN_SDK_MODULE,
});
const registry = loadStrategies([dir]);
const suite = workflowSuite('user-spec', ['ETH/BTC'], { strategies: registry });

const input = (run: string, name: string) =>
  suite.input(run, {
    engine: 'advanced',
    execution: { stops: 'synthetic' },
    strategy: { name, params: {} },
    ticks: 400,
  });

/** What a run ordered and signalled, without the names that differ between the two runs. */
function trail(audit: AuditEvent[], runId: string, name: string): string[] {
  return audit
    .filter((e) => ['INTENT_SIGNALED', 'ORDER_PLACED', 'STOP_REGISTERED', 'STOP_TRIGGERED'].includes(e.kind))
    .map((e) => `${e.kind} ${e.message}`.split(runId).join('RUN').split(name).join('STRATEGY'));
}

describe('GIVEN a spec strategy and its SDK twin in a folder loaded into the worker', () => {
  it('WHEN both run 400 ticks of ETH/BTC through Temporal THEN the spec trades, pinned to its file hash, and places exactly the orders of its twin', async () => {
    const [specRun, sdkRun] = [suite.id('spec'), suite.id('sdk')];
    const [specId, sdkId] = await Promise.all([
      suite.start(input('spec', 'spec-twin')),
      suite.start(input('sdk', 'sdk-twin')),
    ]);
    const [spec, sdk] = await Promise.all([result(suite.client, specId), result(suite.client, sdkId)]);
    const [specAudit, sdkAudit] = await Promise.all([runAudit(suite.client, specId), runAudit(suite.client, sdkId)]);
    const { status } = await runStatus(suite.client, specId);
    const entry = registry.require('spec-twin');

    expect(spec.tradingState).toBe('ACTIVE');
    expect(status.strategyPin).toEqual({ name: 'spec-twin', version: '1.0.0', hash: entry.hash });
    expect(spec.orders.placed).toBeGreaterThan(4);
    expect(specAudit.some((e) => e.kind === 'STOP_REGISTERED')).toBe(true);
    expect(spec.orders).toEqual(sdk.orders);
    expect(trail(specAudit, specRun, 'spec-twin')).toEqual(trail(sdkAudit, sdkRun, 'sdk-twin'));
    const venueOrders = async (accountId: string) =>
      (await suite.account(accountId)).orders.map((o) => [
        o.side,
        o.type,
        o.quantity,
        o.status,
        o.averagePrice,
        o.createdAt,
      ]);
    const [specVenue, sdkVenue] = await Promise.all([venueOrders(`acct-${specRun}`), venueOrders(`acct-${sdkRun}`)]);
    expect(specVenue.length).toBeGreaterThan(4);
    expect(specVenue).toEqual(sdkVenue);
    expect([spec.cash, spec.positions, spec.equity]).toEqual([sdk.cash, sdk.positions, sdk.equity]);
  });
});
