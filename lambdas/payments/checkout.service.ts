/**
 * Checkout quotes: priced from the listings (price book), taxed through the tax port, signed so the
 * client carries them to confirmation; `confirmQuote` refuses a quote that was tampered with, expired,
 * belongs to someone else, or no longer matches the listings' current prices (stale).
 */
import type { Clock } from '../core/clock.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import {
  computeQuote,
  QuoteInputError,
  readSignedQuote,
  samePrices,
  signQuote,
  type Quote,
  type QuoteLegInput,
} from './checkout-quote.ts';
import { StaleQuoteError } from './payments.errors.ts';
import type { CheckoutLegInput } from './payments.schemas.ts';
import type { PriceBook } from './price-book.repository.ts';
import type { TaxRates } from './tax.ts';

export interface CheckoutSettings {
  readonly feeBps: number;
  readonly ttlSeconds: number;
  readonly quoteKey: string;
}

export interface SignedQuote {
  readonly token: string;
  readonly quote: Quote;
}

export class CheckoutService {
  constructor(
    private readonly prices: PriceBook,
    private readonly tax: TaxRates,
    private readonly clock: Clock,
    private readonly settings: CheckoutSettings,
  ) {}

  async quote(caller: Caller, legs: readonly CheckoutLegInput[]): Promise<SignedQuote> {
    const user = requireUser(caller);
    const quote = this.compute(user.userId, await this.price(legs), newId('quote'), this.nowSeconds());
    return { token: signQuote(quote, this.settings.quoteKey), quote };
  }

  /**
   * The quote a client confirms, checked: signature and version, owner, expiry, and today's prices.
   * Booking's checkout.confirm calls this before authorising `quote.totalCents`.
   */
  async confirmQuote(caller: Caller, token: string, legs: readonly CheckoutLegInput[]): Promise<Quote> {
    const user = requireUser(caller);
    const quote = readSignedQuote(token, this.settings.quoteKey);
    if (!quote || quote.clientUserId !== user.userId) throw new StaleQuoteError('This quote is not valid');
    if (quote.expiresAt <= this.nowSeconds()) throw new StaleQuoteError('This quote has expired; ask for a new one');
    const current = this.compute(user.userId, await this.price(legs), quote.quoteId, quote.issuedAt);
    if (!samePrices(current, quote)) throw new StaleQuoteError('Prices changed since this quote; ask for a new one');
    return quote;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  private compute(clientUserId: string, legs: QuoteLegInput[], quoteId: string, issuedAt: number): Quote {
    try {
      return computeQuote({
        quoteId,
        clientUserId,
        legs,
        feeBps: this.settings.feeBps,
        taxRatePpm: (leg) => this.tax.ratePpm(leg.cityCode, leg.kind),
        issuedAt,
        ttlSeconds: this.settings.ttlSeconds,
      });
    } catch (error) {
      if (error instanceof QuoteInputError)
        throw new ValidationError(error.message, [{ path: 'input.legs', message: error.message }]);
      throw error;
    }
  }

  private async price(legs: readonly CheckoutLegInput[]): Promise<QuoteLegInput[]> {
    return Promise.all(
      legs.map(async (leg, index): Promise<QuoteLegInput> => {
        if (leg.profileId) {
          const profile = await this.prices.profile(leg.profileId);
          if (!profile) throw new NotFoundError('Listing not found');
          const pkg = profile.packages.find((candidate) => candidate.name === leg.packageName);
          if (!pkg)
            throw new ValidationError('No such package on this listing', [
              { path: `input.legs.${index}.packageName`, message: 'not offered by this listing' },
            ]);
          const extraMinutes = leg.extraMinutes ?? 0;
          return {
            legId: leg.legId,
            kind: 'service',
            listingId: profile.id,
            payeeUserId: profile.owner_user_id,
            cityCode: profile.city_code,
            currency: profile.currency,
            lines: [
              {
                kind: 'package',
                description: `${pkg.name} (${pkg.durationMinutes} min)`,
                unitCents: pkg.priceCents,
                quantity: 1,
              },
              ...(extraMinutes > 0
                ? [
                    {
                      kind: 'time' as const,
                      description: `Extra time (${extraMinutes} min)`,
                      unitCents: pkg.priceCents,
                      quantity: 1,
                      minutes: extraMinutes,
                      perMinutes: pkg.durationMinutes,
                    },
                  ]
                : []),
              ...(pkg.extras ?? []).map((extra) => ({
                kind: 'included' as const,
                description: extra,
                unitCents: 0,
                quantity: 1,
              })),
            ],
            depositCents: 0,
            cancellationPolicy: profile.cancellation_policy,
          };
        }
        const studio = await this.prices.studio(leg.studioId!);
        if (!studio) throw new NotFoundError('Listing not found');
        if (studio.hourly_min_cents === null)
          throw new ValidationError('This studio has no hourly rate yet', [
            { path: `input.legs.${index}.studioId`, message: 'not bookable' },
          ]);
        return {
          legId: leg.legId,
          kind: 'studio',
          listingId: studio.id,
          payeeUserId: studio.owner_user_id,
          cityCode: studio.city_code,
          currency: studio.currency,
          lines: [
            {
              kind: 'time',
              description: `Studio time (${leg.minutes} min)`,
              unitCents: studio.hourly_min_cents,
              quantity: 1,
              minutes: leg.minutes!,
              perMinutes: 60,
            },
          ],
          depositCents: studio.deposit_cents ?? 0,
          cancellationPolicy: null,
        };
      }),
    );
  }
}
