/**
 * The cancellation/refund kernel (NTB-BOOK-002), pure: a listing's policy is a list of time bands
 * relative to the booking's start (full / partial / no refund); given who cancels and when, it
 * returns the refund split in integer cents and a sentence a person can read. The same bands are
 * shown on the listing and at checkout (NTB-PROF-008), and they say until when a reschedule is free.
 */
import * as z from 'zod';

export const CANCELLATION_POLICIES = ['FLEXIBLE', 'MODERATE', 'STRICT'] as const;
export const cancellationPolicySchema = z.enum(CANCELLATION_POLICIES);
export type CancellationPolicy = z.infer<typeof cancellationPolicySchema>;

export interface RefundBand {
  /** The band applies while at least this many hours remain before the start. */
  readonly minHoursBefore: number;
  readonly refundPercent: number;
}

const HOUR = 3_600_000;

/** Bands from the earliest cancellation to the latest; anything later than the last band refunds 0. */
export const POLICY_BANDS: Readonly<Record<CancellationPolicy, readonly RefundBand[]>> = {
  FLEXIBLE: [
    { minHoursBefore: 24, refundPercent: 100 },
    { minHoursBefore: 0, refundPercent: 50 },
  ],
  MODERATE: [
    { minHoursBefore: 5 * 24, refundPercent: 100 },
    { minHoursBefore: 48, refundPercent: 50 },
  ],
  STRICT: [
    { minHoursBefore: 14 * 24, refundPercent: 100 },
    { minHoursBefore: 7 * 24, refundPercent: 50 },
  ],
};

export interface CancellationQuote {
  readonly policy: CancellationPolicy;
  readonly refundPercent: number;
  readonly refundCents: number;
  /** What the provider/host keeps: amount − refund (never negative, sums exactly). */
  readonly retainedCents: number;
  readonly explanation: string;
}

function hoursText(hours: number): string {
  return hours % 24 === 0 && hours > 48 ? `${hours / 24} days` : `${hours} hours`;
}

/** The policy in words, band by band (listing page and checkout). */
export function describePolicy(policy: CancellationPolicy): string[] {
  const bands = POLICY_BANDS[policy];
  const lines = bands.map((band, i) => {
    const until = i === 0 ? `at least ${hoursText(band.minHoursBefore)}` : undefined;
    const upper = bands[i - 1]?.minHoursBefore;
    const when =
      until ??
      (band.minHoursBefore === 0
        ? `less than ${hoursText(upper!)} before the start`
        : `between ${hoursText(band.minHoursBefore)} and ${hoursText(upper!)} before the start`);
    return `${band.refundPercent}% refund when cancelled ${i === 0 ? `${when} before the start` : when}.`;
  });
  const last = bands[bands.length - 1]!;
  lines.push(
    last.minHoursBefore === 0
      ? 'No refund once the booking has started.'
      : `No refund when cancelled less than ${hoursText(last.minHoursBefore)} before the start.`,
  );
  lines.push(`Rescheduling is free until ${hoursText(bands[0]!.minHoursBefore)} before the start.`);
  lines.push('If the provider or host cancels, the client gets a full refund.');
  return lines;
}

export function quoteCancellation(input: {
  readonly policy: CancellationPolicy;
  readonly amountCents: number;
  readonly startsAt: number;
  readonly now: number;
  readonly cancelledBy: 'client' | 'owner';
}): CancellationQuote {
  const amount = Math.max(0, Math.trunc(input.amountCents));
  const split = (percent: number, explanation: string): CancellationQuote => {
    const refundCents = Math.floor((amount * percent) / 100);
    return {
      policy: input.policy,
      refundPercent: percent,
      refundCents,
      retainedCents: amount - refundCents,
      explanation,
    };
  };
  if (input.cancelledBy === 'owner') return split(100, 'Cancelled by the provider or host: full refund.');
  const hoursBefore = (input.startsAt - input.now) / HOUR;
  const policyName = input.policy.toLowerCase();
  if (hoursBefore < 0) return split(0, `The booking has started: no refund under the ${policyName} policy.`);
  const band = POLICY_BANDS[input.policy].find((candidate) => hoursBefore >= candidate.minHoursBefore);
  if (!band) {
    const last = POLICY_BANDS[input.policy].at(-1)!;
    return split(
      0,
      `Cancelled less than ${hoursText(last.minHoursBefore)} before the start: no refund under the ${policyName} policy.`,
    );
  }
  return split(
    band.refundPercent,
    band.minHoursBefore === 0
      ? `Cancelled before the start: ${band.refundPercent}% refund under the ${policyName} policy.`
      : `Cancelled at least ${hoursText(band.minHoursBefore)} before the start: ${band.refundPercent}% refund under the ${policyName} policy.`,
  );
}

// ---- reschedule -----------------------------------------------------------------------------------

export interface RescheduleDecision {
  readonly allowed: boolean;
  readonly explanation: string;
}

/**
 * The reschedule rules (pure), the same bands as cancellation: the client may move a booking free of
 * charge while at least the policy's full-refund window remains before the current start (the line
 * `describePolicy` shows); later, only cancelling is possible (its refund band applies). An owner
 * may move a booking only while it is still a request, before they accepted it, so a client's
 * confirmed time never moves without the client. Nothing moves into the past or once started.
 */
export function decideReschedule(input: {
  readonly policy: CancellationPolicy;
  readonly startsAt: number;
  readonly newStartsAt: number;
  readonly now: number;
  readonly by: 'client' | 'owner';
  readonly status: 'REQUESTED' | 'HOLD' | 'CONFIRMED';
}): RescheduleDecision {
  const window = POLICY_BANDS[input.policy][0]!.minHoursBefore;
  const policyName = input.policy.toLowerCase();
  if (input.startsAt <= input.now)
    return { allowed: false, explanation: 'The booking has started: it cannot be moved.' };
  if (input.newStartsAt <= input.now)
    return { allowed: false, explanation: 'A booking cannot be moved into the past.' };
  if (input.newStartsAt === input.startsAt)
    return { allowed: false, explanation: 'The new time is the current time of the booking.' };
  if (input.by === 'owner') {
    return input.status === 'REQUESTED'
      ? { allowed: true, explanation: 'The request is moved to the new time; the client sees it on the booking.' }
      : {
          allowed: false,
          explanation: 'Once accepted, only the client can move a booking; ask them, or cancel with a full refund.',
        };
  }
  const hoursBefore = (input.startsAt - input.now) / HOUR;
  if (hoursBefore >= window)
    return {
      allowed: true,
      explanation: `Moved free of charge: at least ${hoursText(window)} before the start under the ${policyName} policy.`,
    };
  return {
    allowed: false,
    explanation: `Rescheduling is free only until ${hoursText(window)} before the start under the ${policyName} policy; it is now too late to move, cancelling is still possible.`,
  };
}
