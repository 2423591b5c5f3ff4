/**
 * Retried transitions around checkout (issue #12). An acceptance that completes a paid group enters
 * the hold and captures after its commit, so its first answer is CONFIRMED; a retry with the same key
 * used to get the answer stored inside the transaction (HOLD). It now gets the booking as it stands.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { ACT } from '../support/booking.ts';
import { eventually, gqlOk, sql } from '../support/graphql.ts';
import { checkedOutBooking } from '../support/payments.ts';

describe('ACCEPT replay', () => {
  it('a retried acceptance (same key) answers the current state, CONFIRMED and CAPTURED, not the stored HOLD', async () => {
    const booked = await checkedOutBooking();
    await eventually(
      async () =>
        (await sql('SELECT status FROM payment_authorizations WHERE group_id = $1', [booked.groupId]))[0]?.status ===
        'authorized',
    );
    const input = { idempotencyKey: newId('request'), groupId: booked.groupId, action: 'ACCEPT' };
    const first = (await gqlOk(booked.provider.token, ACT, { input })).actOnBooking;
    expect(first).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'CAPTURED' });
    const retried = await Promise.all(
      Array.from({ length: 5 }, async () => (await gqlOk(booked.provider.token, ACT, { input })).actOnBooking),
    );
    for (const answer of retried) {
      expect(answer).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'CAPTURED' });
      expect(answer.timeline).toEqual(first.timeline);
    }
    // A reused key with another action is still refused, not replayed.
    const other = await gqlOk(booked.provider.token, ACT, { input: { ...input, action: 'DECLINE' } }).catch(
      (error: Error) => error.message,
    );
    expect(String(other)).toMatch(/IDEMPOTENCY|idempotency/i);
  });
});
