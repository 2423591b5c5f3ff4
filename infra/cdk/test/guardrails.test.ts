/**
 * Guardrails over whole stages: definitions drift, cdk-nag AwsSolutions, least privilege, and the
 * config contract (what the CDK sets vs what the Lambdas' config schemas require).
 * The checks live in one file per concern (*.checks.ts); this entry runs them in one worker so
 * each stage is synthesized once (synth-fixture caches per process) instead of once per file.
 */
import { registerDefinitionsDriftChecks } from './definitions-drift.checks.ts';
import { registerCdkNagChecks } from './cdk-nag.checks.ts';
import { registerIamLeastPrivilegeChecks } from './iam-least-privilege.checks.ts';
import { registerConfigContractChecks } from './config-contract.checks.ts';

registerDefinitionsDriftChecks();
registerCdkNagChecks();
registerIamLeastPrivilegeChecks();
registerConfigContractChecks();
