/** Plain-text tables and summaries for people; --json gives machines the same data. */
import type { RunSummary } from '../domain/run/state';
import { display } from '../domain/money';
import type { RunListItem, RunWaiting } from '../temporal/runs-client';

export function table(rows: Array<Record<string, string | number | undefined>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(width[i]))
      .join('  ')
      .trimEnd();
  return [
    line(cols.map((c) => c.toUpperCase())),
    line(width.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => String(r[c] ?? '')))),
  ].join('\n');
}

export function keyValues(pairs: Array<[string, string | number | undefined]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v ?? ''}`).join('\n');
}

export function formatSummary(s: RunSummary, uiUrl?: string): string {
  const q = s.quote;
  const denied = Object.entries(s.orders.deniedByReason)
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');
  return keyValues([
    ['run', s.workflowId],
    ['strategy', `${s.strategy} on ${s.symbols.join(', ')}`],
    ['engine', `${s.engine.engine} (${s.engine.reason})`],
    ['ticks', s.ticks],
    [
      'orders',
      `${s.orders.placed} placed, ${s.orders.filled} filled, ${s.orders.partiallyFilled} partial, ${s.orders.canceled} canceled, ${s.orders.expired} expired, ${s.orders.rejected} rejected`,
    ],
    ['denied', `${s.orders.denied}${denied ? ` (${denied})` : ''}`],
    ...(s.orders.resizedByReason && Object.keys(s.orders.resizedByReason).length
      ? [
          [
            'resized',
            Object.entries(s.orders.resizedByReason)
              .map(([k, v]) => `${k}×${v}`)
              .join(', '),
          ] as [string, string],
        ]
      : []),
    ['fills', s.fills],
    ['fees', `${display(s.feesQuote)} ${q}`],
    ['cash', `${display(s.cash)} ${q}`],
    [
      'positions',
      Object.entries(s.positions)
        .map(([k, v]) => `${k} ${display(v)}`)
        .join(', '),
    ],
    ['equity', `${display(s.equity)} ${q} (start ${display(s.startingCapital)})`],
    ['realized PnL', `${display(s.realizedPnl)} ${q}`],
    ['unrealized PnL', `${display(s.unrealizedPnl)} ${q}`],
    ['net PnL', `${display(s.netPnl)} ${q}`],
    ['max drawdown', `${display(s.maxDrawdownPct, 2)} %`],
    ['trading state', `${s.tradingState}${s.stateReason ? ` (${s.stateReason})` : ''}`],
    ['finished', s.finished?.reason],
    ...(uiUrl ? ([['Temporal UI', uiUrl]] as Array<[string, string]>) : []),
  ]);
}

export function uiLink(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** `run list` rows: one per run, or per execution (with its execution id) when `allExecutions`. */
export function runListRows(
  runs: RunListItem[],
  allExecutions = false,
): Array<Record<string, string | number | undefined>> {
  return runs.map((r) => ({
    id: r.workflowId,
    ...(allExecutions ? { execution: r.runId } : {}),
    status: r.status,
    strategy: r.strategy,
    account: r.accountId,
    engine: r.engine,
    mode: r.tradingMode,
    state: r.tradingState,
    tick: r.tick ?? '-',
    equity: r.equity !== undefined ? `${display(r.equity)} ${r.quote ?? ''}`.trim() : '-',
    started: r.startTime.toISOString().slice(0, 19),
  }));
}

/** Why a run waits, one line per reason (pending activities, task queues no worker polls). */
export function formatWaiting(w: RunWaiting): string {
  if (w.reasons.length === 0) return 'waiting  nothing: no pending activity, a worker polls every task queue';
  return w.reasons.map((r, i) => `${i === 0 ? 'waiting' : ''}`.padEnd(9) + r).join('\n');
}
