/** Typed refusals of the media pipeline; the edges map them to AppSync errorType / HTTP status. */
import { AppError } from '../core/errors.ts';

/** The bytes are not the declared type, or not an allowed image at all. */
export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'MEDIA.TYPE_MISMATCH';
  readonly httpStatus = 415;
  readonly errorType = 'UNSUPPORTED_MEDIA_TYPE';
}

/** upload-complete was called but no object was uploaded (or it already expired). */
export class UploadIncompleteError extends AppError {
  readonly code = 'MEDIA.OBJECT_MISSING';
  readonly httpStatus = 409;
  readonly errorType = 'UPLOAD_INCOMPLETE';
}
