/** Media API Lambda (light: no sharp, no model): uploads, ordering, cover, admin moderation. */
import { createFieldRouter, field, noArgs } from '../core/field-router.ts';
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { mediaLifecycle, mediaService } from './media.module.ts';
import { decideModerationArgs, mediaIdArgs, reorderArgs, requestUploadArgs } from './media.schemas.ts';

const logger = createLogger({ service: 'media' });

// Consumers (infra/definitions/domains.ts): publication/withdrawal of public copies, account erasure.
export const events = createEventDispatcher({
  'media.publishable': async (event) => (await mediaLifecycle()).publish(event),
  'media.withdrawn': async (event) => (await mediaLifecycle()).withdraw(event),
  'user.deleted': async (event) => (await mediaLifecycle()).eraseUser(event),
});

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Mutation.requestMediaUpload': field(requestUploadArgs, async ({ input }, ctx) =>
        (await mediaService()).requestUpload(ctx.caller, input),
      ),
      'Mutation.completeMediaUpload': field(mediaIdArgs, async ({ id }, ctx) =>
        (await mediaService()).completeUpload(ctx.caller, id),
      ),
      'Mutation.reorderMedia': field(reorderArgs, async ({ input }, ctx) =>
        (await mediaService()).reorder(ctx.caller, input),
      ),
      'Mutation.setCoverMedia': field(mediaIdArgs, async ({ id }, ctx) =>
        (await mediaService()).setCover(ctx.caller, id),
      ),
      'Mutation.deleteMedia': field(mediaIdArgs, async ({ id }, ctx) => (await mediaService()).delete(ctx.caller, id)),
      'Mutation.decideModeration': field(decideModerationArgs, async ({ input }, ctx) =>
        (await mediaService()).decideModeration(ctx.caller, input),
      ),
      'Query.myMedia': field(mediaIdArgs, async ({ id }, ctx) => (await mediaService()).myMedia(ctx.caller, id)),
      'Query.moderationQueue': field(noArgs, async (_args, ctx) => (await mediaService()).moderationQueue(ctx.caller)),
    },
    logger,
  ),
  events,
});
