/**
 * The fast workflow layer (tests/workflow/): the real workflows on the real Temporal test server, with
 * the real activities (createActivities) over an in-process paper venue instead of its HTTP server. One
 * worker per test file, on a task queue of its own, polling from beforeAll to afterAll; one workflow
 * bundle for all the files of a jest run (workflow-bundle.ts).
 */
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { ccxtQuantizer } from '../../brokers/precision';
import type { StrategyRunInputRaw } from '../../domain/run/input';
import { InProcessPaperVenue, type VenueCall } from '../../simulators/paper-venue/in-process';
import { inProcessBrokers } from '../../simulators/paper-venue/in-process-brokers';
import type { StrategyRegistry } from '../../domain/strategies/registry';
import { startRun } from '../../temporal/runs-client';
import { NAMESPACE, serverAddress, testClient, uniqueQueue } from './temporal';
import { accountFromFills, dataFile, runInput, type venueAccount } from './runs';
import { sharedWorkflowBundle } from './workflow-bundle';
import { runFeedSinks, type RunFeedSubscriber } from '../../workers/run-feed';

export interface WorkflowSuite {
  readonly client: Client;
  readonly venue: InProcessPaperVenue;
  readonly queue: string;
  /** `wf-<name>-<stamp>`: an id no other jest run of this file uses. */
  id(name: string): string;
  /**
   * Run `id(name)` on this suite's venue, over the suite's pairs, for `ticks` ticks at most (or to the data's
   * end); runInput's defaults otherwise (sma-crossover, capital 1 BTC, 300 ticks).
   */
  input(name: string, over?: RunOptions): StrategyRunInputRaw;
  /** Start the run: opening, it deposits its capital into its account (as on the HTTP venue). */
  start(input: StrategyRunInputRaw): Promise<string>;
  /** The venue's own account of a run, in the shape `differences()` compares with a summary. */
  account(accountId: string, quote?: string, capital?: string): Promise<Awaited<ReturnType<typeof venueAccount>>>;
}

export interface RunOptions extends Partial<StrategyRunInputRaw> {
  /** stop.maxTicks, the run also stopping at the end of its data. */
  ticks?: number;
}

export interface SuiteOptions {
  /**
   * The worker's strategies, which the client also resolves runs from (default: the built-ins). A function is
   * asked at every call, so that a test can change the worker's modules under a live run.
   */
  strategies?: StrategyRegistry | (() => StrategyRegistry);
  /** The worker's run-feed subscribers (workers/run-feed.ts), as createWorker's `feed`. */
  feed?: RunFeedSubscriber[];
}

/** A registry that forwards every call to `current()`. */
function liveRegistry(current: () => StrategyRegistry): StrategyRegistry {
  return new Proxy({} as StrategyRegistry, {
    get(_target, key) {
      const r = current();
      const v = (r as unknown as Record<PropertyKey, unknown>)[key];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
    },
  });
}

/** Before all: a client, an in-process venue holding `pairs`, and a worker; after all, all closed. */
export function workflowSuite(name: string, pairs: string[], opts: SuiteOptions = {}): WorkflowSuite {
  const given = opts.strategies;
  const strategies = typeof given === 'function' ? liveRegistry(given) : given;
  const queue = uniqueQueue(`wf-${name}`);
  const stamp = Date.now().toString(36);
  const venue = new InProcessPaperVenue({ datasets: Object.fromEntries(pairs.map((p) => [p, dataFile(p)])) });
  let client: Client | undefined;
  let connection: NativeConnection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  beforeAll(async () => {
    client = await testClient();
    connection = await NativeConnection.connect({ address: serverAddress() });
    // As createWorker (workers/worker.ts) makes the strategies worker, with the bundle shared by the files.
    const activities = createActivities({
      brokers: inProcessBrokers(venue),
      quantizer: ccxtQuantizer,
      ...(strategies ? { strategies } : {}),
    });
    worker = await Worker.create({
      connection,
      namespace: NAMESPACE(),
      taskQueue: queue,
      workflowBundle: await sharedWorkflowBundle(),
      activities,
      sinks: runFeedSinks(opts.feed ?? []),
      shutdownGraceTime: '10s',
    });
    running = worker.run();
  }, 120_000);

  afterAll(async () => {
    // A failed test may leave a run held at a venue call: let it go, or the worker waits for it.
    for (const h of [...openHolds]) h.release();
    worker?.shutdown();
    await running;
    await connection?.close();
    await client?.connection.close();
  }, 60_000);

  const suite: WorkflowSuite = {
    get client() {
      if (!client) throw new Error('workflowSuite: the client exists from beforeAll on');
      return client;
    },
    venue,
    queue,
    id: (run) => `wf-${run}-${stamp}`,
    input: (run, { ticks, ...over } = {}) =>
      runInput({
        runId: suite.id(run),
        venueUrl: venue.url,
        symbols: pairs,
        ...(ticks === undefined ? {} : { stop: { maxTicks: ticks, endOfData: true } }),
        ...over,
      }),
    async start(input) {
      return (await startRun(suite.client, input, { taskQueue: queue, ...(strategies ? { strategies } : {}) }))
        .workflowId;
    },
    async account(accountId, quote = 'BTC', capital = '1') {
      const b = venue.brokerage(accountId);
      const [balances, orders, fills] = await Promise.all([b.balances(), b.orders(), b.fills()]);
      return { balances, orders, fills, ...accountFromFills(fills, quote, capital) };
    },
  };
  return suite;
}

/** The sma-crossover strategy of a run input, with these params. */
export const sma = (fast: number, slow: number, orderPct: number) => ({
  name: 'sma-crossover',
  params: { fast, slow, orderPct },
});

/** Holds not released yet, of this test file (each file has its own module registry). */
const openHolds = new Set<Hold>();

export interface Hold {
  /** Settles with the call once a call matching the predicate arrives (and is held). */
  reached: Promise<VenueCall>;
  /** Let the held call (and every later one) through. */
  release(): void;
}

/**
 * Hold the first venue call matching `when` until `release()`: the run stands still at that call (an
 * activity in flight), while signals and queries still reach it. Holds longer than the activity's
 * timeout (30 s) would make it retry; tests hold for a few seconds at most.
 */
export function holdAt(venue: InProcessPaperVenue, when: (c: VenueCall) => boolean): Hold {
  let arrived!: (c: VenueCall) => void;
  let go!: () => void;
  const reached = new Promise<VenueCall>((r) => (arrived = r));
  const gate = new Promise<void>((r) => (go = r));
  let matched = false;
  const remove = venue.onCall((c) => {
    if (matched || !when(c)) return;
    matched = true;
    arrived(c);
    return gate;
  });
  const hold: Hold = {
    reached,
    release() {
      openHolds.delete(hold);
      remove();
      go();
    },
  };
  openHolds.add(hold);
  return hold;
}

/** The `n`-th (0-based) snapshot a run's account asks for: the run's tick `n` on a one-symbol run. */
export const snapshotNo = (accountId: string, n: number) => (c: VenueCall) =>
  c.call === 'snapshot' && c.account === accountId && c.n === n;
