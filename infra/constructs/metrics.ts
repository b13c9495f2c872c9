/**
 * Worker metrics to CloudWatch: each worker task runs an AWS Distro for OpenTelemetry collector beside the
 * worker. It scrapes the worker's Prometheus endpoint (`tempotrade_` trading metrics and the SDK's `temporal_`
 * ones) and writes them as embedded-metric-format logs, which CloudWatch turns into metrics in the
 * `Tempotrade` namespace. Only bounded labels become dimensions (the metrics never carry order ids).
 */
import { Stack } from 'aws-cdk-lib';
import { ContainerImage, LogDrivers, type FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import type { ILogGroup, LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { logGroup } from './log-retention';

export const METRICS_NAMESPACE = 'Tempotrade';
export const DEFAULT_COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3';

/** Which CloudWatch dimensions each family of scraped metrics keeps. */
export const METRIC_DECLARATIONS = [
  { metric_name_selectors: ['^tempotrade_'], dimensions: [['account', 'strategy'], ['account'], ['venue']] },
  { metric_name_selectors: ['^temporal_'], dimensions: [['task_queue'], []] },
] as const;

/** The collector's configuration (JSON is YAML, which is what the collector reads from AOT_CONFIG_CONTENT). */
export function collectorConfig(opts: { port: number; logGroupName: string; intervalSeconds: number }): object {
  return {
    receivers: {
      prometheus: {
        config: {
          scrape_configs: [
            {
              job_name: 'tempotrade-worker',
              scrape_interval: `${opts.intervalSeconds}s`,
              metrics_path: '/metrics',
              static_configs: [{ targets: [`localhost:${opts.port}`] }],
            },
          ],
        },
      },
    },
    processors: { batch: { timeout: `${opts.intervalSeconds}s` } },
    exporters: {
      awsemf: {
        namespace: METRICS_NAMESPACE,
        log_group_name: opts.logGroupName,
        log_stream_name: '{TaskId}',
        dimension_rollup_option: 'NoDimensionRollup',
        metric_declarations: METRIC_DECLARATIONS,
      },
    },
    service: { pipelines: { metrics: { receivers: ['prometheus'], processors: ['batch'], exporters: ['awsemf'] } } },
  };
}

export interface MetricsSinkProps {
  logRetentionDays: number;
  collectorImage?: string;
  intervalSeconds?: number;
}

export class MetricsSink extends Construct {
  /** The embedded-metric-format log group the collectors write to. */
  readonly logs: LogGroup;
  private readonly image: string;
  private readonly interval: number;

  constructor(scope: Construct, id: string, props: MetricsSinkProps) {
    super(scope, id);
    this.logs = logGroup(this, 'Logs', props.logRetentionDays);
    this.image = props.collectorImage ?? DEFAULT_COLLECTOR_IMAGE;
    this.interval = props.intervalSeconds ?? 60;
  }

  /** Adds the collector sidecar to a worker task that serves /metrics on `port`. */
  addCollector(task: FargateTaskDefinition, containerLogs: ILogGroup, streamPrefix: string, port: number): void {
    const config = collectorConfig({ port, logGroupName: this.logs.logGroupName, intervalSeconds: this.interval });
    task.addContainer('metrics', {
      image: ContainerImage.fromRegistry(this.image),
      // Trading goes on without metrics: a crashing collector must not stop the worker.
      essential: false,
      cpu: 128,
      memoryReservationMiB: 256,
      logging: LogDrivers.awsLogs({ streamPrefix: `${streamPrefix}-metrics`, logGroup: containerLogs }),
      environment: { AOT_CONFIG_CONTENT: Stack.of(this).toJsonString(config) },
    });
    this.logs.grantWrite(task.taskRole);
    this.logs.grant(task.taskRole, 'logs:DescribeLogStreams');
  }
}
