/** Typed refusals of the reviews domain; the field router maps them to AppSync errorType. */
import { AppError, ConflictError } from '../core/errors.ts';

/** The leg's 14-day review window has closed: no new review. */
export class ReviewWindowClosedError extends ConflictError {
  constructor() {
    super('The review window for this booking has closed', 'REVIEWS.WINDOW_CLOSED');
  }
}

/** This party already reviewed this leg (with other words or rating: reviews are final). */
export class AlreadyReviewedError extends ConflictError {
  constructor() {
    super('You already reviewed this booking', 'REVIEWS.ALREADY_REVIEWED');
  }
}

/** The text carries contact details (email, phone number, contact link): refused, nothing stored. */
export class ContactDetailsRefusedError extends AppError {
  readonly code = 'REVIEWS.CONTACT_DETAILS';
  readonly httpStatus = 422;
  readonly errorType = 'CONTACT_DETAILS';
}
