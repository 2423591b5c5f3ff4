/**
 * The payments GraphQL surface on the local stack: checkout quotes priced from a published listing
 * (signed, refused when stale), and Connect payout onboarding through Stripe's (stand-in) hosted page.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lambdas/core/clock.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import type { Caller } from '../../lambdas/core/identity.ts';
import { CheckoutService } from '../../lambdas/payments/checkout.service.ts';
import { PriceBookRepository } from '../../lambdas/payments/price-book.repository.ts';
import { CityRateTable } from '../../lambdas/payments/tax.ts';
import { registeredUser } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlAs, gqlOk } from '../support/graphql.ts';
import { seedPublishedProfile } from '../support/profiles.ts';

const QUOTE = `query($input: CheckoutQuoteInput!) { checkoutQuote(input: $input) {
  quoteToken quoteId version currency subtotalCents platformFeeCents taxCents depositCents totalCents expiresAt
  legs { legId kind listingId subtotalCents platformFeeCents taxCents taxRatePercent depositCents totalCents cancellationPolicy
         lines { kind description amountCents } } } }`;

let admin: Database;
beforeAll(() => {
  admin = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
});
afterAll(() => admin?.close());

describe('checkoutQuote', () => {
  it('prices a published package with fee, city tax and totals; a changed price makes the quote stale', async () => {
    const provider = await registeredUser({ role: 'provider' });
    const { profileId } = await seedPublishedProfile(provider.accessToken);
    const client = await registeredUser();
    const legs = [
      { legId: 'shoot', profileId: profileId as `prf_${string}`, packageName: 'Headshots', extraMinutes: 30 },
    ];
    const { checkoutQuote: quote } = await gqlOk(client.accessToken, QUOTE, { input: { legs } });
    // Headshots 200.00 + 30 of 60 min extra 100.00; fee 10 %; Los Angeles 9.5 % on the subtotal.
    expect(quote).toMatchObject({
      version: 'v1',
      currency: 'USD',
      subtotalCents: 30_000,
      platformFeeCents: 3_000,
      taxCents: 2_850,
      depositCents: 0,
      totalCents: 35_850,
    });
    expect(quote.legs[0].lines).toEqual([
      { kind: 'PACKAGE', description: 'Headshots (60 min)', amountCents: 20_000 },
      { kind: 'TIME', description: 'Extra time (30 min)', amountCents: 10_000 },
      { kind: 'INCLUDED', description: 'retouching', amountCents: 0 },
    ]);
    expect(quote.legs[0]).toMatchObject({ taxRatePercent: 9.5, cancellationPolicy: 'Free until 48 h before.' });

    // Confirmation (booking's checkout.confirm calls this) with the stack's quote key.
    const clock = new ManualClock(Date.now());
    const checkout = new CheckoutService(new PriceBookRepository(admin), new CityRateTable(), clock, {
      feeBps: 1000,
      ttlSeconds: 900,
      quoteKey: createHmac('sha256', stackInfo().keyEncryptionKey).update('payments-quote-key').digest('base64url'),
    });
    const caller: Caller = {
      kind: 'user',
      userId: client.userId,
      roles: ['client'],
      amr: ['pwd'],
      authTime: undefined,
      sessionId: undefined,
      expiresAt: 0,
    };
    expect((await checkout.confirmQuote(caller, quote.quoteToken, legs)).totalCents).toBe(35_850);
    await expect(
      checkout.confirmQuote({ ...caller, userId: provider.userId }, quote.quoteToken, legs),
    ).rejects.toMatchObject({
      code: 'PAYMENTS.STALE_QUOTE',
    });
    await admin.query(
      `UPDATE service_profiles SET packages = jsonb_set(packages, '{0,priceCents}', '21000') WHERE id = $1`,
      [profileId],
    );
    await expect(checkout.confirmQuote(caller, quote.quoteToken, legs)).rejects.toMatchObject({
      code: 'PAYMENTS.STALE_QUOTE',
    });
    clock.advance(901_000);
    await expect(checkout.confirmQuote(caller, quote.quoteToken, legs)).rejects.toMatchObject({
      code: 'PAYMENTS.STALE_QUOTE',
    });
    // Publishing a profile runs image moderation (nsfwjs on wasm), slow on a shared 2-core machine.
  }, 240_000);

  it('answers typed errors for unknown listings, missing packages and anonymous callers', async () => {
    const client = await registeredUser();
    const unknown = await gqlAs(client.accessToken, QUOTE, {
      input: { legs: [{ legId: 'a', profileId: 'prf_01JD0000000000000000000000', packageName: 'X' }] },
    });
    expect(unknown.errors?.[0]?.errorType).toBe('NOT_FOUND');
    const both = await gqlAs(client.accessToken, QUOTE, { input: { legs: [{ legId: 'a', minutes: 60 }] } });
    expect(both.errors?.[0]?.errorType).toBe('BAD_REQUEST');
    const anonymous = await gqlAs(null, QUOTE, {
      input: { legs: [{ legId: 'a', studioId: 'std_01JD0000000000000000000000', minutes: 60 }] },
    });
    expect(anonymous.errors?.[0]).toBeDefined();
    expect(anonymous.data?.checkoutQuote ?? null).toBeNull();
  });
});

describe('payout onboarding', () => {
  it('a provider gets a hosted onboarding link; completing it makes the payout account ACTIVE', async () => {
    const provider = await registeredUser({ role: 'provider' });
    expect((await gqlOk(provider.accessToken, '{ payoutAccount { status } }')).payoutAccount.status).toBe(
      'NOT_STARTED',
    );
    const { startPayoutOnboarding: link } = await gqlOk(
      provider.accessToken,
      'mutation { startPayoutOnboarding { url expiresAt } }',
    );
    expect(link.url).toContain('/dev/connect/onboard/acct_');
    const page = await fetch(link.url, { redirect: 'manual' });
    expect(page.headers.get('location')).toBe('http://localhost:3000/settings/payouts?onboarding=done');
    const deadline = Date.now() + 10_000;
    let status = '';
    while (Date.now() < deadline && status !== 'ACTIVE') {
      status = (await gqlOk(provider.accessToken, '{ payoutAccount { status payoutsEnabled requirementsDue } }'))
        .payoutAccount.status;
      if (status !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('ACTIVE');
    const again = await gqlAs(provider.accessToken, 'mutation { startPayoutOnboarding { url } }');
    expect(again.errors?.[0]?.errorType).toBe('STEP_UP_REQUIRED');
  });

  it('a client without a provider or host role is refused', async () => {
    const client = await registeredUser();
    const answer = await gqlAs(client.accessToken, 'mutation { startPayoutOnboarding { url } }');
    expect(answer.errors?.[0]?.errorType).toBe('FORBIDDEN');
  });
});
