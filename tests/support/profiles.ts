/** Builds a published provider profile over GraphQL (one SFW image, above the publish threshold). */
import { gqlOk, uploadImage, waitForMedia } from './graphql.ts';
import { testJpeg } from './images.ts';

/**
 * A draft patch that fills every provider step the publish rules require (with one approved image,
 * above the completeness threshold). Also used by tests that run their own stack (hard-kill).
 */
export function publishableProfilePatch(contactEmail?: string) {
  return {
    headline: 'Portraits and events',
    bio: 'Portrait, headshot and event photographer with ten years of studio and on-location experience.',
    city: 'us-lax',
    tags: ['portrait', 'headshot', 'events'],
    languages: ['English'],
    priceMinCents: 20000,
    priceMaxCents: 90000,
    packages: [{ name: 'Headshots', durationMinutes: 60, priceCents: 20000, extras: ['retouching'] }],
    cancellationPolicy: 'Free until 48 h before.',
    reschedulePolicy: 'Free once.',
    availability: JSON.stringify({ wed: ['09:00-18:00'] }),
    ...(contactEmail ? { contactEmail } : {}),
  };
}

export async function seedPublishedProfile(token: string, contactEmail?: string, role = 'PHOTOGRAPHER') {
  let profile = (
    await gqlOk(
      token,
      `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id version slug } }`,
      { input: { role, displayName: 'Pat Shutter' } },
    )
  ).createServiceProfile;
  profile = (
    await gqlOk(
      token,
      `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { id version slug } }`,
      {
        input: {
          profileId: profile.id,
          expectedVersion: profile.version,
          patch: publishableProfilePatch(contactEmail),
        },
      },
    )
  ).saveProfileDraft;
  const upload = await uploadImage(token, {
    ownerType: 'PROFILE',
    ownerId: profile.id,
    body: await testJpeg({ seed: 11 }),
    contentType: 'image/jpeg',
    alt: 'Headshot sample',
  });
  await waitForMedia(token, upload.id, ['PUBLISHED']);
  await gqlOk(token, `mutation($id: ID!) { setCoverMedia(id: $id) { id } }`, { id: upload.id });
  await gqlOk(token, `mutation($id: ID!) { publishProfile(id: $id) { status } }`, { id: profile.id });
  return { profileId: profile.id as string, slug: profile.slug as string, mediaId: upload.id };
}
