import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, notModified, validatorsOf } from './paging.ts';
import { checkTargetUrl, isPrivateAddress } from './webhook-target.ts';

describe('cursors', () => {
  it('round-trip under the same filters and are refused under others or when forged', () => {
    const cursor = encodeCursor('prf_01ABC', { r: 'profiles', city: 'us-nyc' });
    expect(cursor).not.toContain('prf_');
    expect(decodeCursor(cursor, { r: 'profiles', city: 'us-nyc' })).toBe('prf_01ABC');
    expect(() => decodeCursor(cursor, { r: 'profiles', city: 'us-lax' })).toThrow(/other filters/);
    expect(() => decodeCursor('bm9wZQ', { r: 'profiles' })).toThrow(/not one this API issued/);
    expect(decodeCursor(undefined, {})).toBeUndefined();
  });
});

describe('conditional requests', () => {
  const validators = validatorsOf({ a: 1 }, ['2026-01-02T03:04:05.678Z', '2026-01-01T00:00:00.000Z']);
  it('match the ETag (weak or strong, in a list, or *) before looking at dates', () => {
    expect(validators.lastModified).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(notModified(validators, validators.etag, undefined)).toBe(true);
    expect(notModified(validators, `"x", W/${validators.etag}`, undefined)).toBe(true);
    expect(notModified(validators, '*', undefined)).toBe(true);
    expect(notModified(validators, '"x"', 'Sat, 03 Jan 2026 00:00:00 GMT')).toBe(false);
    expect(notModified(validators, undefined, 'Fri, 02 Jan 2026 03:04:05 GMT')).toBe(true);
    expect(notModified(validators, undefined, 'Fri, 02 Jan 2026 03:04:04 GMT')).toBe(false);
    expect(notModified(validators, undefined, 'not a date')).toBe(false);
  });
});

describe('webhook targets (SSRF)', () => {
  it('recognises private, loopback, link-local and mapped addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '100.64.0.1',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(address), address).toBe(false);
  });

  it('refuses http, credentials, private literals and internal names outside local', () => {
    expect(checkTargetUrl('https://hooks.partner.example/x', false).hostname).toBe('hooks.partner.example');
    for (const url of [
      'http://hooks.partner.example/x',
      'https://user:pw@hooks.partner.example/x',
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://169.254.169.254/latest/meta-data',
      'https://localhost/x',
      'https://db.internal/x',
    ])
      expect(() => checkTargetUrl(url, false), url).toThrow();
    expect(checkTargetUrl('http://127.0.0.1:8080/x', true).port).toBe('8080');
  });
});
