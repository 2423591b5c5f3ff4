/**
 * Typesense on ECS Fargate in the isolated subnets, data on EFS. Each node is its own
 * single-task service with its own EFS access point and Cloud Map name, because a Raft peer must
 * keep both its data directory and its address across restarts; services never run two tasks of
 * one node at once (max 100 %), so two processes never share a data directory.
 */
import { Aws, Duration, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { Port, SecurityGroup, SubnetType, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  AwsLogDriver,
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  OperatingSystemFamily,
  Secret as EcsSecret,
} from 'aws-cdk-lib/aws-ecs';
import { FileSystem, PerformanceMode, ThroughputMode } from 'aws-cdk-lib/aws-efs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DnsRecordType, PrivateDnsNamespace } from 'aws-cdk-lib/aws-servicediscovery';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { acknowledgeNag } from '../constructs/cdk-nag.ts';
import type { Construct } from 'constructs';
import type { SearchHandle } from '../constructs/function-bindings.ts';
import type { StageConfig } from '../stage-config.ts';
import { dockerHubCachePrefix } from './account.stack.ts';

/** Pinned so every node of a Raft cluster runs the same server; override with -c typesenseVersion=… */
export const defaultTypesenseVersion = '29.0';
const apiPort = 8108;
/** Container health check: HTTP GET /health over bash's /dev/tcp, healthy when the answer says "ok":true. */
export const typesenseHealthCommand = `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${apiPort} && printf "GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n" >&3 && grep -q "\\"ok\\":true" <&3'`;
const peeringPort = 8107;

export interface SearchStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: IVpc;
  readonly lambdaSecurityGroup: ISecurityGroup;
  readonly typesenseVersion?: string;
}

export class SearchStack extends Stack {
  readonly search: SearchHandle;
  readonly securityGroup: SecurityGroup;
  /** One single-task service per node, in deploy order. */
  readonly services: FargateService[] = [];
  readonly cluster: Cluster;
  /** Fixed names (alarms address Container Insights metrics by them). */
  readonly clusterName: string;
  readonly serviceNames: string[] = [];

  constructor(scope: Construct, id: string, props: SearchStackProps) {
    super(scope, id, props);
    const { config, vpc } = props;
    const version = props.typesenseVersion ?? defaultTypesenseVersion;
    const nodeCount = config.typesense.nodes;

    const apiKey = new Secret(this, 'ApiKey', {
      secretName: `rastup/${config.stage}/typesense/bootstrap-api-key`,
      description: 'Typesense bootstrap admin key; Lambdas derive scoped keys from it',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeNag(apiKey, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Typesense reads its bootstrap key only at start; rotating it means a rolling restart of every node, done by the search runbook rather than a rotation Lambda.',
      },
    ]);

    this.securityGroup = new SecurityGroup(this, 'TypesenseSecurityGroup', {
      vpc,
      description: 'Typesense nodes: API from the Lambdas only, peering among nodes',
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(props.lambdaSecurityGroup, Port.tcp(apiPort), 'Lambdas to the Typesense API');
    this.securityGroup.addIngressRule(this.securityGroup, Port.tcp(peeringPort), 'Raft peering between nodes');
    this.securityGroup.addIngressRule(this.securityGroup, Port.tcp(apiPort), 'Nodes forward writes to the leader');

    const fileSystem = new FileSystem(this, 'Data', {
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      encrypted: true,
      performanceMode: PerformanceMode.GENERAL_PURPOSE,
      throughputMode: ThroughputMode.ELASTIC,
      enableAutomaticBackups: true,
      removalPolicy: config.statefulRemovalPolicy,
    });
    fileSystem.connections.allowDefaultPortFrom(this.securityGroup, 'Typesense nodes mount their data');

    const cluster = (this.cluster = new Cluster(this, 'Cluster', {
      vpc,
      clusterName: (this.clusterName = `rastup-${config.stage}-search`),
      containerInsightsV2: ContainerInsights.ENABLED,
    }));
    const namespace = new PrivateDnsNamespace(this, 'Namespace', {
      name: `search.rastup-${config.stage}.internal`,
      vpc,
      description: 'Stable names of the Typesense nodes',
    });

    // ECR pull-through cache (the account stack owns the rule and its credentials): tasks pull
    // <account>.dkr.ecr.<region>/<prefix>/typesense/typesense, ECR fetches it from Docker Hub on first pull.
    const cachePrefix = dockerHubCachePrefix;
    const repositoryArn = `arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${Aws.ACCOUNT_ID}:repository/${cachePrefix}/typesense/typesense`;
    const image = ContainerImage.fromRegistry(
      `${Aws.ACCOUNT_ID}.dkr.ecr.${Aws.REGION}.${Aws.URL_SUFFIX}/${cachePrefix}/typesense/typesense:${version}`,
    );

    const logGroup = new LogGroup(this, 'Logs', {
      retention: config.logRetention,
      removalPolicy: config.statefulRemovalPolicy,
    });
    const hostNames = Array.from({ length: nodeCount }, (_, index) => `typesense-${index}.${namespace.namespaceName}`);
    // Typesense takes its peers from a file (`ip_or_host:peering_port:api_port,…`); it re-resolves
    // host names periodically, which is what lets Fargate tasks change IPs.
    const nodesLine = hostNames.map((host) => `${host}:${peeringPort}:${apiPort}`).join(',');

    // Rolling deploys: each node is its own single-task service (min 0 %, max 100 %, so a node's data
    // directory is never shared), and node i+1's service depends on node i's. CloudFormation updates
    // one node, waits until its replacement passes the health check (ECS steady state), then moves on:
    // at most one of three nodes is down at a time, so the Raft cluster keeps its quorum of two.
    let previousService: FargateService | undefined;
    for (let index = 0; index < nodeCount; index++) {
      const accessPoint = fileSystem.addAccessPoint(`Node${index}`, {
        path: `/typesense/node-${index}`,
        createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
        posixUser: { uid: '1000', gid: '1000' },
      });
      const task = new FargateTaskDefinition(this, `Node${index}Task`, {
        cpu: config.typesense.cpu,
        memoryLimitMiB: config.typesense.memoryMiB,
        runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
        volumes: [
          // Task-local scratch for the nodes file: the root filesystem is read-only.
          { name: 'tmp' },
          {
            name: 'data',
            efsVolumeConfiguration: {
              fileSystemId: fileSystem.fileSystemId,
              transitEncryption: 'ENABLED',
              authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
            },
          },
        ],
      });
      fileSystem.grantReadWrite(task.taskRole);
      task.addToExecutionRolePolicy(
        new PolicyStatement({
          actions: [
            'ecr:BatchGetImage',
            'ecr:GetDownloadUrlForLayer',
            'ecr:BatchCheckLayerAvailability',
            'ecr:BatchImportUpstreamImage',
            'ecr:CreateRepository',
          ],
          resources: [repositoryArn],
        }),
      );
      task.addToExecutionRolePolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));

      const clustered = nodeCount > 1;
      const serverArgs = [
        '--data-dir /data',
        `--api-port ${apiPort}`,
        ...(clustered
          ? [
              `--peering-port ${peeringPort}`,
              '--nodes /tmp/nodes',
              '--peering-address "$(hostname -i | cut -d" " -f1)"',
              '--reset-peers-on-error',
            ]
          : []),
      ].join(' ');
      const container = task.addContainer('typesense', {
        image,
        logging: new AwsLogDriver({ logGroup, streamPrefix: `node-${index}` }),
        secrets: { TYPESENSE_API_KEY: EcsSecret.fromSecretsManager(apiKey) },
        environment: { TYPESENSE_NODES_LINE: nodesLine },
        // The image's entrypoint is the server; a shell writes the nodes file first because
        // Typesense only accepts peers from a file and the peering address is the task's own IP.
        entryPoint: ['/bin/sh', '-c'],
        command: [`printf '%s' "$TYPESENSE_NODES_LINE" > /tmp/nodes && exec /opt/typesense-server ${serverArgs}`],
        portMappings: [{ containerPort: apiPort }, { containerPort: peeringPort }],
        // Control Tower ECS rules: the EFS access point's POSIX user (not root), a read-only root
        // filesystem (data on EFS, the nodes file on the task-local /tmp), a hard memory limit.
        user: '1000:1000',
        readonlyRootFilesystem: true,
        memoryLimitMiB: config.typesense.memoryMiB,
        stopTimeout: Duration.seconds(60),
        // /health answers {"ok":true} once the node has joined the cluster and caught up; ECS counts a
        // task as running only then. The image has bash but no curl, hence /dev/tcp.
        healthCheck: {
          command: ['CMD-SHELL', typesenseHealthCommand],
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          retries: 4,
          startPeriod: Duration.seconds(120),
        },
      });
      container.addMountPoints(
        { containerPath: '/data', sourceVolume: 'data', readOnly: false },
        { containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false },
      );

      const service = new FargateService(this, `Node${index}`, {
        cluster,
        taskDefinition: task,
        serviceName: `typesense-${index}`,
        desiredCount: 1,
        minHealthyPercent: 0,
        maxHealthyPercent: 100,
        vpcSubnets: {
          subnetType: SubnetType.PRIVATE_ISOLATED,
          availabilityZones: [config.availabilityZones[index % config.availabilityZones.length]!],
        },
        securityGroups: [this.securityGroup],
        assignPublicIp: false,
        circuitBreaker: { rollback: true },
        cloudMapOptions: {
          cloudMapNamespace: namespace,
          name: `typesense-${index}`,
          dnsRecordType: DnsRecordType.A,
          dnsTtl: Duration.seconds(10),
        },
      });
      if (previousService) service.node.addDependency(previousService);
      previousService = service;
      this.services.push(service);
      this.serviceNames.push(`typesense-${index}`);
      Tags.of(service).add('service', 'typesense');
      Tags.of(task).add('service', 'typesense');

      acknowledgeNag(task, [
        {
          id: 'AwsSolutions-ECS2',
          reason: 'TYPESENSE_NODES_LINE holds internal host names only; the API key arrives as an ECS secret.',
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'ecr:GetAuthorizationToken has no resource-level permissions; image pulls are limited to the one cached repository.',
          appliesTo: ['Resource::*'],
        },
      ]);
    }
    Tags.of(fileSystem).add('service', 'typesense');

    this.search = {
      nodes: hostNames.map((host) => `${host}:${apiPort}`).join(','),
      apiKeySecret: apiKey,
    };
    new StringParameter(this, 'NodesParameter', {
      parameterName: `/rastup/${config.stage}/search/nodes`,
      stringValue: this.search.nodes,
      description: 'Typesense nodes (host:port, comma-separated) inside the VPC',
    });
  }
}
