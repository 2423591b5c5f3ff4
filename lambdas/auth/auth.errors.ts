/** Errors with stable codes specific to the auth domain; the edges map them like any AppError. */
import { AppError } from '../core/errors.ts';

/** Same status, body and work for an unknown email and a wrong password (no enumeration). */
export class InvalidCredentialsError extends AppError {
  readonly code = 'AUTH.INVALID_CREDENTIALS';
  readonly httpStatus = 401;
  readonly errorType = 'INVALID_CREDENTIALS';
  constructor() {
    super('Email or password is incorrect');
  }
}

/** Too many failed sign-ins for this identifier; `retryAfterSeconds` becomes Retry-After. */
export class AccountLockedError extends AppError {
  readonly code = 'AUTH.LOCKED';
  readonly httpStatus = 423;
  readonly errorType = 'LOCKED';
  constructor(readonly retryAfterSeconds: number) {
    super(
      'Sign-in is paused after repeated failures; try again later or use the unlock link we emailed to the account owner',
      { retryAfterSeconds },
    );
  }
}

export class CaptchaRequiredError extends AppError {
  readonly code = 'AUTH.CAPTCHA_REQUIRED';
  readonly httpStatus = 401;
  readonly errorType = 'CAPTCHA_REQUIRED';
  constructor(siteKey: string, invalid: boolean) {
    super(invalid ? 'The CAPTCHA could not be verified; try again' : 'Complete the CAPTCHA to continue', {
      captcha: { provider: 'turnstile', siteKey },
    });
  }
}

/** Wrong, expired, used or exhausted one-time code: one answer for all, so none is distinguishable. */
export class InvalidCodeError extends AppError {
  readonly code = 'AUTH.INVALID_CODE';
  readonly httpStatus = 400;
  readonly errorType = 'INVALID_CODE';
  constructor(message = 'The code is invalid or has expired') {
    super(message);
  }
}

export class EmailNotVerifiedError extends AppError {
  readonly code = 'AUTH.EMAIL_NOT_VERIFIED';
  readonly httpStatus = 403;
  readonly errorType = 'EMAIL_NOT_VERIFIED';
  constructor() {
    super('Verify your email first; we sent you a new code');
  }
}
