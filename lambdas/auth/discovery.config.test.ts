import { describe, expect, it } from 'vitest';
import { authConfig } from './auth.config.ts';
import { discoveryConfig } from './discovery.config.ts';

const seed = 'Ab3'.repeat(21) + 'x';
const base = { STAGE: 'dev', AUTH_ISSUER: 'https://api.example.com/dev', AUTH_KEY_ENCRYPTION_SEED: seed };

describe('discovery config', () => {
  it('parses without any CAPTCHA or SMS variable (they are the auth service’s, not discovery’s)', () => {
    const config = discoveryConfig(base);
    expect(config.AUTH_ISSUER).toBe(base.AUTH_ISSUER);
    expect(Buffer.from(config.AUTH_KEY_ENCRYPTION_KEY, 'base64')).toHaveLength(32);
  });

  it('derives the same key and key settings as the auth service from the same variables', () => {
    const auth = authConfig({
      ...base,
      PUBLIC_BASE_URL: 'https://api.example.com/dev',
      CAPTCHA_SECRET_KEY: 'secret',
      CAPTCHA_SITE_KEY: 'site',
      SIGNING_KEY_ROTATION_DAYS: '7',
    });
    const discovery = discoveryConfig({ ...base, SIGNING_KEY_ROTATION_DAYS: '7' });
    expect(discovery.AUTH_KEY_ENCRYPTION_KEY).toBe(auth.AUTH_KEY_ENCRYPTION_KEY);
    expect(discovery.SIGNING_KEY_ROTATION_DAYS).toBe(auth.SIGNING_KEY_ROTATION_DAYS);
    expect(discovery.ACCESS_TOKEN_TTL_SECONDS).toBe(auth.ACCESS_TOKEN_TTL_SECONDS);
  });

  it('refuses both or neither key form', () => {
    expect(() => discoveryConfig({ STAGE: 'dev', AUTH_ISSUER: base.AUTH_ISSUER })).toThrow(/AUTH_KEY_ENCRYPTION_KEY/);
  });
});
