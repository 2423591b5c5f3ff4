/**
 * The evidence pack a chargeback answers with (NTB-PAY-003), assembled from what the platform
 * recorded: the legs and amounts, the cancellation policy the cardholder accepted at checkout
 * confirmation, the order timeline, and an excerpt of the booking's message thread (contact details
 * already hidden by messaging). Pure: the sources are read by the service; the result is Stripe's
 * text evidence fields, exactly what finance reviews and what is submitted.
 */
import type { DisputeEvidenceBooking } from '../booking/index.ts';
import type { BookingThreadExcerpt } from '../messaging/index.ts';
import { DISPUTE_EVIDENCE_MAX_TOTAL_CHARS, type DisputeEvidence } from '../core/payment-provider.ts';

export interface PolicyAcceptance {
  /** When confirmCheckout recorded the authorisation request with the quote (the client's acceptance). */
  readonly acceptedAt: Date;
  readonly quoteId: string | null;
  /** Per leg, the policy the signed quote showed (null for quotes recorded before it was kept). */
  readonly legPolicies: readonly { readonly listingId: string; readonly policy: string | null }[];
}

export interface PackSources {
  readonly dispute: { readonly amountCents: number; readonly currency: string; readonly reason: string };
  readonly booking: DisputeEvidenceBooking;
  readonly policyLines: readonly string[];
  readonly acceptance: PolicyAcceptance | null;
  /** null when the thread could not be read (the pack says so; finance may add it by hand). */
  readonly thread: BookingThreadExcerpt | null;
}

export function money(cents: number, currency: string): string {
  const code = currency.toUpperCase();
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(cents / 10 ** digits);
}

const iso = (date: Date) => date.toISOString().replace('.000Z', 'Z');

const BY = { CLIENT: 'cardholder (client)', OWNER: 'provider/host', SYSTEM: 'platform' } as const;
const AUTHOR = { buyer: 'Cardholder (client)', seller: 'Provider/host', system: 'Platform' } as const;

export function assembleEvidence(sources: PackSources): DisputeEvidence {
  const { booking, dispute, acceptance, thread } = sources;
  const legs = booking.legs.map(
    (leg) =>
      `- ${leg.resourceType === 'STUDIO' ? 'Studio booking' : 'Creative service'} (listing ${leg.listingId}): ` +
      `${iso(leg.startsAt)} to ${iso(leg.endsAt)}, ${money(leg.amountCents, booking.currency)}` +
      (leg.active ? '' : ' (cancelled)'),
  );
  const productDescription = [
    `RastUp marketplace booking ${booking.groupId}: ${booking.legs.length} booked service(s), status ${booking.status}.`,
    ...legs,
    `Booking total: ${money(booking.amountCents, booking.currency)}. Disputed amount: ${money(dispute.amountCents, dispute.currency)}.`,
  ].join('\n');

  const policyName = booking.cancellationPolicy;
  const accepted = acceptance
    ? `The cardholder accepted the ${policyName} cancellation policy at checkout confirmation on ` +
      `${iso(acceptance.acceptedAt)}${acceptance.quoteId ? ` (signed quote ${acceptance.quoteId})` : ''}; ` +
      `the policy was shown with the quote they confirmed.` +
      (acceptance.legPolicies.some((leg) => leg.policy)
        ? ` Per service: ${acceptance.legPolicies.map((leg) => `${leg.listingId} ${leg.policy ?? policyName}`).join('; ')}.`
        : '')
    : `The booking carries the ${policyName} cancellation policy, shown when it was requested on ${iso(booking.requestedAt)}.`;
  const policyText = [accepted, 'Policy terms:', ...sources.policyLines.map((line) => `- ${line}`)].join('\n');

  const timeline = [
    'Order timeline (UTC):',
    ...booking.timeline.map(
      (step) => `${iso(step.at)} ${step.action}: ${step.fromStatus ?? 'NEW'} -> ${step.toStatus} (by ${BY[step.by]})`,
    ),
  ].join('\n');

  const conversation = !thread
    ? 'The booking thread could not be read when this pack was assembled.'
    : thread.threadCount === 0
      ? 'There is no message thread on RastUp between the cardholder and the provider/host of this booking.'
      : [
          `Messages between the cardholder and the provider/host in the booking's thread on RastUp ` +
            `(contact details redacted; written between the booking request and the dispute; ` +
            `${thread.messages.length} most recent of ${thread.totalMessages} in the thread):`,
          ...thread.messages.map((message) => `[${message.at}] ${AUTHOR[message.author]}: ${message.text}`),
        ].join('\n');

  const evidence: Record<string, string> = {
    product_description: productDescription,
    service_date: booking.startsAt.toISOString().slice(0, 10),
    cancellation_policy_disclosure: policyText,
    refund_policy_disclosure: policyText,
    access_activity_log: timeline,
    uncategorized_text: conversation,
  };
  return fitToLimit(evidence);
}

/** Stripe refuses more than 150,000 characters of text evidence: the conversation gives way first. */
function fitToLimit(evidence: Record<string, string>): DisputeEvidence {
  const total = Object.values(evidence).reduce((sum, text) => sum + text.length, 0);
  if (total <= DISPUTE_EVIDENCE_MAX_TOTAL_CHARS) return evidence;
  const over = total - DISPUTE_EVIDENCE_MAX_TOTAL_CHARS;
  const text = evidence.uncategorized_text ?? '';
  return { ...evidence, uncategorized_text: `…${text.slice(Math.min(text.length, over + 1))}` };
}

export function evidenceLength(evidence: DisputeEvidence): number {
  return Object.values(evidence).reduce((sum, text) => sum + (text?.length ?? 0), 0);
}
