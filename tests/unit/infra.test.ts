/**
 * The CDK app, synthesized in-process (Lambda bundling skipped with the documented context key
 * `aws:cdk:bundling-stacks: []`, so this file needs neither esbuild runs nor Docker; the real bundling is
 * proven by tests/integration/cdk-synth.test.ts through `npx cdk synth`). What an operator relies on:
 * every API route is there behind IAM, one Fargate service (plus one per configured venue account), the secrets, no wildcard permissions, no
 * secret in any environment, logs kept, alarms wired, and cdk-nag AwsSolutions clean.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import { API_ROUTES } from '../../functions/routes';

const REPO = path.resolve(__dirname, '..', '..');
const cdkJsonContext = (
  JSON.parse(readFileSync(path.join(REPO, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;
const outdirs: string[] = [];

function synth(context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'tempotrade-cdk-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context } });
  const { stack } = buildApp(app);
  return { stack, template: Template.fromStack(stack) };
}

let template: Template;
let stack: ReturnType<typeof synth>['stack'];
beforeAll(() => {
  ({ template, stack } = synth({
    'tempotrade:temporalAddress': 'acme.a1b2c.tmprl.cloud:7233',
    'tempotrade:temporalNamespace': 'acme.a1b2c',
  }));
});
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };
const resources = (type?: string): Array<[string, Resource]> =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => !type || r.Type === type);

describe('GIVEN the CDK app synthesized with a Temporal Cloud address', () => {
  it('THEN each control-plane route is a Node 24 Lambda behind the HTTP API with IAM auth', () => {
    template.resourceCountIs('AWS::Lambda::Function', API_ROUTES.length);
    template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Handler: 'index.handler' });
    for (const r of API_ROUTES)
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${r.method} ${r.path}`,
        AuthorizationType: 'AWS_IAM',
      });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', API_ROUTES.length);
    expect(API_ROUTES.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'RunsStart',
        'RunsHalt',
        'RunsResume',
        'RunsStatus',
        'RunsList',
        'SchedulesCreate',
        'SchedulesList',
        'SchedulesPause',
        'SchedulesUnpause',
        'SchedulesTrigger',
        'SchedulesDelete',
        'AccountsHalt',
        'AccountsResume',
      ]),
    );
  });

  it('THEN the workers are one Fargate service from the Dockerfile, autoscaled, with time to shut down gracefully', () => {
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE', DesiredCount: 1 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'worker',
          StopTimeout: 60,
          Environment: Match.arrayWith([{ Name: 'TEMPORAL_ADDRESS', Value: 'acme.a1b2c.tmprl.cloud:7233' }]),
        }),
        Match.objectLike({ Name: 'metrics', Essential: false }),
      ],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 4 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 60 }),
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('THEN there is a secret for Temporal and one for venue keys, readable only by who needs them', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const [temporal, venue] = ['SecretsTemporal', 'SecretsVenue'].map(
      (p) => resources('AWS::SecretsManager::Secret').find(([id]) => id.startsWith(p))![0],
    );
    const readers = (secretId: string) =>
      resources('AWS::IAM::Policy')
        .filter(([, r]) => JSON.stringify(r.Properties?.PolicyDocument).includes(`"Ref":"${secretId}"`))
        .flatMap(([, r]) => (r.Properties!.Roles as Array<{ Ref: string }>).map((x) => x.Ref));
    expect(readers(venue).length).toBe(1); // the worker task role only
    expect(readers(venue)[0]).toMatch(/^WorkersTaskTaskRole/);
    expect(readers(temporal).length).toBe(API_ROUTES.length + 1); // every Lambda and the worker
  });

  it('THEN no IAM statement allows every action, and none grants secrets on every resource', () => {
    const statements = [...resources('AWS::IAM::Policy'), ...resources('AWS::IAM::ManagedPolicy')].flatMap(([id, r]) =>
      ((r.Properties!.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement ?? []).map(
        (s): Record<string, unknown> => ({ id, ...s }),
      ),
    );
    expect(statements.length).toBeGreaterThan(10);
    const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
    expect(statements.filter((s) => list(s.Action).includes('*'))).toEqual([]);
    expect(
      statements.filter(
        (s) => list(s.Action).some((a) => String(a).startsWith('secretsmanager:')) && list(s.Resource).includes('*'),
      ),
    ).toEqual([]);
  });

  it('THEN no Lambda or task environment holds a secret value: only addresses, names and ARNs', () => {
    const envs: Array<[string, Record<string, unknown>]> = [
      ...resources('AWS::Lambda::Function').map(
        ([id, r]) =>
          [
            id,
            ((r.Properties!.Environment as { Variables: Record<string, unknown> }) ?? { Variables: {} }).Variables,
          ] as [string, Record<string, unknown>],
      ),
      ...resources('AWS::ECS::TaskDefinition').flatMap(([id, r]) =>
        (
          r.Properties!.ContainerDefinitions as Array<{
            Environment?: Array<{ Name: string; Value: unknown }>;
            Secrets?: unknown;
          }>
        ).map(
          (c) =>
            [id, Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]))] as [
              string,
              Record<string, unknown>,
            ],
        ),
      ),
    ];
    expect(envs.length).toBe(API_ROUTES.length + 2); // the Lambdas, the worker and its metrics collector
    for (const [, env] of envs) {
      for (const [name, value] of Object.entries(env)) {
        expect(name).not.toMatch(/(API_KEY|SECRET|PASSWORD|TOKEN|TLS_KEY|TLS_CERT)$/);
        expect(JSON.stringify(value)).not.toMatch(/resolve:secretsmanager|SecretString|BEGIN .*PRIVATE KEY/);
        // A reference to a secret is only ever its ARN (a Ref), under a *_ARN name.
        if (JSON.stringify(value).includes('"Ref":"Secrets')) expect(name).toMatch(/_ARN$/);
      }
    }
    // ECS `secrets` would put the values into the container's environment at start: not used.
    for (const [, r] of resources('AWS::ECS::TaskDefinition'))
      expect(
        (r.Properties!.ContainerDefinitions as Array<Record<string, unknown>>).every((c) => c.Secrets === undefined),
      ).toBe(true);
  });

  it('THEN every log group has a retention, and every Lambda logs to one of them', () => {
    const groups = resources('AWS::Logs::LogGroup');
    expect(groups.length).toBe(API_ROUTES.length + 4); // Lambdas, worker, API access logs, VPC flow logs, metrics
    for (const [, g] of groups) expect(g.Properties!.RetentionInDays).toBe(30);
    template.allResourcesProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: Match.anyValue() } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('THEN alarms watch the worker task count, Lambda errors and halts, and notify the alerts topic', () => {
    const alarms = resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
    expect(alarms.filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda')).toHaveLength(
      API_ROUTES.length,
    );
    expect(
      alarms.filter((a) => a.MetricName === 'RunningTaskCount' && a.ComparisonOperator === 'LessThanThreshold'),
    ).toHaveLength(1);
    expect(alarms.filter((a) => a.MetricName === 'Halts' && a.Namespace === 'Tempotrade')).toHaveLength(1);
    for (const a of alarms) expect(JSON.stringify(a.AlarmActions)).toMatch(/AlertsTopic/);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.alert = "HALTED" }',
      MetricTransformations: [Match.objectLike({ MetricName: 'Halts', MetricNamespace: 'Tempotrade' })],
    });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged error or warning, and every suppression says why', () => {
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ];
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data).slice(0, 120)}`)).toEqual([]);
    const suppressions = resources().flatMap(
      ([, r]) =>
        (r.Metadata?.cdk_nag as { rules_to_suppress?: Array<{ id: string; reason: string }> })?.rules_to_suppress ?? [],
    );
    expect(new Set(suppressions.map((s) => s.id))).toEqual(
      new Set([
        'AwsSolutions-SMG4',
        'AwsSolutions-SNS2',
        'AwsSolutions-ECS2',
        'AwsSolutions-IAM5',
        'AwsSolutions-IAM4',
      ]),
    );
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(60);
  });
});

const VENUES = [
  { exchange: 'binance', account: 'desk-1', rate: 8 },
  { exchange: 'binance-sandbox', account: 'paper-1', rate: 2.5, paperOnLive: true },
];

describe('GIVEN a deploy config naming a ccxt account and a paper-on-live account', () => {
  let t: Template;
  let services: Array<[string, Resource]>;
  const commandOf = (service: Resource) => {
    const taskId = (service.Properties!.TaskDefinition as { Ref: string }).Ref;
    const task = t.toJSON().Resources[taskId] as Resource;
    return (task.Properties!.ContainerDefinitions as Array<{ Name: string; Command?: string[] }>).find(
      (c) => c.Name === 'worker',
    )!.Command;
  };
  beforeAll(() => {
    // As an operator passes it on the command line: JSON text.
    ({ template: t } = synth({ 'tempotrade:venueAccounts': JSON.stringify(VENUES) }));
    services = Object.entries(t.findResources('AWS::ECS::Service') as Record<string, Resource>);
  });

  it('THEN each account gets its own worker service polling its queue at its rate, with an alarm when none runs', () => {
    expect(services).toHaveLength(3);
    const commands = services.map(([, s]) => commandOf(s)).filter((c) => c !== undefined);
    expect(commands).toEqual(
      expect.arrayContaining([
        ['worker', '--venue', 'binance:desk-1', '--venue-rate', '8'],
        ['worker', '--venue', 'binance-sandbox:paper-1', '--venue-rate', '2.5'],
      ]),
    );
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) =>
      String(a.Properties.AlarmDescription),
    );
    expect(alarms.filter((d) => /tempotrade-venue-binance\.desk-1/.test(d))).toHaveLength(1);
    expect(alarms.filter((d) => /tempotrade-venue-binance-sandbox\.paper-1/.test(d))).toHaveLength(1);
  });

  it('THEN the paper-on-live state is on an encrypted, retained EFS volume mounted only by its worker', () => {
    t.resourceCountIs('AWS::EFS::FileSystem', 1);
    t.hasResource('AWS::EFS::FileSystem', {
      Properties: Match.objectLike({ Encrypted: true }),
      DeletionPolicy: 'Retain',
    });
    t.resourceCountIs('AWS::EFS::AccessPoint', 1);
    t.hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '1000', Gid: '1000' },
      RootDirectory: Match.objectLike({ Path: '/paper-live/binance-sandbox_paper-1' }),
    });
    const tasks = Object.values(t.findResources('AWS::ECS::TaskDefinition') as Record<string, Resource>);
    const withVolume = tasks.filter((r) =>
      JSON.stringify(r.Properties!.Volumes ?? []).includes('EFSVolumeConfiguration'),
    );
    expect(withVolume).toHaveLength(1);
    const worker = (withVolume[0].Properties!.ContainerDefinitions as Array<Record<string, unknown>>).find(
      (c) => c.Name === 'worker',
    )!;
    expect(worker.MountPoints).toEqual([
      { ContainerPath: '/data/paper-live', ReadOnly: false, SourceVolume: 'paper-state' },
    ]);
    expect(worker.Environment).toEqual(
      expect.arrayContaining([{ Name: 'TEMPOTRADE_PAPER_STATE_DIR', Value: '/data/paper-live' }]),
    );
    expect(JSON.stringify(withVolume[0].Properties!.Volumes)).toMatch(/"TransitEncryption":"ENABLED"/);
  });

  it('THEN every worker task serves metrics to a collector sidecar that writes to CloudWatch under Tempotrade', () => {
    const tasks = Object.values(t.findResources('AWS::ECS::TaskDefinition') as Record<string, Resource>);
    expect(tasks).toHaveLength(3);
    for (const task of tasks) {
      const containers = task.Properties!.ContainerDefinitions as Array<{
        Name: string;
        Image: unknown;
        Essential?: boolean;
        Environment: Array<{ Name: string; Value: unknown }>;
      }>;
      const worker = containers.find((c) => c.Name === 'worker')!;
      const sidecar = containers.find((c) => c.Name === 'metrics')!;
      expect(worker.Environment).toEqual(expect.arrayContaining([{ Name: 'TEMPOTRADE_METRICS_PORT', Value: '9464' }]));
      expect(sidecar.Essential).toBe(false);
      expect(String(sidecar.Image)).toMatch(/^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d/);
      const config = JSON.stringify(sidecar.Environment.find((e) => e.Name === 'AOT_CONFIG_CONTENT')!.Value);
      expect(config).toContain('localhost:9464');
      expect(config).toContain('awsemf');
      expect(config).toContain('Tempotrade');
    }
  });

  it('THEN cdk-nag AwsSolutions still reports nothing unacknowledged', () => {
    const { stack: s } = synth({ 'tempotrade:venueAccounts': VENUES });
    const findings = [
      ...Annotations.fromStack(s).findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ];
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data).slice(0, 120)}`)).toEqual([]);
  });

  it('WHEN an account is named twice or its rate is missing THEN synthesis fails naming the context key', () => {
    expect(() => synth({ 'tempotrade:venueAccounts': [VENUES[0], VENUES[0]] })).toThrow(
      /tempotrade:venueAccounts: names the same exchange:account twice/,
    );
    expect(() => synth({ 'tempotrade:venueAccounts': [{ exchange: 'binance', account: 'desk-1' }] })).toThrow(
      /tempotrade:venueAccounts\.0\.rate/,
    );
  });
});

describe('GIVEN existing secrets and a bad context', () => {
  it('WHEN secret ARNs are given THEN no secret is created and the roles read exactly those', () => {
    const arn = (n: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:tempotrade/${n}-AbCdEf`;
    const { template: t } = synth({
      'tempotrade:temporalSecretArn': arn('temporal'),
      'tempotrade:venueSecretArn': arn('venue'),
    });
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p));
    expect(policies.filter((p) => p.includes(arn('venue')))).toHaveLength(1); // the worker's
    expect(policies.filter((p) => p.includes(arn('temporal')))).toHaveLength(API_ROUTES.length + 1);
  });

  it('WHEN the Temporal address is not host:port THEN synthesis fails naming the context key', () => {
    expect(() => synth({ 'tempotrade:temporalAddress': 'https://acme.tmprl.cloud' })).toThrow(
      /tempotrade:temporalAddress: must be host:port/,
    );
  });
});
