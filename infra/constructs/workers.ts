/**
 * The tempotrade workers on ECS Fargate: the image is built from the repo's Dockerfile; tasks scale on
 * CPU between min and max; SIGTERM → worker.shutdown() (workers/worker.ts) with a 60 s container stop
 * timeout, so in-flight activities finish (their 10 s grace) before the task is killed. Env holds only
 * addresses and ARNs; credentials are read from Secrets Manager at run time.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerInsights, FargateService } from 'aws-cdk-lib/aws-ecs';
import { FilterPattern, MetricFilter, type LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { logGroup } from './log-retention';
import type { MetricsSink } from './metrics';
import { workerTask } from './worker-task';

export { REPO_ROOT } from './worker-task';
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
  metrics?: MetricsSink;
}

/** An alarm when fewer tasks of a service run than it needs (missing data counts: no task reports). */
export function tooFewTasksAlarm(
  scope: Construct,
  id: string,
  opts: { cluster: Cluster; service: FargateService; min: number; what: string; alerts: ITopic },
): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmDescription: `fewer running tasks than ${opts.min}: ${opts.what}`,
    metric: new Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: opts.cluster.clusterName, ServiceName: opts.service.serviceName },
      period: Duration.minutes(1),
      statistic: 'Minimum',
    }),
    threshold: opts.min,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: TreatMissingData.BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(opts.alerts));
  return alarm;
}

export class Workers extends Construct {
  readonly service: FargateService;
  readonly cluster: Cluster;
  /** The workers' log group (the venue-account services log here too). */
  readonly logs: LogGroup;

  constructor(scope: Construct, id: string, props: WorkersProps) {
    super(scope, id);
    this.cluster = new Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ContainerInsights.ENABLED });
    this.logs = logGroup(this, 'Logs', props.logRetentionDays);

    const { task } = workerTask(this, 'Task', { ...props, logs: this.logs, streamPrefix: 'worker' });

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

    tooFewTasksAlarm(this, 'TooFewWorkers', {
      cluster: this.cluster,
      service: this.service,
      min: props.minTasks,
      what: 'strategy runs are not progressing',
      alerts: props.alerts,
    });

    // Every alert line of alerts.notify ({"alert":"HALTED",…}) counts as one halt.
    new MetricFilter(this, 'HaltsFilter', {
      logGroup: this.logs,
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
    }).addAlarmAction(new SnsAction(props.alerts));
  }
}
