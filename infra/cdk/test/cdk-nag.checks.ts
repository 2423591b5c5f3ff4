/**
 * cdk-nag's AwsSolutions pack over every stage (and over a stage with a probe domain that uses
 * every resource kind): zero unacknowledged findings. Acknowledgements live beside the resources
 * they concern (acknowledgeNag), each with a written reason.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { acknowledgeNag, AwsSolutionsChecks } from '../constructs/cdk-nag.ts';
import { stageNames } from '../stage-config.ts';
import { synthProbeStage, synthStage } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerCdkNagChecks(): void {
  describe('cdk-nag', () => {
    const findings = (app: App) =>
      new AwsSolutionsChecks(app).validateScope(app).violations.map((violation) => ({
        rule: violation.ruleName,
        severity: violation.severity,
        where: violation.violatingResources.map((resource) => resource.constructPath),
      }));

    describe('cdk-nag AwsSolutions', () => {
      for (const stage of stageNames) {
        it(`${stage}: no unacknowledged finding`, () => {
          expect(findings(synthStage(stage).app)).toEqual([]);
        });
      }

      it('prod with a domain using every resource kind and an event consumer: no unacknowledged finding', () => {
        expect(findings(synthProbeStage('prod').app)).toEqual([]);
      });

      it('does report a non-compliant resource, and an acknowledgement silences exactly its rule', () => {
        const app = new App();
        const stack = new Stack(app, 'NagControl');
        const bucket = new Bucket(stack, 'Plain');
        const before = findings(app).map((finding) => finding.rule);
        expect(before).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));

        acknowledgeNag(bucket, [
          { id: 'AwsSolutions-S1', reason: 'Control case: access logging deliberately absent.' },
        ]);
        const after = findings(app).map((finding) => finding.rule);
        expect(after).not.toContain('AwsSolutions-S1');
        expect(after).toContain('AwsSolutions-S10');
      });

      it('refuses an acknowledgement without a written reason', () => {
        const stack = new Stack(new App(), 'NagReason');
        expect(() => acknowledgeNag(stack, [{ id: 'AwsSolutions-S1', reason: 'ok' }])).toThrow(/written reason/);
      });
    });
  });
}
