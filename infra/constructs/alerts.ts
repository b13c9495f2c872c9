/** The alerts topic: the worker's alerts.notify activity publishes halts and guard breaches; CloudWatch alarms go here too. */
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export class Alerts extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: { email?: string }) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'tempotrade halts and breaches', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    NagSuppressions.addResourceSuppressions(this.topic, [
      {
        id: 'AwsSolutions-SNS2',
        reason:
          'Alerts carry run ids, account ids and the halt reason, no credentials or balances beyond what the audit shows; SNS encrypts at rest by default and AWS no longer recommends a KMS key for that alone. enforceSSL is on (SNS3).',
      },
    ]);
  }
}
