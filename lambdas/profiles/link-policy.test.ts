import { describe, expect, it } from 'vitest';
import { isPublicLink, publicLinkRefusal } from './link-policy.ts';

describe('public link policy', () => {
  it.each([
    'https://example.com',
    'https://www.instagram.com/pat.shutter/',
    'https://medium.com/@pat',
    'https://www.tiktok.com/@pat.shutter',
    'https://vimeo.com/123456789',
    'https://www.behance.net/gallery/123456789/Portraits',
    'https://youtube.com/watch?v=dQw4w9WgXcQ',
  ])('accepts an ordinary portfolio link: %s', (url) => {
    expect(publicLinkRefusal(url)).toBeNull();
  });

  it.each([
    ['https://pat.private@gmail.com/', 'USERINFO'],
    ['https://user:secret@example.com/', 'USERINFO'],
    ['http://example.com/', 'NOT_HTTPS'],
    ['mailto:pat@example.com', 'NOT_HTTPS'],
    ['tel:+15551234567', 'NOT_HTTPS'],
    ['javascript:alert(1)', 'NOT_HTTPS'],
    ['not a url', 'INVALID'],
    ['https://wa.me/15551234567', 'CONTACT_HOST'],
    ['https://api.whatsapp.com/send?phone=15551234567', 'CONTACT_HOST'],
    ['https://t.me/patshutter', 'CONTACT_HOST'],
    ['https://T.ME./patshutter', 'CONTACT_HOST'],
    ['https://signal.me/#p/+15551234567', 'CONTACT_HOST'],
    ['https://example.com/contact/pat@gmail.com', 'EMAIL'],
    ['https://example.com/?reach=pat%40gmail.com', 'EMAIL'],
    ['https://example.com/x#pat%2540gmail.com', 'EMAIL'],
    ['https://example.com/call/+1-555-123-4567', 'PHONE'],
    ['https://example.com/5551234567', 'PHONE'],
    ['https://example.com/?phone=(555)%20123-4567', 'PHONE'],
  ])('refuses %s (%s)', (url, reason) => {
    expect(publicLinkRefusal(url)).toBe(reason);
    expect(isPublicLink(url)).toBe(false);
  });

  it.each([
    'https://example.com/blog/2024/05/17/portraits',
    'https://www.flickr.com/photos/pat/albums/72157712',
    'https://discord.com/channels/123',
    'https://www.snapchat.com/spotlight',
    'https://example.com/p/123-456',
  ])('still accepts a near miss: %s', (url) => {
    expect(publicLinkRefusal(url)).toBeNull();
  });

  it.each([
    // Separators the old pattern did not know, and 7-digit numbers once split.
    ['https://example.com/555_123_4567', 'PHONE'],
    ['https://example.com/555/123/4567', 'PHONE'],
    ['https://example.com/call?n=555_1234', 'PHONE'],
    ['https://555-123-4567.example.com/', 'PHONE'],
    // Full-width digits, typed or percent-encoded (NFKC), and an encoding applied several times.
    ['https://example.com/５５５１２３４５６７', 'PHONE'],
    ['https://example.com/%EF%BC%95%EF%BC%95%EF%BC%95-123-4567', 'PHONE'],
    ['https://example.com/x?p=555%25252D123%25252D4567', 'PHONE'],
    ['https://example.com/x#pat%252525252540gmail.com', 'EMAIL'],
    // Spelled-out or look-alike @.
    ['https://example.com/pat＠gmail.com', 'EMAIL'],
    ['https://example.com/pat(at)gmail.com', 'EMAIL'],
    ['https://example.com/pat[at]gmail[dot]com', 'EMAIL'],
    ['https://example.com/?m=pat%20(AT)%20gmail%20(dot)%20com', 'EMAIL'],
    ['https://pat＠gmail.com/', 'USERINFO'],
    // Messaging channels.
    ['https://ig.me/m/patshutter', 'CONTACT_HOST'],
    ['https://discord.gg/abc123', 'CONTACT_HOST'],
    ['https://discord.com/invite/abc123', 'CONTACT_HOST'],
    ['https://www.snapchat.com/add/patshutter', 'CONTACT_HOST'],
    ['https://m.me/patshutter', 'CONTACT_HOST'],
    ['https://line.me/ti/p/abc', 'CONTACT_HOST'],
    ['https://kik.me/patshutter', 'CONTACT_HOST'],
    ['https://u.wechat.com/abc', 'CONTACT_HOST'],
    ['https://invite.viber.com/?g=abc', 'CONTACT_HOST'],
    ['https://ｗａ．ｍｅ/15551234567', 'CONTACT_HOST'],
    // Shorteners hide the destination.
    ...['bit.ly', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'rebrand.ly', 'cutt.ly'].map(
      (host): [string, string] => [`https://${host}/abc`, 'SHORTENER'],
    ),
  ] as [string, string][])('refuses the bypass %s (%s)', (url, reason) => {
    expect(publicLinkRefusal(url)).toBe(reason);
  });
});
