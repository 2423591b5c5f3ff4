import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buckets } from '../../definitions/buckets.ts';
import { authKeysSecret, authProvidersSecret } from '../../definitions/secrets.ts';
import { messagingTable, presenceTable, controlTable, tables } from '../../definitions/tables.ts';
import { resourcesOf, synthStage, type SynthesizedStage, synthTimeoutMs } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerDataStackChecks(): void {
  describe('data', () => {
    let dev: SynthesizedStage;
    let prod: SynthesizedStage;
    beforeAll(() => {
      dev = synthStage('dev');
      prod = synthStage('prod');
    }, synthTimeoutMs);

    const tableNamed = (s: SynthesizedStage, id: string) =>
      Object.values(resourcesOf(s.templates.data, 'AWS::DynamoDB::Table')).find(
        (t) => t.Properties?.TableName === `rastup-${s.stage.config.stage}-${id}`,
      )!.Properties as Record<string, any>;

    describe('data stack: configuration secrets', () => {
      const secretNamed = (s: SynthesizedStage, name: string) =>
        Object.values(resourcesOf(s.templates.data, 'AWS::SecretsManager::Secret')).find(
          (r) => r.Properties?.Name === name,
        ) as { Properties: Record<string, any>; DeletionPolicy?: string } | undefined;

      it('encrypts both auth secrets with the customer data key', () => {
        const [keyId] = Object.keys(resourcesOf(prod.templates.data, 'AWS::KMS::Key'));
        for (const name of ['rastup/prod/auth/keys', 'rastup/prod/auth/providers']) {
          expect(secretNamed(prod, name)?.Properties.KmsKeyId, name).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
        }
      });

      it('generates the KEK seed at deploy time; the generator settings are pinned (a change would re-key)', () => {
        const keys = secretNamed(prod, 'rastup/prod/auth/keys')!;
        expect(keys.Properties.SecretString).toBeUndefined();
        // Changing any of these makes CloudFormation generate a new value: ops/runbooks/auth-key-encryption-key.md.
        expect(keys.Properties.GenerateSecretString).toEqual({
          SecretStringTemplate: '{}',
          GenerateStringKey: authKeysSecret.generated!.variable,
          PasswordLength: 64,
          ExcludePunctuation: true,
          IncludeSpace: false,
          RequireEachIncludedType: true,
        });
        expect(authKeysSecret.generated!.length).toBeGreaterThanOrEqual(40);
      });

      it('creates the provider secret with empty placeholders for operators to fill (pinned: a change would overwrite them)', () => {
        const providers = secretNamed(prod, 'rastup/prod/auth/providers')!;
        expect(providers.Properties.GenerateSecretString).toBeUndefined();
        expect(JSON.parse(providers.Properties.SecretString as string)).toEqual({
          CAPTCHA_SECRET_KEY: '',
          CAPTCHA_SITE_KEY: '',
          TWILIO_ACCOUNT_SID: '',
          TWILIO_AUTH_TOKEN: '',
          TWILIO_FROM_NUMBER: '',
        });
        expect(Object.keys(JSON.parse(providers.Properties.SecretString as string))).toEqual([
          ...authProvidersSecret.variables,
        ]);
      });

      it('retains the secrets in prod (the KEK outlives the stack like the data it encrypts); dev destroys them with its database', () => {
        expect(secretNamed(prod, 'rastup/prod/auth/keys')!.DeletionPolicy).toBe('Retain');
        expect(secretNamed(prod, 'rastup/prod/auth/providers')!.DeletionPolicy).toBe('Retain');
        expect(secretNamed(dev, 'rastup/dev/auth/keys')!.DeletionPolicy).toBe('Delete');
      });

      it('lets Secrets Manager use the key on behalf of this account only (functions get kms:Decrypt in their own role)', () => {
        const statements = (
          Object.values(resourcesOf(prod.templates.data, 'AWS::KMS::Key'))[0]!.Properties!.KeyPolicy as {
            Statement: any[];
          }
        ).Statement;
        const viaSecretsManager = statements.filter(
          (st) => st.Condition?.StringEquals?.['kms:ViaService'] === 'secretsmanager.us-east-1.amazonaws.com',
        );
        expect(viaSecretsManager).toHaveLength(1);
        expect(JSON.stringify(viaSecretsManager[0].Principal)).toContain(':root');
        // No role of another stack in the key policy (that would tie data to api in a dependency cycle).
        expect(JSON.stringify(statements)).not.toMatch(/Role/);
      });
    });

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
        dev.templates.data.hasResourceProperties('AWS::RDS::DBCluster', {
          BackupRetentionPeriod: 7,
          DeletionProtection: false,
        });
      });

      it('keeps credentials in Secrets Manager with rotation, behind an RDS Proxy that requires TLS', () => {
        prod.templates.data.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
        prod.templates.data.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
          RotationRules: { ScheduleExpression: 'rate(30 days)' },
        });
        prod.templates.data.hasResourceProperties('AWS::RDS::DBProxy', {
          EngineFamily: 'POSTGRESQL',
          RequireTLS: true,
        });
        prod.templates.data.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
          Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
        });
      });

      it('admits only the Lambda security group to the proxy', () => {
        const ingress = Object.values(resourcesOf(prod.templates.data, 'AWS::EC2::SecurityGroupIngress')).map(
          (r) => r.Properties as Record<string, any>,
        );
        const proxyIngress = ingress.filter((rule) => JSON.stringify(rule.GroupId).includes('ProxySecurityGroup'));
        expect(proxyIngress).toHaveLength(1);
        expect(JSON.stringify(proxyIngress[0]!.SourceSecurityGroupId)).toContain('LambdaSecurityGroup');
        expect(ingress.some((rule) => rule.CidrIp === '0.0.0.0/0')).toBe(false);
      });
    });

    describe('data stack: DynamoDB', () => {
      it('names the messaging GSIs exactly as seed 004 (GSI1 inbox, GSI2 threads by booking group/leg)', () => {
        const messaging = tableNamed(prod, messagingTable.id);
        expect(messaging.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName)).toEqual([
          'GSI1',
          'GSI2',
        ]);
        expect(messaging.GlobalSecondaryIndexes[0].KeySchema).toEqual([
          { AttributeName: 'GSI1PK', KeyType: 'HASH' },
          { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
        ]);
      });

      it('expires presence and control records through TTL', () => {
        expect(tableNamed(prod, presenceTable.id).TimeToLiveSpecification).toEqual({
          AttributeName: 'expiresAt',
          Enabled: true,
        });
        expect(tableNamed(prod, controlTable.id).TimeToLiveSpecification).toEqual({
          AttributeName: 'expiresAt',
          Enabled: true,
        });
        // Unsent message attachments (ATT# items) expire; a message that claims one removes the attribute.
        expect(tableNamed(prod, messagingTable.id).TimeToLiveSpecification).toEqual({
          AttributeName: 'expiresAt',
          Enabled: true,
        });
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
          return {
            spec,
            logicalId,
            props: resourcesOf(s.templates.data)[logicalId]!.Properties as Record<string, any>,
          };
        });

      it('every media bucket: all public access blocked, encrypted, versioned, access-logged', () => {
        for (const { props } of bucketProps(prod)) {
          expect(props.PublicAccessBlockConfiguration).toEqual({
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          });
          expect(
            props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
          ).toBe('AES256');
          expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
          expect(props.LoggingConfiguration.DestinationBucketName).toBeDefined();
          expect(props.LifecycleConfiguration.Rules).toContainEqual(
            expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          );
        }
      });

      it('msg-previews expires uploads never completed and previews never sent', () => {
        const previews = bucketProps(prod).find(({ spec }) => spec.id === 'msg-previews')!;
        for (const prefix of ['incoming/', 'unsent/'])
          expect(previews.props.LifecycleConfiguration.Rules).toContainEqual(
            expect.objectContaining({ Prefix: prefix, ExpirationInDays: 1, Status: 'Enabled' }),
          );
      });

      it('every bucket denies requests without TLS', () => {
        const policies = Object.values(resourcesOf(prod.templates.data, 'AWS::S3::BucketPolicy')).map(
          (p) => p.Properties as Record<string, any>,
        );
        for (const { logicalId } of bucketProps(prod)) {
          const policy = policies.find((p) => p.Bucket.Ref === logicalId);
          expect(policy?.PolicyDocument.Statement).toContainEqual(
            expect.objectContaining({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          );
        }
      });

      it('serves the public variants through CloudFront with origin access control, HTTPS only', () => {
        prod.templates.data.resourceCountIs('AWS::CloudFront::Distribution', 1);
        prod.templates.data.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
        prod.templates.data.hasResourceProperties('AWS::CloudFront::Distribution', {
          DistributionConfig: Match.objectLike({
            DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
            Origins: [
              Match.objectLike({
                OriginAccessControlId: Match.anyValue(),
                S3OriginConfig: { OriginAccessIdentity: '' },
              }),
            ],
            Logging: Match.objectLike({ Bucket: Match.anyValue() }),
          }),
        });
      });
    });
  });
}
