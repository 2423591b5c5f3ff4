/** Payments domain Lambda: checkout quotes, confirmation and payout onboarding (GraphQL), Stripe webhooks (REST). */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field, noArgs } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { headerValue } from '../core/events.ts';
import { createLogger } from '../core/log.ts';
import { createRouteRouter, route } from '../core/route-router.ts';
import { toCheckoutQuote, toPayoutAccount } from './payments.mapper.ts';
import { paymentsErasure, paymentsModule } from './payments.module.ts';
import { checkoutPaymentArgs, checkoutQuoteArgs, confirmCheckoutArgs } from './payments.schemas.ts';
import { toEvidencePack, toPaymentDispute } from './dispute-evidence.mapper.ts';
import {
  approveDisputeEvidenceArgs,
  disputeEvidenceArgs,
  disputeQueueArgs,
  editDisputeEvidenceArgs,
} from './dispute-evidence.schemas.ts';

const logger = createLogger({ service: 'payments' });
const m = paymentsModule;

// Account deletion (auth's user.deleted): payment records are kept, pseudonymised.
export const events = createEventDispatcher({
  'user.deleted': async (event) => (await paymentsErasure()).onUserDeleted(event),
});

export const handler = createDomainHandler({
  logger,
  events,
  appsync: createFieldRouter(
    {
      'Query.checkoutQuote': field(checkoutQuoteArgs, async ({ input }, ctx) =>
        toCheckoutQuote(await (await m()).checkout.quote(ctx.caller, input.legs)),
      ),
      'Query.checkoutPayment': field(checkoutPaymentArgs, async ({ groupId }, ctx) =>
        (await m()).confirmation.payment(ctx.caller, groupId),
      ),
      'Mutation.confirmCheckout': field(confirmCheckoutArgs, async ({ input }, ctx) =>
        (await m()).confirmation.confirm(ctx.caller, input),
      ),
      'Query.payoutAccount': field(noArgs, async (_args, ctx) =>
        toPayoutAccount(await (await m()).payouts.accountStatus(ctx.caller)),
      ),
      'Mutation.startPayoutOnboarding': field(noArgs, async (_args, ctx) =>
        (await m()).payouts.onboardingLink(ctx.caller),
      ),
      // Chargeback evidence (finance staff only; the service checks the role).
      'Query.disputeQueue': field(disputeQueueArgs, async ({ all, first }, ctx) =>
        (await (await m()).disputes().queue(ctx.caller, { open: !all, first: first ?? 50 })).map(toPaymentDispute),
      ),
      'Query.disputeEvidence': field(disputeEvidenceArgs, async ({ disputeId, version }, ctx) => {
        const found = await (await m()).disputes().pack(ctx.caller, disputeId, version ?? null);
        return { dispute: toPaymentDispute(found.dispute), pack: toEvidencePack(found.pack) };
      }),
      'Mutation.editDisputeEvidence': field(editDisputeEvidenceArgs, async ({ input }, ctx) => {
        const edited = await (await m()).disputes().edit(ctx.caller, {
          disputeId: input.disputeId,
          baseVersion: input.baseVersion,
          changes: input.evidence,
          note: input.note ?? null,
        });
        return { dispute: toPaymentDispute(edited.dispute), pack: toEvidencePack(edited.pack) };
      }),
      'Mutation.approveDisputeEvidence': field(approveDisputeEvidenceArgs, async ({ input }, ctx) =>
        toPaymentDispute(await (await m()).disputes().approve(ctx.caller, input)),
      ),
    },
    logger,
  ),
  rest: createRouteRouter(
    [
      // Stripe → us. No body schema: the signature covers the raw bytes, which must reach the SDK untouched.
      route({
        method: 'POST',
        path: '/payments/stripe/webhook',
        checkOrigin: false,
        handle: async ({ event }) => {
          const raw = event.body
            ? event.isBase64Encoded
              ? Buffer.from(event.body, 'base64').toString('utf8')
              : event.body
            : '';
          const result = await (await m()).webhooks.receive(raw, headerValue(event.headers, 'stripe-signature'));
          return { status: 200, body: { received: true, outcome: result.outcome } };
        },
      }),
    ],
    { logger },
  ),
});
