/** Typed payments errors with stable codes (the routers map them to errorType / HTTP status). */
import { AppError, ConflictError, ValidationError } from '../core/errors.ts';

/** The checkout quote was changed, expired, or signed with another key/version. */
export class StaleQuoteError extends ConflictError {
  constructor(message = 'The quote is stale; ask for a new one') {
    super(message, 'PAYMENTS.STALE_QUOTE');
  }
}

/** The operation needs a state the payment is not in (refund before capture, refund above captured). */
export class PaymentStateError extends ConflictError {
  constructor(message: string) {
    super(message, 'PAYMENTS.INVALID_STATE');
  }
}

/** The payee has no payout account able to receive transfers yet. */
export class PayoutAccountNotReadyError extends ConflictError {
  constructor(message = 'The payee has not completed payout onboarding') {
    super(message, 'PAYMENTS.PAYOUT_ACCOUNT_NOT_READY');
  }
}

/** A chargeback on the group is open: its legs are paid out once it closes. */
export class PayoutHeldError extends ConflictError {
  constructor(message = 'A chargeback on this booking is open; payouts are held until it closes') {
    super(message, 'PAYMENTS.PAYOUT_HELD');
  }
}

/** A webhook whose signature is missing, wrong or stale: 400, nothing stored. */
export class InvalidWebhookSignatureError extends AppError {
  readonly code = 'PAYMENTS.INVALID_SIGNATURE';
  readonly httpStatus = 400;
  readonly errorType = 'BAD_REQUEST';
}

/** The processor refused the request's parameters (e.g. an amount below the minimum). */
export class PaymentRequestError extends ValidationError {}

/** The dispute's evidence pack is not in a state that allows this (assembling, submitted, dispute closed). */
export class DisputePackStateError extends ConflictError {
  constructor(message: string) {
    super(message, 'PAYMENTS.DISPUTE_PACK_STATE');
  }
}

/** An edit or approval named an older version of the pack than the current one. */
export class StaleEvidenceVersionError extends ConflictError {
  constructor(current: number) {
    super(`The evidence pack has changed; the current version is ${current}`, 'PAYMENTS.STALE_EVIDENCE_VERSION', {
      currentVersion: current,
    });
  }
}
