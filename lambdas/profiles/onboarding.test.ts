import { describe, expect, it } from 'vitest';
import type { ProfileFacts } from './completeness.ts';
import { PROFILE_STEPS, isUnlocked, onboardingView, profileStepMissing } from './onboarding.ts';

const facts: ProfileFacts = {
  displayName: 'Ada',
  headline: 'Model',
  bio: 'x'.repeat(50),
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
      'bio (40+ characters)',
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
