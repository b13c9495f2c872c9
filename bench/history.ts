/**
 * Reads strategy-run histories for the bench: the chain of executions (continue-as-new), event counts
 * per tick (workflow tasks, activity tasks, local-activity markers, timers), bytes, and per-tick
 * timestamps that, joined with the worker's activity timings, give tick → venue-ack latency and tick lag.
 *
 * A tick starts when its `market.snapshot` is scheduled: an activity, or since `local-snapshot-v1` a local
 * activity (its marker, whose data names the activity type and id). With a tickInterval the tick was due
 * when the timer before it was set to fire (TimerStarted time + startToFireTimeout): that is the
 * moment a tick is "wanted", and the reference for latency and lag.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ActivityTiming } from './protocol';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function tsMs(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!t) return Number.NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

export interface TickRecord {
  runId: string;
  /** When the tick was due (timer-driven ticks only). */
  dueAt?: number;
  timerFiredAt?: number;
  /** The snapshot's key in the worker timings (`L<id>` for a local activity). */
  snapshotActivityId: string;
  placeOrderActivityIds: string[];
}

/** The activity type and id of a local-activity marker (the SDK core's `core_local_activity` marker data). */
function localActivityOf(e: HistoryEvent): { type: string; id: string } | undefined {
  const m = e.markerRecordedEventAttributes;
  if (m?.markerName !== 'core_local_activity') return undefined;
  const data = m.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    const d = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string; activity_id?: string };
    return { type: d.activity_type ?? '', id: d.activity_id ?? '' };
  } catch {
    return undefined;
  }
}

/** The type and timing key of the snapshot an event schedules (an activity) or records (a local activity). */
function snapshotOf(e: HistoryEvent): string | undefined {
  const sched = e.activityTaskScheduledEventAttributes;
  if (sched?.activityType?.name === 'market.snapshot') return sched.activityId ?? '';
  const la = localActivityOf(e);
  return la?.type === 'market.snapshot' ? `L${la.id}` : undefined;
}

export interface ExecutionStats {
  runId: string;
  events: number;
  bytes: number;
  ticks: number;
  /** Counted from the first tick on (the run's opening steps are left out). */
  tickEvents: number;
  tickBytes: number;
  workflowTasks: number;
  activityTasks: number;
  localActivities: number;
  timers: number;
  continuedAsNew: boolean;
  tickRecords: TickRecord[];
}

export interface ChainStats {
  workflowId: string;
  executions: ExecutionStats[];
}

export function analyzeExecution(runId: string, events: HistoryEvent[], bytes: number): ExecutionStats {
  // The first tick begins with the workflow task that scheduled the first market.snapshot.
  const firstSnap = events.findIndex((e) => snapshotOf(e) !== undefined);
  let from = events.length;
  if (firstSnap >= 0) {
    from = firstSnap;
    while (from > 0 && !events[from].workflowTaskScheduledEventAttributes) from--;
  }
  const tickPart = events.slice(from);
  const timerStarts = new Map<string, number>(); // timerId → due time
  const ticks: TickRecord[] = [];
  let pendingDue: { due?: number; fired?: number } = {};
  const counts = { wft: 0, at: 0, la: 0, timers: 0 };
  for (const e of tickPart) {
    if (e.workflowTaskStartedEventAttributes) counts.wft++;
    const sched = e.activityTaskScheduledEventAttributes;
    if (sched) counts.at++;
    const snapshot = snapshotOf(e);
    if (snapshot !== undefined) {
      ticks.push({
        runId,
        snapshotActivityId: snapshot,
        placeOrderActivityIds: [],
        ...(pendingDue.due !== undefined ? { dueAt: pendingDue.due } : {}),
        ...(pendingDue.fired !== undefined ? { timerFiredAt: pendingDue.fired } : {}),
      });
      pendingDue = {};
    } else if (sched?.activityType?.name?.endsWith('.placeOrder') && ticks.length > 0)
      ticks[ticks.length - 1].placeOrderActivityIds.push(sched.activityId ?? '');
    if (e.markerRecordedEventAttributes) counts.la++;
    const ts = e.timerStartedEventAttributes;
    if (ts) {
      counts.timers++;
      timerStarts.set(ts.timerId ?? '', tsMs(e.eventTime) + tsMs(ts.startToFireTimeout as never));
    }
    const tf = e.timerFiredEventAttributes;
    if (tf) pendingDue = { due: timerStarts.get(tf.timerId ?? ''), fired: tsMs(e.eventTime) };
  }
  const tickBytes = tickPart.reduce((a, e) => a + temporal.api.history.v1.HistoryEvent.encode(e).finish().length, 0);
  return {
    runId,
    events: events.length,
    bytes,
    ticks: ticks.length,
    tickEvents: tickPart.length,
    tickBytes,
    workflowTasks: counts.wft,
    activityTasks: counts.at,
    localActivities: counts.la,
    timers: counts.timers,
    continuedAsNew: events.some((e) => e.workflowExecutionContinuedAsNewEventAttributes),
    tickRecords: ticks,
  };
}

/** Every execution of a workflow id's continue-as-new chain, oldest first. */
export async function fetchChain(client: Client, workflowId: string, firstRunId?: string): Promise<ChainStats> {
  const executions: ExecutionStats[] = [];
  let runId: string | undefined = firstRunId;
  if (runId === undefined) {
    // Walk back is not possible; start from the first execution recorded by describe's chain start.
    const d = await client.workflow.getHandle(workflowId).describe();
    runId = d.raw.workflowExecutionInfo?.firstRunId ?? d.runId;
  }
  for (let guard = 0; runId && guard < 1000; guard++) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;
    executions.push(analyzeExecution(runId, events, bytes));
    runId =
      events.find((e: HistoryEvent) => e.workflowExecutionContinuedAsNewEventAttributes)
        ?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return { workflowId, executions };
}

/** Index worker timings by "runId/activityId" (a local activity's id with an `L` before it). */
export function indexTimings(timings: readonly ActivityTiming[]): Map<string, ActivityTiming> {
  const m = new Map<string, ActivityTiming>();
  for (const t of timings) m.set(`${t.runId}/${t.local ? 'L' : ''}${t.activityId}`, t);
  return m;
}

export interface TickLatency {
  /** Tick due → the venue answered the tick's first order (the placeOrder activity returned). */
  dueToAck?: number;
  /** Tick due → the tick's market.snapshot started at the worker (how late the tick began). */
  lag?: number;
  stages?: { timerFire: number; toSnapshotStart: number; snapshot: number; toPlaceStart: number; place: number };
}

export function tickLatencies(chains: readonly ChainStats[], timings: Map<string, ActivityTiming>): TickLatency[] {
  const out: TickLatency[] = [];
  for (const c of chains)
    for (const ex of c.executions)
      for (const t of ex.tickRecords) {
        if (t.dueAt === undefined) continue;
        const snap = timings.get(`${t.runId}/${t.snapshotActivityId}`);
        const place =
          t.placeOrderActivityIds.length > 0 ? timings.get(`${t.runId}/${t.placeOrderActivityIds[0]}`) : undefined;
        const r: TickLatency = {};
        if (snap) r.lag = snap.start - t.dueAt;
        if (snap && place) {
          r.dueToAck = place.end - t.dueAt;
          r.stages = {
            timerFire: (t.timerFiredAt ?? t.dueAt) - t.dueAt,
            toSnapshotStart: snap.start - (t.timerFiredAt ?? t.dueAt),
            snapshot: snap.end - snap.start,
            toPlaceStart: place.start - snap.end,
            place: place.end - place.start,
          };
        }
        out.push(r);
      }
  return out;
}

/** Totals over the ticks of many chains. */
export function totals(chains: readonly ChainStats[]) {
  let ticks = 0,
    events = 0,
    bytes = 0,
    wft = 0,
    at = 0,
    la = 0,
    timers = 0,
    executions = 0,
    allBytes = 0,
    allEvents = 0;
  for (const c of chains)
    for (const ex of c.executions) {
      executions++;
      ticks += ex.ticks;
      events += ex.tickEvents;
      bytes += ex.tickBytes;
      wft += ex.workflowTasks;
      at += ex.activityTasks;
      la += ex.localActivities;
      timers += ex.timers;
      allBytes += ex.bytes;
      allEvents += ex.events;
    }
  return {
    chains: chains.length,
    executions,
    ticks,
    events,
    bytes,
    workflowTasks: wft,
    activityTasks: at,
    localActivities: la,
    timers,
    allBytes,
    allEvents,
  };
}
