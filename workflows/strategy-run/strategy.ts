/**
 * The run's strategy, which the workflow knows only as data: its pin (name, version, module hash), the step
 * that runs its code in the worker (a local activity, recorded in history), and what a faulty, changed or
 * missing strategy does to the run (HALTED, nothing ordered). An operator's upgradeStrategy adopts a new pin.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { StrategyStepOutput } from '../../activities/decisions';
import type { OrderIntent } from '../../domain/orders/order';
import type { StrategyRunInput } from '../../domain/run/input';
import type { RunState, StrategyFault, StrategyPin } from '../../domain/run/state';
import { audit } from '../../domain/run/transitions';
import { decide, type RunContext } from './context';
import { setTradingState } from './details';
import { cancel } from './settle';

const FAULTS = ['STRATEGY_FAILED', 'STRATEGY_CHANGED', 'STRATEGY_NOT_FOUND'] as const;

/** At the run's first start: the pin the client resolved, audited (an input without a hash pins nothing). */
export function pinStrategy(st: RunState, s: StrategyRunInput['strategy']): void {
  if (!s.hash) return;
  st.strategy = { name: s.name, version: s.version ?? 'unknown', hash: s.hash };
  audit(st, 'STRATEGY_LOADED', `strategy ${s.name}@${st.strategy.version} pinned to module hash ${s.hash}`, {
    code: 'STRATEGY_LOADED',
    numbers: { version: st.strategy.version, hash: s.hash },
  });
}

function positionsOf(st: RunState): Record<string, string> {
  return Object.fromEntries(Object.values(st.portfolio.positions).map((p) => [p.symbol, p.quantity]));
}

/** What the strategy sees of the run at a tick: its params, the bars, positions, marks and equity. */
function strategyView(run: RunContext, marks: Record<string, string>) {
  const { st, input } = run;
  return {
    strategyId: input.strategy.name,
    strategy: input.strategy.name,
    params: input.strategy.params,
    windows: st.windows,
    positions: positionsOf(st),
    marks,
    equity: st.portfolio.equity,
  };
}

/** The old step: intents only (histories recorded before STRATEGY_STEP_PATCH). */
export function strategySignals(run: RunContext, marks: Record<string, string>): Promise<OrderIntent[]> {
  return decide['strategy.signals'](strategyView(run, marks));
}

/**
 * The strategy's step, with its state, open orders and pin. A strategy fault halts the run and returns no
 * intent; while the run stays HALTED by it the strategy is not asked again (it is pure: it would fail the same).
 */
export async function strategyStep(run: RunContext, marks: Record<string, string>): Promise<OrderIntent[]> {
  const { st } = run;
  if (st.strategyFault && st.tradingState === 'HALTED') return [];
  let out: StrategyStepOutput;
  try {
    out = await decide['strategy.step']({
      ...strategyView(run, marks),
      ...(st.strategyState ? { state: st.strategyState } : {}),
      openOrders: Object.values(st.openOrders).map(({ order: o }) => ({
        clientOrderId: o.clientOrderId,
        symbol: o.symbol,
        side: o.side,
        type: o.type,
        quantity: o.quantity,
        ...(o.price ? { price: o.price } : {}),
      })),
      ...(st.clock.kind === 'replay' ? { barMs: st.clock.barMs } : {}),
      ...(st.strategy ? { expectedHash: st.strategy.hash } : {}),
    });
  } catch (err) {
    // A local activity's failure may arrive wrapped in an ActivityFailure or as the ApplicationFailure itself.
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (!(cause instanceof ApplicationFailure) || !FAULTS.includes(cause.type as never)) throw err;
    haltForFault(run, cause);
    return [];
  }
  st.strategyFault = undefined;
  st.strategyState = out.state;
  for (const c of out.cancels) {
    const orders = Object.values(st.openOrders).map((o) => o.order);
    for (const o of orders.filter(
      (o) => o.symbol === c.symbol && (!c.clientOrderId || o.clientOrderId === c.clientOrderId),
    )) {
      audit(st, 'INTENT_SIGNALED', `cancel ${o.clientOrderId} ${o.symbol}: ${c.reason}`, {
        code: 'STRATEGY_CANCEL',
        clientOrderId: o.clientOrderId,
      });
      await cancel(run, o);
    }
  }
  return out.intents;
}

function detailsOf(cause: ApplicationFailure): Record<string, unknown> {
  const d = (cause.details as unknown[] | undefined)?.[0];
  return d && typeof d === 'object' ? (d as Record<string, unknown>) : {};
}

function haltForFault(run: RunContext, cause: ApplicationFailure): void {
  const st = run.st;
  const code = cause.type as StrategyFault['code'];
  const d = detailsOf(cause);
  let reason: string;
  const numbers: Record<string, string> = {};
  if (code === 'STRATEGY_FAILED') {
    const bar = d.bar as { ts?: number } | null | undefined;
    reason = `STRATEGY_FAILED: ${cause.message} (bar ${bar?.ts ?? 'none'})`;
    if (bar?.ts !== undefined) numbers.bar = String(bar.ts);
  } else if (code === 'STRATEGY_CHANGED') {
    const expected = String(d.expectedHash ?? st.strategy?.hash ?? '');
    const actual = String(d.actualHash ?? '');
    reason = `STRATEGY_CHANGED: pinned to ${expected}, the worker has ${actual}; run upgrade-strategy to adopt it`;
    Object.assign(numbers, { expectedHash: expected, actualHash: actual });
  } else {
    reason = `STRATEGY_NOT_FOUND: ${cause.message}`;
  }
  st.strategyFault = { code, message: reason, ...(numbers.actualHash ? { actualHash: numbers.actualHash } : {}) };
  audit(st, code === 'STRATEGY_CHANGED' ? 'STRATEGY_CHANGED' : 'STRATEGY_FAILED', reason, { code, numbers });
  setTradingState(run, 'HALTED', reason, 'guard', numbers);
}

/** upgradeStrategy's validator: a started, pinned run, and a hash other than its pin. */
export function validateUpgrade(run: RunContext, to: { version: string; hash: string }): void {
  if (!run.state) throw new Error('the run is still starting: send the upgrade again in a moment');
  if (!/^[0-9a-f]{64}$/.test(to?.hash ?? '')) throw new Error('hash: must be a sha256 in hex');
  if (typeof to.version !== 'string' || to.version.length === 0) throw new Error('version: required');
  if (run.state.strategy?.hash === to.hash) throw new Error(`hash: the run is already pinned to ${to.hash}`);
}

/** Adopt the operator's new pin: audited with both hashes; a run halted by its strategy trades again. */
export function upgradeStrategy(run: RunContext, to: { version: string; hash: string }): StrategyPin {
  const st = run.st;
  const from = st.strategy;
  const pin = { name: run.input.strategy.name, version: to.version, hash: to.hash };
  st.strategy = pin;
  const was = from ? `${from.version} (${from.hash})` : 'unpinned';
  audit(st, 'STRATEGY_UPGRADED', `strategy ${pin.name} upgraded from ${was} to ${pin.version} (${pin.hash})`, {
    code: 'STRATEGY_UPGRADED',
    numbers: { fromHash: from?.hash ?? '', toHash: pin.hash, version: pin.version },
  });
  const fault = st.strategyFault;
  st.strategyFault = undefined;
  if (fault && st.tradingState === 'HALTED')
    setTradingState(run, 'ACTIVE', `strategy upgraded to ${pin.version}`, 'signal');
  return pin;
}
