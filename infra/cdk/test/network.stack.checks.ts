import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourcesOf, synthStage, type SynthesizedStage, synthTimeoutMs } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerNetworkStackChecks(): void {
  describe('network', () => {
    let dev: SynthesizedStage;
    let prod: SynthesizedStage;
    beforeAll(() => {
      dev = synthStage('dev');
      prod = synthStage('prod');
    }, synthTimeoutMs);

    describe('network', () => {
      it('has public, app (egress) and isolated data subnets in every configured AZ', () => {
        const subnets = Object.values(resourcesOf(prod.templates.network, 'AWS::EC2::Subnet')).map(
          (s) => s.Properties as Record<string, any>,
        );
        const typeOf = (subnet: Record<string, any>) =>
          subnet.Tags.find((t: { Key: string }) => t.Key === 'aws-cdk:subnet-type').Value;
        expect(subnets.filter((s) => typeOf(s) === 'Isolated')).toHaveLength(3);
        expect(subnets.filter((s) => typeOf(s) === 'Private')).toHaveLength(3);
        expect(new Set(subnets.map((s) => s.AvailabilityZone))).toEqual(new Set(prod.stage.config.availabilityZones));
      });

      it('routes S3 and DynamoDB through gateway endpoints and gives isolated subnets ECR, logs and secrets endpoints', () => {
        const endpoints = Object.values(resourcesOf(prod.templates.network, 'AWS::EC2::VPCEndpoint')).map(
          (e) => e.Properties as Record<string, any>,
        );
        const gateways = endpoints
          .filter((e) => e.VpcEndpointType === 'Gateway')
          .map((e) => JSON.stringify(e.ServiceName));
        expect(gateways.some((name) => name.includes('.s3'))).toBe(true);
        expect(gateways.some((name) => name.includes('.dynamodb'))).toBe(true);
        const interfaces = endpoints
          .filter((e) => e.VpcEndpointType === 'Interface')
          .map((e) => JSON.stringify(e.ServiceName));
        for (const service of ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager']) {
          expect(
            interfaces.some((name) => name.includes(service)),
            service,
          ).toBe(true);
        }
      });

      it('isolated subnets have no route to the internet', () => {
        const template = prod.templates.network.toJSON();
        const isolatedTables = Object.entries(template.Resources as Record<string, any>)
          .filter(([id, r]) => r.Type === 'AWS::EC2::RouteTable' && id.includes('data'))
          .map(([id]) => id);
        expect(isolatedTables.length).toBeGreaterThan(0);
        const routes = Object.values(resourcesOf(prod.templates.network, 'AWS::EC2::Route')).map(
          (r) => r.Properties as Record<string, any>,
        );
        for (const table of isolatedTables) {
          expect(routes.filter((route) => route.RouteTableId?.Ref === table)).toEqual([]);
        }
      });

      it('one NAT gateway in dev, one per AZ in prod', () => {
        dev.templates.network.resourceCountIs('AWS::EC2::NatGateway', 1);
        prod.templates.network.resourceCountIs('AWS::EC2::NatGateway', 3);
      });

      it('logs rejected traffic', () => {
        prod.templates.network.hasResourceProperties('AWS::EC2::FlowLog', {
          TrafficType: 'REJECT',
          LogDestinationType: 'cloud-watch-logs',
        });
        prod.templates.network.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
      });
    });
  });
}
