/**
 * A run's capital on the paper venue is paper money it brings: opening, the run deposits it into its account
 * once (keyed by its chain), so several runs share one account and each trades; a continue-as-new never
 * deposits again.
 */
import { accountStatus } from '../../temporal/accounts-client';
import { runAudit } from '../../temporal/runs-client';
import { differences, result } from '../helpers/runs';
import { waitFor } from '../helpers/temporal';
import { workflowSuite } from '../helpers/workflow-harness';

const suite = workflowSuite('deposit', ['ETH/BTC']);
const stamp = Date.now().toString(36);

describe('GIVEN one paper account, not funded up front', () => {
  it('WHEN three runs of 0.3 BTC each open on it THEN each deposits its capital once, none is HALTED, all three trade and the supervisor sees all three', async () => {
    const accountId = `acct-shared-${stamp}`;
    const ids = [1, 2, 3].map((i) => `wf-deposit-${stamp}-${i}`);
    const inputs = ids.map((runId, i) =>
      suite.input({
        runId,
        accountId,
        symbols: ['ETH/BTC'],
        capital: '0.3',
        strategy: { name: 'sma-crossover', params: { fast: 2 + i, slow: 6 + i, orderPct: 20 } },
        stop: { maxTicks: 120, endOfData: true },
        tickInterval: '20ms',
        reconciliation: { balances: 'shared' },
      }),
    );
    for (const input of inputs) await suite.start(input);
    const seen = await waitFor('the supervisor sees all three runs', async () => {
      const st = await accountStatus(suite.client, accountId);
      return st.runs.length === 3 && st;
    });
    const summaries = await Promise.all(ids.map((id) => result(suite.client, id)));

    expect(seen.runs.map((r) => r.workflowId).sort()).toEqual([...ids].sort());
    for (const s of summaries) {
      expect([s.workflowId, s.tradingState]).toEqual([s.workflowId, 'ACTIVE']);
      expect(s.orders.filled).toBeGreaterThan(0);
    }
    const deposits = await Promise.all(
      ids.map(async (id) => (await runAudit(suite.client, id)).filter((e) => e.kind === 'CAPITAL_DEPOSITED')),
    );
    expect(deposits.map((d) => d.map((e) => [e.code, e.numbers?.amount]))).toEqual([
      [['DEPOSITED', '0.3']],
      [['DEPOSITED', '0.3']],
      [['DEPOSITED', '0.3']],
    ]);
    // Each deposit's balance after is the account's BTC right then: at least its own 0.3 beyond the others'.
    for (const d of deposits) expect(Number(d[0].numbers?.balanceAfter)).toBeGreaterThanOrEqual(0.3);
  });

  it('WHEN a run continues as new every 10 ticks THEN the account received its capital exactly once', async () => {
    const input = suite.input({
      runId: `wf-deposit-can-${stamp}`,
      symbols: ['ETH/BTC'],
      capital: '0.5',
      strategy: { name: 'sma-crossover', params: { fast: 3, slow: 8, orderPct: 20 } },
      stop: { maxTicks: 30, endOfData: true },
      continueAsNewAfterTicks: 10,
    });
    const deposits: string[] = [];
    const off = suite.venue.onCall((c) => {
      if (c.call === 'deposit' && c.account === input.accountId) deposits.push(c.account);
    });
    const id = await suite.start(input);
    const summary = await result(suite.client, id);
    off();
    const audit = await runAudit(suite.client, id);

    expect(audit.filter((e) => e.kind === 'CONTINUED_AS_NEW').length).toBe(2);
    expect(deposits).toHaveLength(1);
    expect(audit.filter((e) => e.kind === 'CAPITAL_DEPOSITED').map((e) => e.numbers)).toEqual([
      { amount: '0.5', balanceAfter: '0.5' },
    ]);
    // The venue's account is exactly the capital moved by the run's own fills.
    expect(differences(summary, await suite.account(input.accountId, 'BTC', '0.5'))).toEqual([]);
  });

  it('WHEN the same deposit id is sent twice (an activity retried after its answer was lost) THEN the second changes nothing', () => {
    const a = `acct-retry-${stamp}`;
    const d = { asset: 'BTC', amount: '0.25', depositId: `run:${a}:first` };
    expect(suite.venue.deposit(a, d)).toMatchObject({ deposited: true, balances: { BTC: { total: '0.25' } } });
    expect(suite.venue.deposit(a, d)).toMatchObject({ deposited: false, balances: { BTC: { total: '0.25' } } });
  });
});
