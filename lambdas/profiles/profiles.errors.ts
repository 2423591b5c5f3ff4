/** A state the caller must change first (below a threshold, an earlier step open, …). */
import { AppError, type ErrorDetails } from '../core/errors.ts';

export class PreconditionFailedError extends AppError {
  readonly httpStatus = 412;
  readonly errorType = 'PRECONDITION_FAILED';
  constructor(
    message: string,
    readonly code: string,
    details?: ErrorDetails,
  ) {
    super(message, details);
  }
}

/** The owner tried to publish a listing a copyright notice took down (only the DMCA restore lifts it). */
export class ListingTakenDownError extends PreconditionFailedError {
  constructor(label: string) {
    super(`This ${label} was taken down after a copyright notice`, 'LISTING.TAKEN_DOWN');
  }
}
