/** Whitelisted GraphQL shapes of quotes and payout accounts. */
import type { SignedQuote } from './checkout.service.ts';
import type { PayoutAccountView } from './payouts.service.ts';

const LINE_KIND = { package: 'PACKAGE', time: 'TIME', included: 'INCLUDED' } as const;

export function toCheckoutQuote({ token, quote }: SignedQuote) {
  return {
    quoteToken: token,
    quoteId: quote.quoteId,
    version: quote.version,
    currency: quote.currency.toUpperCase(),
    legs: quote.legs.map((leg) => ({
      legId: leg.legId,
      kind: leg.kind === 'service' ? 'SERVICE' : 'STUDIO',
      listingId: leg.listingId,
      lines: leg.lines.map((line) => ({
        kind: LINE_KIND[line.kind],
        description: line.description,
        amountCents: line.amountCents,
      })),
      subtotalCents: leg.subtotalCents,
      platformFeeCents: leg.platformFeeCents,
      taxCents: leg.taxCents,
      taxRatePercent: leg.taxRatePpm / 10_000,
      depositCents: leg.depositCents,
      totalCents: leg.totalCents,
      cancellationPolicy: leg.cancellationPolicy,
    })),
    subtotalCents: quote.subtotalCents,
    platformFeeCents: quote.platformFeeCents,
    taxCents: quote.taxCents,
    depositCents: quote.depositCents,
    totalCents: quote.totalCents,
    expiresAt: new Date(quote.expiresAt * 1000).toISOString(),
  };
}

export function toPayoutAccount(view: PayoutAccountView) {
  return {
    status: view.status,
    detailsSubmitted: view.detailsSubmitted,
    payoutsEnabled: view.payoutsEnabled,
    requirementsDue: [...view.requirementsDue],
  };
}
