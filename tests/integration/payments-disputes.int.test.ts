/**
 * Chargebacks (NTB-PAY-003) on the local stack: the Stripe stand-in opens a dispute on a captured
 * charge and sends Stripe's signed `charge.dispute.*` webhooks. A dispute after payout takes the leg's
 * transfer back through the Transfer reversal API (once, whatever the number of deliveries), shows on
 * the order timeline, and closes won through Stripe's test evidence, submitted with the `stripe` SDK;
 * an older event delivered after the close does not reopen it. A dispute before completion holds the
 * payout: the leg is not transferred.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { newId } from '../../lambdas/core/ids.ts';
import { ACT, BOOKING_FIELDS, publishedProfile, REQUEST } from '../support/booking.ts';
import {
  CONFIRM_CHECKOUT,
  moneyTrail,
  onboardPayee,
  openSoon,
  payWithCard,
  QUOTE,
  serverStripe,
  soon,
  withPackage,
} from '../support/checkout.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlOk, sql } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

async function party(role: 'client' | 'provider') {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles: [role] }) };
}

const act = (token: string, groupId: string, action: string) =>
  gqlOk(token, ACT, { input: { idempotencyKey: newId('request'), groupId, action } });

/** A confirmed (captured) and started booking paid with `card`; its provider is onboarded for payouts. */
async function startedBooking(card: string) {
  const provider = await party('provider');
  const profileId = await publishedProfile(provider.userId);
  await withPackage(profileId, 20_000);
  await openSoon(provider.token, profileId);
  await onboardPayee(provider.token);
  const client = await party('client');
  const legs = [{ legId: 'shoot', profileId, packageName: 'Headshots' }];
  const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
  const group = (
    await gqlOk(client.token, REQUEST, {
      input: { idempotencyKey: `req-${newId('request')}`, profileId, startsAt: soon(), durationMinutes: 60 },
    })
  ).requestBooking;
  const payment = (
    await gqlOk(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } })
  ).confirmCheckout;
  await payWithCard(payment.paymentRef, payment.clientSecret, card);
  expect((await act(provider.token, group.id, 'ACCEPT')).actOnBooking.status).toBe('CONFIRMED');
  await act(provider.token, group.id, 'START');
  return { provider, client, groupId: group.id as string, paymentRef: payment.paymentRef as string };
}

const timeline = async (token: string, groupId: string): Promise<string[]> =>
  (
    await gqlOk(token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: groupId })
  ).booking.timeline.map((e: { action: string; by: string }) => `${e.action}:${e.by}`);

const disputeRow = async (id: string) =>
  (
    await sql<{ status: string; group_id: string }>('SELECT status, group_id FROM payment_disputes WHERE id = $1', [id])
  )[0];

describe('chargebacks', () => {
  it('after payout: the transfer is reversed once, the timeline shows it, and it closes won; a late event does not reopen it', async () => {
    const { provider, client, groupId, paymentRef } = await startedBooking('pm_card_visa');
    await act(provider.token, groupId, 'COMPLETE');
    const [transfer] = (await serverStripe().transfers.list({ transfer_group: groupId })).data;
    expect(transfer!.amount).toBe(20_000);

    const chargeId = (await serverStripe().paymentIntents.retrieve(paymentRef)).latest_charge as string;
    const opened = await fetch(`${stackInfo().endpoints.stripe!.apiUrl}/dev/charges/${chargeId}/dispute`, {
      method: 'POST',
    });
    expect(opened.status).toBe(200);
    const dispute = (await opened.json()) as { id: string; amount: number };
    expect(dispute.amount).toBeGreaterThan(20_000);

    // The transfer comes back from the provider's account (the whole leg: the dispute is larger).
    await eventually(async () => (await serverStripe().transfers.retrieve(transfer!.id)).amount_reversed === 20_000);
    await eventually(async () => (await moneyTrail(groupId)).entries.transfer_reversal === 1);
    expect(await disputeRow(dispute.id)).toMatchObject({ status: 'needs_response', group_id: groupId });
    const [reversedRow] = await sql('SELECT reversed_cents FROM payment_transfers WHERE id = $1', [transfer!.id]);
    expect(Number(reversedRow!.reversed_cents)).toBe(20_000);
    await eventually(async () => (await timeline(client.token, groupId)).includes('CHARGEBACK_NEEDS_RESPONSE:SYSTEM'));

    // 100 concurrent deliveries of the creation event: still one reversal, one ledger entry.
    const created = (await serverStripe().events.list({ type: 'charge.dispute.created', limit: 100 })).data.find(
      (event: Stripe.Event) => (event.data.object as { id: string }).id === dispute.id,
    )!;
    const storm = await fetch(`${stackInfo().endpoints.stripe!.apiUrl}/dev/events/${created.id}/deliver?times=100`, {
      method: 'POST',
    });
    expect(new Set(((await storm.json()) as { delivered: number[] }).delivered)).toEqual(new Set([200]));
    const reversals = await serverStripe().transfers.listReversals(transfer!.id);
    expect(reversals.data).toHaveLength(1);
    expect(reversals.data[0]).toMatchObject({ object: 'transfer_reversal', amount: 20_000, transfer: transfer!.id });
    expect((await moneyTrail(groupId)).entries).toEqual({ capture: 1, release: 1, transfer: 1, transfer_reversal: 1 });

    // Evidence submitted through the SDK; Stripe's test evidence wins it (charge.dispute.closed).
    await serverStripe().disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'winning_evidence' },
      submit: true,
    });
    await eventually(async () => (await disputeRow(dispute.id))?.status === 'won');
    await eventually(async () => (await timeline(client.token, groupId)).includes('CHARGEBACK_WON:SYSTEM'));
    // The creation event again, after the close: the dispute stays won, no new timeline entry.
    await fetch(`${stackInfo().endpoints.stripe!.apiUrl}/dev/events/${created.id}/deliver?times=3`, {
      method: 'POST',
    });
    expect((await disputeRow(dispute.id))!.status).toBe('won');
    // Once per status; `under_review` and `won` are sent the same second in any order, so when the
    // close arrives first the older update is not applied (and has no entry): both orders are right.
    const entries = (await timeline(client.token, groupId)).filter((entry) => entry.startsWith('CHARGEBACK_'));
    expect([
      ['CHARGEBACK_NEEDS_RESPONSE:SYSTEM', 'CHARGEBACK_UNDER_REVIEW:SYSTEM', 'CHARGEBACK_WON:SYSTEM'],
      ['CHARGEBACK_NEEDS_RESPONSE:SYSTEM', 'CHARGEBACK_WON:SYSTEM'],
    ]).toContainEqual(entries);
  }, 240_000);

  it('before payout: an open dispute holds the leg’s transfer at completion', async () => {
    const { provider, groupId, paymentRef } = await startedBooking('pm_card_createDispute');
    // Stripe's dispute test card opens a chargeback right after capture.
    await eventually(async () => {
      const [row] = await sql<{ status: string }>('SELECT status FROM payment_disputes WHERE group_id = $1', [groupId]);
      return row?.status === 'needs_response';
    });
    const completed = (await act(provider.token, groupId, 'COMPLETE')).actOnBooking;
    expect(completed.status).toBe('COMPLETED');
    expect(completed.timeline.map((e: { action: string }) => e.action)).not.toContain('TRANSFER');
    expect((await serverStripe().transfers.list({ transfer_group: groupId })).data).toEqual([]);
    expect((await moneyTrail(groupId)).entries).toEqual({ capture: 1 });
    expect((await serverStripe().paymentIntents.retrieve(paymentRef)).status).toBe('succeeded');

    // Won: the held payout is paid now (once, whatever the redeliveries), and shows on the timeline.
    const [dispute] = await sql<{ id: string }>('SELECT id FROM payment_disputes WHERE group_id = $1', [groupId]);
    await serverStripe().disputes.update(dispute!.id, {
      evidence: { uncategorized_text: 'winning_evidence' },
      submit: true,
    });
    await eventually(async () => (await disputeRow(dispute!.id))?.status === 'won');
    await eventually(async () => (await serverStripe().transfers.list({ transfer_group: groupId })).data.length === 1);
    await eventually(async () => (await timeline(provider.token, groupId)).includes('TRANSFER:SYSTEM'));
    const closed = (await serverStripe().events.list({ type: 'charge.dispute.closed', limit: 100 })).data.find(
      (event: Stripe.Event) => (event.data.object as { id: string }).id === dispute!.id,
    )!;
    await fetch(`${stackInfo().endpoints.stripe!.apiUrl}/dev/events/${closed.id}/deliver?times=5`, { method: 'POST' });
    const transfers = (await serverStripe().transfers.list({ transfer_group: groupId })).data;
    expect(transfers.map((transfer) => transfer.amount)).toEqual([20_000]);
    expect((await moneyTrail(groupId)).entries).toEqual({ capture: 1, release: 1, transfer: 1 });
  }, 240_000);

  it('a dispute object the event schema would refuse is answered 200 "ignored", not 500: nothing half-written, no retries', async () => {
    const { groupId, paymentRef } = await startedBooking('pm_card_visa');
    const chargeId = (await serverStripe().paymentIntents.retrieve(paymentRef)).latest_charge as string;
    const valid = {
      id: `dp_${randomUUID().replace(/-/g, '')}`,
      object: 'dispute',
      charge: chargeId,
      payment_intent: paymentRef,
      amount: 20_000,
      currency: 'usd',
      reason: 'fraudulent',
      status: 'needs_response',
      evidence_details: { due_by: Math.floor(Date.now() / 1000) + 86_400 },
    };
    const malformed = [
      { ...valid, reason: '' },
      { ...valid, id: `du_${randomUUID().replace(/-/g, '')}` },
      { ...valid, currency: 'USD' },
      { ...valid, evidence_details: { due_by: 1e15 } },
    ];
    const deliver = async (dispute: Record<string, unknown>) => {
      const payload = JSON.stringify({
        id: `evt_${randomUUID().replace(/-/g, '')}`,
        object: 'event',
        type: 'charge.dispute.created',
        created: Math.floor(Date.now() / 1000),
        data: { object: dispute },
      });
      const stripe = stackInfo().endpoints.stripe!;
      return fetch(`${stackInfo().endpoints.restUrl}/payments/stripe/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: stripe.webhookSecret }),
        },
        body: payload,
      });
    };
    for (const dispute of malformed) {
      const response = await deliver(dispute);
      expect(response.status, JSON.stringify(dispute)).toBe(200);
      expect(await response.json()).toEqual({ received: true, outcome: 'ignored' });
    }
    expect(await sql('SELECT id FROM payment_disputes WHERE group_id = $1', [groupId])).toEqual([]);
    // The well-formed one is applied (the test's objects differ only in the broken field).
    expect(await (await deliver(valid)).json()).toEqual({ received: true, outcome: 'applied' });
    expect(await disputeRow(valid.id)).toMatchObject({ status: 'needs_response', group_id: groupId });
  }, 240_000);
});
