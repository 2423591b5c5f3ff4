import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buckets } from '../../definitions/buckets.ts';
import { messagingTable, presenceTable, controlTable, tables } from '../../definitions/tables.ts';
import { resourcesOf, synthStage, type SynthesizedStage, synthTimeoutMs } from './synth-fixture.ts';

/** Registered by stacks.test.ts, which synthesizes each stage once for all of its checks. */
export function registerDataStackChecks(): void {
  describe('data', () => {
    let dev: SynthesizedStage;
    let prod: SynthesizedStage;
    beforeAll(() => {
      dev = synthStage('dev');
      prod = synthStage('prod');
    }, synthTimeoutMs);

    const tableNamed = (s: SynthesizedStage, id: string) =>
      Object.values(resourcesOf(s.templates.data, 'AWS::DynamoDB::Table')).find((t) => t.Properties?.TableName === `rastup-${s.stage.config.stage}-${id}`)!
        .Properties as Record<string, any>;

    describe('data stack: Aurora', () => {
      it('encrypts storage with the customer KMS key (rotation on)', () => {
        const keys = Object.keys(resourcesOf(prod.templates.data, 'AWS::KMS::Key'));
        expect(keys).toHaveLength(1);
        prod.templates.data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
        prod.templates.data.hasResourceProperties('AWS::RDS::DBCluster', {
          Engine: 'aurora-postgresql',
          StorageEncrypted: true,
          KmsKeyId: { 'Fn::GetAtt': [keys[0], 'Arn'] },
          ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 32 },
        });
      });

      it('prod: multi-AZ (writer + reader), 30-day backups, deletion protection, final snapshot', () => {
        prod.templates.data.resourceCountIs('AWS::RDS::DBInstance', 2);
        prod.templates.data.hasResource('AWS::RDS::DBCluster', {
          Properties: Match.objectLike({ BackupRetentionPeriod: 30, DeletionProtection: true }),
          DeletionPolicy: 'Snapshot',
        });
      });

      it('dev: one writer, 7-day backups, no deletion protection', () => {
        dev.templates.data.resourceCountIs('AWS::RDS::DBInstance', 1);
        dev.templates.data.hasResourceProperties('AWS::RDS::DBCluster', { BackupRetentionPeriod: 7, DeletionProtection: false });
      });

      it('keeps credentials in Secrets Manager with rotation, behind an RDS Proxy that requires TLS', () => {
        prod.templates.data.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
        prod.templates.data.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
        prod.templates.data.hasResourceProperties('AWS::RDS::DBProxy', { EngineFamily: 'POSTGRESQL', RequireTLS: true });
        prod.templates.data.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: Match.objectLike({ 'rds.force_ssl': '1' }) });
      });

      it('admits only the Lambda security group to the proxy', () => {
        const ingress = Object.values(resourcesOf(prod.templates.data, 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties as Record<string, any>);
        const proxyIngress = ingress.filter((rule) => JSON.stringify(rule.GroupId).includes('ProxySecurityGroup'));
        expect(proxyIngress).toHaveLength(1);
        expect(JSON.stringify(proxyIngress[0]!.SourceSecurityGroupId)).toContain('LambdaSecurityGroup');
        expect(ingress.some((rule) => rule.CidrIp === '0.0.0.0/0')).toBe(false);
      });
    });

    describe('data stack: DynamoDB', () => {
      it('names the messaging GSIs exactly as seed 004 (GSI1 inbox, GSI2 threads by booking group/leg)', () => {
        const messaging = tableNamed(prod, messagingTable.id);
        expect(messaging.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName)).toEqual(['GSI1', 'GSI2']);
        expect(messaging.GlobalSecondaryIndexes[0].KeySchema).toEqual([
          { AttributeName: 'GSI1PK', KeyType: 'HASH' },
          { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
        ]);
      });

      it('expires presence and control records through TTL', () => {
        expect(tableNamed(prod, presenceTable.id).TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
        expect(tableNamed(prod, controlTable.id).TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      });

      it('every table: encrypted, point-in-time recovery, on-demand; prod keeps and protects them', () => {
        for (const spec of tables) {
          const props = tableNamed(prod, spec.id);
          expect(props.SSESpecification).toEqual({ SSEEnabled: true });
          expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
          expect(props.BillingMode).toBe('PAY_PER_REQUEST');
          expect(props.DeletionProtectionEnabled).toBe(true);
        }
        prod.templates.data.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
        dev.templates.data.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
      });
    });

    describe('data stack: S3 and CloudFront', () => {
      const bucketProps = (s: SynthesizedStage) =>
        buckets.map((spec) => {
          const { bucket } = s.stage.data.buckets.get(spec.id)!;
          const logicalId = s.stage.data.getLogicalId(bucket.node.defaultChild as never);
          return { spec, logicalId, props: resourcesOf(s.templates.data)[logicalId]!.Properties as Record<string, any> };
        });

      it('every media bucket: all public access blocked, encrypted, versioned, access-logged', () => {
        for (const { props } of bucketProps(prod)) {
          expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
          expect(props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
          expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
          expect(props.LoggingConfiguration.DestinationBucketName).toBeDefined();
          expect(props.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }));
        }
      });

      it('every bucket denies requests without TLS', () => {
        const policies = Object.values(resourcesOf(prod.templates.data, 'AWS::S3::BucketPolicy')).map((p) => p.Properties as Record<string, any>);
        for (const { logicalId } of bucketProps(prod)) {
          const policy = policies.find((p) => p.Bucket.Ref === logicalId);
          expect(policy?.PolicyDocument.Statement).toContainEqual(
            expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          );
        }
      });

      it('serves the public variants through CloudFront with origin access control, HTTPS only', () => {
        prod.templates.data.resourceCountIs('AWS::CloudFront::Distribution', 1);
        prod.templates.data.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
        prod.templates.data.hasResourceProperties('AWS::CloudFront::Distribution', {
          DistributionConfig: Match.objectLike({
            DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
            Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } })],
            Logging: Match.objectLike({ Bucket: Match.anyValue() }),
          }),
        });
      });
    });
  });
}
