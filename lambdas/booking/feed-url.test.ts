import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { checkFeedUrl, FeedUrlRefused, guardedLookup, isAllowedAddress } from './feed-url.ts';

describe('calendar URL guard', () => {
  it('accepts public https (and webcal as https); refuses http, credentials, private literals and internal names', () => {
    expect(checkFeedUrl('https://calendar.example.com/a.ics', false).href).toBe('https://calendar.example.com/a.ics');
    expect(checkFeedUrl('webcal://calendar.example.com/a.ics', false).protocol).toBe('https:');
    for (const url of [
      'http://calendar.example.com/a.ics',
      'https://user:pw@calendar.example.com/a.ics',
      'https://127.0.0.1/a.ics',
      'https://10.1.2.3/a.ics',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/a.ics',
      'https://[fe80::1]/a.ics',
      'https://[::ffff:192.168.0.1]/a.ics',
      'https://localhost/a.ics',
      'https://metadata.google.internal/a.ics',
      'https://intranet/a.ics',
      'ftp://calendar.example.com/a.ics',
      'not a url',
    ])
      expect(() => checkFeedUrl(url, false), url).toThrow(FeedUrlRefused);
  });

  it('allows loopback (http or https) only with the local flag, and nothing else private even then', () => {
    expect(checkFeedUrl('http://127.0.0.1:4000/calendar/x.ics', true).port).toBe('4000');
    expect(checkFeedUrl('http://localhost:4000/x.ics', true).hostname).toBe('localhost');
    expect(() => checkFeedUrl('https://10.0.0.1/x.ics', true)).toThrow(FeedUrlRefused);
    expect(() => checkFeedUrl('http://calendar.example.com/x.ics', true)).toThrow(FeedUrlRefused);
    expect(isAllowedAddress('127.0.0.1', true)).toBe(true);
    expect(isAllowedAddress('192.168.1.1', true)).toBe(false);
    expect(isAllowedAddress('93.184.216.34', false)).toBe(true);
    expect(isAllowedAddress('not-an-ip', false)).toBe(false);
  });

  it('refuses the connection when any resolved address is private (DNS rebinding), at connect time', async () => {
    const resolver =
      (addresses: LookupAddress[]) =>
      (_host: string, callback: (error: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
        callback(null, addresses);
    const lookup = (addresses: LookupAddress[], allowLoopback = false) =>
      new Promise<string>((resolve, reject) =>
        guardedLookup(allowLoopback, resolver(addresses))('feed.example.com', {}, (error, address) =>
          error ? reject(error) : resolve(address as string),
        ),
      );
    await expect(lookup([{ address: '93.184.216.34', family: 4 }])).resolves.toBe('93.184.216.34');
    await expect(
      lookup([
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]),
    ).rejects.toMatchObject({ code: 'EFEEDPRIVATE' });
    await expect(lookup([{ address: '169.254.169.254', family: 4 }], true)).rejects.toMatchObject({
      code: 'EFEEDPRIVATE',
    });
    await expect(lookup([{ address: '::1', family: 6 }], true)).resolves.toBe('::1');
  });
});
