/**
 * The journal's run-feed subscriber: onBatch only enqueues; one loop writes the queue in order. While the
 * database is down the queue grows (bounded: events beyond the bound are dropped and counted) and the write is
 * retried with backoff, so trading never waits for the journal and it catches up when the database returns.
 */
import type { RunFeedBatch } from '../../domain/run/feed';
import type { RunFeedSubscriber } from '../run-feed';
import type { JournalStore } from './store';

export interface JournalWriterOptions {
  /** Events held in memory at most while the database is unreachable. */
  maxBufferedEvents?: number;
  /** Events per write (one transaction). */
  maxEventsPerWrite?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  log?: (message: string) => void;
}

export interface JournalWriterStats {
  written: number;
  pending: number;
  dropped: number;
  failedWrites: number;
}

export class JournalWriter implements RunFeedSubscriber {
  readonly name = 'journal';
  private readonly queue: RunFeedBatch[] = [];
  private pendingEvents = 0;
  private readonly stats_ = { written: 0, dropped: 0, failedWrites: 0 };
  private pumping?: Promise<void>;
  private closed = false;
  private wake?: () => void;
  private readonly max: number;
  private readonly perWrite: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly log: (m: string) => void;

  constructor(
    private readonly store: JournalStore,
    opts: JournalWriterOptions = {},
  ) {
    this.max = opts.maxBufferedEvents ?? 100_000;
    this.perWrite = opts.maxEventsPerWrite ?? 2_000;
    this.minMs = opts.retryMinMs ?? 200;
    this.maxMs = opts.retryMaxMs ?? 10_000;
    this.log = opts.log ?? ((m) => console.error(m));
  }

  /** Where the journal goes (never a password). */
  get where(): string {
    return this.store.where;
  }

  onBatch(batch: RunFeedBatch): void {
    if (this.closed) return;
    let b = batch;
    if (this.pendingEvents + b.events.length > this.max) {
      // Keep the summary (it is one row) and drop the events that do not fit.
      const room = Math.max(0, this.max - this.pendingEvents);
      const lost = b.events.length - room;
      this.stats_.dropped += lost;
      this.log(
        `journal: buffer full (${this.max} events): dropped ${lost} event(s) of ${b.workflowId} (seq ${b.events[room]?.seq}…), ${this.stats_.dropped} dropped in all`,
      );
      b = { ...b, events: b.events.slice(0, room) };
    }
    this.queue.push(b);
    this.pendingEvents += b.events.length;
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  stats(): JournalWriterStats {
    return { ...this.stats_, pending: this.pendingEvents };
  }

  /** Resolves when everything queued so far is written (or the writer is closed). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Write what is queued, waiting at most `timeoutMs`, then close the store. */
  async close(timeoutMs = 5_000): Promise<void> {
    const done = this.flush();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
    this.wake?.();
    if (this.pendingEvents > 0) this.log(`journal: closing with ${this.pendingEvents} event(s) not written`);
    await this.store.close().catch(() => undefined);
  }

  private take(): RunFeedBatch[] {
    const out: RunFeedBatch[] = [];
    let n = 0;
    while (this.queue.length > 0 && (out.length === 0 || n + this.queue[0].events.length <= this.perWrite)) {
      const b = this.queue.shift()!;
      n += b.events.length;
      out.push(b);
    }
    return out;
  }

  private async pump(): Promise<void> {
    let delay = this.minMs;
    let down = false;
    while (this.queue.length > 0 && !this.closed) {
      const chunk = this.take();
      for (;;) {
        try {
          await this.store.write(chunk);
          break;
        } catch (e) {
          this.stats_.failedWrites++;
          if (!down || this.stats_.failedWrites % 20 === 0)
            this.log(
              `journal: write to ${this.store.where} failed (${(e as Error).message}); buffering ${this.pendingEvents} event(s), retrying`,
            );
          down = true;
          await new Promise<void>((r) => {
            const t = setTimeout(r, delay);
            this.wake = () => {
              clearTimeout(t);
              r();
            };
          });
          delay = Math.min(this.maxMs, delay * 2);
          if (this.closed) {
            this.queue.unshift(...chunk);
            return;
          }
        }
      }
      const n = chunk.reduce((s, b) => s + b.events.length, 0);
      this.pendingEvents -= n;
      this.stats_.written += n;
      if (down) {
        this.log(`journal: ${this.store.where} is back; ${this.pendingEvents} event(s) still to write`);
        down = false;
        delay = this.minMs;
      }
    }
  }
}
