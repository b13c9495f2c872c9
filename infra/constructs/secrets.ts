/**
 * The two secrets, read at run time (never in env, never in a workflow input):
 * - Temporal: { apiKey } or { tlsCert, tlsKey } (PEM), optionally address/namespace (temporal/connection.ts);
 * - venue credentials: { "<exchangeId>": { "<accountId>" | "*": { apiKey, secret, password? } } } (brokers/credentials-aws.ts).
 * Created empty-ish (a generated placeholder) unless existing ARNs are given; set their values after deploy.
 */
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { RemovalPolicy } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export interface TempotradeSecretsProps {
  temporalSecretArn?: string;
  venueSecretArn?: string;
}

export class TempotradeSecrets extends Construct {
  readonly temporal: ISecret;
  readonly venue: ISecret;

  constructor(scope: Construct, id: string, props: TempotradeSecretsProps) {
    super(scope, id);
    this.temporal = props.temporalSecretArn
      ? Secret.fromSecretCompleteArn(this, 'Temporal', props.temporalSecretArn)
      : this.create(
          'Temporal',
          'tempotrade: Temporal Cloud credentials, JSON { "apiKey": "…" } or { "tlsCert": "PEM", "tlsKey": "PEM" }',
        );
    this.venue = props.venueSecretArn
      ? Secret.fromSecretCompleteArn(this, 'Venue', props.venueSecretArn)
      : this.create(
          'Venue',
          'tempotrade: venue API keys, JSON { "<exchangeId>": { "<accountId>" or "*": { "apiKey", "secret", "password"? } } }',
        );
  }

  private create(id: string, description: string): Secret {
    const s = new Secret(this, id, { description, removalPolicy: RemovalPolicy.RETAIN });
    NagSuppressions.addResourceSuppressions(s, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Third-party credentials (Temporal Cloud API key, exchange API keys) are issued by those services and cannot be rotated by a Lambda here; they are rotated at the issuer and put with put-secret-value (docs/deploy.md). Readers cache for 5 minutes, so a new value is picked up without a redeploy.',
      },
    ]);
    return s;
  }
}
