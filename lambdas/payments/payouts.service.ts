/**
 * Connect payouts (NTB-PAY-002): an Express account per provider / studio host, onboarding through
 * Stripe's hosted account links, status from `account.updated` (stripe-webhook.service.ts), and one
 * transfer per completed leg (`transfer_group` = the booking group, from the group's charge).
 * Changing the payout destination of an onboarded account (an `account_update` link) needs a recent
 * step-up (core/step-up.ts).
 */
import type { Clock } from '../core/clock.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { ValidationError } from '../core/errors.ts';
import { requireRole, type Caller } from '../core/identity.ts';
import { ProviderRequestError, type PaymentProvider } from '../core/payment-provider.ts';
import { requireRecentStepUp } from '../core/step-up.ts';
import { releaseEntry, transferEntry } from './ledger.ts';
import { PaymentStateError, PayoutAccountNotReadyError } from './payments.errors.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';
import type { PayoutAccountRow } from './payments.repository.ts';

export type PayoutStatus = 'NOT_STARTED' | 'PENDING' | 'ACTIVE';

export interface PayoutAccountView {
  readonly status: PayoutStatus;
  readonly detailsSubmitted: boolean;
  readonly payoutsEnabled: boolean;
  readonly requirementsDue: readonly string[];
}

export interface LegTransferInput {
  readonly groupId: string;
  readonly legId: string;
  readonly payeeUserId: string;
  /** The leg's subtotal (what the payee is owed), its platform fee and tax, from the confirmed quote. */
  readonly payeeCents: number;
  readonly feeCents: number;
  readonly taxCents: number;
}

function view(row: PayoutAccountRow | null): PayoutAccountView {
  if (!row) return { status: 'NOT_STARTED', detailsSubmitted: false, payoutsEnabled: false, requirementsDue: [] };
  return {
    status: row.payouts_enabled ? 'ACTIVE' : 'PENDING',
    detailsSubmitted: row.details_submitted,
    payoutsEnabled: row.payouts_enabled,
    requirementsDue: row.requirements_due,
  };
}

export class PayoutsService {
  constructor(
    private readonly db: UnitOfWork<PaymentsRepositories>,
    private readonly provider: PaymentProvider,
    private readonly clock: Clock,
    private readonly webBaseUrl: string,
  ) {}

  async onboardingLink(caller: Caller): Promise<{ url: string; expiresAt: string }> {
    const user = requireRole(caller, 'provider', 'host');
    const accountId = await this.db.transaction(async (tx) => {
      await tx.payments.lockKey(`payout:${user.userId}`);
      const existing = await tx.payments.findPayoutAccount(user.userId);
      if (existing) {
        // Onboarded already: a new link changes where money goes (NTB-PAY-002).
        if (existing.details_submitted) requireRecentStepUp(caller, this.clock);
        return existing.stripe_account_id;
      }
      const account = await this.provider.createConnectedAccount({
        userId: user.userId,
        country: 'US',
        idempotencyKey: `rastup:account:${user.userId}`,
      });
      await tx.payments.insertPayoutAccount(user.userId, account.id);
      return account.id;
    });
    const base = this.webBaseUrl.replace(/\/$/, '');
    const link = await this.provider.createOnboardingLink({
      accountId,
      returnUrl: `${base}/settings/payouts?onboarding=done`,
      refreshUrl: `${base}/settings/payouts?onboarding=refresh`,
    });
    return { url: link.url, expiresAt: new Date(link.expiresAt * 1000).toISOString() };
  }

  async accountStatus(caller: Caller): Promise<PayoutAccountView> {
    const user = requireRole(caller, 'provider', 'host');
    return view(await this.db.payments.findPayoutAccount(user.userId));
  }

  /** Pays a completed leg to its payee, once: concurrent or repeated calls find the first transfer. */
  async transferLeg(input: LegTransferInput): Promise<{ transferId: string; amountCents: number }> {
    for (const [name, value] of [
      ['payeeCents', input.payeeCents],
      ['feeCents', input.feeCents],
      ['taxCents', input.taxCents],
    ] as const)
      if (!Number.isSafeInteger(value) || value < 0 || (name === 'payeeCents' && value === 0))
        throw new ValidationError(`${name} must be a non-negative integer`, [{ path: name, message: 'invalid' }]);
    return this.db.transaction(async (tx) => {
      await tx.payments.lockKey(input.groupId);
      const done = await tx.payments.findTransfer(input.groupId, input.legId);
      if (done) return { transferId: done.id, amountCents: done.amount_cents };
      const payment = await tx.payments.findAuthorization(input.groupId);
      if (!payment || payment.status !== 'captured') throw new PaymentStateError('The group has no captured payment');
      const account = await tx.payments.findPayoutAccount(input.payeeUserId);
      if (!account?.payouts_enabled) throw new PayoutAccountNotReadyError();
      const available =
        payment.captured_cents -
        (await tx.payments.refundedTotal(input.groupId)) -
        (await tx.payments.transferredTotal(input.groupId));
      if (input.payeeCents + input.feeCents + input.taxCents > available)
        throw new PaymentStateError(`Only ${available} of the group's captured funds remain`);
      let transfer: { id: string; amountCents: number };
      try {
        transfer = await this.provider.transfer({
          amountCents: input.payeeCents,
          currency: payment.currency,
          destinationAccountId: account.stripe_account_id,
          transferGroup: input.groupId,
          sourceChargeId: payment.charge_id,
          metadata: { group_id: input.groupId, leg_id: input.legId },
          idempotencyKey: `rastup:transfer:${input.groupId}:${input.legId}`,
        });
      } catch (error) {
        if (error instanceof ProviderRequestError) throw new PaymentStateError(error.message);
        throw error;
      }
      await tx.payments.insertTransfer({
        id: transfer.id,
        groupId: input.groupId,
        legId: input.legId,
        payeeUserId: input.payeeUserId,
        stripeAccountId: account.stripe_account_id,
        amountCents: transfer.amountCents,
      });
      await tx.ledger.record(
        releaseEntry({
          groupId: input.groupId,
          legId: input.legId,
          payeeUserId: input.payeeUserId,
          payeeCents: input.payeeCents,
          feeCents: input.feeCents,
          taxCents: input.taxCents,
          currency: payment.currency,
        }),
      );
      await tx.ledger.record(
        transferEntry(input.groupId, transfer.id, input.payeeUserId, transfer.amountCents, payment.currency),
      );
      return { transferId: transfer.id, amountCents: transfer.amountCents };
    });
  }
}
