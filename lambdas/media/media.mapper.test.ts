import { describe, expect, it } from 'vitest';
import { ownerMediaStatus, toOwnerMediaView } from './media.mapper.ts';
import type { MediaRow } from './media.repository.ts';

const publicVariant = {
  name: 'large',
  key: 'media/med_1/large.0123456789abcdef.webp',
  width: 10,
  height: 10,
  format: 'webp',
};
const row = (overrides: Partial<MediaRow>): MediaRow => ({
  id: 'med_1',
  owner_user_id: 'usr_1',
  owner_type: 'PROFILE',
  owner_id: 'prf_1',
  status: 'READY',
  declared_content_type: 'image/jpeg',
  declared_size_bytes: 1,
  detected_content_type: 'image/jpeg',
  size_bytes: 1,
  incoming_key: 'incoming/x',
  original_key: 'originals/x',
  crop: null,
  alt_text: null,
  width: 10,
  height: 10,
  nsfw_band: 0,
  variants: [{ name: 'large', key: 'variants/med_1/large.webp', width: 10, height: 10, format: 'webp' }],
  public_variants: [],
  sort_order: 0,
  is_cover: false,
  upload_expires_at: new Date(),
  created_at: new Date(),
  ...overrides,
});

describe('owner media status: moderated (READY) vs published (PUBLISHED)', () => {
  it('an approved item whose public copies are not written yet is READY with no variants', () => {
    const view = toOwnerMediaView(row({}), 'https://cdn.test');
    expect(view).toMatchObject({ status: 'READY', variants: [] });
  });

  it('is PUBLISHED exactly when its public variants exist, and only then lists URLs', () => {
    const view = toOwnerMediaView(row({ public_variants: [publicVariant] }), 'https://cdn.test');
    expect(view.status).toBe('PUBLISHED');
    expect(view.variants.map((variant) => variant.url)).toEqual([`https://cdn.test/${publicVariant.key}`]);
  });

  it('never says PUBLISHED for an item that may not be public, whatever public_variants holds', () => {
    for (const overrides of [
      { status: 'FLAGGED', nsfw_band: 1 },
      { status: 'READY', nsfw_band: 1 },
      { status: 'REJECTED', nsfw_band: 0 },
      { status: 'DELETED', nsfw_band: 0 },
    ] as const) {
      const item = row({ ...overrides, public_variants: [publicVariant] });
      expect(ownerMediaStatus(item)).toBe(overrides.status);
      expect(toOwnerMediaView(item, 'https://cdn.test').variants).toEqual([]);
    }
  });
});
