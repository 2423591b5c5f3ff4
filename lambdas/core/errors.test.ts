import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConflictError,
  DependencyError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  StepUpRequiredError,
  UnauthenticatedError,
  ValidationError,
  toHttpError,
  toPublicError,
  toResolverError,
} from './errors.ts';

describe('AppError subclasses', () => {
  it.each([
    [new ValidationError('bad'), 400, 'BAD_REQUEST', 'REQUEST.INVALID'],
    [new UnauthenticatedError('who'), 401, 'UNAUTHENTICATED', 'AUTH.UNAUTHENTICATED'],
    [new ForbiddenError('no'), 403, 'FORBIDDEN', 'AUTH.FORBIDDEN'],
    [new StepUpRequiredError('mfa'), 403, 'STEP_UP_REQUIRED', 'AUTH.STEP_UP_REQUIRED'],
    [new NotFoundError('gone'), 404, 'NOT_FOUND', 'RESOURCE.NOT_FOUND'],
    [new ConflictError('taken'), 409, 'CONFLICT', 'RESOURCE.CONFLICT'],
    [new ConflictError('double', 'BOOKING.CONFLICT'), 409, 'CONFLICT', 'BOOKING.CONFLICT'],
    [new PayloadTooLargeError('big'), 413, 'PAYLOAD_TOO_LARGE', 'REQUEST.TOO_LARGE'],
    [new RateLimitedError('slow down', 3), 429, 'RATE_LIMITED', 'REQUEST.RATE_LIMITED'],
    [new InternalError('oops'), 500, 'INTERNAL_ERROR', 'INTERNAL'],
    [new DependencyError('db down'), 503, 'SERVICE_UNAVAILABLE', 'DEPENDENCY.UNAVAILABLE'],
  ])('%s maps to %i / %s / %s', (error, httpStatus, errorType, code) => {
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(error.constructor.name);
    expect(toPublicError(error)).toMatchObject({ httpStatus, errorType, code, message: error.message });
  });
});

describe('toPublicError', () => {
  it('hides the message of an unknown error', () => {
    const pub = toPublicError(
      new Error('duplicate key value violates unique constraint "users_email_key" (alice@example.com)'),
    );
    expect(pub).toEqual({ code: 'INTERNAL', errorType: 'INTERNAL_ERROR', httpStatus: 500, message: 'Internal error' });
  });

  it.each([['a string'], [null], [undefined], [{ message: 'looks like an error' }]])(
    'treats %j as internal',
    (thrown) => {
      expect(toPublicError(thrown)).toEqual({
        code: 'INTERNAL',
        errorType: 'INTERNAL_ERROR',
        httpStatus: 500,
        message: 'Internal error',
      });
    },
  );

  it('keeps safe details and omits the key when there are none', () => {
    expect(toPublicError(new ValidationError('bad', [{ path: 'a', message: 'required' }])).details).toEqual({
      issues: [{ path: 'a', message: 'required' }],
    });
    expect('details' in toPublicError(new NotFoundError('gone'))).toBe(false);
  });
});

describe('toHttpError', () => {
  it('sets retry-after for RateLimitedError, rounded up and at least one second', () => {
    expect(toHttpError(new RateLimitedError('slow', 2.1)).headers).toEqual({ 'retry-after': '3' });
    expect(toHttpError(new RateLimitedError('slow', 0)).headers).toEqual({ 'retry-after': '1' });
    expect(toHttpError(new RateLimitedError('slow', 4)).status).toBe(429);
  });

  it('sets no retry-after for other errors', () => {
    expect(toHttpError(new ConflictError('x')).headers).toEqual({});
  });

  it('builds the JSON body with code, message, details and request id', () => {
    expect(toHttpError(new ValidationError('bad', [{ path: 'email', message: 'invalid' }]), 'req_1')).toEqual({
      status: 400,
      headers: {},
      body: {
        error: {
          code: 'REQUEST.INVALID',
          message: 'bad',
          details: { issues: [{ path: 'email', message: 'invalid' }] },
          requestId: 'req_1',
        },
      },
    });
  });

  it('gives unknown errors a generic 500 body', () => {
    expect(toHttpError(new TypeError('secret stack'))).toEqual({
      status: 500,
      headers: {},
      body: { error: { code: 'INTERNAL', message: 'Internal error' } },
    });
  });
});

describe('toResolverError', () => {
  it('wraps an AppError in the resolver envelope with code and details in errorInfo', () => {
    expect(toResolverError(new RateLimitedError('slow', 5))).toEqual({
      error: {
        errorType: 'RATE_LIMITED',
        message: 'slow',
        errorInfo: { code: 'REQUEST.RATE_LIMITED', retryAfterSeconds: 5 },
      },
    });
  });

  it('wraps an unknown error without its message', () => {
    expect(toResolverError(new Error('SELECT * FROM users'))).toEqual({
      error: { errorType: 'INTERNAL_ERROR', message: 'Internal error', errorInfo: { code: 'INTERNAL' } },
    });
  });
});
