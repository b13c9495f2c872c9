/**
 * A run's capital on the paper venue is paper money it brings: opening, the run deposits it into its account
 * once (keyed by its chain): a continue-as-new or a retried deposit never deposits again. (Three runs sharing
 * one account, started from the CLI: tests/integration/run-capital.test.ts.)
 */
import { runAudit } from '../../temporal/runs-client';
import { differences, result } from '../helpers/runs';
import { sma, workflowSuite } from '../helpers/workflow-harness';

const suite = workflowSuite('deposit', ['ETH/BTC']);

describe('GIVEN one paper account, not funded up front', () => {
  it('WHEN a run continues as new every 10 ticks THEN the account received its capital exactly once', async () => {
    const input = suite.input('deposit-can', {
      capital: '0.5',
      strategy: sma(3, 8, 20),
      ticks: 30,
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
    const a = suite.id('acct-retry');
    const d = { asset: 'BTC', amount: '0.25', depositId: `run:${a}:first` };
    expect(suite.venue.deposit(a, d)).toMatchObject({ deposited: true, balances: { BTC: { total: '0.25' } } });
    expect(suite.venue.deposit(a, d)).toMatchObject({ deposited: false, balances: { BTC: { total: '0.25' } } });
  });
});
