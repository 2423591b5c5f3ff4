import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger, setLogSink } from '../core/log.ts';
import { ValidationError } from '../core/errors.ts';
import { HibpBreachChecker } from './hibp-breach-checker.ts';
import { PasswordPolicy, type BreachStatus } from './password-policy.ts';
import { lockoutSeconds } from './login.service.ts';
import { nonceMatches } from './id-token-verifier.ts';

const fixed = (status: BreachStatus) => ({ check: async () => status });

describe('PasswordPolicy (ASVS 5 V6.2)', () => {
  const policy = new PasswordPolicy(fixed('clean'));

  it('accepts a long passphrase with any characters and no composition rules', async () => {
    await expect(policy.assertAcceptable('lantern orbit velvet harbor')).resolves.toMatchObject({ breach: 'clean' });
    await expect(policy.assertAcceptable('ünïcødé pässwörds sind erlaubt 🙂')).resolves.toBeTruthy();
  });

  it('refuses fewer than 8 characters, more than 128, common passwords and weak ones with feedback', async () => {
    await expect(policy.assertAcceptable('Ab1!xyz')).rejects.toThrow(/too short/);
    await expect(policy.assertAcceptable('x'.repeat(129))).rejects.toThrow(/too long/);
    await expect(policy.assertAcceptable('iloveyou')).rejects.toThrow(/common/);
    const weak = await policy.assertAcceptable('qwertyuiop1').catch((error: unknown) => error);
    expect(weak).toBeInstanceOf(ValidationError);
    expect((weak as ValidationError).issues[0]!.message.length).toBeGreaterThan(10);
  });

  it('uses the user inputs (email) to lower the score', async () => {
    await expect(policy.assertAcceptable('zbigniewquarterstaff')).resolves.toBeTruthy();
    await expect(policy.assertAcceptable('zbigniewquarterstaff', ['zbigniewquarterstaff@example.com'])).rejects.toThrow(
      /weak/,
    );
  });

  it('refuses a breached password, and accepts on the other rules when the breach check is unavailable', async () => {
    await expect(new PasswordPolicy(fixed('breached')).assertAcceptable('lantern orbit velvet harbor')).rejects.toThrow(
      /breach/,
    );
    await expect(
      new PasswordPolicy(fixed('unknown')).assertAcceptable('lantern orbit velvet harbor'),
    ).resolves.toMatchObject({ breach: 'unknown' });
  });
});

describe('HibpBreachChecker (k-anonymity)', () => {
  const logger = createLogger({ service: 'test', level: 'error' });
  const password = 'lantern orbit velvet harbor';
  const sha1 = createHash('sha1').update(password).digest('hex').toUpperCase();

  it('sends only the 5-character prefix, asks for padding, and finds the suffix', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const fetchImpl = (async (url: string, init: { headers: Record<string, string> }) => {
      seen.push({ url, headers: init.headers });
      return new Response(`0000000000000000000000000000000000A:0\r\n${sha1.slice(5)}:42\r\n`, { status: 200 });
    }) as unknown as typeof fetch;
    const checker = new HibpBreachChecker('https://hibp.test/range', 500, logger, fetchImpl);
    await expect(checker.check(password)).resolves.toBe('breached');
    expect(seen[0]!.url).toBe(`https://hibp.test/range/${sha1.slice(0, 5)}`);
    expect(seen[0]!.url).not.toContain(sha1.slice(5));
    expect(seen[0]!.headers['add-padding']).toBe('true');
  });

  it('treats a padded zero-count entry as clean', async () => {
    const fetchImpl = (async () => new Response(`${sha1.slice(5)}:0\r\n`, { status: 200 })) as unknown as typeof fetch;
    await expect(
      new HibpBreachChecker('https://hibp.test/range', 500, logger, fetchImpl).check(password),
    ).resolves.toBe('clean');
  });

  it('falls back to unknown on timeout or error (documented fallback)', async () => {
    const previous = setLogSink(() => undefined);
    try {
      const slow = ((_: string, init: { signal: AbortSignal }) =>
        new Promise((_resolve, reject) =>
          init.signal.addEventListener('abort', () => reject(init.signal.reason as Error)),
        )) as unknown as typeof fetch;
      await expect(new HibpBreachChecker('https://hibp.test/range', 50, logger, slow).check(password)).resolves.toBe(
        'unknown',
      );
      const failing = (async () => new Response('busy', { status: 503 })) as unknown as typeof fetch;
      await expect(new HibpBreachChecker('https://hibp.test/range', 50, logger, failing).check(password)).resolves.toBe(
        'unknown',
      );
    } finally {
      setLogSink(previous);
    }
  });
});

describe('lockout back-off and nonces', () => {
  it('doubles the lockout per level and caps it at 15 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(lockoutSeconds)).toEqual([60, 120, 240, 480, 900, 900, 900]);
  });

  it('matches a nonce as issued or as its SHA-256 (Apple clients)', () => {
    const nonce = 'abc123-nonce';
    expect(nonceMatches(nonce, nonce)).toBe(true);
    expect(nonceMatches(createHash('sha256').update(nonce).digest('hex'), nonce)).toBe(true);
    expect(nonceMatches('other', nonce)).toBe(false);
    expect(nonceMatches(undefined, nonce)).toBe(false);
  });
});
