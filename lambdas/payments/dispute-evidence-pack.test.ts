import { describe, expect, it } from 'vitest';
import { DISPUTE_EVIDENCE_MAX_TOTAL_CHARS } from '../core/payment-provider.ts';
import { assembleEvidence, evidenceLength, money, type PackSources } from './dispute-evidence-pack.ts';

const at = (iso: string) => new Date(iso);

function sources(overrides: Partial<PackSources> = {}): PackSources {
  return {
    dispute: { amountCents: 22_000, currency: 'usd', reason: 'fraudulent' },
    booking: {
      groupId: 'bkg_01TEST',
      clientUserId: 'usr_client',
      status: 'COMPLETED',
      startsAt: at('2026-12-10T10:00:00Z'),
      endsAt: at('2026-12-10T11:00:00Z'),
      amountCents: 22_000,
      currency: 'usd',
      cancellationPolicy: 'MODERATE',
      requestedAt: at('2026-12-01T09:00:00Z'),
      legs: [
        {
          legId: 'bkl_1',
          resourceType: 'PROFILE',
          listingId: 'prf_1',
          ownerUserId: 'usr_owner',
          startsAt: at('2026-12-10T10:00:00Z'),
          endsAt: at('2026-12-10T11:00:00Z'),
          amountCents: 20_000,
          active: true,
        },
      ],
      timeline: [
        { at: at('2026-12-01T09:00:00Z'), action: 'REQUEST', fromStatus: null, toStatus: 'REQUESTED', by: 'CLIENT' },
        { at: at('2026-12-01T09:05:00Z'), action: 'HOLD', fromStatus: 'REQUESTED', toStatus: 'HOLD', by: 'SYSTEM' },
      ],
    },
    policyLines: ['100% refund when cancelled at least 5 days before the start.'],
    acceptance: {
      acceptedAt: at('2026-12-01T09:01:00Z'),
      quoteId: 'qte_1',
      legPolicies: [{ listingId: 'prf_1', policy: 'MODERATE' }],
    },
    thread: {
      threadCount: 1,
      totalMessages: 2,
      messages: [
        { at: '2026-12-01T08:00:00.000Z', author: 'buyer', text: 'Can we shoot on the 10th?' },
        { at: '2026-12-01T08:05:00.000Z', author: 'seller', text: 'Yes, 10am.' },
      ],
    },
    ...overrides,
  };
}

describe('dispute evidence pack', () => {
  it('fills Stripe text fields from the booking, the accepted policy, the timeline and the thread, without user ids', () => {
    const evidence = assembleEvidence(sources());
    expect(evidence.service_date).toBe('2026-12-10');
    expect(evidence.product_description).toContain('bkg_01TEST');
    expect(evidence.product_description).toContain('$200.00');
    expect(evidence.product_description).toContain('Disputed amount: $220.00');
    expect(evidence.cancellation_policy_disclosure).toContain('accepted the MODERATE cancellation policy');
    expect(evidence.cancellation_policy_disclosure).toContain('2026-12-01T09:01:00Z');
    expect(evidence.cancellation_policy_disclosure).toContain('qte_1');
    expect(evidence.access_activity_log).toContain('2026-12-01T09:05:00Z HOLD: REQUESTED -> HOLD (by platform)');
    expect(evidence.uncategorized_text).toContain('Cardholder (client): Can we shoot on the 10th?');
    expect(evidence.uncategorized_text).toContain('Provider/host: Yes, 10am.');
    expect(JSON.stringify(evidence)).not.toContain('usr_');
  });

  it('says so when no acceptance or thread is known', () => {
    const evidence = assembleEvidence(sources({ acceptance: null, thread: null }));
    expect(evidence.cancellation_policy_disclosure).toContain('shown when it was requested on 2026-12-01T09:00:00Z');
    expect(evidence.uncategorized_text).toBe('The booking thread could not be read when this pack was assembled.');
  });

  it('says so when the client and the owners have no thread at all', () => {
    const evidence = assembleEvidence(sources({ thread: { threadCount: 0, totalMessages: 0, messages: [] } }));
    expect(evidence.uncategorized_text).toBe(
      'There is no message thread on RastUp between the cardholder and the provider/host of this booking.',
    );
  });

  it('stays within Stripe’s 150,000 characters, cutting the conversation first', () => {
    const long = Array.from({ length: 400 }, (_, i) => ({
      at: `2026-12-01T08:${String(i % 60).padStart(2, '0')}:00.000Z`,
      author: 'buyer' as const,
      text: 'x'.repeat(600),
    }));
    const evidence = assembleEvidence(sources({ thread: { threadCount: 1, totalMessages: 400, messages: long } }));
    expect(evidenceLength(evidence)).toBeLessThanOrEqual(DISPUTE_EVIDENCE_MAX_TOTAL_CHARS);
    expect(evidence.uncategorized_text!.startsWith('…')).toBe(true);
    expect(evidence.product_description).toContain('bkg_01TEST');
  });

  it('formats zero-decimal currencies in whole units', () => {
    expect(money(5000, 'jpy')).toBe('¥5,000');
    expect(money(1234, 'eur')).toBe('€12.34');
  });
});
