/**
 * Safe releases for an API function (NTB-PLAT-001): a `live` alias that AppSync and API Gateway
 * invoke, shifted by CodeDeploy 10 % → 100 % after 5 minutes, rolled back automatically when the
 * alias's error or latency alarm fires during the shift (ops/runbooks/rollback.md). Optionally
 * provisioned concurrency on the alias with target tracking on its utilisation (seed Appendix V.3).
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeNag } from './cdk-nag.ts';
import type { RastupFunction } from './rastup-function.construct.ts';

export const liveAliasName = 'live';

/** Canary rollback thresholds, per 1-minute period of the alias's metrics. */
export const canaryRollback = { errorsPerMinute: 3, p95DurationMs: 2_000 } as const;

export interface LiveAliasProps {
  readonly fn: RastupFunction;
  readonly alarmNamePrefix: string;
  readonly provisioned?: { readonly min: number; readonly max: number; readonly utilizationTarget: number };
}

export class LiveAlias extends Construct {
  readonly alias: Alias;
  readonly deploymentGroup: LambdaDeploymentGroup;
  readonly errorAlarm: Alarm;
  readonly latencyAlarm: Alarm;

  constructor(scope: Construct, id: string, props: LiveAliasProps) {
    super(scope, id);
    const { fn, provisioned } = props;
    this.alias = new Alias(this, 'Alias', {
      aliasName: liveAliasName,
      version: fn.fn.currentVersion,
      provisionedConcurrentExecutions: provisioned?.min,
    });
    if (provisioned) {
      this.alias
        .addAutoScaling({ minCapacity: provisioned.min, maxCapacity: provisioned.max })
        .scaleOnUtilization({ utilizationTarget: provisioned.utilizationTarget });
    }

    this.errorAlarm = new Alarm(this, 'Errors', {
      alarmName: `${props.alarmNamePrefix}-errors`,
      alarmDescription: `${fn.functionName} (live alias): errors during a release; CodeDeploy rolls back`,
      metric: this.alias.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: canaryRollback.errorsPerMinute,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = new Alarm(this, 'Latency', {
      alarmName: `${props.alarmNamePrefix}-p95-duration`,
      alarmDescription: `${fn.functionName} (live alias): p95 duration during a release; CodeDeploy rolls back`,
      metric: this.alias.metricDuration({ period: Duration.minutes(1), statistic: 'p95' }),
      threshold: canaryRollback.p95DurationMs,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.deploymentGroup = new LambdaDeploymentGroup(this, 'Deployment', {
      alias: this.alias,
      deploymentConfig: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
      alarms: [this.errorAlarm, this.latencyAlarm],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    acknowledgeNag(this.deploymentGroup, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AWSCodeDeployRoleForLambdaLimited is the AWS-maintained minimum CodeDeploy needs to shift a Lambda alias and read its alarms.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited'],
      },
    ]);
  }
}
