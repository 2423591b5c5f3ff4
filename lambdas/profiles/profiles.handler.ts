/** Profiles domain Lambda: profiles, studios, verification, notification preferences; media-change consumer. */
import { createFieldRouter, field, noArgs } from '../core/field-router.ts';
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { createRouteRouter, route } from '../core/route-router.ts';
import { profilesModule } from './profiles.module.ts';
import { evictOnListingEvent } from './public-page-eviction.ts';
import {
  completeStepArgs,
  createProfileArgs,
  createStudioArgs,
  decideVerificationArgs,
  idArgs,
  instantBookArgs,
  notificationPreferencesArgs,
  requestVerificationArgs,
  saveProfileDraftArgs,
  saveStudioDraftArgs,
  slugArgs,
  unsubscribeQuery,
} from './profiles.schemas.ts';

const logger = createLogger({ service: 'profiles' });
const m = profilesModule;
const evictions = async () => {
  const module = await m();
  return [module.publicPages, module.listingTerms] as const;
};

// Three consumers share this entry (infra/definitions/domains.ts): media changes, account erasure and
// the public-page cache eviction of every listing change.
export const events = createEventDispatcher({
  'media.processed': async (event) => (await m()).profiles.onMediaChanged(event),
  'media.published': async (event) => (await m()).profiles.onMediaChanged(event),
  'media.reordered': async (event) => (await m()).profiles.onMediaChanged(event),
  'media.cover_changed': async (event) => (await m()).profiles.onMediaChanged(event),
  'media.deleted': async (event) => (await m()).profiles.onMediaChanged(event),
  'user.deleted': async (event) => (await m()).erasure.onUserDeleted(event),
  'profile.published': async (event) => evictOnListingEvent(...(await evictions()), event),
  'profile.updated': async (event) => evictOnListingEvent(...(await evictions()), event),
  'profile.unpublished': async (event) => {
    const module = await m();
    await evictOnListingEvent(module.publicPages, module.listingTerms, event);
    // An erased account's page is cached under its former slug, which the event no longer carries.
    if (event.payload.reason === 'account_deleted')
      await module.erasedPages.onListingErased('PROFILE', event.payload.profileId);
  },
  'studio.published': async (event) => evictOnListingEvent(...(await evictions()), event),
  'studio.updated': async (event) => evictOnListingEvent(...(await evictions()), event),
  'studio.unpublished': async (event) => {
    const module = await m();
    await evictOnListingEvent(module.publicPages, module.listingTerms, event);
    if (event.payload.reason === 'account_deleted')
      await module.erasedPages.onListingErased('STUDIO', event.payload.studioId);
  },
});

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Query.myProfiles': field(noArgs, async (_args, ctx) => (await m()).profiles.myProfiles(ctx.caller)),
      'Query.myProfile': field(idArgs, async ({ id }, ctx) => (await m()).profiles.myProfile(ctx.caller, id)),
      'Query.publicProfile': field(slugArgs, async ({ slug }) => (await m()).profiles.publicProfile(slug)),
      'Query.myStudios': field(noArgs, async (_args, ctx) => (await m()).studios.myStudios(ctx.caller)),
      'Query.myStudio': field(idArgs, async ({ id }, ctx) => (await m()).studios.myStudio(ctx.caller, id)),
      'Query.publicStudio': field(slugArgs, async ({ slug }) => (await m()).studios.publicStudio(slug)),
      'Query.verificationQueue': field(noArgs, async (_args, ctx) => (await m()).verifications.queue(ctx.caller)),
      'Query.myNotificationPreferences': field(noArgs, async (_args, ctx) =>
        (await m()).nudges.preferences(ctx.caller),
      ),
      'Mutation.createServiceProfile': field(createProfileArgs, async ({ input }, ctx) =>
        (await m()).profiles.create(ctx.caller, input),
      ),
      'Mutation.saveProfileDraft': field(saveProfileDraftArgs, async ({ input }, ctx) =>
        (await m()).profiles.saveDraft(ctx.caller, input),
      ),
      'Mutation.completeProfileStep': field(completeStepArgs, async ({ input }, ctx) =>
        (await m()).profiles.completeStep(ctx.caller, input),
      ),
      'Mutation.publishProfile': field(idArgs, async ({ id }, ctx) => (await m()).profiles.publish(ctx.caller, id)),
      'Mutation.unpublishProfile': field(idArgs, async ({ id }, ctx) => (await m()).profiles.unpublish(ctx.caller, id)),
      'Mutation.setProfileInstantBook': field(instantBookArgs, async ({ id, enabled }, ctx) =>
        (await m()).profiles.setInstantBook(ctx.caller, id, enabled),
      ),
      'Mutation.createStudio': field(createStudioArgs, async ({ input }, ctx) =>
        (await m()).studios.create(ctx.caller, input),
      ),
      'Mutation.saveStudioDraft': field(saveStudioDraftArgs, async ({ input }, ctx) =>
        (await m()).studios.saveDraft(ctx.caller, input),
      ),
      'Mutation.completeStudioStep': field(completeStepArgs, async ({ input }, ctx) =>
        (await m()).studios.completeStep(ctx.caller, input),
      ),
      'Mutation.publishStudio': field(idArgs, async ({ id }, ctx) => (await m()).studios.publish(ctx.caller, id)),
      'Mutation.unpublishStudio': field(idArgs, async ({ id }, ctx) => (await m()).studios.unpublish(ctx.caller, id)),
      'Mutation.requestVerification': field(requestVerificationArgs, async ({ input }, ctx) =>
        (await m()).verifications.request(ctx.caller, input),
      ),
      'Mutation.decideVerification': field(decideVerificationArgs, async ({ input }, ctx) =>
        (await m()).verifications.decide(ctx.caller, input),
      ),
      'Mutation.updateNotificationPreferences': field(notificationPreferencesArgs, async ({ input }, ctx) =>
        (await m()).nudges.updatePreferences(ctx.caller, input),
      ),
    },
    logger,
  ),
  rest: createRouteRouter(
    [
      // One-click unsubscribe (RFC 8058 mail clients POST; people following the link GET).
      route({
        method: 'GET',
        path: '/profiles/notifications/unsubscribe',
        query: unsubscribeQuery,
        handle: async ({ query }) => {
          await (await m()).nudges.unsubscribe(query.token, query.kind);
          return { status: 200, body: { unsubscribed: true } };
        },
      }),
      route({
        method: 'POST',
        path: '/profiles/notifications/unsubscribe',
        query: unsubscribeQuery,
        handle: async ({ query }) => {
          await (await m()).nudges.unsubscribe(query.token, query.kind);
          return { status: 200, body: { unsubscribed: true } };
        },
      }),
    ],
    { logger },
  ),
  events,
});
