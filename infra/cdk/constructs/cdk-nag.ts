/**
 * cdk-nag v3 reports through CDK's policy-validation framework and takes acknowledgements through
 * `Validations.of(construct).acknowledge` (they cover the construct and everything under it).
 * This helper keeps each acknowledgement next to its reason and expands per-finding ids
 * (`AwsSolutions-IAM5[Resource::*]`), which v3 requires to be acknowledged one by one.
 *
 * cdk-nag is CommonJS; the classes come from its default export because Node's ESM loader
 * does not detect every named export of the package.
 */
import { Validations } from 'aws-cdk-lib';
import cdkNag from 'cdk-nag';
// The exact function cdk-nag uses to name a finding's resource, so computed ids always match.
import flatten from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

export const { AwsSolutionsChecks } = cdkNag;
export const flattenCfnReference: (reference: unknown) => string = flatten.flattenCfnReference;

export interface NagAcknowledgement {
  /** Rule id, e.g. `AwsSolutions-S1`. */
  readonly id: string;
  /** Why the finding is acceptable here; required, and read by reviewers. */
  readonly reason: string;
  /** Findings of a multi-finding rule (IAM4, IAM5), e.g. `Resource::*`. */
  readonly appliesTo?: readonly string[];
}

export function acknowledgeNag(scope: IConstruct, acknowledgements: readonly NagAcknowledgement[]): void {
  for (const { id, reason, appliesTo } of acknowledgements) {
    if (reason.trim().length < 20)
      throw new Error(`cdk-nag acknowledgement ${id} on ${scope.node.path} needs a written reason`);
    const ids = appliesTo && appliesTo.length > 0 ? appliesTo.map((finding) => `${id}[${finding}]`) : [id];
    for (const qualified of ids) Validations.of(scope).acknowledge({ id: qualified, reason });
  }
}
