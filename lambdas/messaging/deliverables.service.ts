/**
 * Final deliverables as immutable manifests (NTB-MSG-002; seed 004's "deliverables accept / request
 * changes" action card), in the booking's thread:
 *   1. the booking's provider side asks for an upload URL per file: a presigned PUT into the
 *      msg-previews bucket's `deliverables/` prefix whose signature binds the declared content type and
 *      exact size; the declared SHA-256 is recorded with the reservation;
 *   2. `postDeliverables` reads every stored object, checks its size and computes its SHA-256 here
 *      (S3 would enforce the signed length in AWS; s3rver does not, and a checksum is only worth what
 *      the server computed), then records the manifest — name, size, checksum, type — as a new version
 *      of the thread's deliverables, in one transaction that consumes the uploads. A mismatch refuses
 *      the post and discards that upload. A posted set never changes (grants and a trigger);
 *   3. the booking's client accepts it or requests changes (with a note): the set's only update,
 *      conditioned on it being PENDING and the latest version and on the booking's status, and
 *      audited in the same transaction. A replay with the same idempotency key answers the stored
 *      outcome; any other request for a decided set is refused with its current state, so concurrent
 *      accept / request-changes end in exactly one outcome.
 * Only thread members read sets (a non-member: NOT_FOUND); downloads are 5-minute presigned GETs.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import { isUniqueViolation } from '../core/db/database.ts';
import type { ObjectCopier, ObjectStore, ObjectUrlSigner } from '../core/ports.ts';
import type { BookingCardsView } from '../booking/index.ts';
import {
  DeliverableIntegrityError,
  DeliverableNotUploadedError,
  DeliverableSetNotFoundError,
  DeliverablesBookingStateError,
  DeliverablesDecisionClosedError,
  DeliverablesKeyReusedError,
  DeliverablesRoleError,
  DeliverableUploadNotFoundError,
  DeliverableUploadQuotaError,
} from './deliverables.errors.ts';
import type {
  DeliverableFileRow,
  DeliverableSetRow,
  DeliverableSetWithFiles,
  DeliverablesStore,
} from './deliverables.repository.ts';
import type {
  DecideDeliverablesInput,
  PostDeliverablesInput,
  RequestDeliverableUploadInput,
} from './deliverables.schemas.ts';
import { BlockedError, ThreadNotFoundError } from './messaging.errors.ts';
import type { ThreadStore } from './thread.repository.ts';

export const DELIVERABLE_UPLOAD_URL_TTL_SECONDS = 15 * 60;
export const DELIVERABLE_DOWNLOAD_URL_TTL_SECONDS = 5 * 60;
/** An upload not posted within a day is gone (its row is ignored; the object waits for the sweep). */
export const DELIVERABLE_UPLOAD_TTL_SECONDS = 24 * 60 * 60;
export const MAX_PENDING_UPLOADS_PER_THREAD = 40;
/** Booking states in which deliverables are posted and decided on (after confirmation, before any end). */
export const DELIVERABLE_BOOKING_STATES: readonly string[] = ['CONFIRMED', 'IN_PROGRESS', 'COMPLETED'];

export interface DeliverableUploadView {
  readonly uploadId: string;
  readonly uploadUrl: string;
  readonly uploadHeaders: readonly { readonly name: string; readonly value: string }[];
  readonly expiresAt: string;
}

export interface DeliverableFileView {
  readonly position: number;
  readonly name: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface DeliverableSetView {
  readonly setId: string;
  readonly threadId: string;
  readonly bookingId: string;
  readonly version: number;
  readonly providerUserId: string;
  readonly clientUserId: string;
  readonly note: string | null;
  readonly status: DeliverableSetRow['status'];
  readonly decisionNote: string | null;
  readonly decidedAt: string | null;
  readonly createdAt: string;
  readonly files: readonly DeliverableFileView[];
  /** The action card: what the viewer may do on this set now (the client, on the latest pending set). */
  readonly viewerActions: readonly ('ACCEPT' | 'REQUEST_CHANGES')[];
}

export interface DeliverableDownloadView {
  readonly url: string;
  readonly name: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly expiresAt: string;
}

function fileView(file: DeliverableFileRow): DeliverableFileView {
  return {
    position: file.position,
    name: file.name,
    contentType: file.content_type,
    sizeBytes: file.size_bytes,
    sha256: file.sha256,
  };
}

export class DeliverablesService {
  constructor(
    private readonly threads: Pick<ThreadStore, 'getParticipant' | 'getThread'>,
    private readonly store: DeliverablesStore,
    private readonly objects: Pick<ObjectStore, 'head' | 'read' | 'delete'> & ObjectCopier,
    private readonly urls: ObjectUrlSigner,
    private readonly bucket: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The caller's membership and the booking the thread follows (non-members: NOT_FOUND). */
  private async memberThread(caller: Caller, threadId: string) {
    const user = requireUser(caller);
    const participant = await this.threads.getParticipant(threadId, user.userId);
    if (!participant) throw new ThreadNotFoundError();
    const thread = await this.threads.getThread(threadId);
    if (!thread) throw new ThreadNotFoundError();
    return { userId: user.userId, participant, bookingId: thread.cardBookingId ?? thread.lbgId ?? null };
  }

  /** The booking as `userId` sees it, required to be in a deliverables state with `userId` in `role`. */
  private requireBooking(booking: BookingCardsView | null, role: 'OWNER' | 'CLIENT'): BookingCardsView {
    if (!booking) throw new DeliverablesBookingStateError(null);
    if (booking.viewerRole !== role) throw new DeliverablesRoleError(role);
    if (!DELIVERABLE_BOOKING_STATES.includes(booking.status)) throw new DeliverablesBookingStateError(booking.status);
    return booking;
  }

  async requestUpload(caller: Caller, input: RequestDeliverableUploadInput): Promise<DeliverableUploadView> {
    const { userId, participant, bookingId } = await this.memberThread(caller, input.threadId);
    if (participant.blocked) throw new BlockedError();
    if (!bookingId) throw new DeliverablesBookingStateError(null);
    const booking = this.requireBooking(await this.store.booking(bookingId, userId), 'OWNER');
    const uploadId = newId('deliverableUpload');
    const objectKey = `deliverables/${input.threadId}/${uploadId}`;
    const now = this.clock.now();
    const reserved = await this.store.insertUpload(
      {
        id: uploadId,
        thread_id: input.threadId,
        booking_group_id: booking.groupId,
        uploader_user_id: userId,
        name: input.name,
        content_type: input.contentType,
        size_bytes: input.sizeBytes,
        declared_sha256: input.sha256,
        object_key: objectKey,
        created_at: now,
        expires_at: new Date(now.getTime() + DELIVERABLE_UPLOAD_TTL_SECONDS * 1000),
      },
      MAX_PENDING_UPLOADS_PER_THREAD,
    );
    if (!reserved) throw new DeliverableUploadQuotaError(MAX_PENDING_UPLOADS_PER_THREAD);
    const signed = await this.urls.presignPut({
      bucket: this.bucket,
      key: objectKey,
      contentType: input.contentType,
      contentLength: input.sizeBytes,
      expiresSeconds: DELIVERABLE_UPLOAD_URL_TTL_SECONDS,
    });
    return {
      uploadId,
      uploadUrl: signed.url,
      uploadHeaders: Object.entries(signed.headers).map(([name, value]) => ({ name, value })),
      expiresAt: new Date(now.getTime() + DELIVERABLE_UPLOAD_URL_TTL_SECONDS * 1000).toISOString(),
    };
  }

  /**
   * Copies the upload server-side to `fileKey` and answers the copy's SHA-256, computed here; a
   * mismatch discards the upload. The copy is what gets recorded: its key was never in a presigned
   * PUT, while the upload URL stays valid for 15 minutes and could put other bytes after the post.
   */
  private async verify(uploadId: string, userId: string, threadId: string, fileKey: string): Promise<string> {
    const upload = await this.store.upload(uploadId);
    if (!upload || upload.uploader_user_id !== userId || upload.thread_id !== threadId)
      throw new DeliverableUploadNotFoundError();
    if (!(await this.objects.copy(this.bucket, upload.object_key, fileKey)))
      throw new DeliverableNotUploadedError(uploadId);
    const head = await this.objects.head(this.bucket, fileKey);
    if (!head) throw new DeliverableNotUploadedError(uploadId);
    const discard = async (reason: 'checksum-mismatch' | 'size-mismatch'): Promise<never> => {
      await this.store.deleteUpload(uploadId);
      await this.objects.delete(this.bucket, upload.object_key);
      this.logger.info('deliverable upload refused', { threadId, uploadId, reason });
      throw new DeliverableIntegrityError(uploadId, reason);
    };
    if (head.sizeBytes !== upload.size_bytes) return discard('size-mismatch');
    const bytes = await this.objects.read(this.bucket, fileKey);
    if (!bytes) throw new DeliverableNotUploadedError(uploadId);
    if (bytes.length !== upload.size_bytes) return discard('size-mismatch');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== upload.declared_sha256) return discard('checksum-mismatch');
    return sha256;
  }

  async post(caller: Caller, input: PostDeliverablesInput): Promise<DeliverableSetView> {
    const { userId, participant, bookingId } = await this.memberThread(caller, input.threadId);
    // A replay answers the stored set before any upload is looked at (they were consumed by the first post).
    const replayed = await this.store.transaction((tx) => tx.setByPostKey(userId, input.idempotencyKey));
    if (replayed) return this.replayedPost(replayed, input, userId);
    if (!bookingId) throw new DeliverablesBookingStateError(null);
    this.requireBooking(await this.store.booking(bookingId, userId), 'OWNER');

    // Outside the transaction: copying and reading objects takes time, and nothing is written until all match.
    const setId = newId('deliverableSet');
    const fileKey = (position: number) => `deliverables/sets/${setId}/${position}`;
    const checksums = new Map<string, string>();
    let result: DeliverableSetView;
    try {
      for (const [position, uploadId] of input.uploadIds.entries())
        checksums.set(uploadId, await this.verify(uploadId, userId, input.threadId, fileKey(position)));
      result = await this.insertPost(
        input,
        userId,
        bookingId,
        participant.counterpartUserId,
        setId,
        fileKey,
        checksums,
      );
    } catch (error) {
      await this.dropCopies(input.uploadIds.length, fileKey);
      // The same key posted at once in another thread (the lock is per thread): that post's answer.
      if (!isUniqueViolation(error, 'message_deliverable_sets_provider_user_id_post_key_key')) throw error;
      const winner = await this.store.transaction((tx) => tx.setByPostKey(userId, input.idempotencyKey));
      if (!winner) throw error;
      return this.replayedPost(winner, input, userId);
    }
    if (result.setId !== setId) await this.dropCopies(input.uploadIds.length, fileKey);
    else
      // Posted: the uploads were consumed; their objects are no longer needed (the sweep gets any left).
      await Promise.all(
        input.uploadIds.map((uploadId) =>
          this.objects.delete(this.bucket, `deliverables/${input.threadId}/${uploadId}`).catch(() => undefined),
        ),
      );
    return result;
  }

  /** Copies made for a post that did not record them. */
  private async dropCopies(count: number, fileKey: (position: number) => string): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, (_, position) =>
        this.objects.delete(this.bucket, fileKey(position)).catch(() => undefined),
      ),
    );
  }

  private async insertPost(
    input: PostDeliverablesInput,
    userId: string,
    bookingId: string,
    counterpartUserId: string,
    setId: string,
    fileKey: (position: number) => string,
    checksums: ReadonlyMap<string, string>,
  ): Promise<DeliverableSetView> {
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      await tx.lockThread(input.threadId);
      const raced = await tx.setByPostKey(userId, input.idempotencyKey);
      if (raced) return this.replayedPost(raced, input, userId);
      const booking = this.requireBooking(await tx.booking(bookingId, userId), 'OWNER');
      const claimed = await tx.claimUploads(userId, input.threadId, input.uploadIds);
      // A concurrent post (another key) took some of these uploads, or they expired meanwhile.
      if (claimed.length !== input.uploadIds.length) throw new DeliverableUploadNotFoundError();
      const byId = new Map(claimed.map((upload) => [upload.id, upload]));
      const version = (await tx.latestVersion(input.threadId)) + 1;
      const set = {
        id: setId,
        thread_id: input.threadId,
        booking_group_id: booking.groupId,
        version,
        provider_user_id: userId,
        client_user_id: await this.clientOf(tx, booking.groupId, counterpartUserId),
        note: input.note ?? null,
        post_key: input.idempotencyKey,
        created_at: now,
      };
      await tx.insertSet(set);
      const files: DeliverableFileRow[] = input.uploadIds.map((uploadId, position) => {
        const upload = byId.get(uploadId)!;
        return {
          set_id: setId,
          position,
          upload_id: uploadId,
          name: upload.name,
          content_type: upload.content_type,
          size_bytes: upload.size_bytes,
          sha256: checksums.get(uploadId)!,
          object_key: fileKey(position),
        };
      });
      for (const file of files) await tx.insertFile(file);
      await tx.audit(
        {
          actor: userId,
          action: 'messaging.deliverables.posted',
          subject: setId,
          details: { threadId: input.threadId, bookingId: booking.groupId, version, files: files.length },
        },
        now,
      );
      return this.view(
        { set: { ...set, status: 'PENDING', decision_note: null, decision_key: null, decided_at: null }, files },
        userId,
        version,
      );
    });
  }

  /** The booking's client: the thread's other member, as long as booking names them its client. */
  private async clientOf(
    tx: { booking(groupId: string, viewerUserId: string): Promise<BookingCardsView | null> },
    groupId: string,
    counterpartUserId: string,
  ): Promise<string> {
    const seen = await tx.booking(groupId, counterpartUserId);
    if (seen?.viewerRole !== 'CLIENT') throw new DeliverablesBookingStateError(seen?.status ?? null);
    return counterpartUserId;
  }

  private replayedPost(existing: DeliverableSetWithFiles, input: PostDeliverablesInput, userId: string) {
    const same =
      existing.set.thread_id === input.threadId &&
      existing.files.length === input.uploadIds.length &&
      existing.files.every((file, index) => file.upload_id === input.uploadIds[index]);
    if (!same) throw new DeliverablesKeyReusedError();
    return this.view(existing, userId, existing.set.version);
  }

  async decide(caller: Caller, input: DecideDeliverablesInput): Promise<DeliverableSetView> {
    const { userId } = await this.memberThread(caller, input.threadId);
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      // The row lock serialises concurrent decisions on one set: the first wins, the rest see its outcome.
      const set = await tx.setForUpdate(input.setId);
      if (!set || set.thread_id !== input.threadId) throw new DeliverableSetNotFoundError();
      const latest = await tx.latestVersion(input.threadId);
      // On the transaction's own connection: a second one per waiting decision could exhaust the pool.
      const files = () => tx.files(set.id);
      if (set.status !== 'PENDING') {
        // A replay of the decision that was taken answers it again; anything else gets the current state.
        if (set.decision_key === input.idempotencyKey) {
          // The same key for the other decision is a different request, not a replay.
          if (set.status !== (input.decision === 'ACCEPT' ? 'ACCEPTED' : 'CHANGES_REQUESTED'))
            throw new DeliverablesKeyReusedError();
          return this.view({ set, files: await files() }, userId, latest);
        }
        throw new DeliverablesDecisionClosedError(set.status, set.version, latest);
      }
      if (set.client_user_id !== userId) throw new DeliverablesRoleError('CLIENT');
      if (set.version !== latest) throw new DeliverablesDecisionClosedError('SUPERSEDED', set.version, latest);
      this.requireBooking(await tx.booking(set.booking_group_id, userId), 'CLIENT');
      const status = input.decision === 'ACCEPT' ? 'ACCEPTED' : 'CHANGES_REQUESTED';
      const decided = await tx.decide(set.id, {
        status,
        note: input.note ?? null,
        key: input.idempotencyKey,
        at: now,
      });
      await tx.audit(
        {
          actor: userId,
          action:
            status === 'ACCEPTED' ? 'messaging.deliverables.accepted' : 'messaging.deliverables.changes_requested',
          subject: set.id,
          details: { threadId: set.thread_id, bookingId: set.booking_group_id, version: set.version },
        },
        now,
      );
      return this.view({ set: decided, files: await files() }, userId, latest);
    });
  }

  /** The thread's deliverable sets, newest version first, as the viewer's action cards. */
  async list(caller: Caller, threadId: string): Promise<DeliverableSetView[]> {
    const { userId } = await this.memberThread(caller, threadId);
    const sets = await this.store.setsOfThread(threadId);
    const latest = sets[0]?.set.version ?? 0;
    return sets.map((entry) => this.view(entry, userId, latest));
  }

  /** A short-lived GET of one file of a posted set, for thread members only. */
  async fileUrl(caller: Caller, threadId: string, setId: string, position: number): Promise<DeliverableDownloadView> {
    await this.memberThread(caller, threadId);
    const file = await this.store.file(setId, position);
    if (!file || file.thread_id !== threadId) throw new DeliverableSetNotFoundError();
    const url = await this.urls.presignGet({
      bucket: this.bucket,
      key: file.object_key,
      expiresSeconds: DELIVERABLE_DOWNLOAD_URL_TTL_SECONDS,
    });
    return {
      url,
      name: file.name,
      contentType: file.content_type,
      sizeBytes: file.size_bytes,
      sha256: file.sha256,
      expiresAt: new Date(this.clock.now().getTime() + DELIVERABLE_DOWNLOAD_URL_TTL_SECONDS * 1000).toISOString(),
    };
  }

  private view(entry: DeliverableSetWithFiles, viewerUserId: string, latestVersion: number): DeliverableSetView {
    const { set } = entry;
    const open = set.status === 'PENDING' && set.version === latestVersion && set.client_user_id === viewerUserId;
    return {
      setId: set.id,
      threadId: set.thread_id,
      bookingId: set.booking_group_id,
      version: set.version,
      providerUserId: set.provider_user_id,
      clientUserId: set.client_user_id,
      note: set.note,
      status: set.status,
      decisionNote: set.decision_note,
      decidedAt: set.decided_at?.toISOString() ?? null,
      createdAt: set.created_at.toISOString(),
      files: [...entry.files].sort((a, b) => a.position - b.position).map(fileView),
      viewerActions: open ? ['ACCEPT', 'REQUEST_CHANGES'] : [],
    };
  }
}
