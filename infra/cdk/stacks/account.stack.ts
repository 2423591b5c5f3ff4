/**
 * Once-per-account (and region) resources that stages sharing an account must not each own:
 *  - API Gateway's account settings (`AWS::ApiGateway::Account`): one CloudWatch role per region for
 *    every REST API's execution logs. A stage stack owning it would overwrite another stage's, and
 *    deleting dev would delete the role prod's API logs through. The role is retained.
 *  - The ECR pull-through cache of Docker Hub (one rule per prefix per account and region) and the
 *    Secrets Manager secret holding the Docker Hub credentials it needs, referenced by exact ARN.
 *
 * Every stage's app contains this stack under the same name with the same template, so deploying any
 * stage `--all` creates or keeps it; its options (`dockerHubCredentialsSecretArn`) must be the same for
 * every stage deployed into one account (put them in cdk.json's context rather than on a command line).
 */
import { RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { CfnPullThroughCacheRule } from 'aws-cdk-lib/aws-ecr';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { acknowledgeNag } from '../constructs/cdk-nag.ts';

/** Stack name: one per account and region, shared by the stages deployed there. */
export const accountStackName = 'rastup-account';

/** ECR repository prefix of the Docker Hub pull-through cache (tasks pull `<prefix>/typesense/typesense`). */
export const dockerHubCachePrefix = 'rastup-docker-hub';

/** Name ECR requires for pull-through credentials (`ecr-pullthroughcache/` prefix). */
export const dockerHubCredentialsSecretName = 'ecr-pullthroughcache/rastup-docker-hub';

export interface AccountStackProps extends StackProps {
  /**
   * Exact ARN (with Secrets Manager's random suffix) of an existing Docker Hub credentials secret.
   * Without it this stack creates `ecr-pullthroughcache/rastup-docker-hub` with empty values for an
   * operator to fill (ops/runbooks/first-deploy.md).
   */
  readonly dockerHubCredentialsSecretArn?: string;
}

export class AccountStack extends Stack {
  readonly apiGatewayCloudWatchRole: Role;
  /** Exact ARN of the secret the pull-through cache rule uses. */
  readonly dockerHubCredentialsArn: string;

  constructor(scope: Construct, id: string, props: AccountStackProps = {}) {
    super(scope, id, props);

    this.apiGatewayCloudWatchRole = new Role(this, 'ApiGatewayCloudWatchRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway account setting: writes execution logs of every REST API in this region',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    // Stacks come and go; the account setting points at this role for every API in the region.
    this.apiGatewayCloudWatchRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledgeNag(this.apiGatewayCloudWatchRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          "AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy API Gateway's account-level logging role needs.",
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
      },
    ]);
    const account = new CfnAccount(this, 'ApiGatewayAccount', {
      cloudWatchRoleArn: this.apiGatewayCloudWatchRole.roleArn,
    });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);

    if (props.dockerHubCredentialsSecretArn) {
      this.dockerHubCredentialsArn = props.dockerHubCredentialsSecretArn;
    } else {
      const secret = new Secret(this, 'DockerHubCredentials', {
        secretName: dockerHubCredentialsSecretName,
        description:
          'Docker Hub credentials for the ECR pull-through cache (username, accessToken); fill after creation',
        // ECR reads exactly these two keys; operators put the real values (put-secret-value).
        secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ username: '', accessToken: '' })),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledgeNag(secret, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'A Docker Hub access token is rotated at Docker Hub and put here by an operator (ops/runbooks/first-deploy.md); no rotation Lambda can mint one.',
        },
      ]);
      this.dockerHubCredentialsArn = secret.secretArn;
    }

    new CfnPullThroughCacheRule(this, 'DockerHubCache', {
      ecrRepositoryPrefix: dockerHubCachePrefix,
      upstreamRegistry: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      credentialArn: this.dockerHubCredentialsArn,
    });

    new StringParameter(this, 'DockerHubCachePrefix', {
      parameterName: '/rastup/account/ecr/docker-hub-prefix',
      stringValue: dockerHubCachePrefix,
      description: 'ECR pull-through cache prefix of Docker Hub in this account and region',
    });
  }
}
