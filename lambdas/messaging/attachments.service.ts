/**
 * Image attachments in threads (NTB-MSG-002, seed 004 §1.4.B.3), the smallest complete slice:
 *   1. a member asks for an upload URL: a presigned S3 PUT into msg-previews `incoming/…` whose
 *      signature binds the declared type (JPEG/PNG/WebP) and exact size (≤ 20 MB);
 *   2. the member completes it: the object is checked against what was declared, its real type is
 *      sniffed from its bytes (the media pipeline's allow-list), it is decoded and re-encoded without
 *      metadata into a WebP preview, and the media pipeline's classifier judges it; not-SFW (band ≥ 1)
 *      or anything that is not a decodable allowed image is refused, and the upload deleted;
 *   3. the author sends a message naming the attachment (sendMessage; the write claims it once);
 *   4. members get a short-lived download URL for the preview; anybody else is told it does not exist.
 * The preview is the only stored form: no original is kept (deliverables are out of this slice).
 * Bounded per user: upload requests and completions by the rate-limit matrix (a completion decodes an
 * image and runs the classifier), at most MAX_UNSENT_PER_THREAD unsent attachments per member and
 * thread, and an unsent attachment expires after UNSENT_TTL_SECONDS (DynamoDB TTL on its item, S3
 * lifecycle on `incoming/` and `unsent/` where its upload and preview live until a message claims it).
 */
import type { Clock } from '../core/clock.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { ImageModerator, ImagePreviewer, ObjectStore, ObjectUrlSigner, RateLimiter } from '../core/ports.ts';
import { rateLimitPolicy } from '../core/rate-limit-matrix.ts';
import { enforceRateLimits } from '../core/rate-limit.ts';
import { SNIFF_BYTES, sniffImageType } from '../media/index.ts';
import {
  AttachmentNotFoundError,
  AttachmentNotUploadedError,
  AttachmentQuotaError,
  AttachmentRefusedError,
  BlockedError,
  ThreadClosedError,
  ThreadNotFoundError,
} from './messaging.errors.ts';
import type { RequestAttachmentUploadInput } from './messaging.schemas.ts';
import { unsentPreviewKey, type AttachmentRecord, type ThreadStore } from './thread.repository.ts';

export const UPLOAD_URL_TTL_SECONDS = 10 * 60;
export const DOWNLOAD_URL_TTL_SECONDS = 5 * 60;
/** Unsent attachments a member may hold in one thread (each a stored preview nobody else sees). */
export const MAX_UNSENT_PER_THREAD = 10;
/** An attachment no message claimed is gone after this (item TTL; objects by the bucket's lifecycle). */
export const UNSENT_TTL_SECONDS = 24 * 60 * 60;

const uploadPolicy = rateLimitPolicy('messages.attachment_upload.user');
const completePolicy = rateLimitPolicy('messages.attachment_complete.user');

export interface AttachmentUploadView {
  readonly attachmentId: string;
  readonly uploadUrl: string;
  readonly uploadHeaders: readonly { readonly name: string; readonly value: string }[];
  readonly expiresAt: string;
}

export interface AttachmentView {
  readonly attachmentId: string;
  readonly threadId: string;
  readonly status: 'PENDING' | 'READY' | 'REFUSED';
  readonly contentType: string;
  readonly width: number | null;
  readonly height: number | null;
}

export interface AttachmentDownloadView {
  readonly attachmentId: string;
  readonly url: string;
  readonly contentType: string;
  readonly expiresAt: string;
}

function toView(record: AttachmentRecord): AttachmentView {
  return {
    attachmentId: record.attachmentId,
    threadId: record.threadId,
    status: record.status.toUpperCase() as AttachmentView['status'],
    contentType: record.status === 'ready' ? 'image/webp' : record.contentType,
    width: record.previewWidth,
    height: record.previewHeight,
  };
}

export class AttachmentsService {
  constructor(
    private readonly threads: ThreadStore,
    private readonly objects: ObjectStore,
    private readonly urls: ObjectUrlSigner,
    private readonly previewer: ImagePreviewer,
    private readonly moderator: () => Promise<ImageModerator>,
    private readonly bucket: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly limiter: RateLimiter,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.clock.nowMs() / 1000);
  }

  /** TTL deletes lazily: an item past its expiry is treated as gone at once. */
  private expired(attachment: AttachmentRecord): boolean {
    return attachment.expiresAt !== undefined && attachment.expiresAt <= this.nowSeconds();
  }

  /** The caller's membership of the thread (non-members: NOT_FOUND, as if it did not exist). */
  private async openMembership(caller: Caller, threadId: string) {
    const user = requireUser(caller);
    const participant = await this.threads.getParticipant(threadId, user.userId);
    if (!participant) throw new ThreadNotFoundError();
    return participant;
  }

  async requestUpload(caller: Caller, input: RequestAttachmentUploadInput): Promise<AttachmentUploadView> {
    // Spent before any other work, so refused requests cost no more than allowed ones.
    await enforceRateLimits(this.limiter, [{ policy: uploadPolicy, key: requireUser(caller).userId }]);
    const participant = await this.openMembership(caller, input.threadId);
    const thread = await this.threads.getThread(input.threadId);
    if (!thread) throw new ThreadNotFoundError();
    if (thread.status !== 'open') throw new ThreadClosedError();
    // The caller blocked this thread (a block by another member is checked with the reservation below).
    if (participant.blocked) throw new BlockedError();
    const attachmentId = newId('attachment');
    const incomingKey = `incoming/${input.threadId}/${attachmentId}`;
    const reserved = await this.threads.reserveAttachment(
      {
        threadId: input.threadId,
        attachmentId,
        uploaderUserId: participant.userId,
        status: 'pending',
        contentType: input.contentType,
        declaredBytes: input.sizeBytes,
        incomingKey,
        previewKey: null,
        width: null,
        height: null,
        previewWidth: null,
        previewHeight: null,
        nsfwBand: null,
        refusal: null,
        messageId: null,
        createdAt: this.clock.now().toISOString(),
        expiresAt: this.nowSeconds() + UNSENT_TTL_SECONDS,
      },
      MAX_UNSENT_PER_THREAD,
      this.nowSeconds(),
      thread.participants,
    );
    if (reserved === 'not-participant') throw new ThreadNotFoundError();
    if (reserved === 'blocked') throw new BlockedError();
    if (reserved === 'quota') throw new AttachmentQuotaError(MAX_UNSENT_PER_THREAD);
    const signed = await this.urls.presignPut({
      bucket: this.bucket,
      key: incomingKey,
      contentType: input.contentType,
      contentLength: input.sizeBytes,
      expiresSeconds: UPLOAD_URL_TTL_SECONDS,
    });
    return {
      attachmentId,
      uploadUrl: signed.url,
      uploadHeaders: Object.entries(signed.headers).map(([name, value]) => ({ name, value })),
      expiresAt: new Date(this.clock.now().getTime() + UPLOAD_URL_TTL_SECONDS * 1000).toISOString(),
    };
  }

  /** The uploader's own attachment of a thread they belong to (anything else: NOT_FOUND). */
  private async ownAttachment(caller: Caller, threadId: string, attachmentId: string): Promise<AttachmentRecord> {
    const participant = await this.openMembership(caller, threadId);
    const attachment = await this.threads.getAttachment(threadId, attachmentId);
    if (!attachment || attachment.uploaderUserId !== participant.userId || this.expired(attachment))
      throw new AttachmentNotFoundError();
    return attachment;
  }

  /**
   * Scans the upload once: ready (an SFW preview) or refused. Idempotent: a completed attachment
   * answers its verdict again; concurrent completions scan alike and one verdict is recorded.
   */
  async complete(caller: Caller, threadId: string, attachmentId: string): Promise<AttachmentView> {
    await enforceRateLimits(this.limiter, [{ policy: completePolicy, key: requireUser(caller).userId }]);
    const attachment = await this.ownAttachment(caller, threadId, attachmentId);
    if (attachment.status === 'refused') throw new AttachmentRefusedError(attachment.refusal ?? 'refused');
    if (attachment.status === 'ready') return toView(attachment);

    // A concurrent completion may have settled it (and removed the upload) since the read above.
    const settledMeanwhile = async (): Promise<AttachmentView> => {
      const settled = await this.threads.getAttachment(threadId, attachmentId);
      if (settled?.status === 'ready') return toView(settled);
      if (settled?.status === 'refused') throw new AttachmentRefusedError(settled.refusal ?? 'refused');
      throw new AttachmentNotUploadedError();
    };
    const head = await this.objects.head(this.bucket, attachment.incomingKey);
    if (!head) return settledMeanwhile();
    const refuse = async (reason: string): Promise<AttachmentView> => {
      await this.threads.settleAttachment(threadId, attachmentId, {
        status: 'refused',
        previewKey: null,
        width: null,
        height: null,
        previewWidth: null,
        previewHeight: null,
        nsfwBand: null,
        refusal: reason,
      });
      await this.objects.delete(this.bucket, attachment.incomingKey);
      this.logger.info('attachment refused', { threadId, attachmentId, reason });
      return settledMeanwhile();
    };
    // S3 enforces the signed length in AWS; s3rver does not, so the size is checked here as well.
    if (head.sizeBytes !== attachment.declaredBytes) return refuse('size-mismatch');
    const bytes = await this.objects.read(this.bucket, attachment.incomingKey);
    if (!bytes) return settledMeanwhile();
    const type = await sniffImageType(bytes.subarray(0, SNIFF_BYTES));
    if (type === null || type !== attachment.contentType) return refuse('not-an-allowed-image');

    let preview;
    try {
      preview = await this.previewer.preview(bytes);
    } catch {
      return refuse('undecodable');
    }
    const verdict = await (await this.moderator()).classify(preview.moderationJpeg);
    if (verdict.band >= 1) return refuse('not-safe-for-work');

    // Under unsent/ until a message claims it (sendMessage moves it to previews/): the bucket's
    // lifecycle on unsent/ removes previews nobody sent, as the item's TTL removes the item.
    const previewKey = unsentPreviewKey(threadId, attachmentId);
    await this.objects.write(this.bucket, previewKey, preview.webp, 'image/webp');
    await this.threads.settleAttachment(threadId, attachmentId, {
      status: 'ready',
      previewKey,
      width: preview.width,
      height: preview.height,
      previewWidth: preview.previewWidth,
      previewHeight: preview.previewHeight,
      nsfwBand: verdict.band,
      refusal: null,
    });
    await this.objects.delete(this.bucket, attachment.incomingKey);
    return settledMeanwhile();
  }

  /**
   * A short-lived URL of an attachment's preview, for members only, once it is in a message (or to
   * its uploader before that). A non-member, or an attachment that is not ready, is NOT_FOUND.
   */
  async downloadUrl(caller: Caller, threadId: string, attachmentId: string): Promise<AttachmentDownloadView> {
    const participant = await this.openMembership(caller, threadId);
    const attachment = await this.threads.getAttachment(threadId, attachmentId);
    if (
      !attachment ||
      attachment.status !== 'ready' ||
      this.expired(attachment) ||
      !attachment.previewKey ||
      (attachment.messageId === null && attachment.uploaderUserId !== participant.userId)
    )
      throw new AttachmentNotFoundError();
    const url = await this.urls.presignGet({
      bucket: this.bucket,
      key: attachment.previewKey,
      expiresSeconds: DOWNLOAD_URL_TTL_SECONDS,
    });
    return {
      attachmentId,
      url,
      contentType: 'image/webp',
      expiresAt: new Date(this.clock.now().getTime() + DOWNLOAD_URL_TTL_SECONDS * 1000).toISOString(),
    };
  }
}
