/**
 * CDK entry (cdk.json: `npx tsx infra/cdk/app.ts`). One stage per synth:
 *   npx cdk synth -c stage=dev        npx cdk deploy -c stage=prod --all
 * cdk-nag's AwsSolutions pack runs on every synth, so an unsuppressed finding fails the build.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from './constructs/cdk-nag.ts';
import { buildRastupStage } from './rastup-stage.ts';
import { parseStage, StageError } from './stage-config.ts';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

let stage;
try {
  stage = parseStage(app.node.tryGetContext('stage'));
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
  authIssuer: context('authIssuer'),
  publicBaseUrl: context('publicBaseUrl'),
  alarmEmail: context('alarmEmail'),
  typesenseVersion: context('typesenseVersion'),
  dockerHubCredentialsSecretName: context('dockerHubCredentialsSecret'),
});

if (context('nag') !== 'off') {
  // A policy-validation plugin: any unacknowledged finding interrupts synthesis with a report.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
app.synth();
