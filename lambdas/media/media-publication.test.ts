import { describe, expect, it } from 'vitest';
import {
  PUBLIC_CACHE_CONTROL,
  PUBLIC_CACHE_MAX_AGE_SECONDS,
  contentVersion,
  isPublishable,
  objectKeysOf,
  publicVariantKey,
} from './media-publication.ts';

describe('public keys are versioned by content', () => {
  it('puts a hash of the bytes into the key, so changed bytes never reuse a cached URL', () => {
    const a = publicVariantKey('med_1', 'large', contentVersion(Buffer.from('first')));
    const b = publicVariantKey('med_1', 'large', contentVersion(Buffer.from('second')));
    expect(a).toMatch(/^media\/med_1\/large\.[0-9a-f]{16}\.webp$/);
    expect(a).not.toBe(b);
    expect(publicVariantKey('med_1', 'large', contentVersion(Buffer.from('first')))).toBe(a);
  });

  it('refuses to build an unversioned public key', () => {
    expect(() => publicVariantKey('med_1', 'large', '')).toThrow();
    expect(() => publicVariantKey('med_1', 'large', '../x')).toThrow();
  });

  it('caches briefly and never as immutable: withdrawn items must stop being served', () => {
    expect(PUBLIC_CACHE_CONTROL).not.toMatch(/immutable/);
    expect(PUBLIC_CACHE_MAX_AGE_SECONDS).toBeLessThanOrEqual(600);
    expect(PUBLIC_CACHE_CONTROL).toBe(`public, max-age=${PUBLIC_CACHE_MAX_AGE_SECONDS}`);
  });
});

describe('isPublishable', () => {
  it('allows only READY, band-0 portfolio or studio media', () => {
    expect(isPublishable({ status: 'READY', nsfw_band: 0, owner_type: 'PROFILE' })).toBe(true);
    expect(isPublishable({ status: 'READY', nsfw_band: 0, owner_type: 'STUDIO' })).toBe(true);
    expect(isPublishable({ status: 'READY', nsfw_band: 0, owner_type: 'VERIFICATION' })).toBe(false);
    expect(isPublishable({ status: 'READY', nsfw_band: 1, owner_type: 'PROFILE' })).toBe(false);
    expect(isPublishable({ status: 'READY', nsfw_band: null, owner_type: 'PROFILE' })).toBe(false);
    for (const status of ['FLAGGED', 'REJECTED', 'DELETED', 'PROCESSING', 'FAILED', 'AWAITING_UPLOAD'] as const) {
      expect(isPublishable({ status, nsfw_band: 0, owner_type: 'PROFILE' })).toBe(false);
    }
  });
});

describe('objectKeysOf', () => {
  it('lists every object of an item by bucket, without duplicates or gaps', () => {
    const variant = (key: string) => ({ name: 'large', key, width: 1, height: 1, format: 'webp' });
    expect(
      objectKeysOf({
        incoming_key: 'incoming/u/m',
        original_key: 'originals/u/m.jpg',
        variants: [variant('variants/m/large.webp'), variant('variants/m/large.webp')],
        public_variants: [variant('media/m/large.abcdef0123456789.webp')],
      }),
    ).toEqual({
      originals: ['incoming/u/m', 'originals/u/m.jpg', 'variants/m/large.webp'],
      public: ['media/m/large.abcdef0123456789.webp'],
    });
    expect(
      objectKeysOf({ incoming_key: 'incoming/u/m', original_key: null, variants: [], public_variants: [] }),
    ).toEqual({ originals: ['incoming/u/m'], public: [] });
  });
});
