/**
 * Helpers for checkout tests: the Stripe SDK as a web client holds it (publishable key: it may only
 * confirm a PaymentIntent whose client secret it was given), payout onboarding through the hosted
 * page, and bookable fixture listings with a package price.
 */
import Stripe from 'stripe';
import { newId } from '../../lambdas/core/ids.ts';
import { ACT } from './booking.ts';
import { stackInfo } from './clients.ts';
import { gqlOk, sql } from './graphql.ts';

export const PAYMENT_FIELDS = 'groupId paymentRef status clientSecret amountCents currency';
export const CONFIRM_CHECKOUT = `mutation($input: ConfirmCheckoutInput!) { confirmCheckout(input: $input) { ${PAYMENT_FIELDS} } }`;
export const CHECKOUT_PAYMENT = `query($groupId: ID!) { checkoutPayment(groupId: $groupId) { ${PAYMENT_FIELDS} } }`;
export const QUOTE = `query($input: CheckoutQuoteInput!) { checkoutQuote(input: $input) {
  quoteToken quoteId currency subtotalCents platformFeeCents taxCents totalCents
  legs { legId listingId subtotalCents platformFeeCents taxCents totalCents } } }`;

function sdk(key: string): Stripe {
  const url = new URL(stackInfo().endpoints.stripe!.apiUrl);
  return new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
}

/** Stripe.js in the browser: the publishable key. */
export const browserStripe = () => sdk(stackInfo().endpoints.stripe!.publishableKey);
/** The platform's server-side view of Stripe (assertions only). */
export const serverStripe = () => sdk(stackInfo().endpoints.stripe!.secretKey);

/**
 * Confirms the card the way Stripe.js does with the client secret; a 3DS card's challenge page is
 * opened and passed, as the cardholder's browser would. Answers the PaymentIntent's final status.
 */
export async function payWithCard(paymentRef: string, clientSecret: string, paymentMethod = 'pm_card_visa') {
  const confirmed = await browserStripe().paymentIntents.confirm(paymentRef, {
    payment_method: paymentMethod,
    client_secret: clientSecret,
  } as Stripe.PaymentIntentConfirmParams);
  if (confirmed.status !== 'requires_action') return { first: confirmed.status, final: confirmed.status };
  const challenge = confirmed.next_action?.redirect_to_url?.url;
  if (!challenge) throw new Error('requires_action without a redirect');
  const page = await fetch(challenge, { redirect: 'manual' });
  if (page.status >= 400) throw new Error(`3DS page answered ${page.status}`);
  const after = await serverStripe().paymentIntents.retrieve(paymentRef);
  return { first: confirmed.status, final: after.status };
}

/** Payout onboarding through the hosted page until the account is ACTIVE (account.updated webhook). */
export async function onboardPayee(token: string): Promise<void> {
  const { startPayoutOnboarding: link } = await gqlOk(token, 'mutation { startPayoutOnboarding { url } }');
  await fetch(link.url, { redirect: 'manual' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { payoutAccount } = await gqlOk(token, '{ payoutAccount { status } }');
    if (payoutAccount.status === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error('payout account never became ACTIVE');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Gives a fixture profile a priced package (what checkout quotes price). */
export async function withPackage(profileId: string, priceCents = 20_000): Promise<void> {
  await sql(`UPDATE service_profiles SET packages = $2 WHERE id = $1`, [
    profileId,
    JSON.stringify([{ name: 'Headshots', durationMinutes: 60, priceCents, extras: [] }]),
  ]);
}

/** Open every day, all day, on a 15-minute grid with no notice (so a session can start within the hour). */
export async function openSoon(token: string, resourceId: string): Promise<void> {
  await gqlOk(token, `mutation($input: SetAvailabilityInput!) { setAvailability(input: $input) { version } }`, {
    input: {
      resourceId,
      cancellationPolicy: 'FLEXIBLE',
      availability: {
        timezone: 'America/Los_Angeles',
        weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
        granularityMinutes: 15,
        minDurationMinutes: 60,
        minNoticeMinutes: 0,
        maxHorizonDays: 90,
      },
    },
  });
}

/** A quarter-hour boundary 15 to 30 minutes from now (startable within the hour, not in the past). */
export function soon(extraMinutes = 0): string {
  const quarter = 15 * 60_000;
  return new Date(Math.ceil(Date.now() / quarter) * quarter + quarter + extraMinutes * 60_000).toISOString();
}

/** Rows of the money trail of a group (master connection, assertions only). */
export async function moneyTrail(groupId: string) {
  const [authorization] = await sql<{ status: string; payment_intent_id: string; captured_cents: string }>(
    'SELECT status, payment_intent_id, captured_cents FROM payment_authorizations WHERE group_id = $1',
    [groupId],
  );
  const entries = await sql<{ kind: string; n: number }>(
    'SELECT kind, count(*)::int AS n FROM journal_entries WHERE group_id = $1 GROUP BY kind ORDER BY kind',
    [groupId],
  );
  const transfers = await sql<{ leg_id: string; amount_cents: string }>(
    'SELECT leg_id, amount_cents FROM payment_transfers WHERE group_id = $1 ORDER BY leg_id',
    [groupId],
  );
  return { authorization, entries: Object.fromEntries(entries.map((e) => [e.kind, e.n])), transfers };
}

/** The client pays a held group with a card through its client secret, then confirms the hold. */
export async function payHold(token: string, groupId: string): Promise<void> {
  const payment = (await gqlOk(token, CHECKOUT_PAYMENT, { groupId })).checkoutPayment;
  await payWithCard(payment.paymentRef, payment.clientSecret);
  await gqlOk(token, ACT, { input: { idempotencyKey: `act-${newId('request')}`, groupId, action: 'CONFIRM' } });
}
