/** Typed refusals of the staff back-office, with stable codes (AppSync errorType / HTTP status). */
import { AppError, ConflictError, NotFoundError } from '../core/errors.ts';

/** Dual control: whoever proposed a sensitive operation can never be the one to approve it. */
export class SelfApprovalError extends AppError {
  readonly code = 'STAFF.SELF_APPROVAL';
  readonly httpStatus = 403;
  readonly errorType = 'SELF_APPROVAL';
  constructor() {
    super('A proposal must be approved by a different staff member than the one who proposed it');
  }
}

/** Another approver (or a rejection, or the deadline) decided the proposal first. */
export class ProposalDecidedError extends ConflictError {
  constructor(status: string) {
    super(`This proposal is already ${status.toLowerCase()}`, 'STAFF.PROPOSAL_DECIDED', { status });
  }
}

export class ProposalNotFoundError extends NotFoundError {
  constructor() {
    super('Proposal not found');
  }
}

export class PaymentNotFoundError extends NotFoundError {
  constructor() {
    super('Payment not found');
  }
}

/** The payment is not captured, or the amount exceeds what can still be refunded. */
export class RefundNotPossibleError extends ConflictError {
  constructor(message: string, refundableCents: number) {
    super(message, 'STAFF.REFUND_NOT_POSSIBLE', { refundableCents });
  }
}
