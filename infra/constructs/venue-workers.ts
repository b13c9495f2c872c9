/**
 * One Fargate service per venue account of the deploy config. Each polls its account's task queue
 * (`tempotrade worker --venue EXCHANGE:ACCOUNT --venue-rate R`): the server caps the venue activities started
 * per second on that queue for all its workers together, so the account stays under the exchange's limit.
 * Without such a service, a ccxt run's venue calls would wait on their queue forever.
 *
 * A paper-on-live account keeps its simulated balances and orders in a state file: those services mount an
 * encrypted EFS volume (one access point per account), so the state outlives tasks and deployments.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { AccessPoint, FileSystem, PerformanceMode, ThroughputMode } from 'aws-cdk-lib/aws-efs';
import { FargateService, type Cluster } from 'aws-cdk-lib/aws-ecs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { VenueAccountConfig } from '../config';
import { venueTaskQueueOf } from '../../temporal/task-queues';
import type { MetricsSink } from './metrics';
import { workerTask } from './worker-task';
import { tooFewTasksAlarm } from './workers';

/** Where a paper-on-live worker keeps its state inside the container (TEMPOTRADE_PAPER_STATE_DIR). */
export const PAPER_STATE_MOUNT = '/data/paper-live';
/** The image's `node` user: the access point writes files as it. */
const NODE_UID = '1000';

export interface VenueWorkersProps {
  vpc: IVpc;
  cluster: Cluster;
  logs: ILogGroup;
  accounts: VenueAccountConfig[];
  temporalAddress: string;
  temporalNamespace: string;
  temporalSecret: ISecret;
  venueSecret: ISecret;
  alerts: ITopic;
  metrics?: MetricsSink;
}

export function venueAccountName(a: VenueAccountConfig): string {
  return `${a.exchange}:${a.account}`;
}

/** A construct id from a venue account name (ids cannot hold ':' or '/'). */
function idOf(a: VenueAccountConfig): string {
  return `Venue-${venueAccountName(a).replace(/[^A-Za-z0-9-]/g, '-')}`;
}

export class VenueWorkers extends Construct {
  readonly services: Record<string, FargateService> = {};
  /** Only when a paper-on-live account is configured. */
  readonly paperState?: FileSystem;

  constructor(scope: Construct, id: string, props: VenueWorkersProps) {
    super(scope, id);
    if (props.accounts.some((a) => a.paperOnLive))
      this.paperState = new FileSystem(this, 'PaperState', {
        vpc: props.vpc,
        encrypted: true,
        performanceMode: PerformanceMode.GENERAL_PURPOSE,
        throughputMode: ThroughputMode.ELASTIC,
        enableAutomaticBackups: true,
        // Simulated balances and fills are records a user explains trades from: kept when the stack goes.
        removalPolicy: RemovalPolicy.RETAIN,
      });

    for (const account of props.accounts) {
      const name = venueAccountName(account);
      const scopeOf = new Construct(this, idOf(account));
      const { task, worker } = workerTask(scopeOf, 'Task', {
        ...props,
        streamPrefix: `venue-${name.replace(/[^A-Za-z0-9-]/g, '-')}`,
        command: ['worker', '--venue', name, '--venue-rate', String(account.rate)],
        ...(account.paperOnLive ? { environment: { TEMPOTRADE_PAPER_STATE_DIR: PAPER_STATE_MOUNT } } : {}),
      });
      if (account.paperOnLive && this.paperState) {
        const ap = new AccessPoint(scopeOf, 'PaperStateAccess', {
          fileSystem: this.paperState,
          path: `/paper-live/${name.replace(/[^A-Za-z0-9._-]/g, '_')}`,
          posixUser: { uid: NODE_UID, gid: NODE_UID },
          createAcl: { ownerUid: NODE_UID, ownerGid: NODE_UID, permissions: '750' },
        });
        task.addVolume({
          name: 'paper-state',
          efsVolumeConfiguration: {
            fileSystemId: this.paperState.fileSystemId,
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: ap.accessPointId, iam: 'ENABLED' },
          },
        });
        worker.addMountPoints({ sourceVolume: 'paper-state', containerPath: PAPER_STATE_MOUNT, readOnly: false });
        this.paperState.grant(task.taskRole, 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite');
      }
      const service = new FargateService(scopeOf, 'Service', {
        cluster: props.cluster,
        taskDefinition: task,
        desiredCount: account.tasks,
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        circuitBreaker: { rollback: true },
        assignPublicIp: false,
      });
      if (account.paperOnLive) this.paperState?.connections.allowDefaultPortFrom(service);
      tooFewTasksAlarm(scopeOf, 'TooFewVenueWorkers', {
        cluster: props.cluster,
        service,
        min: account.tasks,
        what: `the venue calls of ${name} (queue ${venueTaskQueueOf(name)}) are not executed: its runs wait`,
        alerts: props.alerts,
      });
      this.services[name] = service;
    }
  }
}
