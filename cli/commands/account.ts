/** `tempotrade account …`: halt, resume, status and limits of an account, through its supervisor. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { TempotradeError } from '../../domain/errors';
import { AccountId } from '../../domain/ids';
import { HaltPolicy } from '../../domain/risk/account';
import { HaltSignal, ResumeSignal } from '../../domain/run/input';
import { PaperBrokerage } from '../../brokers/paper/client';
import { DEFAULT_PAPER_VENUE_URL } from '../../brokers/paper/venue';
import { PositiveAmount } from '../../domain/money';
import { AccountKey, Asset, DepositId } from '../../simulators/paper-venue/state';
import { parseFlags } from '../flags';
import {
  accountEvents,
  accountStatus,
  haltAccount,
  resumeAccount,
  updateAccountLimits,
  type AccountFanOut,
} from '../../temporal/accounts-client';
import { TASK_QUEUES } from '../../temporal/task-queues';
import { keyValues, table } from '../format';
import { withTemporalClient } from '../with-client';

function report(verb: string, r: AccountFanOut, json: boolean): void {
  if (json) return console.log(JSON.stringify(r, null, 2));
  console.log(
    `account ${r.accountId} is ${r.tradingState}${r.policy ? ` (${r.policy})` : ''}: ${verb} sent to ${r.signalled.length} run(s)${r.signalled.length ? ': ' + r.signalled.join(', ') : ''}`,
  );
  if (r.failed.length) console.log(table(r.failed.map((f) => ({ run: f.workflowId, error: f.error }))));
}

const TaskQueueFlag = z.string().min(1).max(200);
const queueOption = () =>
  new Option('--task-queue <name>', 'where the supervisor starts if it is not running (a worker must poll it)').default(
    TASK_QUEUES.strategies,
  );

export function accountCommand(): Command {
  const account = new Command('account').description(
    "an account's risk authority (its supervisor): halt, resume, status, limits; fund a paper account",
  );

  account
    .command('halt <id>')
    .description('halt the account: every run of it is told at once; no run opens a position until resumed')
    .requiredOption('--reason <text>', "why (recorded in the supervisor's and each run's audit trail)")
    .addOption(
      new Option(
        '--policy <policy>',
        "stop-entries (reducing orders only) | cancel-orders (also cancel open orders) | flatten (also close every position reduce-only); default: the account limits' haltPolicy",
      ).choices(HaltPolicy.options),
    )
    .option('--flatten', 'same as --policy flatten', false)
    .addOption(queueOption())
    .option('--json', 'print JSON', false)
    .action(
      async (
        id: string,
        opts: { reason: string; policy?: string; flatten: boolean; taskQueue: string; json: boolean },
      ) => {
        const f = parseFlags(
          z.object({
            accountId: AccountId,
            reason: HaltSignal.shape.reason,
            policy: HaltPolicy.optional(),
            taskQueue: TaskQueueFlag,
          }),
          {
            accountId: id,
            reason: opts.reason,
            policy: opts.flatten ? 'flatten' : opts.policy,
            taskQueue: opts.taskQueue,
          },
        );
        const r = await withTemporalClient((c) =>
          haltAccount(
            c,
            id,
            { reason: f.reason, ...(f.policy ? { policy: f.policy } : {}) },
            { taskQueue: f.taskQueue },
          ),
        );
        report('halt', r, opts.json);
        if (r.failed.length) process.exitCode = 1;
      },
    );

  account
    .command('resume <id>')
    .description('resume the account and every run of it')
    .option('--reason <text>', 'why', 'resumed by operator')
    .addOption(queueOption())
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { reason: string; taskQueue: string; json: boolean }) => {
      const f = parseFlags(
        z.object({ accountId: AccountId, reason: ResumeSignal.shape.reason, taskQueue: TaskQueueFlag }),
        { accountId: id, reason: opts.reason, taskQueue: opts.taskQueue },
      );
      const r = await withTemporalClient((c) => resumeAccount(c, id, { reason: f.reason }, { taskQueue: f.taskQueue }));
      report('resume', r, opts.json);
      if (r.failed.length) process.exitCode = 1;
    });

  account
    .command('status <id>')
    .description("the account's state, equity, drawdown, exposure and reservations, its runs, and its latest decisions")
    .option('--json', 'print JSON', false)
    .option('--events <n>', 'how many of the latest supervisor events to show', '15')
    .action(async (id: string, opts: { json: boolean; events: string }) => {
      const f = parseFlags(z.object({ accountId: AccountId, events: z.coerce.number().int().min(0).max(300) }), {
        accountId: id,
        events: opts.events,
      });
      const [s, events] = await withTemporalClient((c) => Promise.all([accountStatus(c, id), accountEvents(c, id)]));
      if (opts.json) return console.log(JSON.stringify({ ...s, events }, null, 2));
      console.log(
        keyValues([
          ['account', s.accountId],
          ['state', `${s.tradingState}${s.haltPolicy ? ` (${s.haltPolicy})` : ''} — ${s.stateReason}`],
          ['equity', `${s.equity} (day start ${s.dayStartEquity}, day P&L ${s.dailyPnl})`],
          ['high-water mark', `${s.highWaterMark} (drawdown ${s.drawdownPct}%)`],
          [
            'exposure',
            `${s.exposure.total} committed (peak ${s.peakCommitted}), ${s.reservations} pending approval(s)`,
          ],
          [
            'decisions',
            `${s.counters.approved} approved, ${s.counters.resized} resized, ${s.counters.denied} denied${
              Object.keys(s.counters.deniedByReason).length
                ? ` (${Object.entries(s.counters.deniedByReason)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ')})`
                : ''
            }`,
          ],
          [
            'limits',
            Object.entries(s.limits)
              .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
              .join(' '),
          ],
        ]),
      );
      if (s.runs.length)
        console.log(
          '\n' +
            table(
              s.runs.map((r) => ({
                run: r.workflowId,
                strategy: r.strategy,
                equity: r.equity,
                'day start': r.dayStartEquity,
                positions: Object.entries(r.positions)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', '),
                reserved: r.reserved,
              })),
            ),
        );
      for (const fo of s.fanOuts.slice(-3))
        console.log(
          `\nfan-out ${fo.to}${fo.policy ? ` (${fo.policy})` : ''}: ${fo.signalled.length} run(s) signalled in ${fo.doneAt - fo.decidedAt} ms${fo.failed.length ? `, ${fo.failed.length} gone` : ''}`,
        );
      if (f.events > 0)
        console.log(
          '\n' +
            table(
              events.slice(-f.events).map((e) => ({
                seq: e.seq,
                time: new Date(e.at).toISOString().slice(0, 19),
                event: e.kind,
                code: e.code,
                what: e.message,
              })),
            ),
        );
    });

  account
    .command('limits <id>')
    .description(
      'show the account limits, or change them at run time with --file (a JSON object of the fields to change); bad values are rejected and the current limits kept',
    )
    .option('--file <path>', 'JSON file with the limits to change')
    .addOption(queueOption())
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { file?: string; taskQueue: string; json: boolean }) => {
      const f = parseFlags(
        z.object({ accountId: AccountId, file: z.string().min(1).optional(), taskQueue: TaskQueueFlag }),
        { accountId: id, file: opts.file, taskQueue: opts.taskQueue },
      );
      let patch: unknown;
      if (f.file) {
        try {
          patch = JSON.parse(readFileSync(f.file, 'utf8'));
        } catch (e) {
          throw new TempotradeError('VALIDATION', `--file: cannot read JSON from ${f.file}: ${(e as Error).message}`);
        }
      }
      const limits = await withTemporalClient((c) =>
        patch === undefined
          ? accountStatus(c, id).then((s) => s.limits)
          : updateAccountLimits(c, id, patch, { taskQueue: f.taskQueue }),
      );
      if (opts.json) return console.log(JSON.stringify(limits, null, 2));
      console.log(`${patch === undefined ? 'limits' : 'limits updated'} of account ${id}:`);
      console.log(
        keyValues(Object.entries(limits).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])),
      );
    });

  account
    .command('fund <id>')
    .description(
      'deposit paper money into an account of the paper venue up front (runs also deposit their own --capital as they open)',
    )
    .requiredOption('--amount <n>', 'how much to deposit, e.g. 0.5')
    .option('--asset <asset>', 'the asset deposited (a quote currency, e.g. BTC or USDT)', 'BTC')
    .option('--venue-url <url>', 'paper venue URL')
    .option('--deposit-id <id>', 'idempotency key: a repeated id deposits nothing (default: generated)')
    .option('--json', 'print JSON', false)
    .action(
      async (
        id: string,
        opts: { amount: string; asset: string; venueUrl?: string; depositId?: string; json: boolean },
      ) => {
        const f = parseFlags(
          z.object({
            accountId: AccountKey,
            amount: PositiveAmount,
            asset: Asset,
            venueUrl: z.string().url(),
            depositId: DepositId,
          }),
          {
            accountId: id,
            amount: opts.amount,
            asset: opts.asset,
            venueUrl: opts.venueUrl ?? process.env.TEMPOTRADE_PAPER_URL ?? DEFAULT_PAPER_VENUE_URL,
            depositId: opts.depositId ?? `fund:${id}:${Date.now().toString(36)}`,
          },
        );
        const b = new PaperBrokerage({ url: f.venueUrl, account: f.accountId });
        const r = await b.deposit({ asset: f.asset, amount: f.amount, depositId: f.depositId });
        if (opts.json) return console.log(JSON.stringify({ accountId: f.accountId, depositId: f.depositId, ...r }));
        const held = r.balances[f.asset]?.total ?? '0';
        console.log(
          r.deposited
            ? `deposited ${f.amount} ${f.asset} into ${f.accountId}: it holds ${held} ${f.asset}`
            : `deposit ${f.depositId} was applied before: nothing deposited; ${f.accountId} holds ${held} ${f.asset}`,
        );
      },
    );

  return account;
}
