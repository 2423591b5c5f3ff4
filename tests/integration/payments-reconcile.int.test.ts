/**
 * Payments reconciliation on the local stack (`/dev/jobs/payments-reconcile`): Stripe's lists
 * (PaymentIntents, refunds, transfers, through the `stripe` SDK against the stand-in) against the
 * records. Lost webhooks are staged for real: the PaymentIntent is authorised, captured and partly
 * refunded at Stripe before the platform has a record of it (every webhook arrives and is ignored),
 * then the record is written as it stood when the webhooks were lost. The job moves it forward and
 * records the refund with one ledger entry each; a second run repairs nothing more; a PaymentIntent
 * no record names is reported, not invented.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { serverStripe } from '../support/checkout.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, sql } from '../support/graphql.ts';

interface Finding {
  kind: string;
  ref: string;
  groupId: string | null;
  local: unknown;
  stripe: unknown;
}
interface Report {
  checked: { paymentIntents: number; transfers: number };
  repaired: Finding[];
  mismatches: Finding[];
}

async function reconcile(): Promise<Report> {
  const answer = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/payments-reconcile`);
  expect(answer.status).toBe(200);
  return (await answer.json()) as Report;
}

/** A manual-capture PaymentIntent confirmed with Stripe's test card, for `groupId`, made at Stripe only. */
async function stripeOnlyIntent(groupId: string, amount: number) {
  return serverStripe().paymentIntents.create({
    amount,
    currency: 'usd',
    capture_method: 'manual',
    confirm: true,
    payment_method: 'pm_card_visa',
    metadata: { group_id: groupId },
  });
}

describe('payments reconciliation', () => {
  it('repairs what lost webhooks left (capture, a refund) once, and reports an intent nobody recorded', async () => {
    const groupId = `grp_${randomUUID()}`;
    const intent = await stripeOnlyIntent(groupId, 30_000);
    expect(intent.status).toBe('requires_capture');
    await serverStripe().paymentIntents.capture(intent.id);
    const refund = await serverStripe().refunds.create({ payment_intent: intent.id, amount: 5_000 });
    // Every webhook of these arrived while no record named the PaymentIntent: stored, not applied. All
    // seven (the intent's created / amount_capturable_updated / succeeded, the charge's succeeded /
    // captured / refunded, refund.created), not only the refund's: Stripe delivers in no order and retries
    // an answer that was not 2xx, so a capture event still on its way would land after the record below
    // and move it to `captured` itself, leaving the job nothing to repair.
    const chargeId = (await serverStripe().paymentIntents.retrieve(intent.id)).latest_charge as string;
    await eventually(
      async () =>
        (
          await sql<{ n: number }>('SELECT count(*)::int AS n FROM stripe_events WHERE object_id = ANY($1)', [
            [intent.id, chargeId, refund.id],
          ])
        )[0]!.n === 7,
    );
    await sql(
      `INSERT INTO payment_authorizations (group_id, client_user_id, amount_cents, currency, payment_intent_id, status)
       VALUES ($1, 'usr_reconcile', 30000, 'usd', $2, 'authorized')`,
      [groupId, intent.id],
    );
    const stranger = await stripeOnlyIntent(`grp_${randomUUID()}`, 7_000);

    const report = await reconcile();
    expect(report.checked.paymentIntents).toBeGreaterThanOrEqual(2);
    const mine = (findings: Finding[]) => findings.filter((f) => f.groupId === groupId);
    expect(mine(report.repaired)).toEqual([
      { kind: 'authorization_status', ref: intent.id, groupId, local: 'authorized', stripe: 'captured' },
      { kind: 'refund_missing', ref: refund.id, groupId, local: null, stripe: 5_000 },
    ]);
    expect(report.mismatches.find((f) => f.ref === stranger.id)).toMatchObject({
      kind: 'unknown_payment_intent',
      stripe: 'requires_capture',
    });
    const [row] = await sql(
      'SELECT status, captured_cents, refunded_cents FROM payment_authorizations WHERE group_id = $1',
      [groupId],
    );
    expect(row).toMatchObject({ status: 'captured' });
    expect([Number(row!.captured_cents), Number(row!.refunded_cents)]).toEqual([30_000, 5_000]);
    const entries = await sql<{ source_ref: string }>(
      'SELECT source_ref FROM journal_entries WHERE group_id = $1 ORDER BY source_ref',
      [groupId],
    );
    expect(entries.map((e) => e.source_ref)).toEqual([`capture:${intent.id}`, `refund:${refund.id}`]);

    // A second run: nothing more to repair for the group, the stranger still reported.
    const again = await reconcile();
    expect(mine(again.repaired)).toEqual([]);
    expect(mine(again.mismatches)).toEqual([]);
    expect(again.mismatches.some((f) => f.ref === stranger.id)).toBe(true);
    expect((await sql('SELECT count(*)::int AS n FROM journal_entries WHERE group_id = $1', [groupId]))[0]!.n).toBe(2);
  }, 120_000);

  it('lists every page: more PaymentIntents than one page of the SDK’s list', async () => {
    const groupIds = Array.from({ length: 105 }, () => `grp_${randomUUID()}`);
    const intents = [];
    for (const groupId of groupIds) intents.push(await stripeOnlyIntent(groupId, 1_000));
    const report = await reconcile();
    const reported = new Set(report.mismatches.map((f) => f.ref));
    expect(intents.filter((pi) => !reported.has(pi.id))).toEqual([]);
  }, 120_000);

  it('finishes a refund request a crash left open (the hourly job): refunded once at Stripe, its reservation released', async () => {
    const groupId = `grp_${randomUUID()}`;
    const intent = await stripeOnlyIntent(groupId, 30_000);
    await serverStripe().paymentIntents.capture(intent.id);
    await sql(
      `INSERT INTO payment_authorizations (group_id, client_user_id, amount_cents, currency, payment_intent_id, status, captured_cents)
       VALUES ($1, 'usr_reconcile', 30000, 'usd', $2, 'captured', 30000)`,
      [groupId, intent.id],
    );
    // Recorded (reserving 4 000 of the refundable funds), then the process died before asking Stripe.
    const key = `rastup:refund:${groupId}:crashed`;
    await sql(
      `INSERT INTO payment_money_requests (idempotency_key, group_id, kind, amount_cents, details, created_at)
       VALUES ($1, $2, 'refund', 4000, $3, now() - interval '5 minutes')`,
      [key, groupId, JSON.stringify({ reason: 'Cancelled by the client', callerKey: 'crashed' })],
    );
    const reserved = () =>
      sql<{ n: number }>(
        'SELECT COALESCE(sum(amount_cents), 0)::int AS n FROM payment_money_requests WHERE group_id = $1 AND completed_at IS NULL',
        [groupId],
      );
    expect((await reserved())[0]!.n).toBe(4_000);

    await reconcile();
    expect((await reserved())[0]!.n).toBe(0);
    const refunds = (await serverStripe().refunds.list({ payment_intent: intent.id })).data;
    expect(refunds.map((refund) => refund.amount)).toEqual([4_000]);
    const [request] = await sql('SELECT stripe_object_id FROM payment_money_requests WHERE idempotency_key = $1', [
      key,
    ]);
    expect(request!.stripe_object_id).toBe(refunds[0]!.id);
    await reconcile();
    expect((await serverStripe().refunds.list({ payment_intent: intent.id })).data).toHaveLength(1);
  }, 120_000);
});
