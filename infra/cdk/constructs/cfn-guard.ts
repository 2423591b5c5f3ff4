/**
 * AWS Control Tower's proactive guard rules (cfn-guard, through `@cdklabs/cdk-validator-cfnguard`,
 * which ships the rules and the cfn-guard binary: no network) as a policy-validation plugin beside
 * cdk-nag. It gates `cdk synth` of prod (app.ts). Acknowledgements use CDK's own mechanism
 * (`Validations.acknowledge`, qualified with the plugin's name) and each carries a written reason;
 * infra/cdk/README.md lists them in the same table as cdk-nag's.
 *
 * The package is CommonJS; the class comes from its default export (see cdk-nag.ts for why).
 */
import { Validations } from 'aws-cdk-lib';
import cfnGuard from '@cdklabs/cdk-validator-cfnguard';
import type { IConstruct } from 'constructs';

const { CfnGuardValidator } = cfnGuard;

/** The plugin's name, which namespaces its rule ids in acknowledgements and reports. */
export const guardPluginName = 'cdk-validator-cfnguard';

/** The validator's options, shared with the test tier's worker-thread runner (infra/cdk/test/guard-lanes.ts). */
export const controlTowerGuardOptions = {
  controlTowerRulesEnabled: true,
  // Six stacks of JSON findings overflow Node's default 1 MB pipe buffer.
  maxBuffer: 64 * 1024 * 1024,
} as const;

export function controlTowerGuardValidator(): InstanceType<typeof CfnGuardValidator> {
  return new CfnGuardValidator({ ...controlTowerGuardOptions });
}

export interface GuardAcknowledgement {
  /** Guard rule name as reported, e.g. `sqs_dlq_check` (the Control Tower id goes in the reason). */
  readonly rule: string;
  readonly reason: string;
}

export function acknowledgeGuard(scope: IConstruct, acknowledgements: readonly GuardAcknowledgement[]): void {
  for (const { rule, reason } of acknowledgements) {
    if (reason.trim().length < 20)
      throw new Error(`Guard acknowledgement ${rule} on ${scope.node.path} needs a written reason`);
    Validations.of(scope).acknowledge({ id: `${guardPluginName}::${rule}`, reason });
  }
}

/**
 * Rules that concern every stack alike, acknowledged once at the app (README table). Rules that
 * concern one resource are acknowledged beside it (CDN, buckets, DLQs, AppSync).
 */
export const appWideGuardAcknowledgements: readonly GuardAcknowledgement[] = [
  {
    rule: 'cloudwatch_log_group_retention_period_check',
    reason:
      'CT.CLOUDWATCH.PR.2 (≥ 365 days): logs are kept 2 weeks (dev) to 3 months (prod) on purpose (PII minimisation, cost); audit lives in PostgreSQL.',
  },
  {
    rule: 'cloudwatch_log_group_encrypted_check',
    reason:
      'CT.CLOUDWATCH.PR.4 (KMS key on log groups): CloudWatch Logs encrypts at rest; who reads is IAM, and logs carry no secrets or raw PII (redacting logger).',
  },
  {
    rule: 'lambda_inside_vpc_check',
    reason:
      'CT.LAMBDA.PR.3: every function is in the VPC, but its subnets and security group are imported from the network stack (Fn::ImportValue), which the rule cannot resolve; a template test asserts VpcConfig on each.',
  },
  {
    rule: 'lambda_function_public_access_prohibited_check',
    reason:
      "CT.LAMBDA.PR.2: the permissions name API Gateway as principal with SourceArn scoped to this API's method, built with Fn::Join, which the rule cannot read.",
  },
  {
    rule: 'kms_create_grant_aws_service_check',
    reason:
      'CT.KMS.PR.3: key policies delegate to IAM in this account; grants are created by RDS, Secrets Manager, SNS on our behalf. A deny statement is a follow-up once verified against RDS Proxy.',
  },
  {
    rule: 'cloudwatch_alarm_action_check',
    reason:
      'CT.CLOUDWATCH.PR.1: the release alarms (live aliases) are read by CodeDeploy to roll back, not to page; every paging alarm (observability stack) notifies the on-call topic.',
  },
];
