/**
 * Booking races through GraphQL on the local stack (issue #11 acceptance):
 *  - many concurrent clients competing for the same slots: zero overlapping active legs, exactly one
 *    winner per slot, every loser a BOOKING.CONFLICT;
 *  - 100 concurrent replays of one transition with one idempotency key: one effect, one event, one
 *    audit entry, the same answer to all.
 * Scale: BOOKING_RACE_CLIENTS (default 200), BOOKING_RACE_SLOTS (50), BOOKING_RACE_ROUNDS (default 3;
 * the acceptance's 20 rounds: `BOOKING_RACE_ROUNDS=20 npx vitest run --project integration
 * tests/integration/booking-races.int.test.ts`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { postGraphql } from '../support/clients.ts';
import { payHold } from '../support/checkout.ts';
import { gqlOk, sql } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';
import { ACT, BOOKING_FIELDS, hoursFromNow, openAllDay, publishedProfile, REQUEST } from '../support/booking.ts';

const CLIENTS = Number(process.env.BOOKING_RACE_CLIENTS ?? 200);
const SLOTS = Number(process.env.BOOKING_RACE_SLOTS ?? 50);
const ROUNDS = Number(process.env.BOOKING_RACE_ROUNDS ?? 3);

let provider: { token: string; userId: string; profileId: string };
let clients: { userId: string; token: string }[];

beforeAll(async () => {
  const userId = newId('user');
  const token = await mintAccessToken({ userId, roles: ['provider'] });
  const profileId = await publishedProfile(userId);
  await openAllDay(token, profileId, { bufferAfterMinutes: 0 });
  provider = { token, userId, profileId };
  clients = [];
  for (let i = 0; i < CLIENTS; i++) {
    const id = newId('user');
    clients.push({ userId: id, token: await mintAccessToken({ userId: id, roles: ['client'] }) });
  }
}, 300_000);

/** Raw POST so 200 requests leave at once (no client-side queueing beyond the HTTP agent). */
async function call(token: string, query: string, variables: Record<string, unknown>) {
  const answer = await postGraphql(JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
  return answer.body as { data: any; errors?: { errorType: string; errorInfo?: { code?: string } }[] };
}

describe('booking races', () => {
  it(`${CLIENTS} clients × ${SLOTS} slots × ${ROUNDS} rounds: one winner per slot, every loser BOOKING.CONFLICT`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Each round its own hours (1..ROUNDS*SLOTS hours from now, inside the 90-day horizon).
      const slots = Array.from({ length: SLOTS }, (_, i) => hoursFromNow(24 + round * SLOTS + i));
      const answers = await Promise.all(
        clients.map((c, i) => {
          const startsAt = slots[(i * 7 + round) % SLOTS]!;
          return call(c.token, REQUEST, {
            input: {
              idempotencyKey: `race-${round}-${c.userId}`,
              profileId: provider.profileId,
              startsAt,
              durationMinutes: 60,
            },
          }).then((body) => ({ startsAt, body }));
        }),
      );
      const winners = new Map<string, number>();
      for (const { startsAt, body } of answers) {
        if (body.errors) {
          expect(body.errors[0], JSON.stringify(body.errors)).toMatchObject({
            errorType: 'BOOKING_CONFLICT',
            errorInfo: { code: 'BOOKING.CONFLICT' },
          });
        } else {
          expect(body.data.requestBooking.status).toBe('REQUESTED');
          winners.set(startsAt, (winners.get(startsAt) ?? 0) + 1);
        }
      }
      // Every slot that somebody asked for has exactly one winner.
      const asked = new Set(answers.map((a) => a.startsAt));
      expect([...asked].map((slot) => winners.get(slot) ?? 0)).toEqual([...asked].map(() => 1));
      const losers = answers.filter((a) => a.body.errors).length;
      expect(losers).toBe(CLIENTS - asked.size);
    }
    const overlapping = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM booking_legs a JOIN booking_legs b
         ON a.resource_id = b.resource_id AND a.id < b.id AND a.blocked && b.blocked
       WHERE a.active AND b.active`,
    );
    expect(overlapping[0]!.n).toBe(0);
    const active = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM booking_legs WHERE active AND resource_id = $1`,
      [provider.profileId],
    );
    expect(active[0]!.n).toBe(ROUNDS * Math.min(SLOTS, CLIENTS));
  }, 600_000);

  it('100 concurrent replays of one transition: one effect, one event, one audit entry, one answer', async () => {
    const client = clients[0]!;
    const group = (
      await gqlOk(client.token, REQUEST, {
        input: {
          idempotencyKey: `replay-req-${newId('request')}`,
          profileId: provider.profileId,
          startsAt: hoursFromNow(24 * 80),
          durationMinutes: 60,
        },
      })
    ).requestBooking;
    await gqlOk(provider.token, ACT, {
      input: { idempotencyKey: `replay-acc-${newId('request')}`, groupId: group.id, action: 'ACCEPT' },
    });
    // Booking is wired to Stripe (the stand-in): the client pays the hold, so cancelling refunds.
    await payHold(client.token, group.id);
    const key = `replay-cancel-${newId('request')}`;
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        call(client.token, ACT, { input: { idempotencyKey: key, groupId: group.id, action: 'CANCEL' } }),
      ),
    );
    for (const answer of answers) expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    const first = JSON.stringify(answers[0]!.data);
    expect(answers.every((answer) => JSON.stringify(answer.data) === first)).toBe(true);
    expect(answers[0]!.data.actOnBooking).toMatchObject({ status: 'CANCELLED', refundCents: 20000 });

    const events = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE aggregate_id = $1 AND type = 'booking.cancelled'`,
      [group.id],
    );
    expect(events[0]!.n).toBe(1);
    const audit = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE subject = $1 AND action = 'booking.cancel'`,
      [group.id],
    );
    expect(audit[0]!.n).toBe(1);
    const transitions = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM booking_transitions WHERE group_id = $1 AND action = 'CANCEL'`,
      [group.id],
    );
    expect(transitions[0]!.n).toBe(1);
    // The replayed answer is still the first one after the fact.
    const later = await call(client.token, ACT, {
      input: { idempotencyKey: key, groupId: group.id, action: 'CANCEL' },
    });
    expect(JSON.stringify(later.data)).toBe(first);
    const now = (
      await gqlOk(client.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: group.id })
    ).booking;
    expect(now.status).toBe('CANCELLED');
  }, 120_000);
});
