/**
 * Webhook alerts against a real local HTTP receiver: each body shape, a retry after a failing answer, and a
 * receiver that is gone, which costs the bounded retries and then is logged, never thrown.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TradingAlert } from '../../activities/alerts';
import { notifierFromEnv } from '../../activities/alerts';
import { webhookNotifier, webhookNotifierFromEnv, type WebhookFormat } from '../../activities/alert-webhook';

const alert: TradingAlert = {
  kind: 'HALTED',
  workflowId: 'wf-1',
  runId: 'run-1',
  accountId: 'acct-1',
  strategy: 'sma-crossover',
  mode: 'paper',
  from: 'ACTIVE',
  to: 'HALTED',
  reason: 'max drawdown 12% over 10%',
  by: 'guard',
  numbers: { drawdownPct: '12' },
  tick: 42,
  at: 1_700_000_000_000,
};

interface Receiver {
  url: string;
  bodies: unknown[];
  /** Status codes to answer, in order; 200 after. */
  answers: number[];
  close(): Promise<void>;
}

async function receiver(answers: number[] = []): Promise<Receiver> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.statusCode = answers.shift() ?? 200;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    answers,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const text =
  'tempotrade HALTED: run wf-1 (sma-crossover, account acct-1, paper) ACTIVE → HALTED by guard at tick 42: max drawdown 12% over 10% drawdownPct=12';

describe('GIVEN a webhook receiver', () => {
  it.each<[WebhookFormat, unknown]>([
    ['json', { alert: 'HALTED', ...alert }],
    ['slack', { text }],
    ['discord', { content: text }],
    ['telegram', { chat_id: '-100123', text }],
  ])('WHEN the format is %s THEN it receives that body once', async (format, body) => {
    const r = await receiver();
    try {
      const n = webhookNotifier({ url: r.url, format, telegramChatId: '-100123' });
      expect(await n.notify(alert)).toEqual({ channel: `webhook:${format}` });
      expect(r.bodies).toEqual([body]);
    } finally {
      await r.close();
    }
  });

  it('WHEN the receiver fails twice THEN the third attempt delivers it', async () => {
    const r = await receiver([500, 503]);
    try {
      const n = webhookNotifier({ url: r.url, format: 'json', attempts: 3, retryMs: 20 });
      expect(await n.notify(alert)).toEqual({ channel: 'webhook:json' });
      expect(r.bodies).toHaveLength(3);
    } finally {
      await r.close();
    }
  });

  it('WHEN the receiver is gone THEN notify returns after its bounded retries and logs the failure, never throwing', async () => {
    const r = await receiver();
    await r.close();
    const logs: string[] = [];
    const n = webhookNotifier({
      url: r.url,
      format: 'slack',
      attempts: 3,
      retryMs: 20,
      timeoutMs: 500,
      log: (l) => logs.push(l),
    });
    const t0 = Date.now();
    expect(await n.notify(alert)).toEqual({ channel: 'webhook:slack:failed' });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(JSON.parse(logs[0])).toMatchObject({
      alertDeliveryFailed: 'webhook:slack',
      attempts: 3,
      workflowId: 'wf-1',
    });
  });

  it('WHEN the environment names a webhook THEN the alert goes to the log line and the webhook; a bad setting names its variable', async () => {
    const r = await receiver();
    try {
      const n = notifierFromEnv({ TEMPOTRADE_ALERT_WEBHOOK_URL: r.url, TEMPOTRADE_ALERT_WEBHOOK_FORMAT: 'discord' });
      expect(n.describe()).toMatch(/^log\+webhook:discord:127\.0\.0\.1:\d+$/);
      await n.notify(alert);
      expect(r.bodies).toEqual([{ content: text }]);
    } finally {
      await r.close();
    }
    expect(webhookNotifierFromEnv({})).toBeUndefined();
    expect(() =>
      webhookNotifierFromEnv({ TEMPOTRADE_ALERT_WEBHOOK_URL: 'http://x', TEMPOTRADE_ALERT_WEBHOOK_FORMAT: 'teams' }),
    ).toThrow(/TEMPOTRADE_ALERT_WEBHOOK_FORMAT/);
    expect(() =>
      webhookNotifierFromEnv({ TEMPOTRADE_ALERT_WEBHOOK_URL: 'http://x', TEMPOTRADE_ALERT_WEBHOOK_FORMAT: 'telegram' }),
    ).toThrow(/TEMPOTRADE_ALERT_TELEGRAM_CHAT_ID: is required/);
  });
});
