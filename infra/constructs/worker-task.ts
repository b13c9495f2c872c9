/**
 * One worker task definition: the tempotrade container (the repo's Dockerfile) and, when metrics are on,
 * an ADOT collector sidecar that scrapes the worker's /metrics on localhost and writes them to CloudWatch
 * as embedded-metric-format logs. The strategies service and every venue-account service are built from it,
 * so they share the image, the environment, the grants and the graceful stop.
 */
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  ContainerImage,
  CpuArchitecture,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
  type ContainerDefinition,
} from 'aws-cdk-lib/aws-ecs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { MetricsSink } from './metrics';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Where the worker serves Prometheus text inside the task (the sidecar scrapes it). */
export const WORKER_METRICS_PORT = 9464;

export interface WorkerTaskProps {
  temporalAddress: string;
  temporalNamespace: string;
  temporalSecret: ISecret;
  venueSecret: ISecret;
  alerts: ITopic;
  logs: ILogGroup;
  /** Log stream prefix: `worker`, or `venue-<account>`. */
  streamPrefix: string;
  /** Arguments after `tempotrade` (default: the image's `worker`). */
  command?: string[];
  environment?: Record<string, string>;
  metrics?: MetricsSink;
}

export interface WorkerTask {
  task: FargateTaskDefinition;
  worker: ContainerDefinition;
}

export function workerTask(scope: Construct, id: string, props: WorkerTaskProps): WorkerTask {
  const task = new FargateTaskDefinition(scope, id, {
    cpu: 1024,
    memoryLimitMiB: 2048,
    runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
  });
  const worker = task.addContainer('worker', {
    image: ContainerImage.fromAsset(REPO_ROOT, { file: 'Dockerfile', platform: Platform.LINUX_AMD64 }),
    logging: LogDrivers.awsLogs({ streamPrefix: props.streamPrefix, logGroup: props.logs }),
    ...(props.command ? { command: props.command } : {}),
    // Non-secret configuration only: addresses and ARNs (the secrets are read at run time).
    environment: {
      TEMPORAL_ADDRESS: props.temporalAddress,
      TEMPORAL_NAMESPACE: props.temporalNamespace,
      TEMPORAL_SECRET_ARN: props.temporalSecret.secretArn,
      TEMPOTRADE_VENUE_SECRET_ARN: props.venueSecret.secretArn,
      TEMPOTRADE_ALERTS_TOPIC_ARN: props.alerts.topicArn,
      ...(props.metrics ? { TEMPOTRADE_METRICS_PORT: String(WORKER_METRICS_PORT) } : {}),
      ...props.environment,
    },
    // SIGTERM → worker.shutdown(): in-flight activities get their 10 s grace before the task is killed.
    stopTimeout: Duration.seconds(60),
  });
  props.temporalSecret.grantRead(task.taskRole);
  props.venueSecret.grantRead(task.taskRole);
  props.alerts.grantPublish(task.taskRole);
  props.metrics?.addCollector(task, props.logs, props.streamPrefix, WORKER_METRICS_PORT);

  NagSuppressions.addResourceSuppressions(task, [
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds only non-secret configuration: the Temporal address and namespace, ports, paths and the ARNs of the secrets and the topic. Credentials are read from Secrets Manager at run time by the worker (tests/unit/infra.test.ts checks that no secret value is in any environment).',
    },
  ]);
  NagSuppressions.addResourceSuppressions(
    task,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'The execution role\'s ecr:GetAuthorizationToken needs Resource "*" (AWS does not scope it); logs:CreateLogStream/PutLogEvents are scoped to the log groups\' streams.',
        appliesTo: ['Resource::*'],
      },
    ],
    true,
  );
  return { task, worker };
}
