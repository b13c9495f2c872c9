/**
 * Alerts to a webhook: a generic JSON POST, or the body shapes of Slack and Discord incoming webhooks and the
 * Telegram Bot API (sendMessage, which needs a chat id). A few bounded attempts with backoff, then the failure
 * is logged and swallowed: a dead webhook must not hold the run that raised the alert.
 */
import { z } from 'zod';
import { TempotradeError } from '../domain/errors';
import type { Notifier, TradingAlert } from './alerts';

export const WebhookFormat = z.enum(['json', 'slack', 'discord', 'telegram']);
export type WebhookFormat = z.infer<typeof WebhookFormat>;

export interface WebhookOptions {
  url: string;
  format: WebhookFormat;
  /** Telegram only: the chat the bot posts to. */
  telegramChatId?: string;
  attempts?: number;
  retryMs?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** One line a human reads in a chat. */
export function alertText(a: TradingAlert): string {
  const nums = a.numbers
    ? ` ${Object.entries(a.numbers)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`
    : '';
  return `tempotrade ${a.kind}: run ${a.workflowId} (${a.strategy}, account ${a.accountId}, ${a.mode}) ${a.from} → ${a.to} by ${a.by} at tick ${a.tick}: ${a.reason}${nums}`;
}

export function webhookBody(a: TradingAlert, format: WebhookFormat, telegramChatId?: string): unknown {
  switch (format) {
    case 'json':
      return { alert: a.kind, ...a };
    case 'slack':
      return { text: alertText(a) };
    case 'discord':
      // Discord rejects content over 2,000 characters.
      return { content: alertText(a).slice(0, 2000) };
    case 'telegram':
      return { chat_id: telegramChatId, text: alertText(a) };
  }
}

export function webhookNotifier(opts: WebhookOptions): Notifier {
  const attempts = opts.attempts ?? 3;
  const retryMs = opts.retryMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const log = opts.log ?? ((l: string) => console.error(l));
  const where = new URL(opts.url).host;
  return {
    describe: () => `webhook:${opts.format}:${where}`,
    async notify(alert) {
      const body = JSON.stringify(webhookBody(alert, opts.format, opts.telegramChatId));
      let last = '';
      for (let i = 1; i <= attempts; i++) {
        try {
          const r = await fetch(opts.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
          if (r.ok) return { channel: `webhook:${opts.format}` };
          last = `HTTP ${r.status}`;
        } catch (e) {
          last = (e as Error).message;
        }
        if (i < attempts) await new Promise((res) => setTimeout(res, retryMs * 2 ** (i - 1)));
      }
      log(
        JSON.stringify({
          alertDeliveryFailed: `webhook:${opts.format}`,
          host: where,
          attempts,
          error: last,
          alert: alert.kind,
          workflowId: alert.workflowId,
        }),
      );
      return { channel: `webhook:${opts.format}:failed` };
    },
  };
}

const WebhookEnv = z
  .object({
    TEMPOTRADE_ALERT_WEBHOOK_URL: z.string().url('must be an http(s) URL').optional(),
    TEMPOTRADE_ALERT_WEBHOOK_FORMAT: WebhookFormat.default('json'),
    TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID: z.string().min(1).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.TEMPOTRADE_ALERT_WEBHOOK_FORMAT === 'telegram' && !e.TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID)
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID'],
        message: 'is required with the telegram format',
      });
  });

/** The webhook of TEMPOTRADE_ALERT_WEBHOOK_URL, if set; a bad value is an error naming the variable. */
export function webhookNotifierFromEnv(env: Record<string, string | undefined>): Notifier | undefined {
  const r = WebhookEnv.safeParse({
    TEMPOTRADE_ALERT_WEBHOOK_URL: env.TEMPOTRADE_ALERT_WEBHOOK_URL || undefined,
    TEMPOTRADE_ALERT_WEBHOOK_FORMAT: env.TEMPOTRADE_ALERT_WEBHOOK_FORMAT || undefined,
    TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID: env.TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID || undefined,
  });
  if (!r.success)
    throw new TempotradeError('VALIDATION', r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n'));
  const e = r.data;
  if (!e.TEMPOTRADE_ALERT_WEBHOOK_URL) return undefined;
  return webhookNotifier({
    url: e.TEMPOTRADE_ALERT_WEBHOOK_URL,
    format: e.TEMPOTRADE_ALERT_WEBHOOK_FORMAT,
    ...(e.TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID ? { telegramChatId: e.TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID } : {}),
  });
}
