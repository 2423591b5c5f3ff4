/** Typed refusals of the deliverables flow (the edge maps each to its AppSync errorType). */
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../core/errors.ts';

export class DeliverableSetNotFoundError extends NotFoundError {
  constructor() {
    super('Deliverable set not found');
  }
}

export class DeliverableUploadNotFoundError extends NotFoundError {
  constructor() {
    super('Deliverable upload not found (not yours, already posted, or expired)');
  }
}

/** Only the booking's provider side posts deliverables; only its client decides on them. */
export class DeliverablesRoleError extends ForbiddenError {
  constructor(required: 'OWNER' | 'CLIENT') {
    super(
      required === 'OWNER'
        ? "Only the booking's provider posts deliverables"
        : "Only the booking's client accepts deliverables or requests changes",
      { required },
    );
  }
}

/**
 * The thread's booking does not allow this now (no booking yet, not confirmed, cancelled, disputed...):
 * answered with the booking's current status so the client can show it.
 */
export class DeliverablesBookingStateError extends ConflictError {
  constructor(bookingStatus: string | null) {
    super('The booking does not allow deliverables in its current state', 'DELIVERABLES.BOOKING_STATE', {
      bookingStatus,
    });
  }
}

/** The set was decided already (by another request) or a newer version superseded it: its current state. */
export class DeliverablesDecisionClosedError extends ConflictError {
  constructor(status: string, version: number, latestVersion: number) {
    super('This deliverable set is no longer open for a decision', 'DELIVERABLES.DECISION_CLOSED', {
      status,
      version,
      latestVersion,
    });
  }
}

/** An idempotency key reused for a different request. */
export class DeliverablesKeyReusedError extends ConflictError {
  constructor() {
    super('idempotencyKey was already used for a different request', 'DELIVERABLES.KEY_REUSED');
  }
}

/** The upload has not happened yet (nothing stored under its key). */
export class DeliverableNotUploadedError extends ConflictError {
  constructor(uploadId: string) {
    super('Nothing was uploaded for this file yet', 'DELIVERABLES.NOT_UPLOADED', { uploadId });
  }
}

/** The stored object is not what was declared (size or SHA-256): refused, and the upload discarded. */
export class DeliverableIntegrityError extends AppError {
  readonly code = 'DELIVERABLES.INTEGRITY';
  readonly httpStatus = 422;
  readonly errorType = 'DELIVERABLE_REFUSED';
  constructor(uploadId: string, reason: 'checksum-mismatch' | 'size-mismatch') {
    super('The uploaded file does not match what was declared', { uploadId, reason });
  }
}

/** Too many uploads waiting to be posted in a thread by one member. */
export class DeliverableUploadQuotaError extends ConflictError {
  constructor(limit: number) {
    super(`At most ${limit} unposted deliverable uploads per thread`, 'DELIVERABLES.UPLOAD_QUOTA', { limit });
  }
}
