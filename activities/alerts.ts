/**
 * Alerts: a run that becomes HALTED (by an operator, a guard or a venue error) or that a risk guard moves
 * to another trading state. Every alert is written as one JSON log line ({"alert":"HALTED",...}): in AWS a
 * CloudWatch metric filter counts those lines and alarms on them. With TEMPOTRADE_ALERTS_TOPIC_ARN set,
 * the alert is also published to that SNS topic (AWS SDK v3), with message attributes to filter on.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { TradingState } from '../domain/run/trading-state';
import { webhookNotifierFromEnv } from './alert-webhook';

export const TradingAlert = z
  .object({
    kind: z.enum(['HALTED', 'BREACH']),
    workflowId: z.string().min(1),
    runId: z.string().min(1),
    accountId: z.string().min(1),
    strategy: z.string().min(1),
    mode: z.enum(['paper', 'live']),
    from: TradingState,
    to: TradingState,
    reason: z.string(),
    by: z.enum(['signal', 'guard']),
    numbers: z.record(z.string(), z.string()).optional(),
    tick: z.number().int().min(0),
    marketTime: z.number().optional(),
    at: z.number(),
  })
  .strict();
export type TradingAlert = z.infer<typeof TradingAlert>;

export interface Notifier {
  notify(alert: TradingAlert): Promise<{ channel: string; messageId?: string }>;
  describe(): string;
}

export function alertLine(alert: TradingAlert): string {
  return JSON.stringify({ alert: alert.kind, ...alert });
}

/** Writes the alert as one JSON line (the default, and the source of the CloudWatch halt metric). */
export function logNotifier(write: (line: string) => void = (l) => console.log(l)): Notifier {
  return {
    describe: () => 'log',
    async notify(alert) {
      write(alertLine(alert));
      return { channel: 'log' };
    },
  };
}

export function snsSubject(a: TradingAlert): string {
  // SNS subjects: ASCII, at most 100 characters.
  return `tempotrade ${a.kind}: ${a.workflowId} (${a.accountId})`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/** Publishes to an SNS topic, after writing the log line. */
export function snsNotifier(
  topicArn: string,
  client: SNSClient = new SNSClient({}),
  log: Notifier = logNotifier(),
): Notifier {
  return {
    describe: () => `sns:${topicArn}`,
    async notify(alert) {
      await log.notify(alert);
      const r = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: snsSubject(alert),
          Message: JSON.stringify(alert, null, 2),
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: alert.kind },
            accountId: { DataType: 'String', StringValue: alert.accountId },
            tradingState: { DataType: 'String', StringValue: alert.to },
            mode: { DataType: 'String', StringValue: alert.mode },
          },
        }),
      );
      return { channel: 'sns', ...(r.MessageId ? { messageId: r.MessageId } : {}) };
    },
  };
}

export function notifierFromEnv(env: Record<string, string | undefined> = process.env): Notifier {
  const arn = env.TEMPOTRADE_ALERTS_TOPIC_ARN || undefined;
  const primary = arn ? snsNotifier(arn) : logNotifier();
  // TEMPOTRADE_ALERT_WEBHOOK_URL adds a webhook; it never throws, so SNS errors still reach the activity's retry.
  const webhook = webhookNotifierFromEnv(env);
  if (!webhook) return primary;
  return {
    describe: () => `${primary.describe()}+${webhook.describe()}`,
    async notify(alert) {
      await webhook.notify(alert);
      return primary.notify(alert);
    },
  };
}

export function createAlertActivities(deps: { notifier?: Notifier } = {}) {
  let notifier = deps.notifier;
  return {
    /** Deliver one alert. SNS errors are thrown, so the activity retries them. */
    async 'alerts.notify'(raw: TradingAlert): Promise<{ channel: string; messageId?: string }> {
      notifier ??= notifierFromEnv();
      return notifier.notify(TradingAlert.parse(raw));
    },
  };
}
