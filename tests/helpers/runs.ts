/** Run inputs on bundled real data and checks shared by the integration tests. */
import type { Client } from '@temporalio/client';
import { Dec, cmp } from '../../domain/money';
import type { StrategyRunInputRaw } from '../../domain/run/input';
import type { RunSummary } from '../../domain/run/state';
import type { Fill, Order } from '../../domain/orders/order';
import type { AuditEvent } from '../../domain/run/state';
import { PaperBrokerage } from '../../brokers/paper/client';
import { startPaperVenueServer, type PaperVenueServer } from '../../simulators/paper-venue/server';
import { killAllChildren } from '../../cli/spawn';
import { startRun } from '../../temporal/runs-client';
import { accountStatus } from '../../temporal/accounts-client';
import { testClient, waitFor } from './temporal';

import { bundledDataFile as dataFile } from '../../simulators/paper-venue/bundled-data';

export { dataFile };

export async function startVenue(pairs: string[]): Promise<PaperVenueServer> {
  return startPaperVenueServer({ port: 0, datasets: Object.fromEntries(pairs.map((p) => [p, dataFile(p)])) });
}

/**
 * The usual suite around a paper venue: before all, a client of the test server and a venue replaying
 * `pairs` (handed to `use`); after all, spawned workers killed, venue and connection closed.
 */
export function withVenueSuite(pairs: string[], use: (client: Client, venue: PaperVenueServer) => void): void {
  let client: Client | undefined;
  let venue: PaperVenueServer | undefined;
  beforeAll(async () => {
    client = await testClient();
    venue = await startVenue(pairs);
    use(client, venue);
  });
  afterAll(async () => {
    await killAllChildren();
    await venue?.close();
    await client?.connection.close();
  });
}

export function runInput(
  over: Partial<StrategyRunInputRaw> & { runId: string; venueUrl: string; symbols: string[] },
): StrategyRunInputRaw {
  const { venueUrl, ...rest } = over;
  return {
    accountId: `acct-${over.runId}`,
    strategy: { name: 'sma-crossover', params: { fast: 5, slow: 20, orderPct: 20 } },
    venue: { kind: 'paper', url: venueUrl, data: Object.fromEntries(over.symbols.map((s) => [s, dataFile(s)])) },
    capital: '1',
    stop: { maxTicks: 300, endOfData: true },
    ...rest,
  } as StrategyRunInputRaw;
}

/** One run per symbol on one account (run i trades symbols[i]), each with capital 1 it may put all in its symbol. */
export async function startAccountRuns(
  client: Client,
  on: { accountId: string; venueUrl: string; taskQueue: string; ids: string[]; symbols: readonly string[] },
  over: Partial<StrategyRunInputRaw>,
): Promise<void> {
  const { accountId, venueUrl, taskQueue } = on;
  await Promise.all(
    on.ids.map((runId, i) => {
      const risk = { maxPositionPctPerSymbol: 100 };
      const input = runInput({ runId, accountId, venueUrl, symbols: [on.symbols[i]], capital: '1', risk, ...over });
      return startRun(client, input, { taskQueue });
    }),
  );
}

/** Wait until the account is HALTED and has signalled its runs (`what` names the wait); its status then. */
export function accountHalted(client: Client, account: string, what: string, timeoutMs: number, pollMs: number) {
  return waitFor(
    what,
    async () => {
      const st = await accountStatus(client, account);
      return st.tradingState === 'HALTED' && st.fanOuts.length > 0 && st;
    },
    timeoutMs,
    pollMs,
  );
}

export async function result(client: Client, workflowId: string): Promise<RunSummary> {
  return (await client.workflow.getHandle(workflowId).result()) as RunSummary;
}

/**
 * A run's account as its fills say it must be: cash and base positions recomputed from the venue's fills
 * with decimal math, independently of the portfolio code.
 */
export function accountFromFills(
  fills: readonly Fill[],
  quote: string,
  capital: string,
): { cashFromFills: string; baseFromFills: Record<string, string> } {
  let cash = new Dec(capital);
  const base: Record<string, Dec> = {};
  for (const f of fills) {
    const notional = new Dec(f.quantity).times(f.price);
    const asset = f.symbol.split('/')[0];
    base[asset] = (base[asset] ?? new Dec(0)).plus(f.side === 'buy' ? f.quantity : new Dec(f.quantity).neg());
    cash = f.side === 'buy' ? cash.minus(notional) : cash.plus(notional);
    if (f.feeCurrency === quote) cash = cash.minus(f.fee);
    else base[asset] = base[asset].minus(f.fee);
  }
  return {
    cashFromFills: cash.toFixed(),
    baseFromFills: Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v.toFixed()])),
  };
}

/** The venue's own account of a run: balances, orders, fills, and what the fills say the account holds. */
export async function venueAccount(url: string, account: string, quote: string, capital: string) {
  const venue = new PaperBrokerage({ url, account });
  const [balances, orders, fills] = await Promise.all([venue.balances(), venue.orders(), venue.fills()]);
  await venue.close();
  return { balances, orders, fills, ...accountFromFills(fills, quote, capital) };
}

/** Portfolio vs venue: every difference, to the last unit ([] when they agree). */
export function differences(summary: RunSummary, venue: Awaited<ReturnType<typeof venueAccount>>): string[] {
  const out: string[] = [];
  const q = summary.quote;
  if (cmp(summary.cash, venue.balances[q]?.total ?? '0') !== 0)
    out.push(`${q} balance: portfolio ${summary.cash} vs venue ${venue.balances[q]?.total}`);
  if (cmp(summary.cash, venue.cashFromFills) !== 0)
    out.push(`${q} from fills: portfolio ${summary.cash} vs ${venue.cashFromFills}`);
  for (const [symbol, qty] of Object.entries(summary.positions)) {
    const asset = symbol.split('/')[0];
    if (cmp(qty, venue.balances[asset]?.total ?? '0') !== 0)
      out.push(`${asset}: portfolio ${qty} vs venue ${venue.balances[asset]?.total ?? '0'}`);
    if (cmp(qty, venue.baseFromFills[asset] ?? '0') !== 0)
      out.push(`${asset} from fills: portfolio ${qty} vs ${venue.baseFromFills[asset] ?? '0'}`);
  }
  return out;
}

/** An order's shape independent of which run placed it: for comparing two runs on the same inputs. */
export function orderShape(o: Order) {
  return {
    seq: Number.parseInt(o.clientOrderId.split('-').pop()!, 36),
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    quantity: o.quantity,
    price: o.price,
    status: o.status,
    filledQuantity: o.filledQuantity,
    fills: o.fills.map((f) => [f.quantity, f.price, f.fee, f.liquidity]),
  };
}

export async function activityTypes(client: Client, workflowId: string): Promise<Set<string>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const types = new Set<string>();
  for (const e of history.events ?? []) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) types.add(name);
  }
  return types;
}

/**
 * Opening orders a run made after audit event `seq` (a halt): approvals asked of the account, and buys sent
 * while not ACTIVE. A buy already in flight when the halt arrived was sent while ACTIVE and is audited after it.
 */
export function openingOrdersAfter(events: AuditEvent[], seq: number): AuditEvent[] {
  return events.filter(
    (e) =>
      e.seq > seq &&
      (e.kind === 'ACCOUNT_APPROVED' ||
        e.kind === 'ACCOUNT_RESIZED' ||
        (e.kind === 'ORDER_PLACED' && /^buy /.test(e.message) && e.numbers?.submittedIn !== 'ACTIVE')),
  );
}
