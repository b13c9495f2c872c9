/** `tempotrade account …`: halt or resume every running strategy run of an account. */
import { Command } from 'commander';
import { z } from 'zod';
import { AccountId } from '../../domain/ids';
import { HaltSignal, ResumeSignal } from '../../domain/run/input';
import { parseFlags } from '../flags';
import { haltAccount, resumeAccount, type AccountFanOut } from '../../temporal/accounts-client';
import { table } from '../format';
import { withTemporalClient } from '../with-client';

function report(verb: string, r: AccountFanOut, json: boolean): void {
  if (json) return console.log(JSON.stringify(r, null, 2));
  console.log(`${verb} sent to ${r.signalled.length} running run(s) of account ${r.accountId}${r.signalled.length ? ': ' + r.signalled.join(', ') : ''}`);
  if (r.failed.length) console.log(table(r.failed.map((f) => ({ run: f.workflowId, error: f.error }))));
}

export function accountCommand(): Command {
  const account = new Command('account').description('act on every running strategy run of an account');

  account
    .command('halt <id>')
    .description('halt every running run of the account: no new orders until resumed')
    .requiredOption('--reason <text>', 'why (recorded in each run\'s audit trail)')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { reason: string; json: boolean }) => {
      parseFlags(z.object({ accountId: AccountId, reason: HaltSignal.shape.reason }), { accountId: id, reason: opts.reason }); // before connecting
      const r = await withTemporalClient((c) => haltAccount(c, id, { reason: opts.reason }));
      report('halt', r, opts.json);
      if (r.failed.length) process.exitCode = 1;
    });

  account
    .command('resume <id>')
    .description('resume every running run of the account')
    .option('--reason <text>', 'why', 'resumed by operator')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { reason: string; json: boolean }) => {
      parseFlags(z.object({ accountId: AccountId, reason: ResumeSignal.shape.reason }), { accountId: id, reason: opts.reason });
      const r = await withTemporalClient((c) => resumeAccount(c, id, { reason: opts.reason }));
      report('resume', r, opts.json);
      if (r.failed.length) process.exitCode = 1;
    });

  return account;
}
