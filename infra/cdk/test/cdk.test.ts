/**
 * The CDK tier: every template and guardrail check, in one worker, so each stage is synthesized
 * once for all of them (synth-fixture caches per process). Before, two entry files synthesized the
 * same stages in two workers, and option checks synthesized three more variants.
 * The checks live in one file per concern (*.checks.ts).
 */
import { beforeAll } from 'vitest';
import { guardReportOf, synthOptionsStage, synthProbeStage, synthStage } from './synth-fixture.ts';
import { registerNetworkStackChecks } from './network.stack.checks.ts';
import { registerDataStackChecks } from './data.stack.checks.ts';
import { registerSearchStackChecks } from './search.stack.checks.ts';
import { registerAsyncStackChecks } from './async.stack.checks.ts';
import { registerApiStackChecks } from './api.stack.checks.ts';
import { registerObservabilityStackChecks } from './observability.stack.checks.ts';
import { registerDeployReadinessChecks } from './deploy-readiness.checks.ts';
import { registerDefinitionsDriftChecks } from './definitions-drift.checks.ts';
import { registerCdkNagChecks } from './cdk-nag.checks.ts';
import { registerIamLeastPrivilegeChecks } from './iam-least-privilege.checks.ts';
import { registerConfigContractChecks } from './config-contract.checks.ts';
import { registerDatabaseAccessChecks } from './database-access.checks.ts';
import { registerSloChecks } from './slo.checks.ts';
import { registerWriteOnceAndReaderChecks } from './write-once-and-readers.checks.ts';
import { registerBundleEntriesChecks } from './bundle-entries.checks.ts';

// Every stage the checks use, synthesized up front under one generous timeout, so no single test
// pays for a synth (and hits the per-test timeout on a busy machine).
// Prod first: its cfn-guard report then runs in worker threads while the other stages synthesize.
beforeAll(() => {
  synthStage('prod');
  void guardReportOf('prod');
  for (const stage of ['dev', 'stage'] as const) synthStage(stage);
  synthProbeStage('prod');
  synthOptionsStage();
}, 900_000);

registerNetworkStackChecks();
registerDataStackChecks();
registerSearchStackChecks();
registerAsyncStackChecks();
registerApiStackChecks();
registerObservabilityStackChecks();
registerDeployReadinessChecks();
registerDefinitionsDriftChecks();
registerCdkNagChecks();
registerIamLeastPrivilegeChecks();
registerConfigContractChecks();
registerDatabaseAccessChecks();
registerSloChecks();
registerWriteOnceAndReaderChecks();
registerBundleEntriesChecks();
