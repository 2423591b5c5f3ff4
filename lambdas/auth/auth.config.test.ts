import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../core/config.ts';
import { authEnvSchema } from './auth.config.ts';

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
    expect(parseConfig(authEnvSchema, { ...base, REFRESH_REUSE_GRACE_SECONDS: '0' }).REFRESH_REUSE_GRACE_SECONDS).toBe(0);
    expect(() => parseConfig(authEnvSchema, { ...base, REFRESH_REUSE_GRACE_SECONDS: '3600' })).toThrow(ConfigError);
    expect(() => parseConfig(authEnvSchema, { ...base, REFRESH_REUSE_GRACE_SECONDS: '-1' })).toThrow(ConfigError);
  });

  it('refuses the benchmark rate-limit exemption outside the local stack', () => {
    expect(() => parseConfig(authEnvSchema, { ...base, AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1' })).toThrow(ConfigError);
    expect(parseConfig(authEnvSchema, { ...base, STAGE: 'local', AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1' }).AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS).toEqual(['127.0.0.1']);
  });
});
