/**
 * Checkout quotes (NTB-BOOK-004), pure: line items per leg, platform fee, tax, deposit, totals.
 *
 * Money rules (all amounts integer cents of one currency per group; nothing is ever a float):
 *  1. A package line is its price × quantity, exactly.
 *  2. A time line (studio hours, overtime on a package) is `rate × minutes / 60` (or the package's
 *     price × extra minutes / package minutes), rounded half up to the cent, once per line.
 *  3. The leg's subtotal is the sum of its lines; that is what the provider / host is paid.
 *  4. The platform fee is `subtotal × feeBps / 10 000`, rounded half up, per leg.
 *  5. Tax is `subtotal × ratePpm / 1 000 000` (rate in parts per million: 8.875 % = 88 750), rounded
 *     half up, per leg, on the subtotal only (not on the fee, not on the deposit), at the leg's city rate.
 *  6. A deposit (studios that ask for one) is neither fee-bearing nor taxed; it is authorised with the
 *     rest and returned after the booking unless the host claims it.
 *  7. Leg total = subtotal + fee + tax + deposit; the group total is the sum of leg totals, so every
 *     cent of the total belongs to exactly one leg (transfers per leg never need re-rounding).
 * Half up: `floor((n × rate + divisor / 2) / divisor)` in integers, n ≥ 0.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

export const QUOTE_VERSION = 'v1';

export function roundHalfUp(numerator: number, divisor: number): number {
  if (!Number.isSafeInteger(numerator) || numerator < 0) throw new RangeError('amounts are non-negative integers');
  return Math.floor((numerator + Math.floor(divisor / 2)) / divisor);
}

export interface QuoteLineInput {
  readonly kind: 'package' | 'time' | 'included';
  readonly description: string;
  /** package: price per unit; time: price per `perMinutes`. */
  readonly unitCents: number;
  readonly quantity: number;
  /** time lines: minutes booked and the minutes `unitCents` buys (60 for an hourly rate). */
  readonly minutes?: number;
  readonly perMinutes?: number;
}

export interface QuoteLegInput {
  readonly legId: string;
  readonly kind: 'service' | 'studio';
  readonly listingId: string;
  readonly payeeUserId: string;
  readonly cityCode: string | null;
  readonly currency: string;
  readonly lines: readonly QuoteLineInput[];
  readonly depositCents: number;
  readonly cancellationPolicy: string | null;
}

export interface QuoteLine {
  readonly kind: QuoteLineInput['kind'];
  readonly description: string;
  readonly amountCents: number;
}

export interface QuoteLeg {
  readonly legId: string;
  readonly kind: 'service' | 'studio';
  readonly listingId: string;
  readonly payeeUserId: string;
  readonly lines: readonly QuoteLine[];
  readonly subtotalCents: number;
  readonly platformFeeCents: number;
  readonly taxCents: number;
  readonly taxRatePpm: number;
  readonly depositCents: number;
  readonly totalCents: number;
  readonly cancellationPolicy: string | null;
}

export interface Quote {
  readonly version: typeof QUOTE_VERSION;
  readonly quoteId: string;
  readonly clientUserId: string;
  readonly currency: string;
  readonly legs: readonly QuoteLeg[];
  readonly subtotalCents: number;
  readonly platformFeeCents: number;
  readonly taxCents: number;
  readonly depositCents: number;
  readonly totalCents: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export class QuoteInputError extends Error {}

function lineAmount(line: QuoteLineInput): number {
  if (line.kind === 'included') return 0;
  if (line.kind === 'package') return line.unitCents * line.quantity;
  const minutes = line.minutes ?? 0;
  const per = line.perMinutes ?? 60;
  return roundHalfUp(line.unitCents * minutes * line.quantity, per);
}

export function computeQuote(input: {
  quoteId: string;
  clientUserId: string;
  legs: readonly QuoteLegInput[];
  feeBps: number;
  taxRatePpm: (leg: QuoteLegInput) => number;
  issuedAt: number;
  ttlSeconds: number;
}): Quote {
  if (input.legs.length === 0) throw new QuoteInputError('A quote needs at least one leg');
  const currency = input.legs[0]!.currency.toLowerCase();
  if (input.legs.some((leg) => leg.currency.toLowerCase() !== currency))
    throw new QuoteInputError('All legs of a booking group must be in one currency');
  const ids = new Set(input.legs.map((leg) => leg.legId));
  if (ids.size !== input.legs.length) throw new QuoteInputError('Leg ids must be unique');
  const legs = input.legs.map((leg): QuoteLeg => {
    const lines = leg.lines.map((line) => ({
      kind: line.kind,
      description: line.description,
      amountCents: lineAmount(line),
    }));
    const subtotalCents = lines.reduce((sum, line) => sum + line.amountCents, 0);
    const platformFeeCents = roundHalfUp(subtotalCents * input.feeBps, 10_000);
    const taxRatePpm = input.taxRatePpm(leg);
    const taxCents = roundHalfUp(subtotalCents * taxRatePpm, 1_000_000);
    return {
      legId: leg.legId,
      kind: leg.kind,
      listingId: leg.listingId,
      payeeUserId: leg.payeeUserId,
      lines,
      subtotalCents,
      platformFeeCents,
      taxCents,
      taxRatePpm,
      depositCents: leg.depositCents,
      totalCents: subtotalCents + platformFeeCents + taxCents + leg.depositCents,
      cancellationPolicy: leg.cancellationPolicy,
    };
  });
  const sum = (pick: (leg: QuoteLeg) => number) => legs.reduce((total, leg) => total + pick(leg), 0);
  return {
    version: QUOTE_VERSION,
    quoteId: input.quoteId,
    clientUserId: input.clientUserId,
    currency,
    legs,
    subtotalCents: sum((leg) => leg.subtotalCents),
    platformFeeCents: sum((leg) => leg.platformFeeCents),
    taxCents: sum((leg) => leg.taxCents),
    depositCents: sum((leg) => leg.depositCents),
    totalCents: sum((leg) => leg.totalCents),
    issuedAt: input.issuedAt,
    expiresAt: input.issuedAt + input.ttlSeconds,
  };
}

/**
 * The quote as the client holds it: `v1.<base64url(JSON)>.<base64url(HMAC-SHA256)>`. The version is
 * part of what is signed, so a quote of another format version is refused, not misread.
 */
export function signQuote(quote: Quote, key: string): string {
  const body = Buffer.from(JSON.stringify(quote), 'utf8').toString('base64url');
  const mac = createHmac('sha256', key).update(`${QUOTE_VERSION}.${body}`).digest('base64url');
  return `${QUOTE_VERSION}.${body}.${mac}`;
}

const quoteLine = z.object({
  kind: z.enum(['package', 'time', 'included']),
  description: z.string(),
  amountCents: z.number().int(),
});
const quoteSchema = z.object({
  version: z.literal(QUOTE_VERSION),
  quoteId: z.string(),
  clientUserId: z.string(),
  currency: z.string(),
  legs: z.array(
    z.object({
      legId: z.string(),
      kind: z.enum(['service', 'studio']),
      listingId: z.string(),
      payeeUserId: z.string(),
      lines: z.array(quoteLine),
      subtotalCents: z.number().int(),
      platformFeeCents: z.number().int(),
      taxCents: z.number().int(),
      taxRatePpm: z.number().int(),
      depositCents: z.number().int(),
      totalCents: z.number().int(),
      cancellationPolicy: z.string().nullable(),
    }),
  ),
  subtotalCents: z.number().int(),
  platformFeeCents: z.number().int(),
  taxCents: z.number().int(),
  depositCents: z.number().int(),
  totalCents: z.number().int(),
  issuedAt: z.number().int(),
  expiresAt: z.number().int(),
});

/** The signed quote, or null when the token is malformed, of another version, or its signature is wrong. */
export function readSignedQuote(token: string, key: string): Quote | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== QUOTE_VERSION) return null;
  const expected = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed = quoteSchema.safeParse(JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Whether two quotes charge the same: same legs, lines and amounts (ids and times aside). */
export function samePrices(a: Quote, b: Quote): boolean {
  const strip = (quote: Quote) =>
    JSON.stringify({
      currency: quote.currency,
      legs: quote.legs,
      totalCents: quote.totalCents,
      clientUserId: quote.clientUserId,
    });
  return strip(a) === strip(b);
}
