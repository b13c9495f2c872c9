/**
 * The worker's end of the run feed (domain/run/feed.ts): fans each batch out to the subscribers (journal,
 * metrics). Called during replay too, so that events a killed worker never handed over reach the journal;
 * a subscriber that counts must skip `replaying` batches. A throwing subscriber never reaches the workflow.
 */
import type { InjectedSinks } from '@temporalio/worker';
import type { RunFeedBatch, RunFeedSinks } from '../domain/run/feed';

export interface RunFeedSubscriber {
  readonly name: string;
  /** Must not throw or block for long: trading does not wait for it. */
  onBatch(batch: RunFeedBatch): void;
}

export function runFeedSinks(
  subscribers: readonly RunFeedSubscriber[],
  onError: (subscriber: string, err: unknown) => void = (name, err) =>
    console.error(`run feed: ${name} failed: ${(err as Error)?.message ?? String(err)}`),
): InjectedSinks<RunFeedSinks> {
  return {
    runFeed: {
      publish: {
        fn: (_info, batch) => {
          for (const s of subscribers) {
            try {
              s.onBatch(batch);
            } catch (err) {
              onError(s.name, err);
            }
          }
        },
        callDuringReplay: true,
      },
    },
  };
}

/** For replays and tools that run the workflows without subscribers: the sink exists, so no error is logged. */
export const NO_FEED = runFeedSinks([]);
