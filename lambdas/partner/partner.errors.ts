/** Typed errors of the partner API; the route router maps them to HTTP status + error object. */
import { AppError, type ErrorDetails } from '../core/errors.ts';

/** RFC 6749 §5.2: a bad client id or secret is `invalid_client` (401). */
export class InvalidClientError extends AppError {
  readonly code = 'PARTNER.INVALID_CLIENT';
  readonly httpStatus = 401;
  readonly errorType = 'INVALID_CLIENT';
}

/** A missing, expired, revoked or foreign bearer token. */
export class InvalidTokenError extends AppError {
  readonly code = 'PARTNER.INVALID_TOKEN';
  readonly httpStatus = 401;
  readonly errorType = 'INVALID_TOKEN';
}

/** The token is good but lacks the scope this operation needs. */
export class InsufficientScopeError extends AppError {
  readonly code = 'PARTNER.INSUFFICIENT_SCOPE';
  readonly httpStatus = 403;
  readonly errorType = 'INSUFFICIENT_SCOPE';
  constructor(scope: string) {
    super(`This operation needs the scope ${scope}`, { requiredScope: scope });
  }
}

export class InvalidScopeError extends AppError {
  readonly code = 'PARTNER.INVALID_SCOPE';
  readonly httpStatus = 400;
  readonly errorType = 'INVALID_SCOPE';
}

export class InvalidCursorError extends AppError {
  readonly code = 'PARTNER.INVALID_CURSOR';
  readonly httpStatus = 400;
  readonly errorType = 'INVALID_CURSOR';
}

/** A webhook URL that is not https, or points at a private, loopback or link-local address. */
export class WebhookTargetRefusedError extends AppError {
  readonly code = 'WEBHOOK.TARGET_REFUSED';
  readonly httpStatus = 422;
  readonly errorType = 'UNPROCESSABLE';
  constructor(message: string, details?: ErrorDetails) {
    super(message, details);
  }
}

/** RFC 6749 §5.2 `unsupported_grant_type`: this issuer grants client credentials only. */
export class UnsupportedGrantTypeError extends AppError {
  readonly code = 'PARTNER.UNSUPPORTED_GRANT_TYPE';
  readonly httpStatus = 400;
  readonly errorType = 'UNSUPPORTED_GRANT_TYPE';
}
