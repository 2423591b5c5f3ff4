import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { listingReferenceKey } from './dmca-listing-takedown.ts';

const WEB = 'https://rastup.test';

describe('listingReferenceKey (what a DMCA notice names a listing by)', () => {
  it('takes a slug, or a page URL on the public web origin', () => {
    expect(listingReferenceKey('PROFILE', 'jane-doe', WEB)).toEqual({ slug: 'jane-doe' });
    expect(listingReferenceKey('PROFILE', 'https://rastup.test/p/jane-doe', WEB)).toEqual({ slug: 'jane-doe' });
    expect(listingReferenceKey('STUDIO', ' https://RASTUP.test/studios/loft-9/ ', WEB)).toEqual({ slug: 'loft-9' });
  });

  it("refuses the same path on another host: it names someone else's page, not RastUp's listing", () => {
    for (const ref of [
      'https://other-site.example/p/jane-doe',
      'https://rastup.test.evil.example/p/jane-doe',
      'https://rastup.test:8443/p/jane-doe',
    ]) {
      expect(() => listingReferenceKey('PROFILE', ref, WEB), ref).toThrow(ValidationError);
    }
    expect(() => listingReferenceKey('STUDIO', 'http://other-site.example/studios/loft-9', WEB)).toThrow(
      ValidationError,
    );
  });

  it('refuses a page URL of the other kind', () => {
    expect(() => listingReferenceKey('STUDIO', 'https://rastup.test/p/jane-doe', WEB)).toThrow(ValidationError);
  });
});
