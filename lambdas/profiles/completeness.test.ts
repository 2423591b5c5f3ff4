import { describe, expect, it } from 'vitest';
import {
  INSTANT_BOOK_THRESHOLD,
  PUBLISH_THRESHOLD,
  profileCompleteness,
  studioCompleteness,
  type ProfileFacts,
  type StudioFacts,
} from './completeness.ts';

const emptyProfile: ProfileFacts = {
  displayName: null,
  headline: null,
  bio: null,
  city: null,
  tags: [],
  languages: [],
  priceMinCents: null,
  priceMaxCents: null,
  packages: [],
  cancellationPolicy: null,
  reschedulePolicy: null,
  availability: null,
  safeMediaCount: 0,
  hasCover: false,
  verification: 'UNVERIFIED',
  published: false,
};
const fullProfile: ProfileFacts = {
  displayName: 'Ada',
  headline: 'Model',
  bio: 'x'.repeat(80),
  city: 'us-nyc',
  tags: ['a', 'b', 'c'],
  languages: ['English'],
  priceMinCents: 1,
  priceMaxCents: 2,
  packages: [{}],
  cancellationPolicy: 'c',
  reschedulePolicy: 'r',
  availability: { mon: ['09:00-17:00'] },
  safeMediaCount: 3,
  hasCover: true,
  verification: 'VERIFIED',
  published: true,
};

describe('profile completeness', () => {
  it('has weights summing to 100 and scores 0 for an empty draft, 100 for a full verified profile', () => {
    const empty = profileCompleteness(emptyProfile);
    expect(empty.items.reduce((sum, item) => sum + item.weight, 0)).toBe(100);
    expect(empty.score).toBe(0);
    expect(empty.canPublish).toBe(false);
    expect(profileCompleteness(fullProfile)).toMatchObject({
      score: 100,
      canPublish: true,
      instantBookEligible: true,
      instantBookBlockers: [],
    });
  });

  it('explains each missing item with what it would add', () => {
    const partial = profileCompleteness({ ...fullProfile, safeMediaCount: 1, bio: 'short' });
    const portfolio = partial.items.find((item) => item.key === 'portfolio')!;
    expect(portfolio).toMatchObject({
      weight: 20,
      earned: 6,
      done: false,
      hint: 'Upload at least 3 portfolio images (+14)',
    });
    expect(partial.items.find((item) => item.key === 'bio')!.hint).toBe('Write a bio of at least 80 characters (+10)');
    expect(partial.items.find((item) => item.key === 'headline')!.hint).toBeNull();
  });

  it('publishes at the threshold and gates Instant Book on the higher one plus verification and publication', () => {
    expect(PUBLISH_THRESHOLD).toBeLessThan(INSTANT_BOOK_THRESHOLD);
    const unverified = profileCompleteness({ ...fullProfile, verification: 'PENDING' });
    expect(unverified.score).toBe(95);
    expect(unverified.instantBookEligible).toBe(false);
    expect(unverified.instantBookBlockers).toEqual(['Identity is not verified']);
    const low = profileCompleteness({ ...fullProfile, packages: [], priceMinCents: null });
    expect(low.score).toBe(80);
    expect(low.canPublish).toBe(true);
    expect(low.instantBookBlockers).toEqual(['Completeness 80 is below 85']);
    expect(profileCompleteness({ ...fullProfile, published: false }).instantBookBlockers).toEqual(['Not published']);
  });
});

describe('studio completeness', () => {
  it('has weights summing to 100 and needs verification for Instant Book', () => {
    const full: StudioFacts = {
      name: 'Loft',
      description: 'd'.repeat(80),
      city: 'us-nyc',
      addressLine1: '1 Main St',
      postalCode: '10001',
      amenities: ['a', 'b', 'c'],
      hourlyMinCents: 1,
      hourlyMaxCents: 2,
      depositCents: 0,
      availability: { sat: ['10:00-18:00'] },
      safeMediaCount: 3,
      hasCover: true,
      verification: 'VERIFIED',
      published: true,
    };
    const result = studioCompleteness(full);
    expect(result.items.reduce((sum, item) => sum + item.weight, 0)).toBe(100);
    expect(result.score).toBe(100);
    expect(studioCompleteness({ ...full, verification: 'REJECTED' }).instantBookBlockers).toEqual([
      'Studio is not verified',
    ]);
    // A deposit of 0 is a decision, not a gap.
    expect(studioCompleteness({ ...full, depositCents: 0 }).items.find((item) => item.key === 'deposit')!.done).toBe(
      true,
    );
  });
});
