/**
 * The AWS pieces the worker and the Lambdas use at run time, with the real AWS SDK v3 clients talking to a
 * local endpoint (tests/helpers/aws-local.ts): Secrets Manager reads (cached, validated, never echoing a
 * value), the venue credential provider, the Temporal secret, and SNS alerts.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecretReader } from '../../aws/secrets';
import {
  secretsManagerCredentialProvider,
  secretsManagerCredentialProviderFromEnv,
} from '../../brokers/credentials-aws';
import { loadTemporalConfig } from '../../temporal/connection';
import { createAlertActivities, logNotifier, snsNotifier, type TradingAlert } from '../../activities/alerts';
import { awsLocalEnv, startAwsLocal, type AwsLocal } from '../helpers/aws-local';

let aws: AwsLocal;
let sm: SecretsManagerClient;
beforeAll(async () => {
  aws = await startAwsLocal();
  const env = awsLocalEnv(aws.url);
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  sm = new SecretsManagerClient({ region: env.AWS_REGION, endpoint: aws.url, credentials });
});
afterAll(async () => aws?.close());

const gets = () => aws.requests.filter((r) => r.target === 'secretsmanager.GetSecretValue').length;
const VENUE = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tempotrade/venue-AbCdEf';

describe('GIVEN venue keys in a Secrets Manager secret', () => {
  beforeAll(() => {
    aws.secrets.set(
      VENUE,
      JSON.stringify({
        binance: { 'desk-1': { apiKey: 'k-desk-1', secret: 's-desk-1' }, '*': { apiKey: 'k-any', secret: 's-any' } },
        kraken: { 'desk-2': { apiKey: 'k2', secret: 's2', password: 'p2' } },
      }),
    );
  });

  it('WHEN the worker asks per (exchange, account) THEN it gets that account\'s keys, the "*" keys otherwise, none for an unknown exchange; the secret is read once within the TTL', async () => {
    let now = 1_000_000;
    const before = gets();
    const p = secretsManagerCredentialProvider({
      secretId: VENUE,
      reader: createSecretReader({ client: sm, ttlMs: 60_000, now: () => now }),
    });
    expect(await p.get('binance', 'desk-1')).toEqual({ apiKey: 'k-desk-1', secret: 's-desk-1' });
    expect(await p.get('binance', 'desk-9')).toEqual({ apiKey: 'k-any', secret: 's-any' });
    expect(await p.get('kraken', 'desk-2')).toEqual({ apiKey: 'k2', secret: 's2', password: 'p2' });
    expect(await p.get('coinbase', 'desk-1')).toBeUndefined();
    expect(gets() - before).toBe(1);
    now += 60_001; // after the TTL a rotated value is read again
    aws.secrets.set(VENUE, JSON.stringify({ binance: { 'desk-1': { apiKey: 'k-rotated', secret: 's-rotated' } } }));
    expect(await p.get('binance', 'desk-1')).toEqual({ apiKey: 'k-rotated', secret: 's-rotated' });
    expect(gets() - before).toBe(2);
    expect(p.describe()).toContain(VENUE);
  });

  it('WHEN the secret is malformed or missing THEN the error names the secret and the field, never a value', async () => {
    const bad = `${VENUE}-bad`;
    aws.secrets.set(bad, JSON.stringify({ binance: { 'desk-1': { apiKey: 'leaky-key-value', secret: '' } } }));
    const reader = createSecretReader({ client: sm });
    const err = (await secretsManagerCredentialProvider({ secretId: bad, reader })
      .get('binance', 'desk-1')
      .catch((e: Error) => e)) as Error & { code: string };
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('binance.desk-1.secret');
    expect(err.message).not.toContain('leaky-key-value');
    const missing = (await secretsManagerCredentialProvider({ secretId: `${VENUE}-nope`, reader })
      .get('binance', 'x')
      .catch((e: Error) => e)) as Error & { code: string };
    expect([missing.code, missing.message]).toEqual(['CONFIG', expect.stringContaining('does not exist')]);
  });

  it('WHEN TEMPOTRADE_VENUE_SECRET_ARN is set THEN the env picks the Secrets Manager provider; unset, none', () => {
    expect(secretsManagerCredentialProviderFromEnv({ TEMPOTRADE_VENUE_SECRET_ARN: VENUE })?.describe()).toContain(
      VENUE,
    );
    expect(secretsManagerCredentialProviderFromEnv({})).toBeUndefined();
    expect(() =>
      secretsManagerCredentialProviderFromEnv({
        TEMPOTRADE_VENUE_SECRET_ARN: VENUE,
        TEMPOTRADE_VENUE_SECRET_TTL_MS: 'soon',
      }),
    ).toThrow(/TEMPOTRADE_VENUE_SECRET_TTL_MS/);
  });
});

describe('GIVEN Temporal Cloud credentials in a secret', () => {
  it('WHEN the config is loaded THEN the API key comes from the secret, the address and namespace from env', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tempotrade/temporal-AbCdEf';
    aws.secrets.set(arn, JSON.stringify({ apiKey: 'tc-api-key' }));
    const cfg = await loadTemporalConfig(
      { TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'acme.a1b2c', TEMPORAL_SECRET_ARN: arn },
      createSecretReader({ client: sm }),
    );
    expect(cfg).toMatchObject({
      address: 'acme.a1b2c.tmprl.cloud:7233',
      namespace: 'acme.a1b2c',
      apiKey: 'tc-api-key',
    });
    aws.secrets.set(
      `${arn}-half`,
      JSON.stringify({ tlsCert: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' }),
    );
    await expect(
      loadTemporalConfig({ TEMPORAL_SECRET_ARN: `${arn}-half` }, createSecretReader({ client: sm })),
    ).rejects.toThrow(/tlsCert: tlsCert and tlsKey go together/);
  });
});

describe('GIVEN a run that becomes HALTED', () => {
  const alert: TradingAlert = {
    kind: 'HALTED',
    workflowId: 'wf-1',
    runId: 'wf-1',
    accountId: 'desk-1',
    strategy: 'sma-crossover',
    mode: 'paper',
    from: 'ACTIVE',
    to: 'HALTED',
    reason: 'DAILY_LOSS_LIMIT breached',
    by: 'guard',
    numbers: { dailyLossPct: '5.2' },
    tick: 42,
    marketTime: 1_516_000_000_000,
    at: 1_700_000_000_000,
  };

  it('WHEN an alerts topic is configured THEN the alert is published to SNS with filterable attributes, and logged as the line the halt metric counts', async () => {
    const lines: string[] = [];
    const env = awsLocalEnv(aws.url);
    const sns = new SNSClient({
      region: env.AWS_REGION,
      endpoint: aws.url,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
    const topic = 'arn:aws:sns:eu-west-1:123456789012:tempotrade-alerts';
    const acts = createAlertActivities({
      notifier: snsNotifier(
        topic,
        sns,
        logNotifier((l) => lines.push(l)),
      ),
    });
    const r = await acts['alerts.notify'](alert);
    expect(r).toEqual({ channel: 'sns', messageId: expect.stringMatching(/^msg-/) });
    const sent = aws.published.at(-1)!;
    expect(sent).toMatchObject({
      TopicArn: topic,
      Subject: 'tempotrade HALTED: wf-1 (desk-1)',
      'MessageAttributes.entry.1.Name': 'kind',
      'MessageAttributes.entry.1.Value.StringValue': 'HALTED',
    });
    expect(JSON.parse(sent.Message)).toMatchObject({
      reason: 'DAILY_LOSS_LIMIT breached',
      numbers: { dailyLossPct: '5.2' },
    });
    expect(lines.map((l) => JSON.parse(l).alert)).toEqual(['HALTED']);
  });

  it('WHEN no topic is configured THEN the alert is one JSON log line', async () => {
    const lines: string[] = [];
    await createAlertActivities({ notifier: logNotifier((l) => lines.push(l)) })['alerts.notify'](alert);
    expect(JSON.parse(lines[0])).toMatchObject({ alert: 'HALTED', accountId: 'desk-1', to: 'HALTED' });
  });
});
