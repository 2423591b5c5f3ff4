import { describe, expect, it } from 'vitest';
import { newId } from '../core/ids.ts';
import type { NamingRow } from './media-reconciler.repository.ts';
import { isNamed, mediaIdOfKey } from './media-reconciler.service.ts';

const id = newId('media');
const user = newId('user');
const row = (patch: Partial<NamingRow>): NamingRow => ({
  id,
  owner_type: 'PROFILE',
  status: 'READY',
  nsfw_band: 0,
  original_key: `originals/${user}/${id}.jpg`,
  variants: [{ name: 'w640', key: `variants/${id}/w640.webp`, width: 640, height: 480, format: 'webp' }],
  public_variants: [
    { name: 'w640', key: `media/${id}/w640.0123456789abcdef.webp`, width: 640, height: 480, format: 'webp' },
  ],
  ...patch,
});

describe('media reconciler rules', () => {
  it('owns only the keys the media code writes', () => {
    expect(mediaIdOfKey('public', `media/${id}/w640.0123456789abcdef.webp`)).toBe(id);
    expect(mediaIdOfKey('originals', `variants/${id}/w640.webp`)).toBe(id);
    expect(mediaIdOfKey('originals', `originals/${user}/${id}.png`)).toBe(id);
    // Uploads expire by lifecycle rule; other prefixes and malformed ids are not the reconciler's.
    expect(mediaIdOfKey('originals', `incoming/${user}/${id}`)).toBeNull();
    expect(mediaIdOfKey('public', `media/not-an-id/w640.webp`)).toBeNull();
    expect(mediaIdOfKey('public', `other/${id}/w640.webp`)).toBeNull();
  });

  it('keeps public copies only while the row is publishable and names them', () => {
    const key = `media/${id}/w640.0123456789abcdef.webp`;
    expect(isNamed('public', key, row({}))).toBe(true);
    expect(isNamed('public', `media/${id}/w640.ffffffffffffffff.webp`, row({}))).toBe(false);
    expect(isNamed('public', key, row({ status: 'REJECTED' }))).toBe(false);
    expect(isNamed('public', key, row({ nsfw_band: 1 }))).toBe(false);
    expect(isNamed('public', key, row({ owner_type: 'VERIFICATION' }))).toBe(false);
    expect(isNamed('public', key, null)).toBe(false);
  });

  it('keeps private copies the row names, and everything while the worker may still name it', () => {
    expect(isNamed('originals', `variants/${id}/w640.webp`, row({}))).toBe(true);
    expect(isNamed('originals', `originals/${user}/${id}.jpg`, row({ status: 'REJECTED', variants: [] }))).toBe(true);
    expect(isNamed('originals', `variants/${id}/w640.webp`, row({ status: 'REJECTED', variants: [] }))).toBe(false);
    expect(
      isNamed('originals', `variants/${id}/w640.webp`, row({ status: 'PROCESSING', variants: [], original_key: null })),
    ).toBe(true);
    expect(isNamed('originals', `variants/${id}/w640.webp`, undefined)).toBe(false);
  });
});
