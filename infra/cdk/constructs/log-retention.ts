/**
 * Every Lambda function logs to a group with a retention. The project's functions create theirs
 * (RastupFunction); functions CDK adds itself — custom-resource providers such as the VPC default
 * security group restriction or S3 auto-delete — would write to a never-expiring group Lambda
 * creates on first invoke. This aspect gives each of them an explicit group (`LoggingConfig`).
 */
import { Aspects, CfnResource, Stack, type IAspect, type RemovalPolicy } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

class ExplicitLogGroups implements IAspect {
  constructor(
    private readonly retention: RetentionDays,
    private readonly removalPolicy: RemovalPolicy,
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== 'AWS::Lambda::Function') return;
    const hasLogGroup =
      node instanceof CfnFunction
        ? node.loggingConfig !== undefined
        : (node as unknown as { _cfnProperties: Record<string, unknown> })._cfnProperties.LoggingConfig !== undefined;
    if (hasLogGroup) return;
    const scope = node.node.scope ?? Stack.of(node);
    const group = new LogGroup(scope, `${node.node.id}Logs`, {
      retention: this.retention,
      removalPolicy: this.removalPolicy,
    });
    node.addPropertyOverride('LoggingConfig', { LogGroup: group.logGroupName });
  }
}

export function giveEveryFunctionALogGroup(
  scope: IConstruct,
  retention: RetentionDays,
  removalPolicy: RemovalPolicy,
): void {
  Aspects.of(scope).add(new ExplicitLogGroups(retention, removalPolicy));
}
