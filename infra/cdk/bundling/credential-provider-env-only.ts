/**
 * The bundles' stand-in for `@aws-sdk/credential-provider-node` (esbuild alias in
 * rastup-function.construct.ts `bundleAliases`). Every AWS SDK v3 client, and `@aws-sdk/rds-signer`
 * through `fromNodeProviderChain`, imports the default Node credential chain: environment, SSO,
 * shared ini files, credential_process, web identity token file, then ECS/EC2 metadata. The SSO,
 * ini and web-identity links carry their own STS/SSO/SSO-OIDC clients (@aws-sdk/nested-clients)
 * and the protocols behind them: ~130 KiB of every bundle (esbuild metafile), loaded code that a
 * Lambda never runs.
 *
 * Why environment-only is the same behaviour in Lambda: the runtime puts the execution role's
 * credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN and sets no
 * AWS_PROFILE, so the default chain always stops at its first link, `fromEnv`, which is what this
 * module returns first. Hosting modes that hand credentials through a container endpoint instead
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI: SnapStart-style restores, container hosts) get
 * the chain's last link, `fromHttp`, as the real chain would: a few KiB, so enabling such a mode can
 * never turn every AWS call into a credentials error at run time.
 *
 * Not applied locally: the local stack and the tests run the real package (unbundled), where a
 * developer's profile or SSO session is a legitimate source; clients of the local stand-ins pass
 * explicit credentials anyway.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export const defaultProvider =
  (init: FromEnvInit = {}): AwsCredentialIdentityProvider =>
  async (): Promise<AwsCredentialIdentity> => {
    try {
      return await fromEnv(init)();
    } catch (error) {
      if (process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI || process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
        return fromHttp(init)();
      }
      throw new Error(
        'No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or a container credentials ' +
          'endpoint): the Lambda bundles read credentials from the environment only ' +
          '(infra/cdk/bundling/credential-provider-env-only.ts)',
        { cause: error },
      );
    }
  };
