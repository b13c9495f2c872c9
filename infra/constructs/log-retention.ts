import { RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The RetentionDays value for a number of days (CloudWatch accepts only some). */
export function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  return (allowed.find((d) => d >= days) ?? RetentionDays.TEN_YEARS) as RetentionDays;
}

/** A log group with retention, kept when the stack is deleted (audit trail). */
export function logGroup(scope: Construct, id: string, days: number): LogGroup {
  return new LogGroup(scope, id, { retention: retention(days), removalPolicy: RemovalPolicy.RETAIN });
}
