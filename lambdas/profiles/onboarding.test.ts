import { describe, expect, it } from 'vitest';
import type { ProfileFacts, StudioFacts } from './completeness.ts';
import { MIN_TEXT_CHARS, profileCompleteness } from './completeness.ts';
import {
  PROFILE_PUBLISH_STEPS,
  PROFILE_STEPS,
  STUDIO_PUBLISH_STEPS,
  isUnlocked,
  onboardingView,
  profileStepMissing,
  publishBlockers,
  studioStepMissing,
} from './onboarding.ts';

const facts: ProfileFacts = {
  displayName: 'Ada',
  headline: 'Model',
  bio: 'x'.repeat(80),
  city: 'us-nyc',
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

describe('onboarding wizard', () => {
  it('resumes at the first incomplete step and locks everything after it', () => {
    const view = onboardingView(PROFILE_STEPS, ['BASICS'], (step) => profileStepMissing(step, facts));
    expect(view.currentStep).toBe('PORTFOLIO');
    expect(view.steps.map((step) => step.state)).toEqual(['COMPLETE', 'AVAILABLE', 'LOCKED', 'LOCKED', 'LOCKED']);
    expect(view.steps[1]!.missing).toEqual(['at least one moderated portfolio image']);
    expect(view.finished).toBe(false);
  });

  it('does not let a later completion skip an open step', () => {
    const view = onboardingView(PROFILE_STEPS, ['BASICS', 'PACKAGES'], (step) => profileStepMissing(step, facts));
    expect(view.steps.map((step) => step.state)).toEqual(['COMPLETE', 'AVAILABLE', 'LOCKED', 'LOCKED', 'LOCKED']);
    expect(isUnlocked(PROFILE_STEPS, ['BASICS'], 'PORTFOLIO')).toBe(true);
    expect(isUnlocked(PROFILE_STEPS, ['BASICS'], 'PACKAGES')).toBe(false);
    expect(isUnlocked(PROFILE_STEPS, [], 'LOCATION')).toBe(false);
  });

  it('names what each step still needs', () => {
    expect(profileStepMissing('BASICS', { ...facts, bio: 'short', city: null })).toEqual([
      'bio (80+ characters)',
      'city',
    ]);
    expect(profileStepMissing('PACKAGES', facts)).toEqual(['at least one package', 'price range']);
    expect(profileStepMissing('VERIFICATION', { ...facts, verification: 'PENDING' })).toEqual([]);
    expect(profileStepMissing('VERIFICATION', { ...facts, verification: 'REJECTED' })).toEqual([
      'identity verification request',
    ]);
  });

  it('is finished when every step is complete', () => {
    const done = {
      ...facts,
      safeMediaCount: 1,
      packages: [{}],
      priceMinCents: 1,
      priceMaxCents: 2,
      availability: { mon: ['09:00-10:00'] },
      verification: 'VERIFIED' as const,
    };
    expect(onboardingView(PROFILE_STEPS, [...PROFILE_STEPS], (step) => profileStepMissing(step, done))).toMatchObject({
      currentStep: null,
      finished: true,
    });
  });
});

describe('one rule for bio and description length', () => {
  it('the wizard step and the completeness score agree at MIN_TEXT_CHARS', () => {
    const short = { ...facts, bio: 'x'.repeat(MIN_TEXT_CHARS - 1) };
    const long = { ...facts, bio: 'x'.repeat(MIN_TEXT_CHARS) };
    const bioItem = (input: ProfileFacts) => profileCompleteness(input).items.find((item) => item.key === 'bio')!;
    expect(profileStepMissing('BASICS', short)).toEqual([`bio (${MIN_TEXT_CHARS}+ characters)`]);
    expect(bioItem(short).done).toBe(false);
    expect(bioItem(short).hint).toContain(`at least ${MIN_TEXT_CHARS} characters`);
    expect(profileStepMissing('BASICS', long)).toEqual([]);
    expect(bioItem(long).done).toBe(true);
  });
});

const studio: StudioFacts = {
  name: 'Loft',
  description: 'd'.repeat(MIN_TEXT_CHARS),
  city: 'us-nyc',
  addressLine1: '1 Example Street',
  postalCode: '10001',
  amenities: ['wifi', 'daylight', 'cyclorama'],
  hourlyMinCents: 5000,
  hourlyMaxCents: 9000,
  depositCents: 0,
  availability: { mon: ['08:00-20:00'] },
  safeMediaCount: 1,
  hasCover: true,
  verification: 'UNVERIFIED',
  published: false,
};

describe('publish blockers', () => {
  it('a studio at LOCATION with no photo is blocked on PHOTOS and PRICING, naming what is missing', () => {
    const atLocation = { ...studio, safeMediaCount: 0, hasCover: false, hourlyMinCents: null, depositCents: null };
    expect(publishBlockers(STUDIO_PUBLISH_STEPS, 'PHOTOS', studioStepMissing, atLocation)).toEqual({
      missingSteps: ['PHOTOS', 'PRICING'],
      missing: [
        { step: 'PHOTOS', items: ['at least one moderated photo'] },
        { step: 'PRICING', items: ['hourly price range', 'deposit'] },
      ],
    });
  });

  it('a complete studio is not blocked; verification is not required to publish', () => {
    expect(publishBlockers(STUDIO_PUBLISH_STEPS, 'PHOTOS', studioStepMissing, studio)).toEqual({
      missingSteps: [],
      missing: [],
    });
  });

  it('no approved image blocks a profile even if the image step were dropped from the list', () => {
    const ready = {
      ...facts,
      packages: [{}],
      priceMinCents: 1,
      priceMaxCents: 2,
      availability: { mon: ['09:00-10:00'] },
    };
    expect(publishBlockers(PROFILE_PUBLISH_STEPS, 'PORTFOLIO', profileStepMissing, ready).missingSteps).toEqual([
      'PORTFOLIO',
    ]);
    expect(publishBlockers(['BASICS'], 'PORTFOLIO', profileStepMissing, ready).missingSteps).toEqual(['PORTFOLIO']);
    expect(
      publishBlockers(PROFILE_PUBLISH_STEPS, 'PORTFOLIO', profileStepMissing, { ...ready, safeMediaCount: 1 }),
    ).toEqual({ missingSteps: [], missing: [] });
  });
});
