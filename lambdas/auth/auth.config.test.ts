import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../core/config.ts';
import { authEnvSchema } from './auth.config.ts';
import { deriveKeyEncryptionKey } from './secret-box.ts';

const base = {
  STAGE: 'prod',
  AUTH_ISSUER: 'https://auth.rastup.example',
  AUTH_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  PUBLIC_BASE_URL: 'https://rastup.example',
  CAPTCHA_SECRET_KEY: 'secret',
  CAPTCHA_SITE_KEY: 'site',
};

describe('auth configuration', () => {
  it('defaults to the real third-party endpoints', () => {
    const config = parseConfig(authEnvSchema, base);
    expect(config.HIBP_RANGE_URL).toBe('https://api.pwnedpasswords.com/range');
    expect(config.GOOGLE_JWKS_URL).toBe('https://www.googleapis.com/oauth2/v3/certs');
    expect(config.APPLE_JWKS_URL).toBe('https://appleid.apple.com/auth/keys');
    expect(config.SESSION_ABSOLUTE_SECONDS).toBe(30 * 86_400);
    expect(config.SESSION_IDLE_SECONDS).toBe(7 * 86_400);
    expect(config.REFRESH_REUSE_GRACE_SECONDS).toBe(30);
  });

  it('keeps the refresh reuse grace short (0 turns it off)', () => {
    expect(parseConfig(authEnvSchema, { ...base, REFRESH_REUSE_GRACE_SECONDS: '0' }).REFRESH_REUSE_GRACE_SECONDS).toBe(
      0,
    );
    expect(() => parseConfig(authEnvSchema, { ...base, REFRESH_REUSE_GRACE_SECONDS: '3600' })).toThrow(ConfigError);
    expect(() => parseConfig(authEnvSchema, { ...base, REFRESH_REUSE_GRACE_SECONDS: '-1' })).toThrow(ConfigError);
  });

  it('refuses the benchmark rate-limit exemption outside the local stack', () => {
    expect(() => parseConfig(authEnvSchema, { ...base, AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1' })).toThrow(
      ConfigError,
    );
    expect(
      parseConfig(authEnvSchema, { ...base, STAGE: 'local', AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1' })
        .AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS,
    ).toEqual(['127.0.0.1']);
  });

  describe('key-encryption key', () => {
    const { AUTH_KEY_ENCRYPTION_KEY: _key, ...withoutKey } = base;

    it('takes base64 of 32 bytes as is (the local stack)', () => {
      expect(parseConfig(authEnvSchema, base).AUTH_KEY_ENCRYPTION_KEY).toBe(base.AUTH_KEY_ENCRYPTION_KEY);
      expect(() =>
        parseConfig(authEnvSchema, { ...base, AUTH_KEY_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }),
      ).toThrow(/base64 of 32 bytes/);
    });

    it('derives it from the generated seed with HKDF-SHA256 (AWS stages); the derivation is pinned', () => {
      const seed = 'a'.repeat(64);
      const config = parseConfig(authEnvSchema, { ...withoutKey, AUTH_KEY_ENCRYPTION_SEED: seed });
      // Pinned: a change of salt, info or hash would silently re-key every stage (see the runbook).
      expect(config.AUTH_KEY_ENCRYPTION_KEY).toBe('8C0dxJ2p66SefyP1hF8zl0aWwGcRzpi1ixxWsxlBz4c=');
      expect(config.AUTH_KEY_ENCRYPTION_KEY).toBe(deriveKeyEncryptionKey(seed));
      expect(Buffer.from(config.AUTH_KEY_ENCRYPTION_KEY, 'base64')).toHaveLength(32);
      expect(config).not.toHaveProperty('AUTH_KEY_ENCRYPTION_SEED');
    });

    it('needs exactly one form, and a seed of at least 40 characters', () => {
      expect(() => parseConfig(authEnvSchema, withoutKey)).toThrow(/exactly one of AUTH_KEY_ENCRYPTION_KEY/);
      expect(() => parseConfig(authEnvSchema, { ...base, AUTH_KEY_ENCRYPTION_SEED: 'a'.repeat(64) })).toThrow(
        /exactly one of/,
      );
      expect(() => parseConfig(authEnvSchema, { ...withoutKey, AUTH_KEY_ENCRYPTION_SEED: 'a'.repeat(39) })).toThrow(
        /at least 40/,
      );
    });

    it('never puts the key or the seed in the error message', () => {
      const seed = 'S'.repeat(30);
      const error = (() => {
        try {
          parseConfig(authEnvSchema, { ...withoutKey, AUTH_KEY_ENCRYPTION_SEED: seed });
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error?.message).not.toContain(seed);
    });
  });
});
