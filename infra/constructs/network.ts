/** A VPC for the workers: private subnets with one NAT gateway (Temporal Cloud and exchanges are on the internet), flow logs kept. */
import { FlowLogDestination, FlowLogTrafficType, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { logGroup } from './log-retention';

export class Network extends Construct {
  readonly vpc: Vpc;

  constructor(scope: Construct, id: string, props: { logRetentionDays: number }) {
    super(scope, id);
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'workers', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(logGroup(this, 'FlowLogs', props.logRetentionDays)),
      trafficType: FlowLogTrafficType.REJECT,
    });
  }
}
