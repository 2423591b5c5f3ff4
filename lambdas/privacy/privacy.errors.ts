/** Typed refusals of the privacy domain; the field router maps them to AppSync errorType. */
import { RateLimitedError } from '../core/errors.ts';

/** More exports in 24 hours than PRIVACY_EXPORTS_PER_DAY allows. */
export class ExportRateLimitedError extends RateLimitedError {
  constructor(retryAfterSeconds: number) {
    super('Too many data exports today; try again later', retryAfterSeconds);
  }
}
