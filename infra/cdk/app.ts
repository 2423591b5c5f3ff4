/**
 * CDK entry (cdk.json: `npx tsx infra/cdk/app.ts`). One stage per synth:
 *   npx cdk synth -c stage=dev        npx cdk deploy -c stage=prod --all
 * cdk-nag's AwsSolutions pack runs on every synth, and Control Tower's guard rules on prod's, so an
 * unacknowledged finding fails the build.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from './constructs/cdk-nag.ts';
import { controlTowerGuardValidator } from './constructs/cfn-guard.ts';
import { buildRastupStage } from './rastup-stage.ts';
import { apiKeyExpiryProblem, parseStage, stageConfig, StageError } from './stage-config.ts';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

let stage;
try {
  stage = parseStage(app.node.tryGetContext('stage'));
  // The key's expiry is a fixed date (deterministic templates); the clock is consulted here only.
  const expiry = apiKeyExpiryProblem(
    stageConfig(stage, { appsyncApiKeyExpires: context('apiKeyExpires') }).appsyncApiKeyExpires,
    new Date(),
  );
  if (expiry?.level === 'error') throw new StageError(expiry.message);
  if (expiry) console.warn(`WARNING: ${expiry.message}`);
} catch (error) {
  if (error instanceof StageError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

buildRastupStage(app, stage, {
  // The CLI fills CDK_DEFAULT_ACCOUNT from credentials when it has them; offline it stays unset.
  account: context('account') ?? process.env.CDK_DEFAULT_ACCOUNT,
  region: context('region'),
  availabilityZones: context('azs')?.split(','),
  appsyncApiKeyExpires: context('apiKeyExpires'),
  authIssuer: context('authIssuer'),
  googleClientIds: context('googleClientIds'),
  appleClientIds: context('appleClientIds'),
  publicBaseUrl: context('publicBaseUrl'),
  alarmEmail: context('alarmEmail'),
  typesenseVersion: context('typesenseVersion'),
  dockerHubCredentialsSecretArn: context('dockerHubCredentialsSecretArn'),
});

if (context('nag') !== 'off') {
  // A policy-validation plugin: any unacknowledged finding interrupts synthesis with a report.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
// AWS Control Tower's guard rules gate prod (cfn-guard ships inside the package: offline).
if (stage === 'prod' && context('guard') !== 'off') Validations.of(app).addPlugins(controlTowerGuardValidator());
app.synth();
