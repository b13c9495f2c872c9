/**
 * The control plane: one Lambda per route of functions/routes.ts, behind an HTTP API with IAM auth.
 * Functions are bundled locally with esbuild (devDependency; CDK never needs Docker for them) for the
 * Node 24 runtime (the latest Lambda offers; cdk-nag L1). Env holds the Temporal address/namespace and the Temporal secret's ARN only.
 */
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { API_ROUTES } from '../../functions/routes';
import { TASK_QUEUES } from '../../temporal/task-queues';
import { logGroup } from './log-retention';
import { REPO_ROOT } from './workers';

export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

export interface ControlPlaneProps {
  temporalAddress: string;
  temporalNamespace: string;
  temporalSecret: ISecret;
  alerts: ITopic;
  logRetentionDays: number;
}

export class ControlPlane extends Construct {
  readonly api: HttpApi;
  readonly functions: Record<string, NodejsFunction> = {};

  constructor(scope: Construct, id: string, props: ControlPlaneProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'tempotrade control plane (IAM auth)',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(logGroup(this, 'AccessLogs', props.logRetentionDays)),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    const action = new SnsAction(props.alerts);

    for (const route of API_ROUTES) {
      const fn = new NodejsFunction(this, route.name, {
        entry: path.join(REPO_ROOT, 'functions', route.entry),
        handler: 'handler',
        runtime: LAMBDA_RUNTIME,
        architecture: Architecture.ARM_64,
        memorySize: 512,
        timeout: Duration.seconds(20),
        logGroup: logGroup(this, `${route.name}Logs`, props.logRetentionDays),
        projectRoot: REPO_ROOT,
        depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
        environment: {
          TEMPORAL_ADDRESS: props.temporalAddress,
          TEMPORAL_NAMESPACE: props.temporalNamespace,
          TEMPORAL_SECRET_ARN: props.temporalSecret.secretArn,
          TEMPOTRADE_TASK_QUEUE: TASK_QUEUES.strategies,
          NODE_OPTIONS: '--enable-source-maps',
        },
        bundling: {
          forceDockerBundling: false,
          format: OutputFormat.CJS,
          target: 'node22',
          minify: true,
          sourceMap: true,
          // Bundle the pinned AWS SDK v3 clients too (not the runtime's copy); the worker package is never loaded here.
          externalModules: ['@temporalio/worker'],
        },
      });
      props.temporalSecret.grantRead(fn);
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
      });
      new Alarm(this, `${route.name}Errors`, {
        alarmDescription: `${route.method} ${route.path}: the Lambda failed (unhandled error or timeout)`,
        metric: fn.metricErrors({ period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);
      NagSuppressions.addResourceSuppressions(
        fn,
        [
          {
            id: 'AwsSolutions-IAM4',
            reason:
              "AWSLambdaBasicExecutionRole only allows writing the function's own CloudWatch logs; it is the AWS-maintained minimum for a Lambda.",
            appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
          },
        ],
        true,
      );
      this.functions[route.name] = fn;
    }
  }
}
