import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, currentLogContext, redactString, setLogSink, withLogContext, type LogSink } from './log.ts';

let lines: Record<string, unknown>[];
let previous: LogSink;

beforeEach(() => {
  lines = [];
  previous = setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
});
afterEach(() => {
  setLogSink(previous);
});

const logger = createLogger({ service: 'test', level: 'debug' });
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJlLXZhbHVl';

describe('structured lines', () => {
  it('writes one JSON line with level, time, service, message and fields', () => {
    logger.info('booking created', { bookingId: 'bkg_1', count: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'test',
      message: 'booking created',
      bookingId: 'bkg_1',
      count: 2,
    });
    expect(Number.isNaN(Date.parse(String(lines[0]!.time)))).toBe(false);
  });

  it('includes fields from child loggers', () => {
    logger.child({ component: 'relay' }).warn('slow', { ms: 900 });
    expect(lines[0]).toMatchObject({ level: 'warn', component: 'relay', ms: 900 });
  });
});

describe('redaction by key', () => {
  it.each([
    'password',
    'token',
    'accessToken',
    'authorization',
    'Authorization',
    'cookie',
    'email',
    'phone',
    'secret',
    'clientSecret',
    'code',
    'apiKey',
  ])('replaces the value under %s', (key) => {
    logger.info('x', { [key]: 'value-that-must-not-appear' });
    expect(lines[0]![key]).toBe('[REDACTED]');
    expect(JSON.stringify(lines[0])).not.toContain('value-that-must-not-appear');
  });

  it('redacts non-string values under sensitive keys too', () => {
    logger.info('x', { session: { id: 'abc', user: 'u' }, phone: 5551234567 });
    expect(lines[0]).toMatchObject({ session: '[REDACTED]', phone: '[REDACTED]' });
  });

  it('keeps safe keys that merely look sensitive', () => {
    logger.info('x', {
      errorCode: 'AUTH.FORBIDDEN',
      statusCode: 403,
      countryCode: 'US',
      cityCode: 'us-nyc',
      sessionId: 'ses_1',
    });
    expect(lines[0]).toMatchObject({
      errorCode: 'AUTH.FORBIDDEN',
      statusCode: 403,
      countryCode: 'US',
      cityCode: 'us-nyc',
      sessionId: 'ses_1',
    });
  });

  it('redacts inside nested objects and arrays', () => {
    logger.info('x', {
      request: {
        headers: { Authorization: 'Bearer abc.def', accept: 'json' },
        users: [{ email: 'a@b.co', name: 'Ann' }],
      },
    });
    expect(lines[0]!.request).toEqual({
      headers: { Authorization: '[REDACTED]', accept: 'json' },
      users: [{ email: '[REDACTED]', name: 'Ann' }],
    });
  });
});

describe('redaction inside free text', () => {
  it.each([
    ['an email', 'contact alice.smith+tag@example.co.uk now', 'alice.smith+tag@example.co.uk', '[REDACTED:email]'],
    ['a JWT', `token was ${JWT} ok`, JWT, '[REDACTED:jwt]'],
    ['a bearer token', 'header Bearer abc123.def-456_ghi', 'abc123.def-456_ghi', 'Bearer [REDACTED]'],
    ['a basic credential', 'header Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz', 'Basic [REDACTED]'],
    ['an international phone number', 'call +1 (555) 123-4567 today', '555) 123-4567', '[REDACTED:phone]'],
    ['a plain phone number', 'sms 555-123-4567', '555-123-4567', '[REDACTED:phone]'],
    ['an sk_live secret', 'key sk_live_51HxAbCdEfGhIjKlMn used', 'sk_live_51HxAbCdEfGhIjKlMn', '[REDACTED:secret]'],
    ['a webhook secret', 'whsec_abcdefghijklmnop', 'whsec_abcdefghijklmnop', '[REDACTED:secret]'],
  ])('redacts %s', (_label, text, leaked, replacement) => {
    logger.info(text, { note: text, list: [text], nested: { deeper: { text } } });
    const serialised = JSON.stringify(lines[0]);
    expect(serialised).not.toContain(leaked);
    expect(lines[0]!.message).toContain(replacement);
    expect(lines[0]!.note).toContain(replacement);
    expect((lines[0]!.list as string[])[0]).toContain(replacement);
  });

  it('leaves ordinary text, ids and ISO timestamps readable', () => {
    const text = 'booking bkg_01JD7Z8K5W starts 2026-03-01T10:00:00.000Z, 3 guests';
    expect(redactString(text)).toBe(text);
  });

  it('still redacts phone numbers written next to a date', () => {
    expect(redactString('on 2026-03-01 call 555-123-4567')).toBe('on 2026-03-01 call [REDACTED:phone]');
    expect(redactString('2026-03-01 5551234567')).not.toContain('5551234567');
    expect(redactString('0211-12-345678')).toBe('[REDACTED:phone]');
  });

  it('leaves UUIDs (correlation ids) whole, and still masks a phone number beside one', () => {
    const ids = [
      'f752176b-72d1-45db-b123-45678c3a8bbf',
      '12345678-1234-4234-8234-1234567890ab',
      'F752176B-72D1-45DB-B123-45678C3A8BBF',
    ];
    for (const id of ids) {
      expect(redactString(`correlation ${id} done`)).toBe(`correlation ${id} done`);
      expect(redactString(id)).toBe(id);
    }
    logger.info('request', { correlationId: ids[0], note: `req ${ids[1]}` });
    expect(lines[0]).toMatchObject({ correlationId: ids[0], note: `req ${ids[1]}` });
    expect(redactString(`${ids[0]} call 555-123-4567`)).toBe(`${ids[0]} call [REDACTED:phone]`);
    expect(redactString(`call 555-123-4567 re ${ids[0]}`)).toBe(`call [REDACTED:phone] re ${ids[0]}`);
    expect(redactString(`${ids[0]},+1 (555) 123-4567`)).toBe(`${ids[0]},[REDACTED:phone]`);
    // Not UUID-shaped (one group too long): the digit run is still a phone number to the redactor.
    expect(redactString('f752176b-72d1-45db-b123-45678901234567')).toContain('[REDACTED:phone]');
  });

  it.each([
    ['tel 00000000-0000-0000-0000-014155550123', '014155550123'],
    ['sms 41555501-2345-6789-0123-456789012345', '41555501'],
  ])('masks an all-digit run in UUID shape: a real UUID holds a hex letter (%s)', (text, digits) => {
    const out = redactString(text);
    expect(out).toContain('[REDACTED:phone]');
    expect(out).not.toContain(digits);
  });
});

describe('errors', () => {
  it('logs an Error as its name and redacted message, without the stack', () => {
    const error = new TypeError('lookup failed for bob@example.com');
    logger.error('failed', { error });
    expect(lines[0]!.error).toEqual({ name: 'TypeError', message: 'lookup failed for [REDACTED:email]' });
  });
});

describe('correlation id', () => {
  it('attaches the context of withLogContext to every line inside it, and only there', async () => {
    await withLogContext({ correlationId: 'req_abc', route: 'GET /x' }, async () => {
      expect(currentLogContext()?.correlationId).toBe('req_abc');
      await Promise.resolve();
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ message: 'inside', correlationId: 'req_abc', route: 'GET /x' });
    expect(lines[1]).not.toHaveProperty('correlationId');
  });
});

describe('level filtering', () => {
  it('drops entries below the configured level', () => {
    const warnOnly = createLogger({ service: 'test', level: 'warn' });
    warnOnly.debug('d');
    warnOnly.info('i');
    warnOnly.warn('w');
    warnOnly.error('e');
    expect(lines.map((line) => line.level)).toEqual(['warn', 'error']);
  });

  it('keeps the level for child loggers', () => {
    createLogger({ service: 'test', level: 'error' }).child({ a: 1 }).warn('w');
    expect(lines).toHaveLength(0);
  });
});
