/**
 * The tempotrade workers on ECS Fargate: the image is built from the repo's Dockerfile; tasks scale on
 * CPU between min and max; SIGTERM → worker.shutdown() (workers/worker.ts) with a 60 s container stop
 * timeout, so in-flight activities finish (their 10 s grace) before the task is killed. Env holds only
 * addresses and ARNs; credentials are read from Secrets Manager at run time.
 */
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { logGroup } from './log-retention';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const HALTS_METRIC = { namespace: 'Tempotrade', name: 'Halts' } as const;

export interface WorkersProps {
  vpc: IVpc;
  temporalAddress: string;
  temporalNamespace: string;
  temporalSecret: ISecret;
  venueSecret: ISecret;
  alerts: ITopic;
  minTasks: number;
  maxTasks: number;
  logRetentionDays: number;
}

export class Workers extends Construct {
  readonly service: FargateService;
  readonly cluster: Cluster;

  constructor(scope: Construct, id: string, props: WorkersProps) {
    super(scope, id);
    this.cluster = new Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ContainerInsights.ENABLED });
    const logs = logGroup(this, 'Logs', props.logRetentionDays);

    const task = new FargateTaskDefinition(this, 'Task', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    task.addContainer('worker', {
      image: ContainerImage.fromAsset(REPO_ROOT, { file: 'Dockerfile', platform: Platform.LINUX_AMD64 }),
      logging: LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup: logs }),
      // Non-secret configuration only: addresses and ARNs (the secrets are read at run time).
      environment: {
        TEMPORAL_ADDRESS: props.temporalAddress,
        TEMPORAL_NAMESPACE: props.temporalNamespace,
        TEMPORAL_SECRET_ARN: props.temporalSecret.secretArn,
        TEMPOTRADE_VENUE_SECRET_ARN: props.venueSecret.secretArn,
        TEMPOTRADE_ALERTS_TOPIC_ARN: props.alerts.topicArn,
      },
      stopTimeout: Duration.seconds(60),
    });
    props.temporalSecret.grantRead(task.taskRole);
    props.venueSecret.grantRead(task.taskRole);
    props.alerts.grantPublish(task.taskRole);

    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: task,
      desiredCount: props.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      assignPublicIp: false,
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minTasks, maxCapacity: props.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });

    // ---- alarms ----
    const action = new SnsAction(props.alerts);
    const running = new Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: this.cluster.clusterName, ServiceName: this.service.serviceName },
      period: Duration.minutes(1),
      statistic: 'Minimum',
    });
    new Alarm(this, 'TooFewWorkers', {
      alarmDescription: `fewer running worker tasks than ${props.minTasks}: strategy runs are not progressing`,
      metric: running,
      threshold: props.minTasks,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.BREACHING,
    }).addAlarmAction(action);

    // Every alert line of alerts.notify ({"alert":"HALTED",…}) counts as one halt.
    new MetricFilter(this, 'HaltsFilter', {
      logGroup: logs,
      filterPattern: FilterPattern.stringValue('$.alert', '=', 'HALTED'),
      metricNamespace: HALTS_METRIC.namespace,
      metricName: HALTS_METRIC.name,
      metricValue: '1',
    });
    new Alarm(this, 'Halts', {
      alarmDescription:
        'a strategy run became HALTED (operator, risk guard or venue error): see the alerts topic and `tempotrade run status`',
      metric: new Metric({
        namespace: HALTS_METRIC.namespace,
        metricName: HALTS_METRIC.name,
        period: Duration.minutes(1),
        statistic: 'Sum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(action);

    NagSuppressions.addResourceSuppressions(task, [
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds only non-secret configuration: the Temporal address and namespace and the ARNs of the secrets and the topic. Credentials are read from Secrets Manager at run time by the worker (tests/unit/infra.test.ts checks that no secret value is in any environment).',
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      task,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'The execution role\'s ecr:GetAuthorizationToken needs Resource "*" (AWS does not scope it); logs:CreateLogStream/PutLogEvents are scoped to the worker log group\'s streams.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
