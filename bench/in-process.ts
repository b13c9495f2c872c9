/**
 * The durability-overhead baseline: the same run as workflows/strategy-run/ (replay venue, no
 * reconciliation differences, no signals) driven in-process, without Temporal — the same activity
 * functions (createActivities: market data and orders over HTTP to the same venue process, the pure
 * decision steps) called one after the other in the same order as the workflow calls them, with the
 * same domain transitions. The account supervisor's decisions (approve with reservation before each
 * opening order, the run's report after each tick that moved) are made in memory with the same pure
 * functions. Only Temporal (histories, tasks, timers, payload conversion, the Update round trip) is
 * missing, so the ratio of the two wall times is what durability costs. Not a product path: bench only.
 */
import { createActivities } from '../activities';
import type { PlaceOrderResult } from '../activities/types';
import { createBrokerRegistry } from '../brokers/registry';
import { envCredentialProvider } from '../brokers/credentials';
import { ccxtQuantizer } from '../brokers/precision';
import { selectEngine } from '../domain/execution/selection';
import { deriveClientOrderId } from '../domain/ids';
import type { Order } from '../domain/orders/order';
import { min } from '../domain/money';
import { markToMarket } from '../domain/portfolio/portfolio';
import { assessGuards, tradingStateDenial } from '../domain/risk/engine';
import { StrategyRunInput, type StrategyRunInputRaw } from '../domain/run/input';
import type { RunSummary } from '../domain/run/state';
import {
  appendBars,
  audit,
  countDenial,
  initialRunState,
  newFills,
  ordersToCancel,
  recordVerdict,
  summarize,
  trackOrder,
} from '../domain/run/transitions';
import { getStrategy } from '../domain/strategies';
import { AccountLimits, applyReport, approve, detectBreach, openAccount, registerRun } from '../domain/risk/account';
import { isReducing } from '../domain/risk/engine';
import { isTerminal } from '../domain/orders/order';
import { dueReport, reportDelivered } from '../domain/run/account-link';
import {
  advanceRunVolBreaker,
  holdAfter,
  initialRunRisk,
  observeBars,
  recordFills,
  recordSubmit,
  runFacts,
} from '../domain/run/risk';

export async function runInProcess(
  raw: StrategyRunInputRaw,
): Promise<{ summary: RunSummary; ms: number; ticks: number }> {
  const input = StrategyRunInput.parse(raw);
  const brokers = createBrokerRegistry(envCredentialProvider());
  const acts = createActivities({ brokers, quantizer: ccxtQuantizer });
  const t0 = performance.now();
  try {
    const strategy = getStrategy(input.strategy.name);
    const lookback = strategy.lookback(strategy.params.parse(input.strategy.params) as never);
    const ref = { venue: input.venue, accountId: input.accountId };
    const desc = await acts['market.describe']({ ...ref, symbols: input.symbols });
    const quote = input.symbols[0].split('/')[1];
    const balances = await acts['account.open']({ ...ref, quote, capital: input.capital });
    if (desc.clock.kind !== 'replay') throw new Error('the in-process baseline runs on a replay venue');
    const start = input.startTime ?? desc.clock.start + (lookback - 1) * desc.clock.barMs;
    const st = initialRunState({
      input,
      start,
      clock: desc.clock,
      instruments: desc.instruments,
      capabilities: desc.capabilities,
      engine: selectEngine(input.engine, input.risk),
      quote,
      cash: min(input.capital, balances[quote].total),
    });
    await acts['account.reconcile']({ ...ref, symbols: input.symbols, runOrders: [] });
    const engine = st.engine.engine;
    const io = acts as unknown as Record<string, (i: unknown) => Promise<unknown>>;
    const account = openAccount(input.accountId, AccountLimits.parse({}), Date.now());
    registerRun(account, input.runId, input.strategy.name, st.portfolio.equity, Date.now());
    st.account = { released: [] };
    st.risk = initialRunRisk();
    const risk = st.risk;

    const settle = async (order: Order) => {
      const fills = newFills(st, order);
      if (fills.length > 0) {
        const before = st.portfolio;
        st.portfolio = await acts['portfolio.applyFills']({ portfolio: st.portfolio, fills });
        recordFills(risk, before, st.portfolio, order.symbol, Math.max(...fills.map((f) => f.ts)), input.risk);
      }
      trackOrder(st, order, fills);
      if (isTerminal(order.status)) st.account!.released.push(order.clientOrderId);
    };
    while (!st.finished) {
      if (input.stop.maxTicks !== undefined && st.tick >= input.stop.maxTicks) {
        st.finished = { reason: 'MAX_TICKS', at: st.marketTime };
        break;
      }
      const since = Object.fromEntries(
        input.symbols.map((s) => [s, st.windows[s].length ? st.windows[s][st.windows[s].length - 1].ts : undefined]),
      );
      const snaps = await acts['market.snapshot']({
        ...ref,
        symbols: input.symbols,
        at: st.marketTime,
        since,
        limit: lookback,
      });
      const marks: Record<string, string> = {};
      for (const s of input.symbols) {
        st.windows[s] = appendBars(st.windows[s], snaps[s].bars, lookback);
        marks[s] = snaps[s].mark;
        observeBars(risk, s, snaps[s].bars, input.risk);
      }
      st.portfolio = markToMarket(st.portfolio, marks, st.marketTime);
      advanceRunVolBreaker(risk, input.risk, st.marketTime);
      const open = Object.values(st.openOrders).map((o) => ({
        symbol: o.order.symbol,
        clientOrderId: o.order.clientOrderId,
      }));
      if (open.length > 0) {
        for (const o of (await io[`${engine}.followOrders`]({ ...ref, orders: open, waitMs: 0 })) as Order[])
          await settle(o);
        for (const o of ordersToCancel(st, input.cancelAfterTicks))
          await settle(
            (await io[`${engine}.cancelOrder`]({ ...ref, symbol: o.symbol, clientOrderId: o.clientOrderId })) as Order,
          );
      }
      const intents = await acts['strategy.signals']({
        strategyId: input.strategy.name,
        strategy: input.strategy.name,
        params: input.strategy.params,
        windows: st.windows,
        positions: Object.fromEntries(Object.values(st.portfolio.positions).map((p) => [p.symbol, p.quantity])),
        marks,
        equity: st.portfolio.equity,
      });
      st.counters.intents += intents.length;
      for (const intent of intents)
        audit(st, 'INTENT_SIGNALED', `${intent.side} ${intent.quantity} ${intent.symbol}: ${intent.reason}`, {
          numbers: { quantity: intent.quantity, mark: marks[intent.symbol] },
        });
      const markTime = Object.fromEntries(input.symbols.map((s) => [s, snaps[s].markTs]));
      const facts = () =>
        runFacts({
          risk,
          portfolio: st.portfolio,
          strategyId: input.strategy.name,
          now: st.marketTime,
          markTime,
          openOrders: Object.values(st.openOrders).map((o) => o.order),
          config: input.risk,
        });
      const breach = assessGuards(st.portfolio, input.risk, facts());
      holdAfter(risk, breach, st.tradingState);
      const batches =
        intents.length > 0 ? intents.map((i) => [i]) : breach && breach.target !== st.tradingState ? [[]] : [];
      for (const batch of batches) {
        const ev = await acts['risk.evaluate']({
          engine,
          intents: batch,
          portfolio: st.portfolio,
          tradingState: st.tradingState,
          config: input.risk,
          instruments: st.instruments,
          facts: facts(),
        });
        for (const v of ev.verdicts) {
          recordVerdict(st, v);
          if (v.decision === 'DENIED') continue;
          const late = tradingStateDenial(v.intent, st.tradingState, input.risk);
          if (late) {
            countDenial(st, late.code);
            continue;
          }
          st.orderSeq += 1;
          const clientOrderId = deriveClientOrderId(input.runId, st.orderSeq);
          let quantity = v.quantity;
          if (!isReducing(v.intent)) {
            const av = approve(
              account,
              {
                requestId: clientOrderId,
                workflowId: input.runId,
                strategy: input.strategy.name,
                symbol: v.intent.symbol,
                side: v.intent.side,
                quantity,
                price: v.intent.limitPrice ?? marks[v.intent.symbol],
                reducing: false,
              },
              Date.now(),
            );
            if (av.decision === 'DENIED') {
              countDenial(st, av.code);
              continue;
            }
            quantity = av.quantity;
          }
          const result = (await io[`${engine}.placeOrder`]({
            ...ref,
            clientOrderId,
            intent: { ...v.intent, quantity },
            snapshot: snaps[v.intent.symbol],
            instrument: st.instruments[v.intent.symbol],
            capabilities: st.capabilities,
            config: input.risk,
            tradingState: st.tradingState,
            equity: st.portfolio.equity,
            at: st.marketTime,
          })) as PlaceOrderResult;
          if (result.kind === 'rejected') {
            st.account!.released.push(clientOrderId);
            if (result.by === 'engine') countDenial(st, result.code);
            else st.counters.rejected += 1;
            continue;
          }
          st.counters.placed += 1;
          recordSubmit(risk, st.marketTime, !isReducing(v.intent), input.risk);
          audit(st, 'ORDER_PLACED', `${result.order.side} ${result.order.quantity} ${result.order.symbol}`, {
            clientOrderId,
          });
          await settle(result.order);
        }
      }
      // The run's report to its account (a signal in the workflow), when something moved.
      const due = dueReport({
        link: st.account!,
        risk,
        portfolio: st.portfolio,
        workflowId: input.runId,
        strategy: input.strategy.name,
        ended: false,
        stepped: true,
      });
      if (due) {
        applyReport(account, due.report, Date.now());
        reportDelivered(st.account!, due);
        detectBreach(account);
      }
      st.counters.ticks += 1;
      if (input.stop.endOfData && input.symbols.some((s) => snaps[s].endOfData))
        st.finished = { reason: 'END_OF_DATA', at: st.marketTime };
      st.tick += 1;
      st.marketTime += st.clock.barMs;
    }
    return { summary: summarize(st, input, input.runId), ms: performance.now() - t0, ticks: st.counters.ticks };
  } finally {
    await brokers.closeAll();
  }
}
