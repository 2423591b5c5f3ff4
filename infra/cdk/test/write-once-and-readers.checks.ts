/**
 * Least privilege where a grant would undo a control (issue #16): the audit anchors bucket denies
 * every delete in its own policy (Object Lock alone still lets a plain DeleteObject hide an anchor
 * behind a delete marker) and only takes conditional writes; the anchor job can put, get and list
 * it, never delete. The privacy Lambda and its erasure consumer read messaging's table and the media
 * originals (to export them) but cannot change either.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { scheduledJobs } from '../../definitions/domains.ts';
import type { RastupFunction } from '../constructs/rastup-function.construct.ts';
import { roleStatements } from './database-access.checks.ts';
import { resourcesOf, synthStage, synthTimeoutMs, type SynthesizedStage } from './synth-fixture.ts';

const actionsOf = (statement: { Action: string | string[] }) => [statement.Action].flat();

/** Allowed actions of `fn`'s role on resources whose ARN mentions `resourceName`. */
function allowedOn(s: SynthesizedStage, fn: RastupFunction, resourceName: string): string[] {
  return roleStatements(s, fn)
    .filter((statement) => statement.Effect === 'Allow' && JSON.stringify(statement.Resource).includes(resourceName))
    .flatMap(actionsOf);
}

/** Registered by cdk.test.ts. */
export function registerWriteOnceAndReaderChecks(): void {
  describe('write-once anchors and read-only readers', () => {
    let prod: SynthesizedStage;
    let dev: SynthesizedStage;
    beforeAll(() => {
      prod = synthStage('prod');
      dev = synthStage('dev');
    }, synthTimeoutMs);

    it('the anchors bucket: Object Lock COMPLIANCE, retained, and a policy denying every delete and unconditional put', () => {
      for (const s of [prod, dev]) {
        const [id, bucket] = Object.entries(resourcesOf(s.templates.data, 'AWS::S3::Bucket')).find(([, resource]) =>
          JSON.stringify(resource.Properties?.BucketName).includes('audit-anchors'),
        )!;
        expect(bucket.Properties).toMatchObject({
          ObjectLockEnabled: true,
          VersioningConfiguration: { Status: 'Enabled' },
          ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE' } } },
        });
        expect((bucket as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
        const policy = Object.values(resourcesOf(s.templates.data, 'AWS::S3::BucketPolicy')).find(
          (resource) => JSON.stringify(resource.Properties?.Bucket) === JSON.stringify({ Ref: id }),
        )!;
        const statements = (
          policy.Properties!.PolicyDocument as {
            Statement: { Effect: string; Principal: unknown; Action: string | string[]; Condition?: unknown }[];
          }
        ).Statement;
        const denyDeletes = statements.find((statement) => actionsOf(statement).includes('s3:DeleteObject*'));
        expect(denyDeletes).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
        const denyPuts = statements.find((statement) => actionsOf(statement).includes('s3:PutObject'));
        expect(denyPuts).toMatchObject({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Condition: { Null: { 's3:if-none-match': 'true' } },
        });
        // No Allow of a delete on it either (the emptying custom resource is not attached).
        expect(
          statements.filter(
            (statement) => statement.Effect === 'Allow' && actionsOf(statement).some((a) => a.includes('Delete')),
          ),
        ).toEqual([]);
      }
    });

    it('the anchor job: put, get and list on the anchors bucket, no delete anywhere', () => {
      const job = prod.stage.async.jobs[scheduledJobs.findIndex((spec) => spec.name === 'audit-anchor')]!;
      const onAnchors = allowedOn(prod, job, 'audit-anchors');
      expect(new Set(onAnchors)).toEqual(
        new Set(['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:ListBucketVersions']),
      );
      const everything = roleStatements(prod, job).flatMap(actionsOf);
      expect(everything.filter((action) => /^s3:.*(Delete|Abort|\*)/.test(action))).toEqual([]);
    });

    it('the privacy Lambda and its erasure consumer only read the messaging table and the media originals', () => {
      const api = prod.stage.api.functions.get('privacy')!;
      const consumer = prod.stage.async.consumers.find(({ name }) => name === 'privacy-user-deleted')!.consumer;
      for (const fn of [api, consumer]) {
        const onMessaging = allowedOn(prod, fn, 'rastup-prod-messaging');
        expect(onMessaging).toContain('dynamodb:Query');
        expect(onMessaging.filter((action) => /Put|Update|Delete|BatchWrite|\*$/.test(action))).toEqual([]);
        const onOriginals = allowedOn(prod, fn, 'media-originals');
        expect(onOriginals).toContain('s3:GetObject*');
        expect(onOriginals.filter((action) => /Put|Delete|Abort/.test(action))).toEqual([]);
        // Its own bundles it still writes and erases.
        expect(allowedOn(prod, fn, 'privacy-exports')).toEqual(
          expect.arrayContaining(['s3:PutObject', 's3:DeleteObject*']),
        );
      }
    });
  });
}
