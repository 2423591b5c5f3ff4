/**
 * Stateful stores: Aurora PostgreSQL (source of truth) behind RDS Proxy, the DynamoDB hot-path
 * tables and the S3 media buckets, all built from infra/definitions so the local stack and AWS
 * cannot disagree on a key, an index, a TTL attribute or a lifecycle rule.
 */
import { Aws, Duration, RemovalPolicy, SecretValue, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import { Distribution, HttpVersion, PriceClass, ViewerProtocolPolicy, CachePolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { AttributeType, BillingMode, Table, TableEncryption, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Port, SecurityGroup, SubnetType, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
  DatabaseProxy,
  DefaultAuthScheme,
  ParameterGroup,
  PerformanceInsightRetention,
  ProxyTarget,
} from 'aws-cdk-lib/aws-rds';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectLockRetention,
  ObjectOwnership,
  StorageClass,
  type IBucket,
} from 'aws-cdk-lib/aws-s3';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Trigger } from 'aws-cdk-lib/triggers';
import { acknowledgeNag } from '../constructs/cdk-nag.ts';
import { acknowledgeGuard } from '../constructs/cfn-guard.ts';
import type { Construct } from 'constructs';
import { bucketCors, buckets, physicalBucketName, type BucketSpec } from '../../definitions/buckets.ts';
import { secretName, secrets, type SecretSpec } from '../../definitions/secrets.ts';
import { physicalTableName, tables, type TableSpec } from '../../definitions/tables.ts';
import type { DatabaseHandle } from '../constructs/function-bindings.ts';
import { RastupFunction } from '../constructs/rastup-function.construct.ts';
import { databaseRoles, databaseUser } from '../../../lambdas/core/db/database-roles.ts';
import type { StageConfig } from '../stage-config.ts';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: IVpc;
  readonly lambdaSecurityGroup: ISecurityGroup;
  /** Defaults to infra/definitions; tests pass their own to prove the stack follows the specs. */
  readonly tableSpecs?: readonly TableSpec[];
  readonly bucketSpecs?: readonly BucketSpec[];
  readonly secretSpecs?: readonly SecretSpec[];
}

const databaseName = 'rastup';
export const migratorEntry = 'db/migrate.handler.ts';

export class DataStack extends Stack {
  readonly database: DatabaseHandle;
  /** Applies db/migrations as the master user (the master secret's only reader). */
  readonly migrator: RastupFunction;
  /** Aurora's master credentials (rotated every 30 days): for the migrator only. */
  readonly masterSecret: ISecret;
  /** Fixed per stage: alarms address the cluster's metrics by it. */
  readonly clusterIdentifier: string;
  readonly proxyName: string;
  readonly tables: ReadonlyMap<string, { spec: TableSpec; table: ITable }>;
  readonly buckets: ReadonlyMap<string, { spec: BucketSpec; bucket: IBucket }>;
  /** Configuration secrets (infra/definitions/secrets.ts), encrypted with `dataKey`. */
  readonly secrets: ReadonlyMap<string, { spec: SecretSpec; secret: ISecret }>;
  /** Customer-managed key of Aurora storage and the configuration secrets. */
  readonly dataKey: Key;
  readonly mediaDistribution?: Distribution;
  /** https://<distribution domain>: where the SFW variants are served. */
  readonly mediaPublicBaseUrl: string;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, vpc } = props;

    // ---- Aurora PostgreSQL Serverless v2 --------------------------------------------------------
    const dataKey = new Key(this, 'DataKey', {
      description: `rastup-${config.stage}: Aurora storage and configuration secrets`,
      enableKeyRotation: true,
      removalPolicy: config.statefulRemovalPolicy,
    });
    this.dataKey = dataKey;

    const proxySecurityGroup = new SecurityGroup(this, 'ProxySecurityGroup', {
      vpc,
      description: 'RDS Proxy: admits the project Lambdas only',
      allowAllOutbound: false,
    });
    const clusterSecurityGroup = new SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc,
      // (The migrator is admitted too, below; the description stays: changing it would replace the group.)
      description: 'Aurora: admits RDS Proxy and the secret rotation function only',
      allowAllOutbound: false,
    });
    proxySecurityGroup.addIngressRule(props.lambdaSecurityGroup, Port.tcp(5432), 'Lambdas to RDS Proxy');
    proxySecurityGroup.addEgressRule(clusterSecurityGroup, Port.tcp(5432), 'RDS Proxy to Aurora');
    clusterSecurityGroup.addIngressRule(proxySecurityGroup, Port.tcp(5432), 'RDS Proxy to Aurora');

    // Created here rather than through `cloudwatchLogsRetention`, which would add a log-retention
    // custom-resource Lambda; the cluster waits for it so RDS never creates a never-expiring group.
    const clusterIdentifier = `rastup-${config.stage}-aurora`;
    const postgresLogs = new LogGroup(this, 'AuroraLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: config.logRetention,
      removalPolicy: config.statefulRemovalPolicy,
    });

    const engine = DatabaseClusterEngine.auroraPostgres({ version: AuroraPostgresEngineVersion.VER_17_9 });
    const cluster = new DatabaseCluster(this, 'Aurora', {
      engine,
      clusterIdentifier,
      defaultDatabaseName: databaseName,
      // The secret keeps the AWS-managed Secrets Manager key: a customer key here would need its key
      // policy to name every Lambda role in other stacks, tying data to them in a dependency cycle.
      credentials: Credentials.fromGeneratedSecret('rastup_admin', {
        secretName: `rastup/${config.stage}/aurora/admin`,
      }),
      storageEncrypted: true,
      storageEncryptionKey: dataKey,
      parameterGroup: new ParameterGroup(this, 'ClusterParameters', {
        engine,
        // TLS only, and log slow statements (>500 ms, above the API's p95 budget) for diagnosis.
        parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '500' },
      }),
      serverlessV2MinCapacity: config.aurora.minCapacityAcu,
      serverlessV2MaxCapacity: config.aurora.maxCapacityAcu,
      writer: ClusterInstance.serverlessV2('writer', { publiclyAccessible: false }),
      readers: Array.from({ length: config.aurora.readers }, (_, index) =>
        ClusterInstance.serverlessV2(`reader${index + 1}`, { scaleWithWriter: true, publiclyAccessible: false }),
      ),
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [clusterSecurityGroup],
      iamAuthentication: true,
      backup: { retention: config.aurora.backupRetention, preferredWindow: '07:00-08:00' },
      preferredMaintenanceWindow: 'Sun:08:30-Sun:09:30',
      deletionProtection: config.aurora.deletionProtection,
      removalPolicy: config.databaseRemovalPolicy,
      cloudwatchLogsExports: ['postgresql'],
      // Prod: Performance Insights (7 days, the free retention) and Enhanced Monitoring (OS metrics).
      // Dev: min 0 ACU lets the writer pause after 5 idle minutes (the relay sweeps rarely there).
      ...(config.aurora.monitoring
        ? {
            enablePerformanceInsights: true,
            performanceInsightRetention: PerformanceInsightRetention.DEFAULT,
            monitoringInterval: config.aurora.monitoring.enhancedMonitoringInterval,
          }
        : {}),
      ...(config.aurora.minCapacityAcu === 0 ? { serverlessV2AutoPauseDuration: Duration.minutes(5) } : {}),
    });
    cluster.node.addDependency(postgresLogs);
    const secret = cluster.secret!;
    this.masterSecret = secret;

    // The rotation Lambda runs in the app subnets (it needs Secrets Manager through NAT) and
    // reaches the cluster directly; the proxy re-reads the rotated secret on its own.
    const rotationSecurityGroup = new SecurityGroup(this, 'RotationSecurityGroup', {
      vpc,
      description: 'Aurora secret rotation',
    });
    clusterSecurityGroup.addIngressRule(rotationSecurityGroup, Port.tcp(5432), 'Secret rotation to Aurora');
    cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(30),
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: rotationSecurityGroup,
    });

    // End-to-end IAM authentication: Lambdas present IAM tokens for their own database role
    // (function-bindings.ts databaseBinding) and the proxy logs in to Aurora with IAM as that role,
    // so no secret sits between a Lambda and the database; the master secret (and its rotation)
    // serves the migrator below only. The roles are created with `rds_iam` by the migrations.
    const proxyRole = new Role(this, 'ProxyRole', {
      assumedBy: new ServicePrincipal('rds.amazonaws.com'),
      description: 'RDS Proxy: IAM logins to Aurora as the domain database roles',
    });
    for (const role of databaseRoles) cluster.grantConnect(proxyRole, databaseUser(role));
    const proxy = new DatabaseProxy(this, 'Proxy', {
      proxyTarget: ProxyTarget.fromCluster(cluster),
      defaultAuthScheme: DefaultAuthScheme.IAM_AUTH,
      role: proxyRole,
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [proxySecurityGroup],
      requireTLS: true,
      debugLogging: false,
    });
    Tags.of(cluster).add('service', 'aurora');
    Tags.of(proxy).add('service', 'aurora');

    this.database = { proxyEndpoint: proxy.endpoint, proxyArn: proxy.dbProxyArn, databaseName };

    // ---- Migrations: the master user's only use ------------------------------------------------------
    // db/migrate.handler.ts applies db/migrations (bundled beside it) straight to the writer
    // endpoint; a Trigger runs it on every deploy whose bundle changed (a new migration changes the
    // asset hash), after the cluster's instances exist. The api and async stacks deploy after this
    // one, so functions never run against a database missing their role or grants.
    const migratorSecurityGroup = new SecurityGroup(this, 'MigratorSecurityGroup', {
      vpc,
      description: 'Migration Lambda: Aurora (5432) and Secrets Manager (443)',
    });
    clusterSecurityGroup.addIngressRule(migratorSecurityGroup, Port.tcp(5432), 'Migration Lambda to Aurora');
    this.migrator = new RastupFunction(this, 'Migrator', {
      config,
      name: 'db-migrate',
      entry: migratorEntry,
      timeoutSeconds: 600,
      vpc,
      securityGroup: migratorSecurityGroup,
      bundleDirectories: [{ from: 'db/migrations', to: 'migrations' }],
      environment: {
        DB_MASTER_SECRET_ARN: secret.secretArn,
        DB_CLUSTER_ENDPOINT: cluster.clusterEndpoint.hostname,
        DB_PORT: cluster.clusterEndpoint.port.toString(),
        DB_NAME: databaseName,
        // The Amazon RDS CAs the runtime ships (Node 20+ runtimes no longer load them by default).
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
    });
    secret.grantRead(this.migrator.fn);
    const migrateOnDeploy = new Trigger(this, 'MigrateOnDeploy', {
      handler: this.migrator.fn,
      executeAfter: [cluster],
      executeOnHandlerChange: true,
      timeout: Duration.minutes(10),
    });
    // The proxy logs in as the roles the migrations create: it comes (or changes) after they ran.
    proxy.node.addDependency(migrateOnDeploy);
    this.clusterIdentifier = clusterIdentifier;
    this.proxyName = proxy.dbProxyName;

    // ---- DynamoDB --------------------------------------------------------------------------------
    const tableMap = new Map<string, { spec: TableSpec; table: ITable }>();
    for (const spec of props.tableSpecs ?? tables) {
      const table = new Table(this, `Table-${spec.id}`, {
        tableName: physicalTableName(config.stage, spec),
        partitionKey: { name: spec.partitionKey.name, type: attributeType(spec.partitionKey.type) },
        sortKey: spec.sortKey ? { name: spec.sortKey.name, type: attributeType(spec.sortKey.type) } : undefined,
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        timeToLiveAttribute: spec.ttlAttribute,
        deletionProtection: config.dynamoDeletionProtection,
        removalPolicy: config.statefulRemovalPolicy,
      });
      for (const index of spec.globalIndexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
          sortKey: index.sortKey ? { name: index.sortKey.name, type: attributeType(index.sortKey.type) } : undefined,
        });
      }
      Tags.of(table).add('service', 'dynamodb');
      tableMap.set(spec.id, { spec, table });
    }
    this.tables = tableMap;

    // ---- S3 ----------------------------------------------------------------------------------------
    const bucketRemoval = config.statefulRemovalPolicy;
    // Access logs of the media buckets and of CloudFront. CloudFront standard logging writes
    // with ACLs, so this one bucket keeps object ownership "bucket owner preferred".
    const accessLogs = new Bucket(this, 'AccessLogs', {
      bucketName: `rastup-${config.stage}-access-logs-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(config.stage === 'prod' ? 365 : 30) }],
      removalPolicy: bucketRemoval,
      autoDeleteObjects: bucketRemoval === RemovalPolicy.DESTROY,
    });
    acknowledgeGuard(accessLogs, [
      {
        rule: 's3_bucket_versioning_enabled_check',
        reason: 'CT.S3.PR.3: access logs are written once and expire; versions would only double their storage.',
      },
      {
        rule: 's3_bucket_logging_enabled_check',
        reason: 'CT.S3.PR.2: this is the access-log destination; logging it into itself would loop.',
      },
    ]);
    acknowledgeNag(accessLogs, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log destination; logging it into itself would loop.' },
    ]);

    const bucketMap = new Map<string, { spec: BucketSpec; bucket: IBucket }>();
    // Rules on every bucket here (access logs and media), acknowledged once for the stack's buckets.
    acknowledgeGuard(this, [
      {
        rule: 's3_bucket_default_encryption_kms_check',
        reason:
          'CT.S3.PR.10: SSE-S3; CloudFront origin access control and presigned browser uploads would need the key policy to admit them for no added control.',
      },
      {
        rule: 's3_event_notifications_enabled_check',
        reason: 'CT.S3.PR.8: uploads are signalled by the API (completeMediaUpload → outbox), not by S3 notifications.',
      },
      {
        rule: 's3_bucket_object_lock_enabled_check',
        reason: 'CT.S3.PR.5: media must be deletable (account erasure, moderation); object lock would forbid it.',
      },
    ]);
    for (const spec of props.bucketSpecs ?? buckets) {
      const bucket = new Bucket(this, `Bucket-${spec.id}`, {
        bucketName: physicalBucketName(config.stage, spec, `${Aws.ACCOUNT_ID}-${Aws.REGION}`),
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        encryption: BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned: true,
        ...(spec.objectLock
          ? {
              objectLockEnabled: true,
              objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(spec.objectLock.retentionDays)),
            }
          : {}),
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: `s3/${spec.id}/`,
        cors: spec.browserUploads
          ? [
              {
                allowedMethods: bucketCors.allowedMethods.map((method) => HttpMethods[method]),
                allowedOrigins: [...config.webOrigins],
                allowedHeaders: [...bucketCors.allowedHeaders],
                exposedHeaders: [...bucketCors.exposedHeaders],
                maxAge: bucketCors.maxAgeSeconds,
              },
            ]
          : undefined,
        lifecycleRules: [
          // Multipart uploads a browser abandoned still cost storage until aborted.
          { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
          { id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(30) },
          ...spec.expirations.map((rule) => ({
            id: `expire-${rule.prefix.replace(/\W+/g, '')}`,
            prefix: rule.prefix,
            expiration: Duration.days(rule.days),
          })),
          ...(spec.infrequentAccessAfterDays !== undefined
            ? [
                {
                  id: 'infrequent-access',
                  transitions: [
                    {
                      storageClass: StorageClass.INFREQUENT_ACCESS,
                      transitionAfter: Duration.days(spec.infrequentAccessAfterDays),
                    },
                  ],
                },
              ]
            : []),
        ],
        // A locked bucket cannot be emptied before its retention ends, and the emptying custom
        // resource would need the delete right the policy below denies: it outlives its stack.
        removalPolicy: spec.objectLock ? RemovalPolicy.RETAIN : bucketRemoval,
        autoDeleteObjects: !spec.objectLock && bucketRemoval === RemovalPolicy.DESTROY,
      });
      Tags.of(bucket).add('service', 's3');
      if (spec.objectLock) {
        // Object Lock keeps every locked version, yet a plain DeleteObject still "succeeds" by adding
        // a delete marker that hides the anchor from ordinary listings; no principal may delete at
        // all. And a key is written once: PutObject only with If-None-Match (S3's conditional write).
        bucket.addToResourcePolicy(
          new PolicyStatement({
            sid: 'DenyDeletesOnWriteOnceBucket',
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: ['s3:DeleteObject*'],
            resources: [bucket.arnForObjects('*')],
          }),
        );
        bucket.addToResourcePolicy(
          new PolicyStatement({
            sid: 'DenyOverwritesOnWriteOnceBucket',
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: ['s3:PutObject'],
            resources: [bucket.arnForObjects('*')],
            conditions: { Null: { 's3:if-none-match': 'true' } },
          }),
        );
      }
      bucketMap.set(spec.id, { spec, bucket });

      if (spec.publicThroughCdn) {
        // The bucket stays private; CloudFront signs its requests with origin access control.
        const distribution = new Distribution(this, `Cdn-${spec.id}`, {
          comment: `rastup-${config.stage} ${spec.purpose}`,
          defaultBehavior: {
            origin: S3BucketOrigin.withOriginAccessControl(bucket),
            viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          },
          httpVersion: HttpVersion.HTTP2_AND_3,
          priceClass: config.stage === 'prod' ? PriceClass.PRICE_CLASS_ALL : PriceClass.PRICE_CLASS_100,
          enableLogging: true,
          logBucket: accessLogs,
          logFilePrefix: `cloudfront/${spec.id}/`,
        });
        Tags.of(distribution).add('service', 'cloudfront');
        acknowledgeNag(distribution, [
          {
            id: 'AwsSolutions-CFR1',
            reason: 'The marketplace serves media worldwide; no geo restriction is a product requirement.',
          },
          {
            id: 'AwsSolutions-CFR2',
            reason:
              'A CloudFront web ACL must live in us-east-1; media reads are cached static objects, and the APIs carry the regional WAF.',
          },
          {
            id: 'AwsSolutions-CFR4',
            reason:
              'Uses the default *.cloudfront.net certificate until the media domain and its ACM certificate exist; viewers are still redirected to HTTPS.',
          },
        ]);
        acknowledgeGuard(distribution, [
          {
            rule: 'cloudfront_default_root_object_configured_check',
            reason:
              'CT.CLOUDFRONT.PR.1: media objects are addressed by key; the root lists nothing (the bucket is private).',
          },
          {
            rule: 'cloudfront_origin_failover_enabled_check',
            reason:
              'CT.CLOUDFRONT.PR.3: one regional media bucket; a failover origin needs replication, not justified yet.',
          },
          {
            rule: 'cloudfront_custom_ssl_certificate_check',
            reason:
              'CT.CLOUDFRONT.PR.7: default *.cloudfront.net certificate until the media domain and its ACM certificate exist.',
          },
          {
            rule: 'cloudfront_sni_enabled_check',
            reason:
              'CT.CLOUDFRONT.PR.8: applies with a custom certificate (SNI is set then); the default certificate has none.',
          },
          {
            rule: 'cloudfront_security_policy_check',
            reason:
              'CT.CLOUDFRONT.PR.6: the TLS policy is fixed by the default certificate; TLSv1.2_2021 comes with the custom one.',
          },
        ]);
        this.mediaDistribution = distribution;
        new StringParameter(this, `CdnDomain-${spec.id}`, {
          parameterName: `/rastup/${config.stage}/cdn/${spec.id}/domain`,
          stringValue: distribution.distributionDomainName,
          description: `CloudFront domain serving the ${spec.id} bucket`,
        });
      }
    }
    this.buckets = bucketMap;
    if (!this.mediaDistribution)
      throw new Error('No bucket is served through the CDN (infra/definitions/buckets.ts publicThroughCdn)');
    this.mediaPublicBaseUrl = `https://${this.mediaDistribution.distributionDomainName}`;

    // ---- Configuration secrets (read by Lambdas at cold start: lambdas/adapters/secret-env.ts) ------
    const secretMap = new Map<string, { spec: SecretSpec; secret: ISecret }>();
    for (const spec of props.secretSpecs ?? secrets) {
      secretMap.set(spec.id, { spec, secret: this.configurationSecret(spec, dataKey, config) });
    }
    this.secrets = secretMap;

    new StringParameter(this, 'DbProxyEndpoint', {
      parameterName: `/rastup/${config.stage}/db/proxy-endpoint`,
      stringValue: proxy.endpoint,
      description: 'RDS Proxy endpoint (IAM authentication as a domain database role)',
    });
    new StringParameter(this, 'DbClusterEndpoint', {
      parameterName: `/rastup/${config.stage}/db/cluster-endpoint`,
      stringValue: cluster.clusterEndpoint.hostname,
      description: 'Aurora writer endpoint: operator sessions as the master user (runbooks)',
    });

    if (config.aurora.monitoring) {
      acknowledgeNag(cluster, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy Enhanced Monitoring needs to publish OS metrics.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole'],
        },
      ]);
      // Cluster-level Performance Insights applies to every instance; CDK warns that the instances do not repeat it.
      Validations.of(cluster).acknowledge({
        id: 'Annotation::@aws-cdk/aws-rds:instancePerformanceInsightsOverridden',
        reason: 'Performance Insights is set once on the cluster, which enables it on the writer and readers.',
      });
    }
    acknowledgeNag(cluster, [
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'Port 5432 is reachable only from the RDS Proxy and rotation security groups inside isolated subnets; a non-default port adds no protection.',
      },
      ...(config.aurora.deletionProtection
        ? []
        : [
            {
              id: 'AwsSolutions-RDS10',
              reason: `Deletion protection is on in prod only; ${config.stage} is rebuilt freely.`,
            },
          ]),
    ]);
  }

  /**
   * One JSON secret per spec, on the data key. Both kinds keep their value across deploys only while
   * the template's value part stays the same, so it is pinned by a test (data.stack.checks.ts):
   *  - generated (the auth KEK seed): Secrets Manager generates `length` alphanumeric characters at
   *    creation; a change to these generator settings would generate a new value, i.e. re-key;
   *  - operator-filled (Turnstile, Twilio): created with "" placeholders; operators put the real
   *    values (README). A change to the placeholder JSON would overwrite what operators put.
   * Removal follows the stateful policy: retained in stage/prod (the KEK outlives the stack as the
   * data it encrypts does), destroyed with the dev database.
   */
  private configurationSecret(spec: SecretSpec, key: Key, config: StageConfig): Secret {
    const placeholders = Object.fromEntries(
      spec.variables.filter((variable) => variable !== spec.generated?.variable).map((variable) => [variable, '']),
    );
    const secret = new Secret(this, secretConstructId(spec), {
      secretName: secretName(config.stage, spec),
      description: `rastup-${config.stage}: ${spec.purpose}`,
      encryptionKey: key,
      removalPolicy: config.statefulRemovalPolicy,
      ...(spec.generated
        ? {
            generateSecretString: {
              secretStringTemplate: JSON.stringify(placeholders),
              generateStringKey: spec.generated.variable,
              passwordLength: spec.generated.length,
              excludePunctuation: true,
              includeSpace: false,
              requireEachIncludedType: true,
            },
          }
        : { secretStringValue: SecretValue.unsafePlainText(JSON.stringify(placeholders)) }),
    });
    acknowledgeNag(secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason: spec.generated
          ? 'The key-encryption key seed cannot be rotated by a rotation Lambda: stored ciphertexts and HMACs must be re-keyed with it. Rotation is a planned manual procedure: ops/runbooks/auth-key-encryption-key.md.'
          : 'Third-party credentials (Turnstile, Twilio) are rotated at the provider and put here by an operator (infra/cdk/README.md); Secrets Manager has no rotation function for them.',
      },
    ]);
    return secret;
  }
}

export function secretConstructId(spec: SecretSpec): string {
  return `Secret-${spec.id.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

function attributeType(type: 'S' | 'N' | 'B'): AttributeType {
  return { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY }[type];
}
