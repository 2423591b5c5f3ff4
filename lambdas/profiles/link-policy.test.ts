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
});
