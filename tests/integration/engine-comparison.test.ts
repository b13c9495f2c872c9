/**
 * The same strategy on the same real data through `engine: live` and `engine: advanced` (impact guard on
 * the book model, resizing CONSERVATIVE): a side-by-side comparison of fills, fees and implementation
 * shortfall from each run's execution monitor, printed; and the monitor as `tempotrade run status` shows it.
 */
import { spawn } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { PaperVenueServer } from '../../simulators/paper-venue/server';
import { BIN, REPO_ROOT } from '../../cli/spawn';
import { startRun } from '../../temporal/runs-client';
import type { RunSummary } from '../../domain/run/state';
import { NAMESPACE, serverAddress, uniqueQueue, withWorker } from '../helpers/temporal';
import { differences, result, runInput, venueAccount, withVenueSuite } from '../helpers/runs';

let client: Client;
let venue: PaperVenueServer;
const stamp = Date.now().toString(36);

withVenueSuite(['ETH/BTC'], (c, v) => ((client = c), (venue = v)));

/** `tempotrade run status <id>` as a user runs it (async: the in-process worker must answer the query meanwhile). */
function runStatusCli(id: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, 'run', 'status', id], {
      cwd: REPO_ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: serverAddress(), TEMPORAL_NAMESPACE: NAMESPACE() },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

const inputFor = (runId: string, engine: 'live' | 'advanced') =>
  runInput({
    runId,
    venueUrl: venue.url,
    symbols: ['ETH/BTC'],
    engine,
    capital: '10',
    // Large entries (90 % of equity, ~95 ETH) against the paper venue's book of 2 % of each bar's volume per level.
    strategy: { name: 'sma-crossover', params: { fast: 5, slow: 20, orderPct: 90 } },
    risk: {
      maxPositionPctPerSymbol: 100,
      slippageGuardBps: 200,
      enableMarketImpactGuard: true,
      maxMarketImpactBps: 8,
      impact: { model: 'book', action: 'resize', sizing: 'CONSERVATIVE' },
    },
    stop: { maxTicks: 400, endOfData: true },
  });

function row(name: string, s: RunSummary) {
  const x = s.execution!;
  return {
    engine: name,
    placed: s.orders.placed,
    filled: s.orders.filled,
    fills: s.fills,
    denied: s.orders.denied,
    filledQty: Number(x.run.filledQuantity).toFixed(4),
    notional: Number(x.run.filledNotional).toFixed(6),
    fees: Number(x.run.feesQuote).toFixed(8),
    feeBps: Number(x.run.feeBps ?? 0).toFixed(2),
    shortfallBps: Number(x.run.shortfallBps ?? 0).toFixed(3),
    fillRatio: x.run.fillRatio ?? '-',
    netPnl: Number(s.netPnl).toFixed(8),
  };
}

describe('GIVEN sma-crossover with large entries on real ETH/BTC candles', () => {
  it('WHEN run through engine live and engine advanced THEN fills, fees and shortfall are compared side by side, and run status shows the monitor', async () => {
    const queue = uniqueQueue('compare');
    await withWorker(queue, async () => {
      const ids = { live: `cmp-live-${stamp}`, advanced: `cmp-adv-${stamp}` };
      await startRun(client, inputFor(ids.live, 'live'), { taskQueue: queue });
      await startRun(client, inputFor(ids.advanced, 'advanced'), { taskQueue: queue });
      const live = await result(client, ids.live);
      const adv = await result(client, ids.advanced);
      const rows = [row('live', live), row('advanced', adv)];
      const cols = Object.keys(rows[0]) as Array<keyof (typeof rows)[0]>;
      console.log(
        [
          'live vs advanced (same strategy, data, capital):',
          cols.map((c) => String(c).padStart(14)).join(''),
          ...rows.map((r) => cols.map((c) => String(r[c]).padStart(14)).join('')),
        ].join('\n'),
      );

      for (const [s, id] of [
        [live, ids.live],
        [adv, ids.advanced],
      ] as const) {
        expect(s.orders.placed).toBeGreaterThan(0);
        // Every order of the run that ended was measured against its arrival price.
        expect(s.execution!.run.orders).toBe(s.orders.placed);
        expect(Number(s.execution!.run.feesQuote)).toBeGreaterThan(0);
        expect(s.execution!.run.shortfallBps).toBeDefined();
        expect(differences(s, await venueAccount(venue.url, `acct-${id}`, 'BTC', '10'))).toEqual([]);
      }
      // The advanced engine cut entries to what the book holds within 8 bps: less impact paid per unit.
      expect(Number(adv.execution!.run.shortfallBps)).toBeLessThan(Number(live.execution!.run.shortfallBps));

      const cli = await runStatusCli(ids.advanced);
      console.log(`$ tempotrade run status ${ids.advanced}\n${cli.out}`);
      expect(cli.code).toBe(0);
      expect(cli.out).toContain('execution');
      expect(cli.out).toMatch(/stops\s+0 registered, 0 triggered, 0 armed/);
      expect(cli.out).toMatch(new RegExp(`orders\\s+${adv.orders.placed} placed, ${adv.orders.filled} filled`));
      expect(cli.out).toMatch(/shortfall -?\d+\.\d+ bps/);
    });
  }, 300_000);
});
