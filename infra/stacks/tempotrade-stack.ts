/** One stack: secrets, alerts, network, Fargate workers, Lambda control plane. Thin: the constructs do the work. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import { Alerts } from '../constructs/alerts';
import { ControlPlane } from '../constructs/control-plane';
import { Network } from '../constructs/network';
import { TempotradeSecrets } from '../constructs/secrets';
import { MetricsSink } from '../constructs/metrics';
import { VenueWorkers } from '../constructs/venue-workers';
import { Workers } from '../constructs/workers';

export class TempotradeStack extends Stack {
  constructor(scope: Construct, id: string, config: DeployConfig, props: StackProps = {}) {
    super(scope, id, {
      description:
        'tempotrade: Temporal workers and venue-account workers on Fargate, Lambda control plane, secrets, alerts, metrics',
      ...props,
    });
    const secrets = new TempotradeSecrets(this, 'Secrets', {
      temporalSecretArn: config.temporalSecretArn,
      venueSecretArn: config.venueSecretArn,
    });
    const alerts = new Alerts(this, 'Alerts', { email: config.alertEmail });
    const network = new Network(this, 'Network', { logRetentionDays: config.logRetentionDays });
    const temporal = {
      temporalAddress: config.temporalAddress,
      temporalNamespace: config.temporalNamespace,
      temporalSecret: secrets.temporal,
    };
    const metrics =
      config.metrics === 'cloudwatch'
        ? new MetricsSink(this, 'Metrics', {
            logRetentionDays: config.logRetentionDays,
            ...(config.metricsCollectorImage ? { collectorImage: config.metricsCollectorImage } : {}),
          })
        : undefined;
    const workers = new Workers(this, 'Workers', {
      vpc: network.vpc,
      ...temporal,
      venueSecret: secrets.venue,
      alerts: alerts.topic,
      minTasks: config.workerMinTasks,
      maxTasks: config.workerMaxTasks,
      logRetentionDays: config.logRetentionDays,
      ...(metrics ? { metrics } : {}),
    });
    new VenueWorkers(this, 'VenueWorkers', {
      vpc: network.vpc,
      cluster: workers.cluster,
      logs: workers.logs,
      accounts: config.venueAccounts,
      ...temporal,
      venueSecret: secrets.venue,
      alerts: alerts.topic,
      ...(metrics ? { metrics } : {}),
    });
    const control = new ControlPlane(this, 'ControlPlane', {
      ...temporal,
      alerts: alerts.topic,
      logRetentionDays: config.logRetentionDays,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: control.api.apiEndpoint,
      description: 'control-plane HTTP API (SigV4-signed requests)',
    });
    new CfnOutput(this, 'TemporalSecretArn', {
      value: secrets.temporal.secretArn,
      description: 'put { "apiKey": "…" } (or tlsCert/tlsKey) here',
    });
    new CfnOutput(this, 'VenueSecretArn', {
      value: secrets.venue.secretArn,
      description: 'put the venue keys here (docs/deploy.md)',
    });
    new CfnOutput(this, 'AlertsTopicArn', { value: alerts.topic.topicArn });
  }
}
