/**
 * Media worker Lambda (heavy: sharp's native libvips; locally also tfjs + nsfwjs on wasm):
 * consumes `media.uploaded` from its SQS queue. The moderator adapter is chosen by
 * MODERATION_ADAPTER and imported lazily, so AWS bundles never load tfjs.
 */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { mediaWorker } from './media-worker.module.ts';

export { mediaWorker };

const logger = createLogger({ service: 'media-worker' });

export const events = createEventDispatcher({
  'media.uploaded': async (event) => (await mediaWorker()).handle(event),
});

export const handler = createDomainHandler({
  logger,
  events,
});
