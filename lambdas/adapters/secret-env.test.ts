import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { resolveSecretEnv, SecretEnvError, type SecretsManagerLike } from './secret-env.ts';

const ARN_JSON = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:rastup/prod/auth/providers-AbCdEf';
const ARN_KEYS = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:rastup/prod/auth/keys-GhIjKl';
const ARN_PLAIN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:rastup/prod/typesense-MnOpQr';

/** A fake Secrets Manager: answers from a map and records every SecretId asked for. */
function fakeSecretsManager(secrets: Record<string, string | Error>) {
  const calls: string[] = [];
  let created = 0;
  const client: SecretsManagerLike = {
    async send(command: GetSecretValueCommand) {
      const id = command.input.SecretId!;
      calls.push(id);
      const value = secrets[id];
      if (value instanceof Error) throw value;
      if (value === undefined)
        throw Object.assign(new Error(`Secrets Manager can't find the specified secret.`), {
          name: 'ResourceNotFoundException',
        });
      return { SecretString: value };
    },
  };
  return {
    calls,
    get created() {
      return created;
    },
    factory: () => {
      created++;
      return client;
    },
  };
}

describe('resolveSecretEnv', () => {
  const providers = JSON.stringify({
    CAPTCHA_SECRET_KEY: 'turnstile-secret-value',
    CAPTCHA_SITE_KEY: 'site-key-value',
    TWILIO_AUTH_TOKEN: '',
  });

  it('reads each secret once and gives each declared variable its key', async () => {
    const fake = fakeSecretsManager({
      [ARN_JSON]: providers,
      [ARN_KEYS]: JSON.stringify({ AUTH_KEY_ENCRYPTION_SEED: 'x'.repeat(64) }),
    });
    const env = await resolveSecretEnv(['CAPTCHA_SECRET_KEY', 'CAPTCHA_SITE_KEY', 'AUTH_KEY_ENCRYPTION_SEED'], {
      env: {
        STAGE: 'prod',
        CAPTCHA_SECRET_KEY_SECRET_ARN: ARN_JSON,
        CAPTCHA_SITE_KEY_SECRET_ARN: ARN_JSON,
        AUTH_KEY_ENCRYPTION_SEED_SECRET_ARN: ARN_KEYS,
      },
      client: fake.factory,
    });
    expect(env.CAPTCHA_SECRET_KEY).toBe('turnstile-secret-value');
    expect(env.CAPTCHA_SITE_KEY).toBe('site-key-value');
    expect(env.AUTH_KEY_ENCRYPTION_SEED).toBe('x'.repeat(64));
    expect(env.STAGE).toBe('prod');
    expect(fake.calls.sort()).toEqual([ARN_JSON, ARN_KEYS].sort());
  });

  it('leaves plain variables alone and never creates a client when nothing points at a secret (the local stack)', async () => {
    const fake = fakeSecretsManager({});
    const env = await resolveSecretEnv(['CAPTCHA_SECRET_KEY'], {
      env: { CAPTCHA_SECRET_KEY: 'local', CAPTCHA_SECRET_KEY_SECRET_ARN: ARN_JSON },
      client: fake.factory,
    });
    expect(env.CAPTCHA_SECRET_KEY).toBe('local');
    expect(fake.created).toBe(0);
    expect(fake.calls).toEqual([]);
  });

  it('does not touch process.env', async () => {
    const fake = fakeSecretsManager({ [ARN_JSON]: providers });
    const before = process.env.CAPTCHA_SECRET_KEY;
    await resolveSecretEnv(['CAPTCHA_SECRET_KEY'], {
      env: { CAPTCHA_SECRET_KEY_SECRET_ARN: ARN_JSON },
      client: fake.factory,
    });
    expect(process.env.CAPTCHA_SECRET_KEY).toBe(before);
  });

  it('treats missing and empty keys (unfilled placeholders) as unset and reports them by name only', async () => {
    const fake = fakeSecretsManager({ [ARN_JSON]: providers });
    const unset: string[] = [];
    const env = await resolveSecretEnv(['TWILIO_AUTH_TOKEN', 'TWILIO_ACCOUNT_SID'], {
      env: { TWILIO_AUTH_TOKEN_SECRET_ARN: ARN_JSON, TWILIO_ACCOUNT_SID_SECRET_ARN: ARN_JSON },
      client: fake.factory,
      onUnset: (variable, arn) => unset.push(`${variable}@${arn}`),
    });
    expect(env).not.toHaveProperty('TWILIO_AUTH_TOKEN');
    expect(env.TWILIO_ACCOUNT_SID).toBeUndefined();
    expect(unset.sort()).toEqual([`TWILIO_ACCOUNT_SID@${ARN_JSON}`, `TWILIO_AUTH_TOKEN@${ARN_JSON}`]);
  });

  it('takes a secret that is not a JSON object as the single value of one variable', async () => {
    const fake = fakeSecretsManager({ [ARN_PLAIN]: 'GeneratedKey123' });
    const env = await resolveSecretEnv(['TYPESENSE_API_KEY'], {
      env: { TYPESENSE_API_KEY_SECRET_ARN: ARN_PLAIN },
      client: fake.factory,
    });
    expect(env.TYPESENSE_API_KEY).toBe('GeneratedKey123');
    await expect(
      resolveSecretEnv(['A', 'B'], {
        env: { A_SECRET_ARN: ARN_PLAIN, B_SECRET_ARN: ARN_PLAIN },
        client: fakeSecretsManager({ [ARN_PLAIN]: 'GeneratedKey123' }).factory,
      }),
    ).rejects.toThrow(/single value/);
  });

  it('refuses malformed JSON, non-objects and non-string keys without quoting the secret', async () => {
    const leaked = 'do-not-leak-9f8e7d';
    for (const [text, pattern] of [
      [`{"CAPTCHA_SECRET_KEY": "${leaked}"`, /not valid JSON/],
      [`{"CAPTCHA_SECRET_KEY": 42, "x": "${leaked}"}`, /must be a string/],
    ] as const) {
      const error = await resolveSecretEnv(['CAPTCHA_SECRET_KEY'], {
        env: { CAPTCHA_SECRET_KEY_SECRET_ARN: ARN_JSON },
        client: fakeSecretsManager({ [ARN_JSON]: text }).factory,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretEnvError);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).toContain('CAPTCHA_SECRET_KEY');
      expect((error as Error).message).not.toContain(leaked);
    }
  });

  it('names the variables and the secret when Secrets Manager refuses (e.g. missing grant)', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: secretsmanager:GetSecretValue'), {
      name: 'AccessDeniedException',
    });
    const fake = fakeSecretsManager({ [ARN_JSON]: denied });
    await expect(
      resolveSecretEnv(['CAPTCHA_SECRET_KEY'], {
        env: { CAPTCHA_SECRET_KEY_SECRET_ARN: ARN_JSON },
        client: fake.factory,
      }),
    ).rejects.toThrow(
      /CAPTCHA_SECRET_KEY from secret arn:aws:secretsmanager:.*providers-AbCdEf \(AccessDeniedException/,
    );
  });

  it('ignores variables that were not declared', async () => {
    const fake = fakeSecretsManager({ [ARN_JSON]: providers });
    const env = await resolveSecretEnv(['CAPTCHA_SITE_KEY'], {
      env: { CAPTCHA_SECRET_KEY_SECRET_ARN: ARN_JSON, CAPTCHA_SITE_KEY_SECRET_ARN: ARN_JSON },
      client: fake.factory,
    });
    expect(env.CAPTCHA_SITE_KEY).toBe('site-key-value');
    expect(env.CAPTCHA_SECRET_KEY).toBeUndefined();
  });
});
