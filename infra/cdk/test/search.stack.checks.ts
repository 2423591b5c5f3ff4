import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourcesOf, synthStage, type SynthesizedStage, synthTimeoutMs } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerSearchStackChecks(): void {
  describe('search', () => {
    let dev: SynthesizedStage;
    let prod: SynthesizedStage;
    beforeAll(() => {
      dev = synthStage('dev');
      prod = synthStage('prod');
    }, synthTimeoutMs);

    describe('search', () => {
      it('runs one Typesense node in dev and a three-node cluster in prod, each node a single task', () => {
        dev.templates.search.resourceCountIs('AWS::ECS::Service', 1);
        prod.templates.search.resourceCountIs('AWS::ECS::Service', 3);
        // Never two tasks of one node at once: they would share a data directory.
        prod.templates.search.allResourcesProperties('AWS::ECS::Service', {
          DesiredCount: 1,
          LaunchType: 'FARGATE',
          DeploymentConfiguration: Match.objectLike({ MaximumPercent: 100, MinimumHealthyPercent: 0 }),
          NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
        });
      });

      it('clusters prod nodes through a nodes file of stable Cloud Map names', () => {
        const containers = Object.values(resourcesOf(prod.templates.search, 'AWS::ECS::TaskDefinition')).map(
          (t) => (t.Properties as any).ContainerDefinitions[0],
        );
        expect(containers).toHaveLength(3);
        for (const container of containers) {
          const nodesLine = container.Environment.find(
            (e: { Name: string }) => e.Name === 'TYPESENSE_NODES_LINE',
          ).Value;
          expect(nodesLine).toBe(
            [0, 1, 2].map((i) => `typesense-${i}.search.rastup-prod.internal:8107:8108`).join(','),
          );
          expect(container.Command[0]).toContain('--nodes /tmp/nodes');
          expect(container.Secrets).toEqual([expect.objectContaining({ Name: 'TYPESENSE_API_KEY' })]);
        }
        const devContainer = (
          Object.values(resourcesOf(dev.templates.search, 'AWS::ECS::TaskDefinition'))[0]!.Properties as any
        ).ContainerDefinitions[0];
        expect(devContainer.Command[0]).not.toContain('--nodes');
      });

      it('persists data on encrypted EFS, one access point per node, mounted with TLS and IAM', () => {
        prod.templates.search.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
        prod.templates.search.resourceCountIs('AWS::EFS::AccessPoint', 3);
        prod.templates.search.allResourcesProperties('AWS::ECS::TaskDefinition', {
          Volumes: Match.arrayWith([
            Match.objectLike({
              EFSVolumeConfiguration: Match.objectLike({
                TransitEncryption: 'ENABLED',
                AuthorizationConfig: Match.objectLike({ IAM: 'ENABLED' }),
              }),
            }),
          ]),
        });
      });

      it('keeps the API key in Secrets Manager', () => {
        prod.templates.search.hasResourceProperties('AWS::SecretsManager::Secret', {
          Name: 'rastup/prod/typesense/bootstrap-api-key',
          GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
        });
      });

      it('is reachable on the API port only from the Lambda security group', () => {
        const ingress = Object.values(resourcesOf(prod.templates.search, 'AWS::EC2::SecurityGroupIngress')).map(
          (r) => r.Properties as Record<string, any>,
        );
        const api = ingress.filter((rule) => rule.FromPort === 8108);
        const fromLambdas = api.filter((rule) =>
          JSON.stringify(rule.SourceSecurityGroupId).includes('LambdaSecurityGroup'),
        );
        expect(fromLambdas).toHaveLength(1);
        // The other 8108 rule is node-to-node (write forwarding), from the Typesense group itself.
        for (const rule of api.filter((r) => !fromLambdas.includes(r))) {
          expect(rule.SourceSecurityGroupId).toEqual(rule.GroupId);
        }
        expect(ingress.some((rule) => rule.CidrIp !== undefined)).toBe(false);
      });

      it('runs each node in an isolated subnet of its own AZ', () => {
        const services = Object.values(resourcesOf(prod.templates.search, 'AWS::ECS::Service')).map(
          (s) => s.Properties as any,
        );
        const subnetRefs = services.map((service) =>
          JSON.stringify(service.NetworkConfiguration.AwsvpcConfiguration.Subnets),
        );
        // Subnet ids arrive from the network stack; their output names carry the subnet group ("data" = isolated).
        for (const ref of subnetRefs) {
          expect(ref).toMatch(/VpcdataSubnet\dSubnet/);
          expect(ref).not.toMatch(/Vpc(app|public)Subnet/);
        }
        expect(new Set(subnetRefs.map((ref) => ref.match(/VpcdataSubnet(\d)/)![1]))).toEqual(new Set(['1', '2', '3']));
      });
    });
  });
}
