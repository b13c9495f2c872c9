/**
 * The long-running processes' logger (pino): one JSON object per line, or pino-pretty on a terminal.
 * TEMPOTRADE_LOG_FORMAT=json|pretty picks the format, LOG_LEVEL the level. The Temporal SDK's logger is an
 * adapter onto it (runtime.ts), and the run feed's trading events are logged with their run's fields.
 */
import pino, { type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { z } from 'zod';
import { TempotradeError } from '../../domain/errors';
import type { AuditKind } from '../../domain/run/state';
import type { RunFeedSubscriber } from '../run-feed';

export type { Pino };

const LogEnv = z.object({
  TEMPOTRADE_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export interface LoggerOptions {
  env?: NodeJS.ProcessEnv;
  /** Where JSON lines go (default: stdout). */
  destination?: NodeJS.WritableStream;
  /** Whether the destination is a terminal (default: stdout's isTTY). */
  isTTY?: boolean;
  /** Fields on every line, e.g. { process: 'worker' }. */
  base?: Record<string, unknown>;
}

/** A bad TEMPOTRADE_LOG_FORMAT or LOG_LEVEL is a VALIDATION error naming the variable (the CLI exits 2). */
export function createLogger(opts: LoggerOptions = {}): Pino {
  const r = LogEnv.safeParse(opts.env ?? process.env);
  if (!r.success)
    throw new TempotradeError('VALIDATION', r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n'));
  const format = r.data.TEMPOTRADE_LOG_FORMAT ?? ((opts.isTTY ?? process.stdout.isTTY) ? 'pretty' : 'json');
  const options = { level: r.data.LOG_LEVEL, base: { pid: process.pid, ...opts.base } };
  if (format === 'pretty')
    return pino(options, pretty({ colorize: opts.isTTY ?? process.stdout.isTTY, sync: true, destination: 1 }));
  // Synchronous: a line is out before the process exits or a reader looks for it.
  return pino(options, opts.destination ?? pino.destination({ dest: 1, sync: true }));
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The Temporal SDK's Logger interface onto pino: SDK lines carry `sdk: true` and the SDK's metadata. */
export function temporalLogger(log: Pino): TemporalLogger {
  const child = log.child({ sdk: true });
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => child[LEVELS[level]]({ ...meta }, message);
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}

/** Trading events worth a log line; the rest of the audit stays in the journal and `run audit`. */
const LOGGED: Partial<Record<AuditKind, 'info' | 'warn'>> = {
  RUN_STARTED: 'info',
  RUN_FINISHED: 'info',
  ORDER_PLACED: 'info',
  ORDER_FILLED: 'info',
  ORDER_PARTIALLY_FILLED: 'info',
  ORDER_CANCELED: 'info',
  ORDER_EXPIRED: 'info',
  ORDER_DENIED: 'warn',
  ORDER_REJECTED: 'warn',
  RISK_DENIED: 'info',
  ACCOUNT_DENIED: 'info',
  STATE_CHANGED: 'warn',
  RECONCILIATION_FAILED: 'warn',
  STRATEGY_FAILED: 'warn',
  STRATEGY_CHANGED: 'warn',
  ACCOUNT_UNREACHABLE: 'warn',
  CONTINUED_AS_NEW: 'info',
};

/**
 * Logs each new trading event of a run once (outside replay, deduplicated by seq along the chain) with the
 * run's fields: workflowId, runId, account, strategy, venue, engine, and the clientOrderId when it has one.
 */
export function logFeed(log: Pino): RunFeedSubscriber {
  const maxSeq = new Map<string, number>();
  return {
    name: 'log',
    onBatch(b) {
      const seen = maxSeq.get(b.workflowId) ?? 0;
      if (b.events.length > 0) maxSeq.set(b.workflowId, Math.max(seen, ...b.events.map((e) => e.seq)));
      if (b.replaying) return;
      const { runId, accountId: account, strategy, venue, engine } = b.labels;
      const run = { workflowId: b.workflowId, runId, account, strategy, venue, engine };
      for (const e of b.events) {
        const level = LOGGED[e.kind];
        if (e.seq <= seen || !level) continue;
        const { kind, seq, tick, code, clientOrderId } = e;
        log[level](
          { ...run, kind, seq, tick, ...(code ? { code } : {}), ...(clientOrderId ? { clientOrderId } : {}) },
          e.message,
        );
      }
      if (b.summary.finished) maxSeq.delete(b.workflowId);
    },
  };
}
