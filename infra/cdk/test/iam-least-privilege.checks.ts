/**
 * Identity policies of every stack: no `*` or `service:*` action anywhere, and a `*` resource
 * only for actions that have no resource-level permissions (AWS documents these per service).
 * The probe stage adds a domain that binds every resource kind, so each grant path is covered.
 */
import { describe, expect, it } from 'vitest';
import { concerns, resourcesOf, synthProbeStage, synthStage, type SynthesizedStage } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerIamLeastPrivilegeChecks(): void {
  describe('iam-least-privilege', () => {
    /** Actions that only accept `Resource: *` (no resource-level permissions exist for them). */
    const resourceStarOnly = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'ecr:GetAuthorizationToken',
      'ec2:DescribeSecurityGroups',
      // On image bytes; resource-level permissions exist only for Rekognition custom adapters.
      'rekognition:DetectModerationLabels',
    ]);

    interface Statement {
      Effect: string;
      Action: string | string[];
      Resource: unknown;
    }

    function identityStatements(synthesized: SynthesizedStage): { where: string; statement: Statement }[] {
      const out: { where: string; statement: Statement }[] = [];
      for (const concern of concerns) {
        const resources = resourcesOf(synthesized.templates[concern]);
        for (const [id, resource] of Object.entries(resources)) {
          const documents: unknown[] = [];
          if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
            documents.push(resource.Properties?.PolicyDocument);
          if (resource.Type === 'AWS::IAM::Role')
            documents.push(
              ...((resource.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map(
                (p) => p.PolicyDocument,
              ),
            );
          for (const document of documents) {
            for (const statement of (document as { Statement: Statement[] }).Statement) {
              if (statement.Effect === 'Allow') out.push({ where: `${concern}/${id}`, statement });
            }
          }
        }
      }
      return out;
    }

    const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

    function violations(synthesized: SynthesizedStage): string[] {
      const problems: string[] = [];
      for (const { where, statement } of identityStatements(synthesized)) {
        const actions = list(statement.Action);
        for (const action of actions) {
          if (action === '*' || /^[a-z0-9-]+:\*$/.test(action)) problems.push(`${where}: action ${action}`);
        }
        const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
        if (resources.includes('*')) {
          const unscoped = actions.filter((action) => !resourceStarOnly.has(action));
          if (unscoped.length > 0) problems.push(`${where}: Resource * for ${unscoped.join(', ')}`);
        }
      }
      return problems;
    }

    describe('least privilege', () => {
      it('prod: no wildcard actions, and Resource * only where no scoped form exists', () => {
        expect(violations(synthStage('prod'))).toEqual([]);
      });

      it('prod with a domain bound to every resource kind: the same holds', () => {
        const probe = synthProbeStage('prod');
        expect(violations(probe)).toEqual([]);
        // The probe's grants exist at all (otherwise the check above would pass vacuously).
        const probeStatements = identityStatements(probe).filter(({ where }) => where.startsWith('async/probeindexer'));
        const actions = new Set(probeStatements.flatMap(({ statement }) => list(statement.Action)));
        for (const expected of [
          'dynamodb:Query',
          's3:PutObject',
          'events:PutEvents',
          'secretsmanager:GetSecretValue',
          'ses:SendEmail',
          'rekognition:DetectModerationLabels',
          'kms:Decrypt',
        ]) {
          expect(actions, expected).toContain(expected);
        }
      });

      it('the check itself catches a wildcard', () => {
        const fake = {
          templates: Object.fromEntries(concerns.map((c) => [c, { toJSON: () => ({ Resources: {} }) }])),
        } as unknown as SynthesizedStage;
        (fake.templates.api as unknown as { toJSON: () => unknown }).toJSON = () => ({
          Resources: {
            Bad: {
              Type: 'AWS::IAM::Policy',
              Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] } },
            },
          },
        });
        expect(violations(fake)).toEqual(['api/Bad: action dynamodb:*', 'api/Bad: Resource * for dynamodb:*']);
      });
    });
  });
}
