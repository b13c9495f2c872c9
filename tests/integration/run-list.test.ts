/**
 * `tempotrade run list`: one row per run, however many times it continued as new, with the tick and equity
 * the run itself reports; `--all-executions` lists each execution of the chain.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import type { RunListItem } from '../../temporal/runs-client';
import { startRun } from '../../temporal/runs-client';
import { runCli } from '../helpers/cli';
import { result, runInput, withVenueSuite } from '../helpers/runs';
import { NAMESPACE, serverAddress, uniqueQueue, waitFor, withWorker } from '../helpers/temporal';

let client: Client;
let venue: PaperVenueServer;
const stamp = Date.now().toString(36);
withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));
const done = `list-done-${stamp}`;
const live = `list-live-${stamp}`;

async function listJson(args: string[]): Promise<Array<Omit<RunListItem, 'startTime'> & { startTime: string }>> {
  return JSON.parse((await runCli(['run', 'list', ...args, '--json'], {})).stdout) as Array<
    Omit<RunListItem, 'startTime'> & { startTime: string }
  >;
}

describe('GIVEN runs that continue as new every 10 ticks', () => {
  it('WHEN listed THEN each is one row with its latest tick, equity and state, and --all-executions shows every execution', async () => {
    const queue = uniqueQueue('run-list');
    const chain = {
      strategy: { name: 'sma-crossover' as const, params: { fast: 3, slow: 8, orderPct: 20 } },
      continueAsNewAfterTicks: 10,
    };
    await withWorker(queue, async () => {
      await startRun(
        client,
        runInput({
          runId: done,
          venueUrl: venue.url,
          symbols: ['ETH/BTC'],
          ...chain,
          stop: { maxTicks: 40, endOfData: true },
        }),
        { taskQueue: queue },
      );
      await startRun(
        client,
        runInput({
          runId: live,
          venueUrl: venue.url,
          symbols: ['ETH/BTC'],
          ...chain,
          tickInterval: '100ms',
          stop: { maxTicks: 5000, endOfData: true },
        }),
        { taskQueue: queue },
      );
      const summary = await result(client, done);
      const query = `WorkflowId = '${done}' OR WorkflowId = '${live}'`;

      const all = await waitFor(
        'the finished chain and two hand-overs of the running one in visibility',
        async () => {
          const rows = await listJson(['--query', query, '--all-executions']);
          return (
            rows.filter((r) => r.workflowId === done).length === 4 &&
            rows.filter((r) => r.workflowId === live && r.status === 'CONTINUED_AS_NEW').length >= 2 &&
            rows
          );
        },
        90_000,
        500,
      );
      expect(
        all
          .filter((r) => r.workflowId === done)
          .map((r) => r.status)
          .sort(),
      ).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
      expect(new Set(all.map((r) => r.runId)).size).toBe(all.length);

      const rows = await listJson(['--query', query]);
      expect(rows.map((r) => r.workflowId).sort()).toEqual([done, live].sort());
      expect(rows.find((r) => r.workflowId === done)).toMatchObject({
        status: 'COMPLETED',
        tick: summary.ticks,
        equity: summary.equity,
        quote: 'BTC',
        tradingState: summary.tradingState,
        strategy: 'sma-crossover',
        accountId: `acct-${done}`,
      });
      const running = rows.find((r) => r.workflowId === live)!;
      expect(running).toMatchObject({ status: 'RUNNING', tradingState: 'ACTIVE', quote: 'BTC' });
      expect(running.tick).toBeGreaterThanOrEqual(20);
      expect(running.equity).toMatch(/^\d/);

      const text = (await runCli(['run', 'list', '--query', query], {})).stdout;
      const lines = text.split('\n').filter((l) => l.startsWith('list-'));
      expect(lines).toHaveLength(2);
      expect(lines.find((l) => l.startsWith(done))).toMatch(new RegExp(`COMPLETED .* ${summary.ticks}\\s+\\S+ BTC`));
      await client.workflow.getHandle(live).terminate('test over');
    });
  }, 240_000);

  it('WHEN the server is given by a Temporal CLI profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) alone THEN the CLI connects through it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tempotrade-profile-'));
    const toml = path.join(dir, 'temporal.toml');
    writeFileSync(toml, `[profile.suite]\naddress = "${serverAddress()}"\nnamespace = "${NAMESPACE()}"\n`);
    try {
      const r = await runCli(['run', 'list', '--query', `WorkflowId = '${done}'`, '--json'], {
        TEMPORAL_ADDRESS: '',
        TEMPORAL_NAMESPACE: '',
        TEMPORAL_CONFIG_FILE: toml,
        TEMPORAL_PROFILE: 'suite',
      });
      expect((JSON.parse(r.stdout) as RunListItem[]).map((x) => x.workflowId)).toEqual([done]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('WHEN the list flags are bad THEN it exits 2 naming the flag', async () => {
    const r = await runCli(['run', 'list', '--limit', 'ten'], {}, true);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit');
  });
});
