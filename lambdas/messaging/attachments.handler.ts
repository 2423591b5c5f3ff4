/** Messaging attachments Lambda (heavy half of messaging: sharp and the classifier): upload, scan, download URLs. */
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { attachmentsService } from './attachments.module.ts';
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
    },
    logger,
  ),
});
