/**
 * Reconciliation: compare the venue with the run (at the start, every N ticks, on request), catch up on
 * fills the run has not seen, and stop trading on any difference (the run's onMismatch).
 */
import { clientOrderIdPrefix } from '../../domain/ids';
import { sub } from '../../domain/money';
import {
  describeDifferences,
  openingDifferences,
  reconcileBalances,
  reconcileOrders,
  runAssets,
  runDeltas,
  type Difference,
  type VenueView,
} from '../../domain/run/reconcile';
import type { RunState } from '../../domain/run/state';
import { audit } from '../../domain/run/transitions';
import type { RunContext } from './context';
import { setTradingState, showDetails } from './details';
import { settle } from './settle';

/** Ask for a comparison before the next trade (requests made meanwhile are joined into one trigger). */
export function requestReconciliation(run: RunContext, reason: string, adoptBalances = false): void {
  const rec = run.state?.reconciliation;
  if (!rec) return;
  rec.requested = rec.requested ? `${rec.requested}, ${reason}` : reason;
  if (adoptBalances) rec.adoptBalances = true;
}

/**
 * The opening comparison: the account must hold the capital, no position in the run's assets and no order
 * the run does not know, before the first trade. The venue's totals become the baseline.
 */
export async function openingReconciliation(run: RunContext, opened: RunState, quote: string): Promise<void> {
  const { input } = run;
  const view = await run.io['account.reconcile']({ ...run.ref, symbols: input.symbols, runOrders: [] });
  const assets = runAssets(opened.portfolio);
  const baseline = Object.fromEntries(assets.map((a) => [a, view.balances[a] ?? '0']));
  opened.reconciliation = { baseline, lastTick: 0 };
  run.state = opened;
  const bases = Object.values(opened.portfolio.positions).map((p) => p.base);
  const own = { openOrders: {}, ownPrefix: clientOrderIdPrefix(run.info.workflowId), symbols: input.symbols };
  const differences = [
    ...openingDifferences({
      quote,
      capital: input.capital,
      bases: input.reconciliation.balances === 'exclusive' ? bases : [],
      venue: view.balances,
    }),
    ...reconcileOrders(own, view, input.reconciliation.balances).differences,
  ];
  concludeReconciliation(run, 'opening', differences, view, 0);
}

/** After continue-as-new: compare again before the first trade of the new execution. */
export function reconcileAfterHandOver(run: RunContext): void {
  const st = run.st;
  if (st.reconciliation) return requestReconciliation(run, 'continue-as-new');
  // State carried from a run that predates reconciliation has no baseline: the venue's balances become it
  // (audited), and orders are compared as usual.
  st.reconciliation = {
    baseline: {},
    lastTick: st.tick,
    requested: 'continue-as-new (first reconciliation of this chain)',
    adoptBalances: true,
  };
}

/** The loop's step before each tick: the periodic request, then whatever was requested. */
export async function reconcileIfDue(run: RunContext): Promise<void> {
  const st = run.st;
  if (!run.flags.reconciling || !st.reconciliation) return;
  const every = run.input.reconciliation.everyTicks;
  if (every > 0 && st.tick - st.reconciliation.lastTick >= every) requestReconciliation(run, `every ${every} ticks`);
  await reconcileNow(run);
}

/** Compare the venue with the run, catch up on fills the run has not seen, and stop trading on any difference. */
export async function reconcileNow(run: RunContext): Promise<void> {
  const { st, input } = run;
  const rec = st.reconciliation;
  if (!rec?.requested) return;
  const trigger = rec.requested;
  const adopt = rec.adoptBalances === true;
  rec.requested = undefined;
  rec.adoptBalances = undefined;
  const runOrders = run.openOrderRefs();
  const view = await run.io['account.reconcile']({ ...run.ref, symbols: input.symbols, runOrders });
  const ownPrefix = clientOrderIdPrefix(run.info.workflowId);
  const own = { openOrders: st.openOrders, ownPrefix, symbols: input.symbols };
  const orders = reconcileOrders(own, view, input.reconciliation.balances);
  for (const o of orders.catchUp) await settle(run, o);
  let differences = orders.differences;
  if (input.reconciliation.balances === 'exclusive') {
    const balances = reconcileBalances(st.portfolio, rec.baseline, view.balances);
    differences = [...differences, ...(adopt ? adoptBalances(run, balances, view, trigger) : balances)];
  }
  concludeReconciliation(run, trigger, differences, view, orders.catchUp.length);
}

/** Take the venue's balances as right (a resume that says so): the baseline moves, nothing stays different. */
function adoptBalances(run: RunContext, balances: Difference[], view: VenueView, trigger: string): Difference[] {
  const st = run.st;
  const rec = st.reconciliation!;
  if (balances.length === 0) return balances;
  const deltas = runDeltas(st.portfolio);
  for (const d of balances) {
    const asset = d.asset as string;
    const venue = view.balances[asset] ?? '0';
    rec.baseline[asset] = sub(venue, deltas[asset] ?? '0');
    const expected = d.numbers.expected;
    const message = `${asset}: the venue's ${venue} taken as right (${trigger}); the run's expectation was ${expected}`;
    audit(st, 'BALANCES_ADOPTED', message, { code: 'BALANCES_ADOPTED', numbers: d.numbers });
  }
  return [];
}

function concludeReconciliation(
  run: RunContext,
  trigger: string,
  differences: Difference[],
  view: VenueView,
  caughtUp: number,
): void {
  const st = run.st;
  const rec = st.reconciliation;
  if (!rec) return;
  const assets = Object.keys(rec.baseline).sort();
  const runOpenOrders = Object.keys(view.runOrders).length;
  rec.lastTick = st.tick;
  rec.last = {
    at: st.marketTime,
    tick: st.tick,
    trigger,
    ok: differences.length === 0,
    differences,
    checked: { venueOpenOrders: view.openOrders.length, runOpenOrders, caughtUp, assets },
  };
  if (differences.length > 0) return disagree(run, trigger, differences);
  showDetails(run);
  const shared = run.input.reconciliation.balances === 'shared';
  const balances = `balances of ${assets.join(', ')}${shared ? ' not compared (shared account)' : ' match'}`;
  const orders = `${runOpenOrders} open orders of the run, ${caughtUp} caught up`;
  audit(st, 'RECONCILED', `venue agrees (${trigger}): ${orders}, ${balances}`, { code: 'RECONCILED' });
}

/** Every difference is audited, and the run stops trading (onMismatch; a HALTED run stays HALTED). */
function disagree(run: RunContext, trigger: string, differences: Difference[]): void {
  const st = run.st;
  for (const d of differences) {
    const extra = d.clientOrderId ? { clientOrderId: d.clientOrderId } : {};
    audit(st, 'RECONCILIATION_FAILED', d.message, { code: d.code, numbers: d.numbers, ...extra });
  }
  const to = st.tradingState === 'HALTED' ? 'HALTED' : run.input.reconciliation.onMismatch;
  const n = differences.length;
  const found = `${n} difference${n === 1 ? '' : 's'} with the venue: ${describeDifferences(differences)}`;
  const reason = `reconciliation (${trigger}) found ${found}`;
  setTradingState(run, to, reason, 'guard', { differences: String(n) });
}
