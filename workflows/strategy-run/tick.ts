/**
 * One tick of strategyRun, as a list of named stages over one Tick: read the market, follow the open orders,
 * drive the algo children, fire synthetic stops, ask the strategy, decide with risk and place, drive the
 * children again (a child started by this tick sends its first slice at this tick's market time), count.
 */
import { patched } from '@temporalio/workflow';
import type { OrderIntent } from '../../domain/orders/order';
import { display } from '../../domain/money';
import { assessGuards } from '../../domain/risk/engine';
import { legOfEntry, legWithoutEntry } from '../../domain/risk/evaluation';
import type { RiskVerdict } from '../../domain/risk/verdict';
import { fireStops as firedStops } from '../../domain/run/execution';
import { holdAfter, runFacts } from '../../domain/run/risk';
import { audit, recordVerdict } from '../../domain/run/transitions';
import { driveAlgos } from './algo-children';
import { decide, type RunContext } from './context';
import { setTradingState } from './details';
import { observeMarket, readMarket, type Snapshots } from './market';
import { followOpenOrders, place } from './orders';
import { BRACKET_LEGS_PATCH } from './patches';
import { strategySignals, strategyStep } from './strategy';

interface Tick {
  snaps: Snapshots;
  marks: Record<string, string>;
  intents: OrderIntent[];
}

type Stage = (run: RunContext, t: Tick) => void | Promise<void>;

async function snapshot(run: RunContext, t: Tick): Promise<void> {
  t.snaps = await readMarket(run);
  t.marks = observeMarket(run, t.snaps);
}

const followOrders: Stage = (run) => followOpenOrders(run);
const driveChildren: Stage = (run) => driveAlgos(run);

/** The facts the risk engine decides with (runs with an account link; none before), as they are now. */
function factsNow(run: RunContext, t: Tick) {
  const { st, input } = run;
  if (!st.risk) return undefined;
  const markTime = Object.fromEntries(input.symbols.map((s) => [s, t.snaps[s].markTs]));
  const openOrders = Object.values(st.openOrders).map((o) => o.order);
  const args = { risk: st.risk, portfolio: st.portfolio, strategyId: input.strategy.name, now: st.marketTime };
  return runFacts({ ...args, markTime, openOrders, config: run.risk() });
}

/** Risk decides on a batch of intents (none: the guards alone); returns its verdicts and guard. */
function evaluate(run: RunContext, intents: OrderIntent[], facts: ReturnType<typeof factsNow>) {
  const st = run.st;
  return decide['risk.evaluate']({
    engine: run.engine,
    intents,
    portfolio: st.portfolio,
    tradingState: st.tradingState,
    config: run.risk(),
    instruments: st.instruments,
    windows: st.windows,
    ...(facts ? { facts } : {}),
  });
}

async function placeApproved(run: RunContext, t: Tick, verdicts: RiskVerdict[]): Promise<void> {
  for (const v of verdicts) {
    recordVerdict(run.st, v);
    if (v.decision !== 'DENIED') await place(run, v, t.snaps[v.intent.symbol]);
  }
}

/** Synthetic stops fired by this tick's marks: each goes through risk again, then to the venue. */
async function fireStops(run: RunContext, t: Tick): Promise<void> {
  for (const fired of firedStops(run.st, t.snaps)) {
    const ev = await evaluate(run, [fired.intent], factsNow(run, t));
    await placeApproved(run, t, ev.verdicts);
  }
}

async function signals(run: RunContext, t: Tick): Promise<void> {
  const st = run.st;
  t.intents = run.flags.strategyStep ? await strategyStep(run, t.marks) : await strategySignals(run, t.marks);
  st.counters.intents += t.intents.length;
  for (const intent of t.intents) {
    audit(st, 'INTENT_SIGNALED', `${intent.side} ${display(intent.quantity)} ${intent.symbol}: ${intent.reason}`, {
      numbers: { quantity: intent.quantity, mark: t.marks[intent.symbol] },
    });
  }
}

/**
 * Risk decides once per intent, so each sees the fills before it. Runtime guards are checked every tick;
 * on a quiet tick (no intent, no breach) nothing needs deciding and no step is recorded.
 */
async function decideAndPlace(run: RunContext, t: Tick): Promise<void> {
  const st = run.st;
  const facts0 = factsNow(run, t);
  const breach = assessGuards(st.portfolio, run.risk(), facts0);
  const hold = st.risk ? holdAfter(st.risk, breach, st.tradingState) : {};
  if (hold.to) setTradingState(run, hold.to, hold.reason ?? 'temporary risk guard', 'guard');
  const guardOnly = breach && breach.target !== st.tradingState ? [[]] : [];
  const batches: OrderIntent[][] = t.intents.length > 0 ? t.intents.map((i) => [i]) : guardOnly;
  let entry: RiskVerdict | undefined;
  for (const asked of batches) {
    const leg = asked[0]?.bracketLeg !== undefined && entry !== undefined && patched(BRACKET_LEGS_PATCH);
    if (leg && entry!.decision === 'DENIED') {
      recordVerdict(st, legWithoutEntry(asked[0], entry!));
      continue;
    }
    const batch = leg ? [legOfEntry(asked[0], entry!)] : asked;
    const ev = await evaluate(run, batch, batch === batches[0] ? facts0 : factsNow(run, t));
    if (ev.guard && ev.tradingState !== st.tradingState) {
      setTradingState(run, ev.tradingState, ev.guard.message, 'guard', ev.guard.numbers);
    }
    if (asked[0]?.bracketLeg === undefined) entry = ev.verdicts[0];
    await placeApproved(run, t, ev.verdicts);
  }
}

function countTick(run: RunContext, t: Tick): void {
  const { st, input } = run;
  st.counters.ticks += 1;
  if (run.replay && input.stop.endOfData && input.symbols.some((s) => t.snaps[s].endOfData)) run.finish('END_OF_DATA');
}

const TICK: Stage[] = [
  snapshot,
  followOrders,
  driveChildren,
  fireStops,
  signals,
  decideAndPlace,
  driveChildren,
  countTick,
];

export async function tick(run: RunContext): Promise<void> {
  const t: Tick = { snaps: {}, marks: {}, intents: [] };
  for (const stage of TICK) await stage(run, t);
}
