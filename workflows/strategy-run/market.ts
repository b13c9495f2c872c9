/** The tick's market stage: fresh bars and marks for every symbol, into the windows, risk and the portfolio. */
import type { Activities } from '../../activities';
import { markToMarket } from '../../domain/portfolio/portfolio';
import {
  accountHistoryBars,
  advanceRunVolBreaker,
  needsHistory,
  observeAccountBars,
  observeBars,
  riskHistoryBars,
} from '../../domain/run/risk';
import { appendBars } from '../../domain/run/transitions';
import type { RunContext } from './context';

export type Snapshots = Awaited<ReturnType<Activities['market.snapshot']>>;

/** Bars of history per snapshot call on a run's first tick (~110 bytes a bar in the payload). */
const HISTORY_BARS_PER_CALL = 3_000;

/** Bars of history the risk checks (and the account's correlation) still need; 0 once they have them. */
function historyNeeded(run: RunContext): number {
  const { st, input } = run;
  const correlation = st.account?.correlation;
  const accountMissing = st.risk && correlation && !st.risk.closes[`acct:${input.symbols[0]}`];
  const account = accountMissing ? accountHistoryBars(correlation, st.clock.barMs) : 0;
  const own = st.risk && needsHistory(st.risk, run.risk()) ? riskHistoryBars(run.risk(), st.clock.barMs) : 0;
  return Math.max(own, account);
}

/**
 * Read the market at the run's market time. A first tick that fetches history for the risk checks asks in
 * chunks of symbols, so that no result nears Temporal's payload limits (512 KB warning, 2 MB hard); any
 * other tick asks once, for the bars newer than the run's.
 */
export async function readMarket(run: RunContext): Promise<Snapshots> {
  const { st, input, lookback } = run;
  const since = run.barsSince(input.symbols);
  const history = historyNeeded(run);
  const limit = Math.max(lookback, history);
  const perCall = history > 0 ? Math.max(1, Math.floor(HISTORY_BARS_PER_CALL / limit)) : input.symbols.length;
  const snaps: Snapshots = {};
  for (let i = 0; i < input.symbols.length; i += perCall) {
    const symbols = input.symbols.slice(i, i + perCall);
    const read = { ...run.ref, symbols, at: st.marketTime, since: history > 0 ? {} : since, limit };
    Object.assign(snaps, await run.flags.snapshots['market.snapshot'](read));
  }
  return snaps;
}

/** Take the snapshots in: windows, the risk state's observations, marks; returns the marks. */
export function observeMarket(run: RunContext, snaps: Snapshots): Record<string, string> {
  const { st, input, lookback } = run;
  const marks: Record<string, string> = {};
  for (const s of input.symbols) {
    st.windows[s] = appendBars(st.windows[s], snaps[s].bars, lookback);
    marks[s] = snaps[s].mark;
    if (st.risk) observeBars(st.risk, s, snaps[s].bars, run.risk());
    if (st.risk && st.account?.correlation) observeAccountBars(st.risk, s, snaps[s].bars, st.account.correlation);
  }
  st.portfolio = markToMarket(st.portfolio, marks, st.marketTime);
  if (st.risk) advanceRunVolBreaker(st.risk, run.risk(), st.marketTime);
  return marks;
}
