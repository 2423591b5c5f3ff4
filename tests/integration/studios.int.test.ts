/**
 * Studios over GraphQL: unique slug, host wizard with gating, address privacy (the exact address
 * and contact details never reach the public page), LocalBusiness JSON-LD, studio verification.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { gqlAs, gqlOk, uploadImage, waitForMedia } from '../support/graphql.ts';
import { testJpeg, testPng } from '../support/images.ts';
import { expandJsonLd, expandedTypes } from '../support/json-ld.ts';
import { mintAccessToken } from '../support/tokens.ts';

const STUDIO_FIELDS = `id slug status version name city addressLine1 postalCode contactEmail publicUrl
  onboarding { currentStep steps { step state missing } } completeness { score canPublish } verification { status banner }`;
const SAVE = `mutation($input: SaveStudioDraftInput!) { saveStudioDraft(input: $input) { ${STUDIO_FIELDS} } }`;
const COMPLETE = `mutation($input: CompleteStepInput!) { completeStudioStep(input: $input) { ${STUDIO_FIELDS} } }`;
const PUBLIC = `query($slug: String!) { publicStudio(slug: $slug) { id slug name description city cityName amenities hourlyMinCents hourlyMaxCents depositCents verified photos { id variants { name url } } seo { canonicalUrl jsonLd } } }`;

describe('studios', () => {
  it('walks the host wizard, publishes, and keeps the exact address private', async () => {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['host'] });
    const slug = `loft-${userId.slice(-10).toLowerCase()}`;
    const street = '417 Kent Avenue, Unit 3';
    const postal = '11249';
    const email = `host.${userId.slice(-6).toLowerCase()}@example.com`;

    let studio = (
      await gqlOk(token, `mutation($input: CreateStudioInput!) { createStudio(input: $input) { ${STUDIO_FIELDS} } }`, {
        input: { name: 'Daylight Loft', slug },
      })
    ).createStudio;
    expect(studio).toMatchObject({ slug, status: 'DRAFT', onboarding: { currentStep: 'BASICS' } });
    const other = await mintAccessToken({ userId: newId('user'), roles: ['host'] });
    const taken = await gqlAs(other, `mutation($input: CreateStudioInput!) { createStudio(input: $input) { id } }`, {
      input: { name: 'Copy', slug: slug.toUpperCase() },
    });
    expect(taken.errors?.[0]).toMatchObject({ errorType: 'CONFLICT', errorInfo: { code: 'STUDIO.SLUG_TAKEN' } });

    const locked = await gqlAs(token, SAVE, {
      input: { studioId: studio.id, expectedVersion: studio.version, step: 'PRICING', patch: { hourlyMinCents: 5000 } },
    });
    expect(locked.errors?.[0]).toMatchObject({
      errorType: 'PRECONDITION_FAILED',
      errorInfo: { code: 'ONBOARDING.STEP_LOCKED' },
    });

    studio = (
      await gqlOk(token, SAVE, {
        input: {
          studioId: studio.id,
          expectedVersion: studio.version,
          step: 'BASICS',
          patch: {
            description: 'A 2,000 sq ft daylight loft with cyclorama wall, north-facing windows and a makeup station.',
            contactEmail: email,
            contactPhone: '+17185550123',
          },
        },
      })
    ).saveStudioDraft;
    studio = (
      await gqlOk(token, COMPLETE, { input: { id: studio.id, expectedVersion: studio.version, step: 'BASICS' } })
    ).completeStudioStep;
    studio = (
      await gqlOk(token, SAVE, {
        input: {
          studioId: studio.id,
          expectedVersion: studio.version,
          step: 'LOCATION',
          patch: {
            city: 'us-nyc',
            addressLine1: street,
            postalCode: postal,
            amenities: ['cyclorama', 'daylight', 'makeup station', 'wifi'],
          },
        },
      })
    ).saveStudioDraft;
    expect(studio).toMatchObject({ addressLine1: street, postalCode: postal, contactEmail: email });
    studio = (
      await gqlOk(token, COMPLETE, { input: { id: studio.id, expectedVersion: studio.version, step: 'LOCATION' } })
    ).completeStudioStep;
    const early = await gqlAs(token, `mutation($id: ID!) { publishStudio(id: $id) { id } }`, { id: studio.id });
    expect(early.errors?.[0]).toMatchObject({
      errorType: 'PRECONDITION_FAILED',
      errorInfo: { code: 'STUDIO.NOT_READY_TO_PUBLISH', missingSteps: ['PHOTOS', 'PRICING'], approvedImages: 0 },
    });

    const photo = await uploadImage(token, {
      ownerType: 'STUDIO',
      ownerId: studio.id,
      body: await testJpeg({ seed: 7 }),
      contentType: 'image/jpeg',
    });
    await waitForMedia(token, photo.id, ['PUBLISHED']);
    await gqlOk(token, `mutation($id: ID!) { setCoverMedia(id: $id) { id } }`, { id: photo.id });
    studio = (await gqlOk(token, `query($id: ID!) { myStudio(id: $id) { ${STUDIO_FIELDS} } }`, { id: studio.id }))
      .myStudio;
    studio = (
      await gqlOk(token, COMPLETE, { input: { id: studio.id, expectedVersion: studio.version, step: 'PHOTOS' } })
    ).completeStudioStep;
    studio = (
      await gqlOk(token, SAVE, {
        input: {
          studioId: studio.id,
          expectedVersion: studio.version,
          step: 'PRICING',
          patch: { hourlyMinCents: 7500, hourlyMaxCents: 15000, depositCents: 20000 },
        },
      })
    ).saveStudioDraft;
    studio = (
      await gqlOk(token, COMPLETE, { input: { id: studio.id, expectedVersion: studio.version, step: 'PRICING' } })
    ).completeStudioStep;
    expect(studio.onboarding.currentStep).toBe('VERIFICATION');
    expect(studio.completeness.canPublish).toBe(true);
    await gqlOk(token, `mutation($id: ID!) { publishStudio(id: $id) { status } }`, { id: studio.id });

    const page = await gqlAs(null, PUBLIC, { slug });
    expect(page.errors).toBeUndefined();
    expect(page.data.publicStudio).toMatchObject({
      name: 'Daylight Loft',
      city: 'us-nyc',
      cityName: 'New York',
      hourlyMinCents: 7500,
      depositCents: 20000,
      verified: false,
    });
    expect(page.data.publicStudio.photos[0].id).toBe(photo.id);
    for (const secret of [street, 'Kent Avenue', postal, email, '+17185550123', '7185550123'])
      expect(page.text).not.toContain(secret);
    // The public type has no address fields at all: asking for one is a validation error.
    const probe = await gqlAs(null, `query($slug: String!) { publicStudio(slug: $slug) { addressLine1 } }`, { slug });
    expect(probe.errors?.[0]?.message).toMatch(/FieldUndefined|Cannot query field/);

    const jsonLd = JSON.parse(page.data.publicStudio.seo.jsonLd);
    expect(jsonLd['@type']).toBe('LocalBusiness');
    expect(jsonLd.address).toEqual({ '@type': 'PostalAddress', addressLocality: 'New York', addressCountry: 'US' });
    const expanded = await expandJsonLd(jsonLd);
    expect(expanded[0]['@type']).toEqual(['https://schema.org/LocalBusiness']);
    expect(expandedTypes(expanded)).toEqual(
      expect.arrayContaining(['https://schema.org/ImageObject', 'https://schema.org/PostalAddress']),
    );

    // Studio verification: document, pending banner, admin decision, verified chip.
    const document = await uploadImage(token, {
      ownerType: 'VERIFICATION',
      ownerId: studio.id,
      body: await testPng(),
      contentType: 'image/png',
    });
    await waitForMedia(token, document.id, ['READY']);
    const pending = await gqlOk(
      token,
      `mutation($input: RequestVerificationInput!) { requestVerification(input: $input) { id status banner } }`,
      { input: { subject: 'STUDIO', studioId: studio.id, documentMediaId: document.id } },
    );
    expect(pending.requestVerification.status).toBe('PENDING');
    const twice = await gqlAs(
      token,
      `mutation($input: RequestVerificationInput!) { requestVerification(input: $input) { id } }`,
      { input: { subject: 'STUDIO', studioId: studio.id, documentMediaId: document.id } },
    );
    expect(twice.errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      errorInfo: { code: 'VERIFICATION.ALREADY_PENDING' },
    });
    const admin = await mintAccessToken({ userId: newId('user'), roles: ['admin'], stepUpAt: true });
    await gqlOk(admin, `mutation($input: DecideVerificationInput!) { decideVerification(input: $input) { status } }`, {
      input: { verificationId: pending.requestVerification.id, decision: 'VERIFIED' },
    });
    const verified = (
      await gqlOk(token, `query($id: ID!) { myStudio(id: $id) { verification { status banner } } }`, { id: studio.id })
    ).myStudio;
    expect(verified.verification.status).toBe('VERIFIED');

    // Someone else's studio id answers NOT_FOUND.
    const stranger = await gqlAs(other, `query($id: ID!) { myStudio(id: $id) { id } }`, { id: studio.id });
    expect(stranger.errors?.[0]?.errorType).toBe('NOT_FOUND');
  });
});
