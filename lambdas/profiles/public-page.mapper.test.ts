import { describe, expect, it } from 'vitest';
import { toPublicImage, type MediaRow } from '../media/index.ts';
import type { ProfileRow } from './profile.repository.ts';
import { toPublicProfile, toPublicStudio } from './public-page.mapper.ts';
import { maskContacts, safeModeDeep } from './safe-mode.ts';
import type { StudioRow } from './studio.repository.ts';

const profile: ProfileRow = {
  id: 'prf_1',
  owner_user_id: 'usr_1',
  role: 'MODEL',
  slug: 'ada-1',
  status: 'PUBLISHED',
  owner_status: 'ACTIVE',
  display_name: 'Ada',
  headline: 'Call +1 212 555 0199',
  bio: 'Mail ada@example.com',
  tags: ['editorial'],
  city_code: 'us-nyc',
  price_min_cents: 100,
  price_max_cents: 20000,
  currency: 'USD',
  languages: ['English'],
  links: [{ label: 'Site', url: 'https://example.com' }],
  packages: [{ name: 'Hour', durationMinutes: 60, priceCents: 10000, extras: [] }],
  cancellation_policy: null,
  reschedule_policy: null,
  availability: null,
  contact_email: 'secret@example.com',
  contact_phone: '+12125550100',
  instant_book: false,
  completed_steps: [],
  version: 3,
  published_at: new Date(),
  updated_at: new Date(),
};
const studio: StudioRow = {
  id: 'std_1',
  owner_user_id: 'usr_1',
  slug: 'loft',
  status: 'PUBLISHED',
  owner_status: 'ACTIVE',
  name: 'Loft',
  description: 'Big',
  city_code: 'us-nyc',
  address_line1: '1 Secret St',
  address_line2: null,
  postal_code: '10001',
  contact_email: 'host@example.com',
  contact_phone: '+12125550101',
  amenities: ['wifi'],
  hourly_min_cents: 5000,
  hourly_max_cents: 9000,
  deposit_cents: 0,
  currency: 'USD',
  availability: null,
  instant_book: false,
  completed_steps: [],
  version: 1,
  published_at: new Date(),
  updated_at: new Date(),
};
const media = (overrides: Partial<MediaRow>): MediaRow => ({
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
  public_variants: [
    { name: 'large', key: 'media/med_1/large.0123456789abcdef.webp', width: 10, height: 10, format: 'webp' },
  ],
  sort_order: 0,
  is_cover: false,
  upload_expires_at: new Date(),
  created_at: new Date(),
  ...overrides,
});

describe('public projections', () => {
  it('never carry contact details, even typed into free text', () => {
    const view = safeModeDeep(
      toPublicProfile({
        row: profile,
        roles: ['MODEL'],
        city: { name: 'New York', countryCode: 'US' },
        verified: true,
        portfolio: [],
        cover: null,
        canonicalUrl: 'https://rastup.com/p/ada-1',
      }),
    );
    const text = JSON.stringify(view);
    for (const secret of ['secret@example.com', '+12125550100', 'ada@example.com', '212 555 0199'])
      expect(text).not.toContain(secret);
    expect(view.headline).toBe('Call [hidden]');
    expect(view.links[0]!.url).toBe('https://example.com');
    expect(view.packages[0]!.priceCents).toBe(10000);
  });

  it('shows a studio at city level only, in LocalBusiness JSON-LD', () => {
    const view = safeModeDeep(
      toPublicStudio({
        row: studio,
        city: { name: 'New York', countryCode: 'US' },
        verified: false,
        photos: [],
        canonicalUrl: 'https://rastup.com/studios/loft',
      }),
    );
    const text = JSON.stringify(view);
    for (const secret of ['1 Secret St', '10001', 'host@example.com', '2125550101']) expect(text).not.toContain(secret);
    expect(view.seo.jsonLd).toMatchObject({
      '@type': 'LocalBusiness',
      address: { '@type': 'PostalAddress', addressLocality: 'New York' },
      priceRange: '$',
    });
  });

  it('builds Person JSON-LD with ImageObject portfolio items and offers', () => {
    const image = toPublicImage(media({}), 'https://cdn.example.com');
    const view = toPublicProfile({
      row: profile,
      roles: ['MODEL'],
      city: null,
      verified: false,
      portfolio: [image],
      cover: null,
      canonicalUrl: 'https://rastup.com/p/ada-1',
    });
    expect(view.avatar?.id).toBe('med_1');
    expect(view.seo.jsonLd).toMatchObject({
      '@type': 'Person',
      url: 'https://rastup.com/p/ada-1',
      image: [
        { '@type': 'ImageObject', contentUrl: 'https://cdn.example.com/media/med_1/large.0123456789abcdef.webp' },
      ],
      makesOffer: [{ '@type': 'Offer', price: '100.00', priceCurrency: 'USD' }],
    });
  });

  it('refuses to project flagged or unfinished media publicly', () => {
    expect(() => toPublicImage(media({ nsfw_band: 1 }), 'https://cdn')).toThrow();
    expect(() => toPublicImage(media({ status: 'FLAGGED', nsfw_band: 2 }), 'https://cdn')).toThrow();
    expect(() => toPublicImage(media({ status: 'PROCESSING', nsfw_band: null }), 'https://cdn')).toThrow();
    // Approved but not yet copied to the public bucket (or withdrawn): no public URL either.
    expect(() => toPublicImage(media({ public_variants: [] }), 'https://cdn')).toThrow();
    expect(() => toPublicImage(media({ status: 'DELETED' }), 'https://cdn')).toThrow();
  });

  it('drops links that carry contact details from the page and from JSON-LD sameAs', () => {
    const links = [
      { label: 'Site', url: 'https://example.com/portfolio' },
      { label: 'Mail', url: 'https://pat.private@gmail.com/' },
      { label: 'Chat', url: 'https://wa.me/15551234567' },
      { label: 'Old', url: 'http://example.org/' },
    ];
    const view = safeModeDeep(
      toPublicProfile({
        row: { ...profile, links },
        roles: ['MODEL'],
        city: null,
        verified: false,
        portfolio: [],
        cover: null,
        canonicalUrl: 'https://rastup.com/p/ada-1',
      }),
    );
    expect(view.links).toEqual([{ label: 'Site', url: 'https://example.com/portfolio' }]);
    expect(view.seo.jsonLd.sameAs).toEqual(['https://example.com/portfolio']);
    const text = JSON.stringify(view);
    for (const secret of ['pat.private', 'wa.me', '15551234567', 'example.org']) expect(text).not.toContain(secret);
  });

  it('masks emails and phone numbers but not prices or years', () => {
    expect(maskContacts('Book me: a.b@c.io or (212) 555-0199, from $150.00 since 2019')).toBe(
      'Book me: [hidden] or ([hidden], from $150.00 since 2019',
    );
  });
});
