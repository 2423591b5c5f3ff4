/**
 * The contract between the CDK and the Lambdas' config schemas: for every function of a stage,
 * the environment the template gives it (plus what Lambda itself sets, plus the values its
 * `*_SECRET_ARN` secrets hold once filled) must pass the very schemas its code parses at cold start.
 * A variable a schema requires and nothing provides fails here, not at the first cold start in AWS.
 * Secrets go through the real resolver (lambdas/adapters/secret-env.ts) with a fake Secrets Manager.
 */
import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { notifierEnvSchema } from '../../../lambdas/adapters/notifier-from-env.ts';
import { resolveSecretEnv, type SecretsManagerLike } from '../../../lambdas/adapters/secret-env.ts';
import { authConfig, authSecretVariables } from '../../../lambdas/auth/auth.config.ts';
import { databaseConnection } from '../../../lambdas/adapters/database.ts';
import { awsEnvSchema, ConfigError, parseConfig, webOriginsEnvSchema } from '../../../lambdas/core/config.ts';
import type { DatabaseRole } from '../../../lambdas/core/db/database-roles.ts';
import { discoveryConfig, discoverySecretVariables } from '../../../lambdas/auth/discovery.config.ts';
import { mediaEnvSchema } from '../../../lambdas/media/media.config.ts';
import { bookingEnvSchema, calendarFetchLimits } from '../../../lambdas/booking/booking.config.ts';
import { profilesEnvSchema } from '../../../lambdas/profiles/profiles.config.ts';
import {
  disputeEvidenceConfig,
  paymentsConfig,
  paymentsSecretVariables,
  stripeAdapterConfig,
  stripeAdapterSecretVariables,
} from '../../../lambdas/payments/payments.config.ts';
import { parseSearchConfig, searchSecretVariables } from '../../../lambdas/search/search.config.ts';
import { parsePartnerConfig } from '../../../lambdas/partner/partner.config.ts';
import { attachmentsEnvSchema } from '../../../lambdas/messaging/attachments.config.ts';
import { messagingEnvSchema } from '../../../lambdas/messaging/messaging.config.ts';
import { reviewsEnvSchema } from '../../../lambdas/reviews/reviews.config.ts';
import { staffEnvSchema } from '../../../lambdas/staff/staff.config.ts';
import { notificationsEnvSchema } from '../../../lambdas/notifications/notifications.config.ts';
import { privacyEnvSchema } from '../../../lambdas/privacy/privacy.config.ts';
import { auditAnchorEnvSchema } from '../../../lambdas/platform/audit-anchor.handler.ts';
import { secrets, type SecretSpec } from '../../definitions/secrets.ts';
import { controlTable } from '../../definitions/tables.ts';
import type { RastupFunction } from '../constructs/rastup-function.construct.ts';
import { stageNames } from '../stage-config.ts';
import { resourcesOf, synthStage, type SynthesizedStage } from './synth-fixture.ts';

type Env = Record<string, string | undefined>;

/** The adapter's own resolution for the role the entry's code connects as (IAM to the proxy in AWS). */
const database = (role: DatabaseRole) => (env: Env) => {
  const connection = databaseConnection(role, env);
  if (connection.kind !== 'iam') throw new ConfigError([`${role}: expected IAM authentication to RDS Proxy`]);
};
const required = (name: string) => (env: Env) => {
  if (!env[name]) throw new ConfigError([`${name}: required`]);
};

/** What each entry's code parses at cold start (a new entry must be added here). */
const configByEntry: Record<
  string,
  { readonly secretVariables?: readonly string[]; readonly parsers: readonly ((env: Env) => unknown)[] }
> = {
  'lambdas/auth/auth.handler.ts': {
    secretVariables: authSecretVariables,
    parsers: [
      authConfig,
      (env) => parseConfig(notifierEnvSchema, env),
      database('auth'),
      (env) => parseConfig(awsEnvSchema, env),
      required(controlTable.envVar),
      (env) => parseConfig(webOriginsEnvSchema, env),
    ],
  },
  'lambdas/auth/discovery.handler.ts': {
    secretVariables: discoverySecretVariables,
    parsers: [discoveryConfig, database('auth')],
  },
  'lambdas/profiles/profiles.handler.ts': {
    parsers: [
      (env) => parseConfig(profilesEnvSchema, env),
      (env) => parseConfig(notifierEnvSchema, env),
      database('profiles'),
    ],
  },
  'lambdas/profiles/nudges.handler.ts': {
    parsers: [
      (env) => parseConfig(profilesEnvSchema, env),
      (env) => parseConfig(notifierEnvSchema, env),
      database('profiles'),
    ],
  },
  'lambdas/media/media.handler.ts': { parsers: [(env) => parseConfig(mediaEnvSchema, env), database('media')] },
  'lambdas/media/media-worker.handler.ts': {
    parsers: [(env) => parseConfig(mediaEnvSchema, env), database('media')],
  },
  'lambdas/platform/platform.handler.ts': { parsers: [database('platform')] },
  'lambdas/messaging/messaging.handler.ts': {
    parsers: [
      (env) => parseConfig(messagingEnvSchema, env),
      (env) => parseConfig(awsEnvSchema, env),
      database('messaging'),
    ],
  },
  'lambdas/messaging/attachments.handler.ts': { parsers: [(env) => parseConfig(attachmentsEnvSchema, env)] },
  'lambdas/platform/outbox-relay.handler.ts': { parsers: [database('relay'), required('EVENT_BUS_NAME')] },
  'lambdas/payments/payments.handler.ts': {
    secretVariables: paymentsSecretVariables,
    // disputeEvidenceConfig on first dispute use (the messaging table read for evidence packs).
    parsers: [paymentsConfig, database('payments'), disputeEvidenceConfig, (env) => parseConfig(awsEnvSchema, env)],
  },
  'lambdas/search/search.handler.ts': {
    // TYPESENSE_API_KEY comes from the search stack's single-value secret (TYPESENSE_API_KEY_SECRET_ARN,
    // resolved at cold start by resolveSecretEnv); the fake Secrets Manager here does not hold it.
    parsers: [
      (env) =>
        parseSearchConfig({ ...env, [searchSecretVariables[0]]: env.TYPESENSE_API_KEY_SECRET_ARN && 'from-secret' }),
      database('search'),
      // The search Lambda reaches Aurora through RDS Proxy, where named prepared statements pin sessions.
      (env) => {
        const config = parseSearchConfig({ ...env, [searchSecretVariables[0]]: 'from-secret' });
        if (config.SEARCH_PREPARED_STATEMENTS)
          throw new ConfigError(['SEARCH_PREPARED_STATEMENTS: must stay off behind RDS Proxy (pinned sessions)']);
      },
      required('TYPESENSE_NODES'),
      required('TYPESENSE_API_KEY_SECRET_ARN'),
    ],
  },
  'lambdas/media/media-reconcile.handler.ts': {
    parsers: [(env) => parseConfig(mediaEnvSchema, env), database('media'), (env) => parseConfig(awsEnvSchema, env)],
  },
  'lambdas/booking/booking.handler.ts': {
    // The payments adapter of its port runs here too (stripeAdapterConfig, payments/stripe secret).
    secretVariables: stripeAdapterSecretVariables,
    parsers: [(env) => parseConfig(bookingEnvSchema, env), stripeAdapterConfig, database('booking')],
  },
  'lambdas/booking/booking-expiry.handler.ts': {
    secretVariables: stripeAdapterSecretVariables,
    parsers: [(env) => parseConfig(bookingEnvSchema, env), stripeAdapterConfig, database('booking')],
  },
  'lambdas/booking/calendars.handler.ts': {
    parsers: [(env) => calendarFetchLimits(parseConfig(bookingEnvSchema, env)), database('booking')],
  },
  'lambdas/booking/booking-erasure.handler.ts': {
    parsers: [database('booking')],
  },
  'lambdas/booking/calendar-refresh.handler.ts': {
    parsers: [(env) => calendarFetchLimits(parseConfig(bookingEnvSchema, env)), database('booking')],
  },
  'lambdas/partner/partner.handler.ts': {
    secretVariables: discoverySecretVariables,
    parsers: [parsePartnerConfig, database('partner')],
  },
  'lambdas/partner/webhook-worker.handler.ts': {
    secretVariables: discoverySecretVariables,
    parsers: [parsePartnerConfig, database('partner')],
  },
  'lambdas/reviews/reviews.handler.ts': {
    parsers: [(env) => parseConfig(reviewsEnvSchema, env), database('reviews')],
  },
  'lambdas/reviews/reviews-publish.handler.ts': {
    parsers: [(env) => parseConfig(reviewsEnvSchema, env), database('reviews')],
  },
  // Needs no bucket or export setting: only its database role.
  'lambdas/privacy/retention.handler.ts': { parsers: [database('retention')] },
  'lambdas/staff/staff.handler.ts': { parsers: [(env) => parseConfig(staffEnvSchema, env), database('staff')] },
  'lambdas/notifications/notifications.handler.ts': {
    parsers: [
      (env) => parseConfig(notificationsEnvSchema, env),
      (env) => parseConfig(notifierEnvSchema, env),
      database('notifications'),
    ],
  },
  'lambdas/notifications/digest.handler.ts': {
    parsers: [
      (env) => parseConfig(notificationsEnvSchema, env),
      (env) => parseConfig(notifierEnvSchema, env),
      database('notifications'),
    ],
  },
  'lambdas/payments/dispute-evidence.handler.ts': {
    secretVariables: paymentsSecretVariables,
    parsers: [paymentsConfig, database('payments'), disputeEvidenceConfig, (env) => parseConfig(awsEnvSchema, env)],
  },
  'lambdas/payments/payments-reconcile.handler.ts': {
    secretVariables: paymentsSecretVariables,
    parsers: [paymentsConfig, database('payments')],
  },
  'lambdas/payments/payments-reauthorize.handler.ts': {
    secretVariables: paymentsSecretVariables,
    parsers: [paymentsConfig, database('payments')],
  },
  'lambdas/payments/staff-refund.handler.ts': {
    secretVariables: paymentsSecretVariables,
    parsers: [paymentsConfig, database('payments')],
  },
  'lambdas/platform/audit-anchor.handler.ts': {
    parsers: [
      (env) => parseConfig(auditAnchorEnvSchema, env),
      database('platform'),
      (env) => parseConfig(awsEnvSchema, env),
    ],
  },
  // The DMCA API: its role and the control table (the intake's rate limit); metrics read STAGE only.
  'lambdas/dmca/dmca.handler.ts': {
    parsers: [database('dmca'), required(controlTable.envVar), (env) => parseConfig(notifierEnvSchema, env)],
  },
  // The restore job: its role only (the rate limiter is bound on first use, which the job never makes).
  'lambdas/dmca/dmca-restore.handler.ts': { parsers: [database('dmca')] },
  'lambdas/privacy/export-worker.handler.ts': {
    parsers: [
      (env) => parseConfig(privacyEnvSchema, env),
      database('privacy'),
      (env) => parseConfig(awsEnvSchema, env),
    ],
  },
  'lambdas/privacy/privacy.handler.ts': {
    parsers: [
      (env) => parseConfig(privacyEnvSchema, env),
      database('privacy'),
      (env) => parseConfig(awsEnvSchema, env),
    ],
  },
};

/** Values a filled secret holds (shapes as real as the schemas check them). */
const filledValues: Record<string, string> = {
  AUTH_KEY_ENCRYPTION_SEED: 'Ab3'.repeat(21) + 'x', // 64 alphanumeric characters, as generated
  CAPTCHA_SECRET_KEY: '0x4AAAAAAAfilled-secret',
  CAPTCHA_SITE_KEY: '0x4AAAAAAAfilled-site',
  TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'f'.repeat(32),
  TWILIO_FROM_NUMBER: '+15555550100',
  STRIPE_SECRET_KEY: 'sk_live_filledfilledfilled',
  STRIPE_WEBHOOK_SECRET: 'whsec_filledfilledfilled',
  PAYMENTS_QUOTE_KEY: 'Qk9'.repeat(21) + 'x', // 64 alphanumeric characters, as generated
};

const fakeArn = (spec: SecretSpec) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${spec.id}-AbCdEf`;

function fakeSecretsManager(filled: boolean): SecretsManagerLike {
  return {
    async send(command: GetSecretValueCommand) {
      const spec = secrets.find((candidate) => fakeArn(candidate) === command.input.SecretId);
      if (!spec) throw new Error(`unexpected SecretId ${command.input.SecretId}`);
      const value = Object.fromEntries(
        spec.variables.map((variable) => [
          variable,
          variable === spec.generated?.variable || filled ? (filledValues[variable] ?? 'filled') : '',
        ]),
      );
      return { SecretString: JSON.stringify(value) };
    },
  };
}

interface DeployedFunction {
  readonly fn: RastupFunction;
  readonly env: Env;
}

/** Each function's environment as deployed: template values, CloudFormation references as sample strings. */
function deployedFunctions(s: SynthesizedStage): DeployedFunction[] {
  const all: RastupFunction[] = [
    ...s.stage.api.functions.values(),
    s.stage.async.outboxRelay,
    ...s.stage.async.consumers.map((c) => c.consumer),
    ...s.stage.async.jobs,
  ];
  return all.map((fn) => {
    const stack = Stack.of(fn);
    const template = stack === s.stage.api ? s.templates.api : s.templates.async;
    const resource = resourcesOf(template)[stack.getLogicalId(fn.fn.node.defaultChild as CfnElement)]!;
    const variables = (resource.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
      .Variables;
    const env: Env = { AWS_REGION: s.stage.config.region }; // set by the Lambda runtime
    for (const [name, value] of Object.entries(variables)) {
      if (name.endsWith('_SECRET_ARN') && name !== 'TYPESENSE_API_KEY_SECRET_ARN') {
        const variable = name.slice(0, -'_SECRET_ARN'.length);
        const spec = secrets.find((candidate) => candidate.variables.includes(variable));
        if (!spec) throw new Error(`${fn.functionName}: ${name} names no variable of infra/definitions/secrets.ts`);
        // The reference points at that spec's secret in the data stack.
        const logicalId = s.stage.data.getLogicalId(
          s.stage.data.secrets.get(spec.id)!.secret.node.defaultChild as CfnElement,
        );
        expect(JSON.stringify(value), `${fn.functionName} ${name}`).toContain(logicalId);
        env[name] = fakeArn(spec);
      } else {
        env[name] = typeof value === 'string' ? value : 'https://resolved-at-deploy.example.com';
      }
    }
    return { fn, env };
  });
}

/** Registered by cdk.test.ts. */
export function registerConfigContractChecks(): void {
  describe('config contract (CDK environment vs the Lambdas config schemas)', () => {
    for (const stage of stageNames) {
      it(`${stage}: every function's cold-start config parses from what the stage provides`, async () => {
        const problems: string[] = [];
        for (const { fn, env } of deployedFunctions(synthStage(stage))) {
          const contract = configByEntry[fn.entry];
          if (!contract) {
            problems.push(`${fn.functionName}: add ${fn.entry} to configByEntry with the schemas it parses`);
            continue;
          }
          const secretArnVariables = Object.keys(env).filter(
            (name) => name.endsWith('_SECRET_ARN') && name !== 'TYPESENSE_API_KEY_SECRET_ARN',
          );
          for (const name of secretArnVariables) {
            const variable = name.slice(0, -'_SECRET_ARN'.length);
            if (!contract.secretVariables?.includes(variable))
              problems.push(`${fn.functionName}: ${name} is set but the code does not resolve ${variable}`);
          }
          const resolved = await resolveSecretEnv(contract.secretVariables ?? [], {
            env,
            client: () => fakeSecretsManager(true),
          });
          for (const parse of contract.parsers) {
            try {
              parse(resolved);
            } catch (error) {
              problems.push(`${fn.functionName}: ${(error as Error).message}`);
            }
          }
        }
        expect(problems).toEqual([]);
      });
    }

    it('auth in AWS: the key comes from the generated seed, Turnstile and Twilio from the providers secret', async () => {
      const auth = deployedFunctions(synthStage('prod')).find(({ fn }) => fn.entry === 'lambdas/auth/auth.handler.ts')!;
      expect(auth.env).not.toHaveProperty('AUTH_KEY_ENCRYPTION_KEY');
      expect(auth.env).not.toHaveProperty('CAPTCHA_SECRET_KEY');
      const resolved = await resolveSecretEnv(authSecretVariables, {
        env: auth.env,
        client: () => fakeSecretsManager(true),
      });
      const config = authConfig(resolved);
      expect(Buffer.from(config.AUTH_KEY_ENCRYPTION_KEY, 'base64')).toHaveLength(32);
      expect(config.CAPTCHA_SECRET_KEY).toBe(filledValues.CAPTCHA_SECRET_KEY);
      expect(parseConfig(notifierEnvSchema, resolved).TWILIO_AUTH_TOKEN).toBe(filledValues.TWILIO_AUTH_TOKEN);
    });

    it('auth before operators fill the providers secret: fails at cold start naming the Turnstile variables', async () => {
      const auth = deployedFunctions(synthStage('prod')).find(({ fn }) => fn.entry === 'lambdas/auth/auth.handler.ts')!;
      const unset: string[] = [];
      const resolved = await resolveSecretEnv(authSecretVariables, {
        env: auth.env,
        client: () => fakeSecretsManager(false),
        onUnset: (variable) => unset.push(variable),
      });
      expect(unset.sort()).toEqual([
        'CAPTCHA_SECRET_KEY',
        'CAPTCHA_SITE_KEY',
        'TWILIO_ACCOUNT_SID',
        'TWILIO_AUTH_TOKEN',
        'TWILIO_FROM_NUMBER',
      ]);
      expect(() => authConfig(resolved)).toThrow(
        /CAPTCHA_SECRET_KEY.*CAPTCHA_SITE_KEY|CAPTCHA_SITE_KEY.*CAPTCHA_SECRET_KEY/,
      );
      // SMS stays optional: the notifier builds without Twilio.
      expect(() => parseConfig(notifierEnvSchema, resolved)).not.toThrow();
    });

    it('OIDC discovery does not depend on the providers secret: it parses with Turnstile and Twilio unfilled', async () => {
      const functions = deployedFunctions(synthStage('prod'));
      const discovery = functions.find(({ fn }) => fn.entry === 'lambdas/auth/discovery.handler.ts')!;
      expect(discovery, 'a discovery function in the api stack').toBeDefined();
      const secretArns = Object.keys(discovery.env).filter((name) => name.endsWith('_SECRET_ARN'));
      expect(secretArns.filter((name) => name !== 'DB_SECRET_ARN').sort()).toEqual([
        'AUTH_KEY_ENCRYPTION_SEED_SECRET_ARN',
      ]);
      const resolved = await resolveSecretEnv(discoverySecretVariables, {
        env: discovery.env,
        client: () => fakeSecretsManager(false),
      });
      expect(Buffer.from(discoveryConfig(resolved).AUTH_KEY_ENCRYPTION_KEY, 'base64')).toHaveLength(32);
    });
  });
}
