/** Typed refusals of the booking domain; the field router maps them to AppSync errorType. */
import { AppError, ConflictError, type ErrorDetails } from '../core/errors.ts';

/** The time is taken (another active leg's blocked range overlaps), or no longer bookable. */
export class BookingConflictError extends AppError {
  readonly code = 'BOOKING.CONFLICT';
  readonly httpStatus = 409;
  readonly errorType = 'BOOKING_CONFLICT';
}

/** The requested range is not a feasible slot (closed, off the grid, too soon, too far, too short). */
export class SlotUnavailableError extends AppError {
  readonly code = 'BOOKING.SLOT_UNAVAILABLE';
  readonly httpStatus = 422;
  readonly errorType = 'SLOT_UNAVAILABLE';
}

/**
 * The terms the client was shown (cancellation policy, Instant Book; read from the cached
 * Query.bookingTerms) are no longer the listing's: nothing was booked or held. The client re-reads the
 * terms and asks again. Carries only the public terms, which anyone may read.
 */
export class TermsChangedError extends AppError {
  readonly code = 'BOOKING.TERMS_CHANGED';
  readonly httpStatus = 412;
  readonly errorType = 'TERMS_CHANGED';
}

/** The action is not allowed in the group's current status, or not for this party. */
export class InvalidTransitionError extends ConflictError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'BOOKING.INVALID_TRANSITION', details);
  }
}

/**
 * Another money step of this booking (a refund, capture or payout already sent to Stripe) has not been
 * recorded yet: no other transition may land before it, or Stripe's outcome could no longer be applied
 * (a refunded booking that then starts). The caller retries once the step is finished.
 */
export class PaymentInProgressError extends ConflictError {
  constructor() {
    super('A payment step for this booking is still in progress; try again shortly', 'BOOKING.PAYMENT_IN_PROGRESS');
  }
}

/** The idempotency key was used before by this caller for a different request. */
export class IdempotencyKeyReusedError extends ConflictError {
  constructor() {
    super('This idempotency key was already used for a different request', 'BOOKING.IDEMPOTENCY_KEY_REUSED');
  }
}

/** The payment provider declined the authorisation: nothing is held. */
export class PaymentDeclinedError extends AppError {
  readonly code = 'BOOKING.PAYMENT_DECLINED';
  readonly httpStatus = 402;
  readonly errorType = 'PAYMENT_DECLINED';
}
