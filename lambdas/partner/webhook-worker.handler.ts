/**
 * The webhook delivery worker Lambda. Two entry kinds:
 *  - SQS batches of catalog events (an EventBridge rule per infra/definitions eventConsumers; the
 *    local stack's in-process bus): fan out to subscribed endpoints and deliver;
 *  - the scheduled retry run (EventBridge schedule; locally /dev/jobs/partner-webhooks, whose
 *    `?now=` runs it as if at a later time): deliver every task whose backoff has elapsed.
 * It also consumes `user.deleted` (partner-user-deleted): see partner-erasure.service.ts.
 */
import type { DomainEvent } from '../core/events/catalog.ts';
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createDomainHandler } from '../core/handler.ts';
import { addLambdaContext, createLogger, type LambdaContext } from '../core/log.ts';
import { partnerErasure, partnerModule } from './partner.module.ts';

const logger = createLogger({ service: 'partner-webhooks' });
const deliver = async (event: DomainEvent) => (await partnerModule()).delivery.onEvent(event);

export const events = createEventDispatcher({
  'profile.published': deliver,
  'profile.updated': deliver,
  'profile.unpublished': deliver,
  'studio.published': deliver,
  'studio.updated': deliver,
  'studio.unpublished': deliver,
  'media.published': deliver,
  'media.deleted': deliver,
  // A partner's own briefs and invites (to that partner's endpoints only).
  'brief.created': deliver,
  'brief.closed': deliver,
  'invite.created': deliver,
  // Account deletion (consumer partner-user-deleted): account links and stored payloads.
  'user.deleted': async (event) => (await partnerErasure()).onUserDeleted(event),
});

const consumer = createDomainHandler({ logger, events });

function isScheduled(event: unknown): event is { time?: string; 'detail-type'?: string } {
  return typeof event === 'object' && event !== null && !('Records' in event);
}

export async function handler(event: unknown, context?: LambdaContext): Promise<unknown> {
  if (!isScheduled(event)) return consumer(event, context);
  if (context) addLambdaContext(context);
  const asOf = event.time ? new Date(event.time) : undefined;
  if (asOf && Number.isNaN(asOf.getTime())) throw new Error('invalid time');
  const run = await (await partnerModule()).delivery.deliverDue(asOf ? { asOf } : {});
  logger.info('webhook retry run finished', { ...run });
  return run;
}
