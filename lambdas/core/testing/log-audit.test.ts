import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, setLogSink, type LogSink } from '../log.ts';
import { auditLogLines } from './log-audit.ts';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 'info', time: '2026-11-30T16:48:33.421Z', service: 'auth', message: 'ok', ...fields });

// Shapes only: assembled at run time so no secret-looking literal sits in the source.
const jwt = ['eyJhbGciOiJSUzI1NiJ9', 'eyJzdWIiOiJ1c3JfMSJ9', 'c2lnbmF0dXJl'].join('.');
const awsKey = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
const pem = ['-----BEGIN', 'PRIVATE KEY-----'].join(' ');

describe('log audit', () => {
  it('finds lines that are not JSON or not of the schema', () => {
    const findings = auditLogLines(['plain text', line({ level: 'fatal' }), '', line({})]);
    expect(findings.map((f) => [f.line, f.kind])).toEqual([
      [1, 'not-json'],
      [2, 'schema'],
    ]);
  });

  it.each([
    ['an email in a message', line({ message: 'welcome ada@example.com' }), 'pii'],
    ['an email in a nested field', line({ user: { contact: ['x', 'ada@example.co.uk'] } }), 'pii'],
    ['an email as a field name', line({ attempts: { 'ada@example.com': 3 } }), 'pii'],
    ['an E.164 phone', line({ message: 'sms to +14155550123 sent' }), 'pii'],
    ['a formatted phone', line({ to: '(415) 555-0123' }), 'pii'],
    ['a JWT', line({ header: jwt }), 'secret'],
    ['a bearer token', line({ header: 'Bearer abcdefghijklmnop' }), 'secret'],
    ['a password field with a value', line({ body: { password: 'hunter22' } }), 'secret'],
    ['an email field with a value', line({ email: 'not redacted' }), 'pii'],
    ['an AWS access key id', line({ note: `key ${awsKey}` }), 'secret'],
    ['a PEM private key', line({ note: `${pem}\nMIIE` }), 'secret'],
    ['a provider secret key', line({ note: `sk_${'test'}_${'a'.repeat(24)}` }), 'secret'],
    ['an API key', line({ key: `da2-${'k'.repeat(26)}` }), 'secret'],
  ])('finds %s', (_name, raw, kind) => {
    const findings = auditLogLines([raw]);
    expect(findings.map((f) => f.kind)).toContain(kind);
    // The report never prints the secret again.
    for (const finding of findings) expect(finding.detail).not.toContain('ada@example.com');
  });

  it('accepts UUIDs whose groups are all digits, and still finds a phone number beside one', () => {
    const uuid = 'f752176b-9491-4123-8456-1a2b3c4d5e6f';
    expect(auditLogLines([line({ correlationId: uuid, message: `request ${uuid} done` })])).toEqual([]);
    expect(auditLogLines([line({ message: `request ${uuid} sms +14155550123` })]).map((f) => f.kind)).toEqual(['pii']);
    expect(auditLogLines([line({ message: `${uuid}-415-555-0123` })]).map((f) => f.kind)).toEqual(['pii']);
  });

  it.each([['tel 00000000-0000-0000-0000-014155550123'], ['sms 41555501-2345-6789-0123-456789012345']])(
    'finds a phone number in an all-digit run of UUID shape: a real UUID holds a hex letter (%s)',
    (message) => {
      expect(auditLogLines([line({ message })]).map((f) => f.kind)).toEqual(['pii']);
    },
  );

  it('finds a known secret wherever it appears, and ignores short ones', () => {
    const findings = auditLogLines([line({ note: 'kek=V2hhdEV2ZXJLZXkxMjM0NTY3OA' }), line({ note: 'abc' })], {
      knownSecrets: ['V2hhdEV2ZXJLZXkxMjM0NTY3OA', 'abc'],
    });
    expect(findings).toEqual([{ line: 1, kind: 'secret', detail: 'a known secret (V2h…(26 chars))' }]);
  });

  it('accepts ordinary lines: timestamps, ids, durations, redaction markers, nulls', () => {
    expect(
      auditLogLines([
        line({
          correlationId: 'req_01M8PNQBZSD8P11TV1YWW0SVZF',
          at: '2026-11-30T16:48:33.421Z',
          day: '2026-11-30',
          durationMs: 1234567890,
          version: '3.1162.0',
          ip: '127.0.0.1',
          email: '[REDACTED]',
          token: null,
          message: 'sent to [REDACTED:email] via Bearer [REDACTED]',
          errorCode: 'AUTH.RATE_LIMITED',
          tokenType: 'access',
        }),
      ]),
    ).toEqual([]);
  });
});

describe('the logger and the audit agree', () => {
  let lines: string[];
  let previous: LogSink;
  beforeEach(() => {
    lines = [];
    previous = setLogSink((l) => lines.push(l));
  });
  afterEach(() => setLogSink(previous));

  it('what the logger writes with PII and secrets in its input passes the audit (redaction did its job)', () => {
    const logger = createLogger({ service: 'auth' });
    logger.info('login for ada@example.com from +1 415 555 0123', {
      password: 'hunter22-Correct',
      header: `Bearer ${jwt}`,
      nested: { phone: '+14155550123', note: `token ${jwt}`, key: `sk_test_${'a'.repeat(24)}` },
    });
    logger.error('failed', { error: new Error('user ada@example.com not found') });
    expect(lines).toHaveLength(2);
    expect(auditLogLines(lines)).toEqual([]);
  });

  it('the same input written around the logger is caught', () => {
    const raw = JSON.stringify({
      level: 'info',
      time: '2026-11-30T16:48:33.421Z',
      service: 'auth',
      message: 'login for ada@example.com',
      password: 'hunter22-Correct',
    });
    expect(auditLogLines([raw]).map((f) => f.kind)).toEqual(['pii', 'secret']);
  });
});
