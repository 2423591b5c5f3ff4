/**
 * Profiles end to end over GraphQL against the local stack: a provider with two roles walks the
 * wizard, uploads a real image through the presigned POST, sees it moderated and its variants
 * made, is refused publishing below the threshold and allowed above it; the public page is
 * Safe-Mode and its JSON-LD expands with the expected @type.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql, uploadImage, waitForMedia } from '../support/graphql.ts';
import { testJpeg } from '../support/images.ts';
import { expandJsonLd, expandedTypes } from '../support/json-ld.ts';
import { mintAccessToken } from '../support/tokens.ts';

const PROFILE_FIELDS = `id role slug status version displayName headline city contactEmail contactPhone instantBook publicUrl
  onboarding { currentStep finished steps { step state missing } }
  completeness { score canPublish instantBookEligible instantBookBlockers publishThreshold instantBookThreshold items { key weight earned done hint } }
  verification { status banner }
  portfolio { id status nsfwBand isCover variants { name url width height format } }`;

const CREATE = `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { ${PROFILE_FIELDS} } }`;
const SAVE = `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { ${PROFILE_FIELDS} } }`;
const COMPLETE = `mutation($input: CompleteStepInput!) { completeProfileStep(input: $input) { ${PROFILE_FIELDS} } }`;
const PUBLISH = `mutation($id: ID!) { publishProfile(id: $id) { ${PROFILE_FIELDS} } }`;
const PUBLIC = `query($slug: String!) { publicProfile(slug: $slug) {
  id slug role roles displayName headline bio city cityName verified instantBook tags languages cancellationPolicy reschedulePolicy
  priceBand { minCents maxCents currency label } packages { name durationMinutes priceCents extras } links { label url }
  avatar { id variants { name url } } portfolio { id alt width height variants { name url width height format } }
  seo { canonicalUrl title description jsonLd } } }`;

function s3(): S3Client {
  return new S3Client({
    endpoint: stackInfo().endpoints.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

describe('provider onboarding to a public page', () => {
  it('walks the wizard with two roles, moderates a real upload and publishes above the threshold', async () => {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['provider'] });
    const email = `model.${userId.slice(-8).toLowerCase()}@example.com`;
    const phone = '+12125550199';

    // Two roles, one account; the same role twice is a conflict.
    const model = (await gqlOk(token, CREATE, { input: { role: 'MODEL', displayName: 'Ada Lens' } }))
      .createServiceProfile;
    const photographer = (await gqlOk(token, CREATE, { input: { role: 'PHOTOGRAPHER', displayName: 'Ada Lens' } }))
      .createServiceProfile;
    expect(photographer.id).not.toBe(model.id);
    const duplicate = await gqlAs(token, CREATE, { input: { role: 'MODEL' } });
    expect(duplicate.errors?.[0]).toMatchObject({ errorType: 'CONFLICT', errorInfo: { code: 'PROFILE.ROLE_EXISTS' } });
    const mine = await gqlOk(token, '{ myProfiles { id role } }');
    expect(mine.myProfiles.map((p: { role: string }) => p.role).sort()).toEqual(['MODEL', 'PHOTOGRAPHER']);

    // Resume point and gating: a later step is locked until BASICS is complete.
    expect(model.onboarding.currentStep).toBe('BASICS');
    const locked = await gqlAs(token, SAVE, {
      input: { profileId: model.id, expectedVersion: model.version, step: 'PACKAGES', patch: { priceMinCents: 10000 } },
    });
    expect(locked.errors?.[0]).toMatchObject({
      errorType: 'PRECONDITION_FAILED',
      errorInfo: { code: 'ONBOARDING.STEP_LOCKED' },
    });

    // Autosave with optimistic concurrency: a stale version is a conflict, not an overwrite.
    const bio = 'Editorial and commercial model based in New York, ten years in fashion, beauty and fitness campaigns.';
    let profile = (
      await gqlOk(token, SAVE, {
        input: {
          profileId: model.id,
          expectedVersion: model.version,
          step: 'BASICS',
          patch: { headline: 'Editorial & commercial model', city: 'us-nyc', contactEmail: email, contactPhone: phone },
        },
      })
    ).saveProfileDraft;
    expect(profile.version).toBe(model.version + 1);
    const stale = await gqlAs(token, SAVE, {
      input: {
        profileId: model.id,
        expectedVersion: model.version,
        step: 'BASICS',
        patch: { headline: 'Overwrite attempt' },
      },
    });
    expect(stale.errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      errorInfo: { code: 'PROFILE.VERSION_CONFLICT', currentVersion: profile.version },
    });
    profile = (
      await gqlOk(token, SAVE, {
        input: { profileId: model.id, expectedVersion: profile.version, step: 'BASICS', patch: { bio } },
      })
    ).saveProfileDraft;
    expect(profile.headline).toBe('Editorial & commercial model');
    profile = (
      await gqlOk(token, COMPLETE, { input: { id: model.id, expectedVersion: profile.version, step: 'BASICS' } })
    ).completeProfileStep;
    expect(profile.onboarding.currentStep).toBe('PORTFOLIO');

    // Required wizard steps open (no approved image yet): refused, naming each missing step and item.
    const early = await gqlAs(token, PUBLISH, { id: model.id });
    expect(early.errors?.[0]).toMatchObject({
      errorType: 'PRECONDITION_FAILED',
      errorInfo: {
        code: 'PROFILE.NOT_READY_TO_PUBLISH',
        missingSteps: ['PORTFOLIO', 'PACKAGES', 'AVAILABILITY'],
        approvedImages: 0,
        threshold: 60,
      },
    });
    expect((early.errors?.[0]?.errorInfo as { missing: unknown[] }).missing).toContainEqual({
      step: 'PORTFOLIO',
      items: ['at least one moderated portfolio image'],
    });

    // A real JPEG (with GPS in EXIF) through the presigned POST, cropped to its right half.
    const image = await testJpeg({ width: 1200, height: 800, gps: true });
    const upload = await uploadImage(token, {
      ownerType: 'PROFILE',
      ownerId: model.id,
      body: image,
      contentType: 'image/jpeg',
      crop: { x: 0.5, y: 0, width: 0.5, height: 1 },
      alt: 'Studio portrait',
    });
    expect(upload.completed.errors).toBeUndefined();
    expect(upload.completed.data.completeMediaUpload.status).toBe('PROCESSING');
    const media = await waitForMedia(token, upload.id);
    expect(media).toMatchObject({
      status: 'PUBLISHED',
      nsfwBand: 0,
      width: 1200,
      height: 800,
      contentType: 'image/jpeg',
    });
    expect(media.variants.map((v: { name: string }) => v.name).sort()).toEqual(['large', 'medium', 'small', 'square']);
    // The crop box (600×800 region) shapes the variants: portrait, WebP.
    const medium = media.variants.find((v: { name: string }) => v.name === 'medium');
    expect(medium).toMatchObject({ format: 'webp', width: 600, height: 800 });
    const served = await fetch(medium.url);
    expect(served.status).toBe(200);
    const servedMeta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect(servedMeta).toMatchObject({ format: 'webp', width: 600, height: 800 });
    expect(servedMeta.exif).toBeUndefined();
    // The private original keeps no EXIF (GPS above all).
    const [row] = await sql<{ original_key: string }>('SELECT original_key FROM media WHERE id = $1', [upload.id]);
    const original = await s3().send(
      new GetObjectCommand({ Bucket: 'rastup-local-media-originals', Key: row!.original_key }),
    );
    const originalMeta = await sharp(Buffer.from(await original.Body!.transformToByteArray())).metadata();
    expect(originalMeta.exif).toBeUndefined();
    expect(originalMeta.width).toBe(1200);

    await gqlOk(token, 'mutation($id: ID!) { setCoverMedia(id: $id) { id isCover } }', { id: upload.id });
    profile = (
      await gqlOk(token, COMPLETE, { input: { id: model.id, expectedVersion: profile.version, step: 'PORTFOLIO' } })
    ).completeProfileStep;
    profile = (
      await gqlOk(token, SAVE, {
        input: {
          profileId: model.id,
          expectedVersion: profile.version,
          step: 'PACKAGES',
          patch: {
            priceMinCents: 15000,
            priceMaxCents: 60000,
            tags: ['editorial', 'beauty', 'fitness'],
            languages: ['English', 'Spanish'],
            links: [{ label: 'Portfolio', url: 'https://example.com/ada' }],
            packages: [{ name: 'Half day', durationMinutes: 240, priceCents: 30000, extras: ['Hair & makeup'] }],
            cancellationPolicy: `Free cancellation up to 48 hours before; write to ${email} otherwise.`,
            reschedulePolicy: 'One free reschedule up to 24 hours before the shoot.',
          },
        },
      })
    ).saveProfileDraft;
    profile = (
      await gqlOk(token, COMPLETE, { input: { id: model.id, expectedVersion: profile.version, step: 'PACKAGES' } })
    ).completeProfileStep;
    profile = (
      await gqlOk(token, SAVE, {
        input: {
          profileId: model.id,
          expectedVersion: profile.version,
          step: 'AVAILABILITY',
          patch: { availability: JSON.stringify({ mon: ['09:00-17:00'], sat: ['10:00-14:00'] }) },
        },
      })
    ).saveProfileDraft;
    profile = (
      await gqlOk(token, COMPLETE, { input: { id: model.id, expectedVersion: profile.version, step: 'AVAILABILITY' } })
    ).completeProfileStep;
    expect(profile.onboarding.currentStep).toBe('VERIFICATION');
    expect(profile.completeness.score).toBeGreaterThanOrEqual(60);
    expect(profile.completeness.instantBookEligible).toBe(false);

    const published = (await gqlOk(token, PUBLISH, { id: model.id })).publishProfile;
    expect(published.status).toBe('PUBLISHED');
    const events = await sql<{ type: string; payload: Record<string, unknown> }>(
      `SELECT type, payload FROM outbox_events WHERE aggregate_id = $1 ORDER BY created_at`,
      [model.id],
    );
    expect(events.map((event) => event.type)).toContain('profile.published');
    expect(JSON.stringify(events)).not.toContain(email);

    // The public page: API key, Safe-Mode, JSON-LD.
    const page = await gqlAs(null, PUBLIC, { slug: published.slug });
    expect(page.errors).toBeUndefined();
    const pub = page.data.publicProfile;
    expect(pub).toMatchObject({
      id: model.id,
      role: 'MODEL',
      roles: ['MODEL'],
      displayName: 'Ada Lens',
      city: 'us-nyc',
      cityName: 'New York',
      verified: false,
      priceBand: { minCents: 15000, maxCents: 60000, label: '$$$' },
    });
    expect(pub.portfolio).toHaveLength(1);
    expect(pub.avatar.id).toBe(upload.id);
    expect(pub.seo.canonicalUrl).toBe(published.publicUrl);
    expect(page.text).not.toContain(email);
    expect(page.text).not.toContain(phone);
    expect(pub.cancellationPolicy).toContain('[hidden]');
    const jsonLd = JSON.parse(pub.seo.jsonLd);
    expect(jsonLd).toMatchObject({ '@context': 'https://schema.org', '@type': 'Person', name: 'Ada Lens' });
    const expanded = await expandJsonLd(jsonLd);
    expect(expanded[0]['@type']).toEqual(['https://schema.org/Person']);
    expect(expandedTypes(expanded)).toEqual(
      expect.arrayContaining([
        'https://schema.org/ImageObject',
        'https://schema.org/Offer',
        'https://schema.org/PostalAddress',
      ]),
    );

    // The draft photographer role is not public; the published role list says so.
    const draftPage = await gqlAs(null, PUBLIC, { slug: photographer.slug });
    expect(draftPage.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
  });

  it('verifies identity and then allows Instant Book above the higher threshold', async () => {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['provider'] });
    const admin = await mintAccessToken({ userId: newId('user'), roles: ['admin'], stepUpAt: true });
    let profile = (await gqlOk(token, CREATE, { input: { role: 'VIDEOGRAPHER', displayName: 'Vik Frames' } }))
      .createServiceProfile;
    profile = (
      await gqlOk(token, SAVE, {
        input: {
          profileId: profile.id,
          expectedVersion: profile.version,
          patch: {
            headline: 'Music videos and brand films',
            bio: 'Director of photography for music videos, brand films and documentaries, with my own cinema kit.',
            city: 'us-lax',
            tags: ['music', 'brand', 'documentary'],
            languages: ['English'],
            priceMinCents: 50000,
            priceMaxCents: 250000,
            packages: [{ name: 'Shoot day', durationMinutes: 600, priceCents: 150000 }],
            cancellationPolicy: 'Deposit refundable until 7 days before.',
            reschedulePolicy: 'Reschedule free once.',
            availability: JSON.stringify({ tue: ['08:00-20:00'] }),
          },
        },
      })
    ).saveProfileDraft;
    const upload = await uploadImage(token, {
      ownerType: 'PROFILE',
      ownerId: profile.id,
      body: await testJpeg({ seed: 9 }),
      contentType: 'image/jpeg',
    });
    await waitForMedia(token, upload.id, ['PUBLISHED']);
    await gqlOk(token, 'mutation($id: ID!) { setCoverMedia(id: $id) { id } }', { id: upload.id });
    profile = (await gqlOk(token, PUBLISH, { id: profile.id })).publishProfile;

    const refused = await gqlAs(
      token,
      `mutation($id: ID!) { setProfileInstantBook(id: $id, enabled: true) { instantBook } }`,
      { id: profile.id },
    );
    expect(refused.errors?.[0]).toMatchObject({
      errorType: 'PRECONDITION_FAILED',
      errorInfo: { code: 'PROFILE.INSTANT_BOOK_INELIGIBLE' },
    });
    expect((refused.errors?.[0]?.errorInfo as { blockers: string[] }).blockers).toEqual(
      expect.arrayContaining(['Identity is not verified']),
    );

    // Identity document: a private VERIFICATION upload, then the request and an admin decision.
    const document = await uploadImage(token, {
      ownerType: 'VERIFICATION',
      ownerId: userId,
      body: await testPngDoc(),
      contentType: 'image/png',
    });
    await waitForMedia(token, document.id, ['READY']);
    const requested = await gqlOk(
      token,
      `mutation($input: RequestVerificationInput!) { requestVerification(input: $input) { id status banner } }`,
      { input: { subject: 'IDENTITY', documentMediaId: document.id } },
    );
    expect(requested.requestVerification.status).toBe('PENDING');
    const queue = await gqlOk(admin, '{ verificationQueue { id subjectId status } }');
    expect(queue.verificationQueue).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: requested.requestVerification.id, subjectId: userId })]),
    );
    const notAdmin = await gqlAs(token, '{ verificationQueue { id } }');
    expect(notAdmin.errors?.[0]).toMatchObject({ errorType: 'FORBIDDEN' });
    await gqlOk(admin, `mutation($input: DecideVerificationInput!) { decideVerification(input: $input) { status } }`, {
      input: { verificationId: requested.requestVerification.id, decision: 'VERIFIED' },
    });

    const mineNow = (
      await gqlOk(token, `query($id: ID!) { myProfile(id: $id) { ${PROFILE_FIELDS} } }`, { id: profile.id })
    ).myProfile;
    expect(mineNow.verification.status).toBe('VERIFIED');
    expect(mineNow.completeness.score).toBeGreaterThanOrEqual(85);
    const enabled = await gqlOk(
      token,
      `mutation($id: ID!) { setProfileInstantBook(id: $id, enabled: true) { instantBook completeness { instantBookEligible } } }`,
      { id: profile.id },
    );
    expect(enabled.setProfileInstantBook).toMatchObject({
      instantBook: true,
      completeness: { instantBookEligible: true },
    });
    const page = await eventually(async () => {
      const answer = await gqlOk(null, PUBLIC, { slug: profile.slug });
      return answer.publicProfile.verified && answer.publicProfile.instantBook ? answer.publicProfile : undefined;
    }, 10_000);
    expect(page.verified).toBe(true);
    // The identity document never appears publicly.
    expect(JSON.stringify(page)).not.toContain(document.id);
  });

  it("answers NOT_FOUND for other people's profiles and refuses API-key callers on owner fields", async () => {
    const owner = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const stranger = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const profile = (await gqlOk(owner, CREATE, { input: { role: 'CONTENT_CREATOR', displayName: 'Cy Posts' } }))
      .createServiceProfile;
    for (const [query, variables] of [
      [`query($id: ID!) { myProfile(id: $id) { id } }`, { id: profile.id }],
      [SAVE, { input: { profileId: profile.id, expectedVersion: profile.version, patch: { headline: 'hijack' } } }],
      [PUBLISH, { id: profile.id }],
      [`query($id: ID!) { myProfile(id: $id) { id } }`, { id: 'prf_does-not-exist' }],
    ] as const) {
      const answer = await gqlAs(stranger, query, variables);
      expect(answer.errors?.[0]?.errorType).toBe('NOT_FOUND');
    }
    const upload = await gqlAs(
      stranger,
      `mutation($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) { media { id } } }`,
      { input: { ownerType: 'PROFILE', ownerId: profile.id, contentType: 'image/jpeg', sizeBytes: 1000 } },
    );
    expect(upload.errors?.[0]?.errorType).toBe('NOT_FOUND');
    const apiKey = await gqlAs(null, `query($id: ID!) { myProfile(id: $id) { id } }`, { id: profile.id });
    expect(apiKey.errors?.[0]).toMatchObject({ errorType: 'Unauthorized' });
    const [row] = await sql<{ headline: string | null }>('SELECT headline FROM service_profiles WHERE id = $1', [
      profile.id,
    ]);
    expect(row!.headline).toBeNull();
  });
});

async function testPngDoc(): Promise<Buffer> {
  const { testPng } = await import('../support/images.ts');
  return testPng({ width: 300, height: 200 });
}
