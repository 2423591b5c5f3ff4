/**
 * Publish rules (issue 9): a media item is reported PUBLISHED only once its public variants exist
 * (READY means moderated, not yet public); a profile or studio publishes only with its required
 * wizard steps satisfied and at least one approved image, and the refusal names what is missing;
 * bio/description length is one rule for the wizard and the completeness score.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { eventually, gqlAs, gqlOk, MEDIA_FIELDS, sql, uploadImage, waitForMedia } from '../support/graphql.ts';
import { testJpeg } from '../support/images.ts';
import { mintAccessToken } from '../support/tokens.ts';

const MY_MEDIA = `query($id: ID!) { myMedia(id: $id) { ${MEDIA_FIELDS} } }`;
const STUDIO_FIELDS = `id status version onboarding { currentStep steps { step state missing } } completeness { score canPublish }`;
const SAVE_STUDIO = `mutation($input: SaveStudioDraftInput!) { saveStudioDraft(input: $input) { ${STUDIO_FIELDS} } }`;
const COMPLETE_STUDIO = `mutation($input: CompleteStepInput!) { completeStudioStep(input: $input) { ${STUDIO_FIELDS} } }`;
const PUBLISH_STUDIO = `mutation($id: ID!) { publishStudio(id: $id) { ${STUDIO_FIELDS} } }`;
const PROFILE_FIELDS = `id status version onboarding { currentStep steps { step state missing } } completeness { score items { key done hint } }`;
const SAVE_PROFILE = `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { ${PROFILE_FIELDS} } }`;
const COMPLETE_PROFILE = `mutation($input: CompleteStepInput!) { completeProfileStep(input: $input) { ${PROFILE_FIELDS} } }`;
const PUBLISH_PROFILE = `mutation($id: ID!) { publishProfile(id: $id) { ${PROFILE_FIELDS} } }`;

type MediaItem = { status: string; variants: { url: string }[] };

describe('media: moderated (READY) is not published (PUBLISHED)', () => {
  it('reports PUBLISHED only once the public variants exist, and READY never lists variants', async () => {
    const token = await mintAccessToken({ userId: newId('user'), roles: ['host'] });
    const studio = (
      await gqlOk(token, `mutation($input: CreateStudioInput!) { createStudio(input: $input) { id } }`, {
        input: { name: 'Publish rules loft', slug: `rules-${newId('user').slice(-10).toLowerCase()}` },
      })
    ).createStudio;
    const upload = await uploadImage(token, {
      ownerType: 'STUDIO',
      ownerId: studio.id,
      body: await testJpeg({ seed: 31 }),
      contentType: 'image/jpeg',
    });
    // Poll tightly through moderation and publication: every answer must be self-consistent.
    const seen: MediaItem[] = [];
    const published = await eventually(async () => {
      const item = (await gqlOk(token, MY_MEDIA, { id: upload.id })).myMedia as MediaItem;
      seen.push(item);
      return item.status === 'PUBLISHED' ? item : undefined;
    }, 60_000);
    for (const item of seen) {
      if (item.status === 'PUBLISHED') expect(item.variants.length).toBeGreaterThan(0);
      else expect(item.variants).toEqual([]);
    }
    for (const variant of published.variants) expect((await fetch(variant.url)).status).toBe(200);

    // The same item with its public copies not (yet) written — the publisher's window — is READY.
    const [row] = await sql<{ public_variants: unknown[] }>(`SELECT public_variants FROM media WHERE id = $1`, [
      upload.id,
    ]);
    await sql(`UPDATE media SET public_variants = '[]' WHERE id = $1`, [upload.id]);
    expect((await gqlOk(token, MY_MEDIA, { id: upload.id })).myMedia).toMatchObject({ status: 'READY', variants: [] });
    await sql(`UPDATE media SET public_variants = $2 WHERE id = $1`, [upload.id, JSON.stringify(row!.public_variants)]);
    expect((await gqlOk(token, MY_MEDIA, { id: upload.id })).myMedia.status).toBe('PUBLISHED');
  });
});

describe('listings publish only with the required wizard steps and an approved image', () => {
  it('refuses a studio at LOCATION with no photo (score above the threshold), naming what is missing', async () => {
    const token = await mintAccessToken({ userId: newId('user'), roles: ['host'] });
    let studio = (
      await gqlOk(token, `mutation($input: CreateStudioInput!) { createStudio(input: $input) { ${STUDIO_FIELDS} } }`, {
        input: { name: 'No Photo Loft', slug: `no-photo-${newId('user').slice(-10).toLowerCase()}` },
      })
    ).createStudio;
    studio = (
      await gqlOk(token, SAVE_STUDIO, {
        input: {
          studioId: studio.id,
          expectedVersion: studio.version,
          step: 'BASICS',
          patch: {
            description: 'A bright loft with a cyclorama wall, north-facing windows, a makeup station and fast Wi-Fi.',
          },
        },
      })
    ).saveStudioDraft;
    studio = (
      await gqlOk(token, COMPLETE_STUDIO, { input: { id: studio.id, expectedVersion: studio.version, step: 'BASICS' } })
    ).completeStudioStep;
    // Everything but a photo, saved while the wizard is at LOCATION.
    studio = (
      await gqlOk(token, SAVE_STUDIO, {
        input: {
          studioId: studio.id,
          expectedVersion: studio.version,
          step: 'LOCATION',
          patch: {
            city: 'us-nyc',
            addressLine1: '1 Example Street',
            postalCode: '10001',
            amenities: ['daylight', 'cyclorama', 'wifi'],
            hourlyMinCents: 6000,
            hourlyMaxCents: 9000,
            depositCents: 10000,
            availability: JSON.stringify({ mon: ['08:00-20:00'] }),
          },
        },
      })
    ).saveStudioDraft;
    studio = (
      await gqlOk(token, COMPLETE_STUDIO, {
        input: { id: studio.id, expectedVersion: studio.version, step: 'LOCATION' },
      })
    ).completeStudioStep;
    expect(studio.onboarding.currentStep).toBe('PHOTOS');
    expect(studio.completeness.score).toBeGreaterThanOrEqual(60);

    const refused = await gqlAs(token, PUBLISH_STUDIO, { id: studio.id });
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]).toMatchObject({
      errorType: 'PRECONDITION_FAILED',
      errorInfo: {
        code: 'STUDIO.NOT_READY_TO_PUBLISH',
        missingSteps: ['PHOTOS'],
        missing: [{ step: 'PHOTOS', items: ['at least one moderated photo'] }],
        approvedImages: 0,
      },
    });
    expect(refused.errors?.[0]?.message).toContain('PHOTOS');
    expect((await sql(`SELECT status FROM studios WHERE id = $1`, [studio.id]))[0]).toEqual({ status: 'DRAFT' });

    // One approved photo: the same studio publishes, and its wizard no longer sits at an earlier step.
    const photo = await uploadImage(token, {
      ownerType: 'STUDIO',
      ownerId: studio.id,
      body: await testJpeg({ seed: 32 }),
      contentType: 'image/jpeg',
    });
    await waitForMedia(token, photo.id, ['PUBLISHED']);
    const published = (await gqlOk(token, PUBLISH_STUDIO, { id: studio.id })).publishStudio;
    expect(published.status).toBe('PUBLISHED');
    expect(published.onboarding.currentStep).toBe('VERIFICATION');
  });

  it('holds a profile to one bio rule, and refuses publishing without an approved image', async () => {
    const token = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    let profile = (
      await gqlOk(
        token,
        `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { ${PROFILE_FIELDS} } }`,
        { input: { role: 'MODEL', displayName: 'Bea Rule' } },
      )
    ).createServiceProfile;
    const shortBio = 'Fashion and beauty model in New York City.'; // 42 characters
    profile = (
      await gqlOk(token, SAVE_PROFILE, {
        input: {
          profileId: profile.id,
          expectedVersion: profile.version,
          step: 'BASICS',
          patch: { headline: 'Fashion model', bio: shortBio, city: 'us-nyc' },
        },
      })
    ).saveProfileDraft;
    const basics = profile.onboarding.steps.find((step: { step: string }) => step.step === 'BASICS');
    expect(basics.missing).toEqual(['bio (80+ characters)']);
    const bioItem = profile.completeness.items.find((item: { key: string }) => item.key === 'bio');
    expect(bioItem).toMatchObject({ done: false, hint: 'Write a bio of at least 80 characters (+10)' });
    const incomplete = await gqlAs(token, COMPLETE_PROFILE, {
      input: { id: profile.id, expectedVersion: profile.version, step: 'BASICS' },
    });
    expect(incomplete.errors?.[0]).toMatchObject({
      errorInfo: { code: 'ONBOARDING.STEP_INCOMPLETE', missing: ['bio (80+ characters)'] },
    });

    // Everything else filled in; still no image and a short bio.
    profile = (
      await gqlOk(token, SAVE_PROFILE, {
        input: {
          profileId: profile.id,
          expectedVersion: profile.version,
          patch: {
            tags: ['fashion', 'beauty', 'editorial'],
            languages: ['English'],
            priceMinCents: 20000,
            priceMaxCents: 60000,
            packages: [{ name: 'Half day', durationMinutes: 240, priceCents: 30000 }],
            cancellationPolicy: 'Free until 48 h before.',
            reschedulePolicy: 'Free once.',
            availability: JSON.stringify({ thu: ['10:00-18:00'] }),
          },
        },
      })
    ).saveProfileDraft;
    const refused = await gqlAs(token, PUBLISH_PROFILE, { id: profile.id });
    expect(refused.errors?.[0]).toMatchObject({
      errorType: 'PRECONDITION_FAILED',
      errorInfo: {
        code: 'PROFILE.NOT_READY_TO_PUBLISH',
        missingSteps: ['BASICS', 'PORTFOLIO'],
        missing: [
          { step: 'BASICS', items: ['bio (80+ characters)'] },
          { step: 'PORTFOLIO', items: ['at least one moderated portfolio image'] },
        ],
        approvedImages: 0,
      },
    });

    profile = (
      await gqlOk(token, SAVE_PROFILE, {
        input: {
          profileId: profile.id,
          expectedVersion: profile.version,
          patch: { bio: `${shortBio} Editorial, beauty and e-commerce work; calm on set, quick turnaround.` },
        },
      })
    ).saveProfileDraft;
    const stillNoImage = await gqlAs(token, PUBLISH_PROFILE, { id: profile.id });
    expect(stillNoImage.errors?.[0]?.errorInfo).toMatchObject({
      code: 'PROFILE.NOT_READY_TO_PUBLISH',
      missingSteps: ['PORTFOLIO'],
    });

    const image = await uploadImage(token, {
      ownerType: 'PROFILE',
      ownerId: profile.id,
      body: await testJpeg({ seed: 33 }),
      contentType: 'image/jpeg',
    });
    await waitForMedia(token, image.id, ['PUBLISHED']);
    const published = await eventually(async () => {
      const answer = await gqlAs(token, PUBLISH_PROFILE, { id: profile.id });
      return answer.errors ? undefined : answer.data!.publishProfile;
    }, 10_000);
    expect(published).toMatchObject({ status: 'PUBLISHED', onboarding: { currentStep: 'VERIFICATION' } });
  });
});
