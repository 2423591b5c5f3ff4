/** Typed refusals of the messaging domain, with stable codes (AppSync errorType / HTTP status). */
import { AppError, ConflictError, NotFoundError, type ErrorDetails } from '../core/errors.ts';

/** A thread the caller is not a participant of answers exactly as one that does not exist. */
export class ThreadNotFoundError extends NotFoundError {
  constructor() {
    super('Thread not found');
  }
}

export class MessageNotFoundError extends NotFoundError {
  constructor() {
    super('Message not found');
  }
}

export class ListingNotContactableError extends NotFoundError {
  constructor() {
    super('Listing not found');
  }
}

/** The recipient blocked the sender in this thread. */
export class BlockedError extends AppError {
  readonly code = 'MESSAGING.BLOCKED';
  readonly httpStatus = 403;
  readonly errorType = 'FORBIDDEN';
  constructor() {
    super('You cannot message this person');
  }
}

export class CannotContactSelfError extends AppError {
  readonly code = 'MESSAGING.SELF_CONTACT';
  readonly httpStatus = 400;
  readonly errorType = 'BAD_REQUEST';
  constructor(details?: ErrorDetails) {
    super('You cannot start a thread with your own listing', details);
  }
}

/** A thread that is locked or archived by the platform takes no new messages. */
export class ThreadClosedError extends ConflictError {
  constructor() {
    super('This thread is closed', 'MESSAGING.THREAD_CLOSED');
  }
}

/** A client token reused with a different message. */
export class ClientTokenReusedError extends ConflictError {
  constructor() {
    super('clientToken was already used for another message', 'MESSAGING.CLIENT_TOKEN_REUSED');
  }
}

/** Concurrent writers kept winning for too long (the caller may retry). */
export class ContendedError extends ConflictError {
  constructor() {
    super('The thread is busy; retry', 'MESSAGING.CONTENDED');
  }
}

/** A project panel tab changed since the version the caller edited (reload and merge). */
export class TabVersionConflictError extends ConflictError {
  constructor(currentVersion: number) {
    super('The tab changed since you loaded it', 'MESSAGING.TAB_VERSION_CONFLICT', { currentVersion });
  }
}

export class AttachmentNotFoundError extends NotFoundError {
  constructor() {
    super('Attachment not found');
  }
}

/** The attachment is not the author's, not scanned and accepted yet, or already in another message. */
export class AttachmentUnavailableError extends ConflictError {
  constructor() {
    super(
      'This attachment cannot be sent (not yours, not scanned and accepted, or already sent)',
      'MESSAGING.ATTACHMENT_UNAVAILABLE',
    );
  }
}

/** The completion found no uploaded object yet (the PUT did not happen or has not finished). */
export class AttachmentNotUploadedError extends ConflictError {
  constructor() {
    super('Nothing was uploaded for this attachment yet', 'MESSAGING.ATTACHMENT_NOT_UPLOADED');
  }
}

/** The upload was scanned and refused: not an allowed image, not the declared size, or not safe for work. */
export class AttachmentRefusedError extends AppError {
  readonly code = 'MESSAGING.ATTACHMENT_REFUSED';
  readonly httpStatus = 422;
  readonly errorType = 'ATTACHMENT_REFUSED';
  constructor(reason: string) {
    super('This file cannot be shared in messages', { reason });
  }
}

/**
 * The member already holds the most unsent attachments a thread allows (each is a stored preview):
 * send or let some expire first.
 */
export class AttachmentQuotaError extends ConflictError {
  constructor(limit: number) {
    super(
      `At most ${limit} unsent attachments per thread; send or wait for some to expire`,
      'MESSAGING.ATTACHMENT_QUOTA',
      { limit },
    );
  }
}
