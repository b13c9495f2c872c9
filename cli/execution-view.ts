/** How `tempotrade run status` shows the execution monitor (counters, aggregates, latest orders, armed stops). */
import { display } from '../domain/money';
import type { ExecutionAggregate, ExecutionView } from '../domain/execution/monitor';
import { keyValues, table } from './format';

function aggregateLine(a: ExecutionAggregate): string {
  if (a.orders === 0) return 'no order measured yet';
  const parts = [
    `${a.orders} orders`,
    `fill ratio ${a.fillRatio ? display(a.fillRatio, 4) : '-'}`,
    `shortfall ${a.shortfallBps ? `${display(a.shortfallBps, 2)} bps` : '-'}`,
    `fees ${display(a.feesQuote)} (${a.feeBps ? `${display(a.feeBps, 2)} bps` : '-'})`,
  ];
  if (a.avgTimeToFirstFillMs !== undefined) parts.push(`first fill after ${a.avgTimeToFirstFillMs} ms on average`);
  return parts.join(', ');
}

export function formatExecution(x: ExecutionView | undefined): string {
  if (!x) return '';
  const c = x.counters;
  const denied = Object.entries(c.deniedByReason)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    '\nexecution',
    keyValues([
      [
        'orders',
        `${c.placed} placed, ${c.filled} filled, ${c.partiallyFilled} partially filled, ${c.cancelled} cancelled, ${c.rejected} rejected`,
      ],
      ['denied', `${c.denied}${denied ? ` (${denied})` : ''}; post-only crossings ${c.postOnlyDenials}`],
      ['stops', `${c.stopsRegistered} registered, ${c.stopsTriggered} triggered, ${x.armedStops.length} armed`],
      ['run', aggregateLine(x.run)],
      ...Object.entries(x.byStrategy).map(([s, a]): [string, string] => [`strategy ${s}`, aggregateLine(a)]),
    ]),
  ];
  if (x.recent.length) {
    lines.push(
      table(
        x.recent.slice(-10).map((o) => ({
          order: o.clientOrderId,
          side: o.side,
          qty: display(o.quantity),
          status: o.status,
          arrival: o.arrivalPrice,
          avg: o.averagePrice ? display(o.averagePrice, 10) : '',
          fillRatio: display(o.fillRatio, 4),
          shortfallBps: o.shortfallBps ? display(o.shortfallBps, 2) : '',
          firstFillMs: o.timeToFirstFillMs ?? '',
          lastFillMs: o.timeToLastFillMs ?? '',
        })),
      ),
    );
  }
  if (x.armedStops.length)
    lines.push(
      table(
        x.armedStops.map((s) => ({
          stop: s.id,
          kind: s.kind,
          side: s.side,
          qty: display(s.quantity),
          trigger: s.trigger,
          limit: s.limitPrice ?? '',
        })),
      ),
    );
  return lines.join('\n');
}
