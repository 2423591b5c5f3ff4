/**
 * Profile and studio completeness (NTB-PROF-005): documented weights summing to 100, a score,
 * and an explanation per item (what is missing, what it would add).
 *
 * Service profile weights                     Studio weights
 *   display name ............ 5                 name ..................... 5
 *   headline ............... 10                 description (≥ 80 chars) 10
 *   bio (≥ 80 chars) ....... 10                 city .................... 10
 *   (80 = MIN_TEXT_CHARS, the same rule the wizard's BASICS step applies)
 *   city .................... 5                 exact address (private)  10
 *   tags (3+, partial) ...... 5                 amenities (3+, partial)  10
 *   languages ............... 5                 hourly price range ..... 15
 *   price range ............ 10                 deposit policy ........... 5
 *   portfolio (3+ SFW) ..... 20 (partial)       photos (3+ SFW) ........ 20 (partial)
 *   cover image ............. 5                 cover photo .............. 5
 *   packages (1+) .......... 10                 availability ............. 5
 *   cancellation+reschedule . 5                 studio verified .......... 5
 *   availability ............ 5
 *   identity verified ....... 5
 *
 * Publishing needs PUBLISH_THRESHOLD; Instant Book needs INSTANT_BOOK_THRESHOLD *and* a verified
 * identity (profiles) or a verified studio (studios), and a published listing.
 */
export const PUBLISH_THRESHOLD = 60;
/** Bio (profiles) and description (studios): one minimum for the wizard step and the completeness score. */
export const MIN_TEXT_CHARS = 80;
export const INSTANT_BOOK_THRESHOLD = 85;

export type VerificationStatus = 'UNVERIFIED' | 'PENDING' | 'VERIFIED' | 'REJECTED';

export interface CompletenessItem {
  key: string;
  label: string;
  weight: number;
  earned: number;
  done: boolean;
  hint: string | null;
}

export interface Completeness {
  score: number;
  publishThreshold: number;
  instantBookThreshold: number;
  canPublish: boolean;
  instantBookEligible: boolean;
  instantBookBlockers: string[];
  items: CompletenessItem[];
}

interface Rule {
  key: string;
  label: string;
  weight: number;
  /** 0..1 of the weight earned. */
  progress: number;
  hint: string;
}

const filled = (value: string | null | undefined, min = 1) => (value?.trim().length ?? 0) >= min;

function summarise(
  rules: Rule[],
  verification: VerificationStatus,
  published: boolean,
  verifiedLabel: string,
): Completeness {
  const items = rules.map((rule) => {
    const earned = Math.floor(rule.weight * Math.max(0, Math.min(1, rule.progress)));
    const done = earned === rule.weight;
    return {
      key: rule.key,
      label: rule.label,
      weight: rule.weight,
      earned,
      done,
      hint: done ? null : `${rule.hint} (+${rule.weight - earned})`,
    };
  });
  const score = items.reduce((sum, item) => sum + item.earned, 0);
  const blockers: string[] = [];
  if (score < INSTANT_BOOK_THRESHOLD) blockers.push(`Completeness ${score} is below ${INSTANT_BOOK_THRESHOLD}`);
  if (verification !== 'VERIFIED') blockers.push(`${verifiedLabel} is not verified`);
  if (!published) blockers.push('Not published');
  return {
    score,
    publishThreshold: PUBLISH_THRESHOLD,
    instantBookThreshold: INSTANT_BOOK_THRESHOLD,
    canPublish: score >= PUBLISH_THRESHOLD,
    instantBookEligible: blockers.length === 0,
    instantBookBlockers: blockers,
    items,
  };
}

export interface ProfileFacts {
  displayName: string | null;
  headline: string | null;
  bio: string | null;
  city: string | null;
  tags: readonly string[];
  languages: readonly string[];
  priceMinCents: number | null;
  priceMaxCents: number | null;
  packages: readonly unknown[];
  cancellationPolicy: string | null;
  reschedulePolicy: string | null;
  availability: Record<string, unknown> | null;
  safeMediaCount: number;
  hasCover: boolean;
  verification: VerificationStatus;
  published: boolean;
}

export function hasAvailability(availability: Record<string, unknown> | null): boolean {
  return availability !== null && Object.values(availability).some((slots) => Array.isArray(slots) && slots.length > 0);
}

export function profileCompleteness(facts: ProfileFacts): Completeness {
  return summarise(
    [
      {
        key: 'displayName',
        label: 'Display name',
        weight: 5,
        progress: filled(facts.displayName) ? 1 : 0,
        hint: 'Add the name clients will see',
      },
      {
        key: 'headline',
        label: 'Headline',
        weight: 10,
        progress: filled(facts.headline) ? 1 : 0,
        hint: 'Add a one-line headline',
      },
      {
        key: 'bio',
        label: 'Bio',
        weight: 10,
        progress: filled(facts.bio, MIN_TEXT_CHARS) ? 1 : 0,
        hint: `Write a bio of at least ${MIN_TEXT_CHARS} characters`,
      },
      { key: 'city', label: 'City', weight: 5, progress: facts.city ? 1 : 0, hint: 'Choose your city' },
      { key: 'tags', label: 'Tags', weight: 5, progress: facts.tags.length / 3, hint: 'Add at least 3 tags' },
      {
        key: 'languages',
        label: 'Languages',
        weight: 5,
        progress: facts.languages.length > 0 ? 1 : 0,
        hint: 'Add the languages you work in',
      },
      {
        key: 'price',
        label: 'Price range',
        weight: 10,
        progress: facts.priceMinCents !== null && facts.priceMaxCents !== null ? 1 : 0,
        hint: 'Set a minimum and maximum price',
      },
      {
        key: 'portfolio',
        label: 'Portfolio',
        weight: 20,
        progress: facts.safeMediaCount / 3,
        hint: 'Upload at least 3 portfolio images',
      },
      { key: 'cover', label: 'Cover image', weight: 5, progress: facts.hasCover ? 1 : 0, hint: 'Choose a cover image' },
      {
        key: 'packages',
        label: 'Packages',
        weight: 10,
        progress: facts.packages.length > 0 ? 1 : 0,
        hint: 'Offer at least one package',
      },
      {
        key: 'policies',
        label: 'Policies',
        weight: 5,
        progress: (filled(facts.cancellationPolicy) ? 0.5 : 0) + (filled(facts.reschedulePolicy) ? 0.5 : 0),
        hint: 'Describe your cancellation and reschedule policies',
      },
      {
        key: 'availability',
        label: 'Availability',
        weight: 5,
        progress: hasAvailability(facts.availability) ? 1 : 0,
        hint: 'Set your weekly availability',
      },
      {
        key: 'verification',
        label: 'Identity verified',
        weight: 5,
        progress: facts.verification === 'VERIFIED' ? 1 : 0,
        hint: 'Verify your identity',
      },
    ],
    facts.verification,
    facts.published,
    'Identity',
  );
}

export interface StudioFacts {
  name: string | null;
  description: string | null;
  city: string | null;
  addressLine1: string | null;
  postalCode: string | null;
  amenities: readonly string[];
  hourlyMinCents: number | null;
  hourlyMaxCents: number | null;
  depositCents: number | null;
  availability: Record<string, unknown> | null;
  safeMediaCount: number;
  hasCover: boolean;
  verification: VerificationStatus;
  published: boolean;
}

export function studioCompleteness(facts: StudioFacts): Completeness {
  return summarise(
    [
      { key: 'name', label: 'Studio name', weight: 5, progress: filled(facts.name) ? 1 : 0, hint: 'Name your studio' },
      {
        key: 'description',
        label: 'Description',
        weight: 10,
        progress: filled(facts.description, MIN_TEXT_CHARS) ? 1 : 0,
        hint: `Describe the space in at least ${MIN_TEXT_CHARS} characters`,
      },
      { key: 'city', label: 'City', weight: 10, progress: facts.city ? 1 : 0, hint: 'Choose the city' },
      {
        key: 'address',
        label: 'Address',
        weight: 10,
        progress: filled(facts.addressLine1) && filled(facts.postalCode) ? 1 : 0,
        hint: 'Add the exact address (shown only to confirmed bookings)',
      },
      {
        key: 'amenities',
        label: 'Amenities',
        weight: 10,
        progress: facts.amenities.length / 3,
        hint: 'List at least 3 amenities',
      },
      {
        key: 'hourly',
        label: 'Hourly price',
        weight: 15,
        progress: facts.hourlyMinCents !== null && facts.hourlyMaxCents !== null ? 1 : 0,
        hint: 'Set the hourly price range',
      },
      {
        key: 'deposit',
        label: 'Deposit',
        weight: 5,
        progress: facts.depositCents !== null ? 1 : 0,
        hint: 'Set a deposit (0 for none)',
      },
      {
        key: 'photos',
        label: 'Photos',
        weight: 20,
        progress: facts.safeMediaCount / 3,
        hint: 'Upload at least 3 photos',
      },
      { key: 'cover', label: 'Cover photo', weight: 5, progress: facts.hasCover ? 1 : 0, hint: 'Choose a cover photo' },
      {
        key: 'availability',
        label: 'Availability',
        weight: 5,
        progress: hasAvailability(facts.availability) ? 1 : 0,
        hint: 'Set opening hours',
      },
      {
        key: 'verification',
        label: 'Studio verified',
        weight: 5,
        progress: facts.verification === 'VERIFIED' ? 1 : 0,
        hint: 'Verify the studio',
      },
    ],
    facts.verification,
    facts.published,
    'Studio',
  );
}
