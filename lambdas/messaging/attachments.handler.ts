/**
 * Messaging attachments Lambda (heavy half of messaging: sharp and the classifier): upload, scan, download URLs;
 * and deliverable manifests (uploads, server-side checksums, the client's decision).
 */
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { attachmentsService, deliverablesService } from './attachments.module.ts';
import {
  decideDeliverablesArgs,
  deliverableFileUrlArgs,
  postDeliverablesArgs,
  requestDeliverableUploadArgs,
  threadDeliverablesArgs,
} from './deliverables.schemas.ts';
import { attachmentArgs, requestAttachmentUploadArgs } from './messaging.schemas.ts';

const logger = createLogger({ service: 'messaging-attachments' });

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Mutation.requestMessageAttachmentUpload': field(requestAttachmentUploadArgs, ({ input }, ctx) =>
        attachmentsService().requestUpload(ctx.caller, input),
      ),
      'Mutation.completeMessageAttachment': field(attachmentArgs, ({ threadId, attachmentId }, ctx) =>
        attachmentsService().complete(ctx.caller, threadId, attachmentId),
      ),
      'Query.messageAttachmentUrl': field(attachmentArgs, ({ threadId, attachmentId }, ctx) =>
        attachmentsService().downloadUrl(ctx.caller, threadId, attachmentId),
      ),
      'Mutation.requestDeliverableUpload': field(requestDeliverableUploadArgs, ({ input }, ctx) =>
        deliverablesService().requestUpload(ctx.caller, input),
      ),
      'Mutation.postDeliverables': field(postDeliverablesArgs, ({ input }, ctx) =>
        deliverablesService().post(ctx.caller, input),
      ),
      'Mutation.decideDeliverables': field(decideDeliverablesArgs, ({ input }, ctx) =>
        deliverablesService().decide(ctx.caller, input),
      ),
      'Query.threadDeliverables': field(threadDeliverablesArgs, ({ threadId }, ctx) =>
        deliverablesService().list(ctx.caller, threadId),
      ),
      'Query.deliverableFileUrl': field(deliverableFileUrlArgs, ({ threadId, setId, position }, ctx) =>
        deliverablesService().fileUrl(ctx.caller, threadId, setId, position),
      ),
    },
    logger,
  ),
});
