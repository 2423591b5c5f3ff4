/**
 * Typed errors with stable codes. Domain code throws these; only the edges (the field router and
 * the route router) turn them into an AppSync `errorType` or an HTTP status + JSON body.
 * A code is `AREA.REASON`; the AppSync errorType is the code's reason part in upper snake case
 * unless the class says otherwise, so clients can switch on a short, stable string.
 */
export interface ErrorDetails {
  readonly [key: string]: unknown;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  /** What AppSync clients switch on. */
  abstract readonly errorType: string;
  /** Safe to show to the caller; never include secrets or PII. */
  readonly details: ErrorDetails | undefined;

  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  readonly code = 'REQUEST.INVALID';
  readonly httpStatus = 400;
  readonly errorType = 'BAD_REQUEST';
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message, { issues });
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'AUTH.UNAUTHENTICATED';
  readonly httpStatus = 401;
  readonly errorType = 'UNAUTHENTICATED';
}

export class ForbiddenError extends AppError {
  readonly code = 'AUTH.FORBIDDEN';
  readonly httpStatus = 403;
  readonly errorType = 'FORBIDDEN';
}

/** Second factor within the step-up window is required (NTB-AUTH step-up). */
export class StepUpRequiredError extends AppError {
  readonly code = 'AUTH.STEP_UP_REQUIRED';
  readonly httpStatus = 403;
  readonly errorType = 'STEP_UP_REQUIRED';
}

/** Also used for rows the caller may not see: "not found", never "forbidden", to avoid enumeration. */
export class NotFoundError extends AppError {
  readonly code = 'RESOURCE.NOT_FOUND';
  readonly httpStatus = 404;
  readonly errorType = 'NOT_FOUND';
}

export class ConflictError extends AppError {
  readonly httpStatus = 409;
  readonly errorType = 'CONFLICT';
  constructor(
    message: string,
    readonly code: string = 'RESOURCE.CONFLICT',
    details?: ErrorDetails,
  ) {
    super(message, details);
  }
}

export class RateLimitedError extends AppError {
  readonly code = 'REQUEST.RATE_LIMITED';
  readonly httpStatus = 429;
  readonly errorType = 'RATE_LIMITED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { retryAfterSeconds });
  }
}

/** The request's Content-Type is not one the route accepts (login CSRF: cookie routes take JSON only). */
export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'REQUEST.UNSUPPORTED_MEDIA_TYPE';
  readonly httpStatus = 415;
  readonly errorType = 'UNSUPPORTED_MEDIA_TYPE';
}

/** A browser request from an origin outside the allow-list (cross-site request forgery). */
export class OriginNotAllowedError extends AppError {
  readonly code = 'REQUEST.ORIGIN_NOT_ALLOWED';
  readonly httpStatus = 403;
  readonly errorType = 'FORBIDDEN';
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'REQUEST.TOO_LARGE';
  readonly httpStatus = 413;
  readonly errorType = 'PAYLOAD_TOO_LARGE';
}

/** A dependency (database, provider) failed; the caller may retry. */
export class DependencyError extends AppError {
  readonly code = 'DEPENDENCY.UNAVAILABLE';
  readonly httpStatus = 503;
  readonly errorType = 'SERVICE_UNAVAILABLE';
}

export class InternalError extends AppError {
  readonly code = 'INTERNAL';
  readonly httpStatus = 500;
  readonly errorType = 'INTERNAL_ERROR';
}

export interface PublicError {
  readonly code: string;
  readonly errorType: string;
  readonly httpStatus: number;
  readonly message: string;
  readonly details?: ErrorDetails;
}

/**
 * The one mapping from anything thrown to what a caller may see. Unknown errors become a generic
 * INTERNAL_ERROR: their message could hold SQL, stack frames or PII, so it stays in the logs.
 */
export function toPublicError(error: unknown): PublicError {
  if (error instanceof AppError) {
    return {
      code: error.code,
      errorType: error.errorType,
      httpStatus: error.httpStatus,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    };
  }
  return { code: 'INTERNAL', errorType: 'INTERNAL_ERROR', httpStatus: 500, message: 'Internal error' };
}

/** The envelope a domain Lambda returns to the AppSync JS resolver (infra/definitions/appsync-lambda-resolver.js). */
export type ResolverEnvelope<T = unknown> =
  | { readonly data: T }
  | {
      readonly error: {
        readonly errorType: string;
        readonly message: string;
        readonly errorInfo: ErrorDetails & { code: string };
      };
    };

export function toResolverError(error: unknown): ResolverEnvelope<never> {
  const pub = toPublicError(error);
  return {
    error: { errorType: pub.errorType, message: pub.message, errorInfo: { code: pub.code, ...(pub.details ?? {}) } },
  };
}

export interface HttpErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: ErrorDetails;
    readonly requestId?: string;
  };
}

export function toHttpError(
  error: unknown,
  requestId?: string,
): { status: number; body: HttpErrorBody; headers: Record<string, string> } {
  const pub = toPublicError(error);
  const headers: Record<string, string> = {};
  // Any refusal that says when to come back (rate limits, account lockout) gets Retry-After.
  const retryAfter =
    error instanceof AppError ? (error as AppError & { retryAfterSeconds?: unknown }).retryAfterSeconds : undefined;
  if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  return {
    status: pub.httpStatus,
    headers,
    body: {
      error: {
        code: pub.code,
        message: pub.message,
        ...(pub.details ? { details: pub.details } : {}),
        ...(requestId ? { requestId } : {}),
      },
    },
  };
}
