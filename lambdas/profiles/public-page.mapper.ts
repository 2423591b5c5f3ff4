/**
 * Public projections (Safe-Mode): each field is named here, so a new column can never reach the
 * public; contact data and exact addresses are not even read into these types. JSON-LD follows
 * schema.org: Person for providers, LocalBusiness for studios, ImageObject for portfolio items.
 */
import type { PublicImageView } from '../media/index.ts';
import { isPublicLink } from './link-policy.ts';
import type { ProfileRow } from './profile.repository.ts';
import type { StudioRow } from './studio.repository.ts';

export interface CityInfo {
  name: string;
  countryCode: string;
}

const ROLE_LABELS: Record<string, string> = {
  MODEL: 'Model',
  PHOTOGRAPHER: 'Photographer',
  VIDEOGRAPHER: 'Videographer',
  CONTENT_CREATOR: 'Content creator',
};

/** $ … $$$$ by the upper end of the range, for quick scanning. */
export function priceBandLabel(maxCents: number | null): string {
  if (maxCents === null) return '';
  if (maxCents <= 10_000) return '$';
  if (maxCents <= 30_000) return '$$';
  if (maxCents <= 100_000) return '$$$';
  return '$$$$';
}

const money = (cents: number) => (cents / 100).toFixed(2);

function imageObject(image: PublicImageView, caption: string | null) {
  const best = image.variants.find((variant) => variant.name === 'large') ?? image.variants[image.variants.length - 1];
  const thumb = image.variants.find((variant) => variant.name === 'square');
  return {
    '@type': 'ImageObject',
    contentUrl: best?.url,
    ...(thumb ? { thumbnailUrl: thumb.url } : {}),
    ...(best ? { width: best.width, height: best.height } : {}),
    ...((image.alt ?? caption) ? { caption: image.alt ?? caption } : {}),
    encodingFormat: 'image/webp',
  };
}

export interface PublicProfileView {
  id: string;
  slug: string;
  role: string;
  roles: string[];
  displayName: string;
  headline: string | null;
  bio: string | null;
  city: string | null;
  cityName: string | null;
  avatar: PublicImageView | null;
  verified: boolean;
  priceBand: { minCents: number | null; maxCents: number | null; currency: string; label: string };
  tags: string[];
  languages: string[];
  links: { label: string; url: string }[];
  packages: { name: string; durationMinutes: number; priceCents: number; extras: string[] }[];
  cancellationPolicy: string | null;
  reschedulePolicy: string | null;
  instantBook: boolean;
  portfolio: PublicImageView[];
  seo: { canonicalUrl: string; title: string; description: string; jsonLd: Record<string, unknown> };
}

export function toPublicProfile(input: {
  row: ProfileRow;
  roles: string[];
  city: CityInfo | null;
  verified: boolean;
  portfolio: PublicImageView[];
  cover: PublicImageView | null;
  canonicalUrl: string;
}): PublicProfileView {
  const { row } = input;
  const displayName = row.display_name ?? 'RastUp creative';
  const roleLabel = ROLE_LABELS[row.role] ?? row.role;
  const description = row.headline ?? `${roleLabel}${input.city ? ` in ${input.city.name}` : ''}`;
  // The avatar is the cover, else the first portfolio image.
  const avatar = input.cover ?? input.portfolio[0] ?? null;
  // Checked again here, not only on save: links stored before the rule existed must not render.
  const links = row.links
    .filter((link) => isPublicLink(link.url))
    .map((link) => ({ label: link.label, url: link.url }));
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'Person',
    '@id': `${input.canonicalUrl}#person`,
    name: displayName,
    url: input.canonicalUrl,
    jobTitle: roleLabel,
    description,
    ...(input.city
      ? {
          address: {
            '@type': 'PostalAddress',
            addressLocality: input.city.name,
            addressCountry: input.city.countryCode,
          },
        }
      : {}),
    ...(row.languages.length ? { knowsLanguage: row.languages } : {}),
    ...(links.length ? { sameAs: links.map((link) => link.url) } : {}),
    ...(row.packages.length
      ? {
          makesOffer: row.packages.map((pkg) => ({
            '@type': 'Offer',
            name: pkg.name,
            price: money(pkg.priceCents),
            priceCurrency: row.currency,
          })),
        }
      : {}),
    ...(input.portfolio.length ? { image: input.portfolio.map((image) => imageObject(image, displayName)) } : {}),
  };
  return {
    id: row.id,
    slug: row.slug,
    role: row.role,
    roles: input.roles,
    displayName,
    headline: row.headline,
    bio: row.bio,
    city: row.city_code,
    cityName: input.city?.name ?? null,
    avatar,
    verified: input.verified,
    priceBand: {
      minCents: row.price_min_cents,
      maxCents: row.price_max_cents,
      currency: row.currency,
      label: priceBandLabel(row.price_max_cents),
    },
    tags: row.tags,
    languages: row.languages,
    links,
    packages: row.packages,
    cancellationPolicy: row.cancellation_policy,
    reschedulePolicy: row.reschedule_policy,
    instantBook: row.instant_book,
    portfolio: input.portfolio,
    seo: { canonicalUrl: input.canonicalUrl, title: `${displayName} · ${roleLabel} on RastUp`, description, jsonLd },
  };
}

export interface PublicStudioView {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  city: string | null;
  cityName: string | null;
  amenities: string[];
  hourlyMinCents: number | null;
  hourlyMaxCents: number | null;
  depositCents: number | null;
  currency: string;
  verified: boolean;
  instantBook: boolean;
  photos: PublicImageView[];
  seo: { canonicalUrl: string; title: string; description: string; jsonLd: Record<string, unknown> };
}

/** City-level location only: street, postal code and contact details are never read here. */
export function toPublicStudio(input: {
  row: StudioRow;
  city: CityInfo | null;
  verified: boolean;
  photos: PublicImageView[];
  canonicalUrl: string;
}): PublicStudioView {
  const { row } = input;
  const name = row.name ?? 'Studio';
  const description = row.description ?? `Studio${input.city ? ` in ${input.city.name}` : ''}`;
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'LocalBusiness',
    '@id': `${input.canonicalUrl}#studio`,
    name,
    url: input.canonicalUrl,
    description,
    ...(input.city
      ? {
          address: {
            '@type': 'PostalAddress',
            addressLocality: input.city.name,
            addressCountry: input.city.countryCode,
          },
        }
      : {}),
    ...(row.hourly_max_cents !== null ? { priceRange: priceBandLabel(row.hourly_max_cents) } : {}),
    ...(row.amenities.length
      ? {
          amenityFeature: row.amenities.map((amenity) => ({
            '@type': 'LocationFeatureSpecification',
            name: amenity,
            value: true,
          })),
        }
      : {}),
    ...(input.photos.length ? { image: input.photos.map((image) => imageObject(image, name)) } : {}),
  };
  return {
    id: row.id,
    slug: row.slug,
    name,
    description: row.description,
    city: row.city_code,
    cityName: input.city?.name ?? null,
    amenities: row.amenities,
    hourlyMinCents: row.hourly_min_cents,
    hourlyMaxCents: row.hourly_max_cents,
    depositCents: row.deposit_cents,
    currency: row.currency,
    verified: input.verified,
    instantBook: row.instant_book,
    photos: input.photos,
    seo: { canonicalUrl: input.canonicalUrl, title: `${name} · Studio on RastUp`, description, jsonLd },
  };
}
