/** Typed refusals of the search API; the edges map them to AppSync errorType / HTTP status. */
import { AppError } from '../core/errors.ts';

/** A cursor that is not one this API issued (tampered, truncated, another API's). */
export class InvalidCursorError extends AppError {
  readonly code = 'SEARCH.INVALID_CURSOR';
  readonly httpStatus = 400;
  readonly errorType = 'INVALID_CURSOR';
}

/** A cursor issued for other filters: pages of different queries do not mix. */
export class CursorFilterMismatchError extends AppError {
  readonly code = 'SEARCH.CURSOR_FILTER_MISMATCH';
  readonly httpStatus = 400;
  readonly errorType = 'CURSOR_FILTER_MISMATCH';
}

/** A filter combination the API refuses (distance sort without a point, an inverted price band). */
export class InvalidSearchError extends AppError {
  readonly code = 'SEARCH.INVALID_QUERY';
  readonly httpStatus = 400;
  readonly errorType = 'INVALID_SEARCH';
}
