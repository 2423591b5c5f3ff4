/**
 * Onboarding wizards with step gating (WBS-004). A step can be completed only when every earlier
 * step is complete and its own requirements hold; a draft save that names a LOCKED step is refused,
 * so the wizard cannot be skipped through by the API. Resume = the first step not yet complete.
 */
import type { ProfileFacts, StudioFacts } from './completeness.ts';
import { hasAvailability, MIN_TEXT_CHARS } from './completeness.ts';

export const PROFILE_STEPS = ['BASICS', 'PORTFOLIO', 'PACKAGES', 'AVAILABILITY', 'VERIFICATION'] as const;
export const STUDIO_STEPS = ['BASICS', 'LOCATION', 'PHOTOS', 'PRICING', 'VERIFICATION'] as const;
export type OnboardingStep = (typeof PROFILE_STEPS)[number] | (typeof STUDIO_STEPS)[number];

/**
 * The steps a listing must have satisfied to publish: everything but VERIFICATION (a verified
 * identity or studio gates Instant Book, not being listed). Each includes the image step, so no
 * listing goes public without at least one approved image.
 */
export const PROFILE_PUBLISH_STEPS = ['BASICS', 'PORTFOLIO', 'PACKAGES', 'AVAILABILITY'] as const;
export const STUDIO_PUBLISH_STEPS = ['BASICS', 'LOCATION', 'PHOTOS', 'PRICING'] as const;

export interface StepState {
  step: OnboardingStep;
  state: 'LOCKED' | 'AVAILABLE' | 'COMPLETE';
  missing: string[];
}

export interface OnboardingView {
  steps: StepState[];
  currentStep: OnboardingStep | null;
  finished: boolean;
}

const need = (condition: boolean, message: string): string[] => (condition ? [] : [message]);
const verificationStarted = (status: ProfileFacts['verification']) => status === 'PENDING' || status === 'VERIFIED';

export function profileStepMissing(step: OnboardingStep, facts: ProfileFacts): string[] {
  switch (step) {
    case 'BASICS':
      return [
        ...need(Boolean(facts.displayName?.trim()), 'displayName'),
        ...need(Boolean(facts.headline?.trim()), 'headline'),
        ...need((facts.bio?.trim().length ?? 0) >= MIN_TEXT_CHARS, `bio (${MIN_TEXT_CHARS}+ characters)`),
        ...need(Boolean(facts.city), 'city'),
      ];
    case 'PORTFOLIO':
      return need(facts.safeMediaCount >= 1, 'at least one moderated portfolio image');
    case 'PACKAGES':
      return [
        ...need(facts.packages.length >= 1, 'at least one package'),
        ...need(facts.priceMinCents !== null && facts.priceMaxCents !== null, 'price range'),
      ];
    case 'AVAILABILITY':
      return need(hasAvailability(facts.availability), 'weekly availability');
    case 'VERIFICATION':
      return need(verificationStarted(facts.verification), 'identity verification request');
    default:
      return ['not a provider step'];
  }
}

export function studioStepMissing(step: OnboardingStep, facts: StudioFacts): string[] {
  switch (step) {
    case 'BASICS':
      return [
        ...need(Boolean(facts.name?.trim()), 'name'),
        ...need(
          (facts.description?.trim().length ?? 0) >= MIN_TEXT_CHARS,
          `description (${MIN_TEXT_CHARS}+ characters)`,
        ),
      ];
    case 'LOCATION':
      return [
        ...need(Boolean(facts.city), 'city'),
        ...need(Boolean(facts.addressLine1?.trim()), 'addressLine1'),
        ...need(Boolean(facts.postalCode?.trim()), 'postalCode'),
      ];
    case 'PHOTOS':
      return need(facts.safeMediaCount >= 1, 'at least one moderated photo');
    case 'PRICING':
      return [
        ...need(facts.hourlyMinCents !== null && facts.hourlyMaxCents !== null, 'hourly price range'),
        ...need(facts.depositCents !== null, 'deposit'),
      ];
    case 'VERIFICATION':
      return need(verificationStarted(facts.verification), 'studio verification request');
    default:
      return ['not a studio step'];
  }
}

export function onboardingView(
  steps: readonly OnboardingStep[],
  completed: readonly string[],
  missing: (step: OnboardingStep) => string[],
): OnboardingView {
  let open = true; // every earlier step complete so far
  const states = steps.map((step): StepState => {
    const done = completed.includes(step);
    const state: StepState = {
      step,
      state: done && open ? 'COMPLETE' : open ? 'AVAILABLE' : 'LOCKED',
      missing: done ? [] : missing(step),
    };
    if (!(done && open)) open = false;
    return state;
  });
  const current = states.find((state) => state.state !== 'COMPLETE')?.step ?? null;
  return { steps: states, currentStep: current, finished: current === null };
}

/** Whether `step` may be edited or completed now: every step before it is complete. */
export function isUnlocked(
  steps: readonly OnboardingStep[],
  completed: readonly string[],
  step: OnboardingStep,
): boolean {
  const index = steps.indexOf(step);
  if (index < 0) return false;
  return steps.slice(0, index).every((earlier) => completed.includes(earlier));
}

export interface PublishBlockers {
  /** Required steps whose requirements do not hold, in wizard order. */
  missingSteps: OnboardingStep[];
  /** What each of them still needs (the same texts the wizard shows). */
  missing: { step: OnboardingStep; items: string[] }[];
}

/**
 * Why a listing may not publish yet: its required wizard steps, judged on what the listing holds
 * now (a step recorded complete whose requirement no longer holds counts as missing). The
 * approved-image rule is one of them (PORTFOLIO / PHOTOS) and is also checked on its own, so
 * changing the step list can never let a listing without an image through.
 */
export function publishBlockers<Facts extends { safeMediaCount: number }>(
  required: readonly OnboardingStep[],
  imageStep: OnboardingStep,
  missing: (step: OnboardingStep, facts: Facts) => string[],
  facts: Facts,
): PublishBlockers {
  const result: PublishBlockers = { missingSteps: [], missing: [] };
  const steps = required.includes(imageStep) ? required : [...required, imageStep];
  for (const step of steps) {
    const items = missing(step, facts);
    if (step === imageStep && facts.safeMediaCount < 1 && items.length === 0) items.push('at least one approved image');
    if (items.length === 0) continue;
    result.missingSteps.push(step);
    result.missing.push({ step, items });
  }
  return result;
}
