/**
 * The VPC: public subnets only for NAT, private subnets (egress through NAT) for Lambdas, isolated
 * subnets for data (Aurora, RDS Proxy, Typesense, EFS). S3 and DynamoDB traffic stays on gateway
 * endpoints; the interface endpoints let isolated Typesense tasks pull their image and secret.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  SecurityGroup,
  SubnetType,
  Vpc,
  type ISecurityGroup,
  type IVpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeNag } from '../constructs/cdk-nag.ts';
import type { StageConfig } from '../stage-config.ts';

export interface NetworkStackProps extends StackProps {
  readonly config: StageConfig;
}

export class NetworkStack extends Stack {
  readonly vpc: IVpc;
  /** Every project Lambda carries this group; data and search stacks admit only it. */
  readonly lambdaSecurityGroup: ISecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;

    const vpc = new Vpc(this, 'Vpc', {
      availabilityZones: [...config.availabilityZones],
      natGateways: config.natGateways,
      subnetConfiguration: [
        // NAT gateways only (they carry their own Elastic IPs): nothing launched here gets a public IP.
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    vpc.addFlowLog('FlowLogs', {
      destination: FlowLogDestination.toCloudWatchLogs(
        new LogGroup(this, 'FlowLogGroup', {
          retention: config.logRetention,
          removalPolicy: config.statefulRemovalPolicy,
        }),
      ),
      trafficType: FlowLogTrafficType.REJECT,
    });

    // Isolated subnets have no route out: Fargate needs ECR (API + registry), CloudWatch Logs and
    // Secrets Manager (the Typesense API key) as interface endpoints; layers come through the S3 gateway.
    for (const [id, service] of [
      ['EcrApi', InterfaceVpcEndpointAwsService.ECR],
      ['EcrDocker', InterfaceVpcEndpointAwsService.ECR_DOCKER],
      ['Logs', InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
      ['SecretsManager', InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
    ] as const) {
      const endpoint = vpc.addInterfaceEndpoint(id, {
        service,
        subnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
        privateDnsEnabled: true,
      });
      acknowledgeNag(endpoint, [
        {
          id: 'AwsSolutions-EC23',
          reason:
            "The endpoint admits HTTPS from the VPC's own CIDR only (CDK's default); cdk-nag cannot resolve the CidrBlock reference and reads it as open.",
        },
      ]);
    }

    this.lambdaSecurityGroup = new SecurityGroup(this, 'LambdaSecurityGroup', {
      vpc,
      description: 'RastUp Lambdas: the only clients admitted by RDS Proxy and Typesense',
      allowAllOutbound: true,
    });
    this.vpc = vpc;
  }
}
