/**
 * Nudges and digests are sent once even when job runs overlap or are retried: each send first claims
 * a unique (user, kind, period) row under a per-recipient lock, before the email goes out.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlOk, sql } from '../support/graphql.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { mintAccessToken } from '../support/tokens.ts';

async function runJob(now: Date) {
  const response = await fetch(
    `${stackInfo().endpoints.restUrl}/dev/jobs/profile-nudges?now=${encodeURIComponent(now.toISOString())}`,
  );
  expect(response.status).toBe(200);
  return response.json();
}

async function mailTo(address: string, template: string) {
  const box = (await (await fetch(stackInfo().endpoints.mailboxUrl)).json()) as {
    messages: { to: string; template: string }[];
  };
  return box.messages.filter((message) => message.to === address && message.template === template);
}

describe('nudge and digest runs are idempotent', () => {
  it('sends one nudge when several runs overlap, also across a day boundary', async () => {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['provider'] });
    const email = `overlap.${userId.slice(-8).toLowerCase()}@example.com`;
    const created = (
      await gqlOk(
        token,
        `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id version } }`,
        { input: { role: 'MODEL', displayName: 'Over Lap' } },
      )
    ).createServiceProfile;
    await gqlOk(token, `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { id } }`, {
      input: { profileId: created.id, expectedVersion: created.version, patch: { contactEmail: email } },
    });
    await gqlOk(
      token,
      `mutation { updateNotificationPreferences(input: { quietStartHour: 0, quietEndHour: 0 }) { quietStartHour } }`,
    );

    // Five runs at once (a slow run overlapping the next schedule, plus retries), two of them a
    // minute after midnight UTC: another claim period, so only the lock and the caps stop them.
    const base = new Date(Date.now() + 3 * 86_400_000);
    const beforeMidnight = new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate(), 23, 59));
    const afterMidnight = new Date(beforeMidnight.getTime() + 2 * 60_000);
    await Promise.all([
      runJob(beforeMidnight),
      runJob(beforeMidnight),
      runJob(beforeMidnight),
      runJob(afterMidnight),
      runJob(afterMidnight),
    ]);
    expect(await mailTo(email, 'profile.onboarding_nudge')).toHaveLength(1);
    expect(await sql(`SELECT kind FROM notification_log WHERE user_id = $1`, [userId])).toEqual([{ kind: 'NUDGE' }]);
  });

  it('sends one digest when runs overlap', async () => {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['provider'] });
    const email = `digest-overlap.${userId.slice(-8).toLowerCase()}@example.com`;
    await seedPublishedProfile(token, email);
    await gqlOk(
      token,
      `mutation { updateNotificationPreferences(input: { quietStartHour: 0, quietEndHour: 0 }) { quietStartHour } }`,
    );
    const at = new Date(Date.now() + 86_400_000);
    await Promise.all(Array.from({ length: 4 }, () => runJob(at)));
    expect(await mailTo(email, 'profile.weekly_digest')).toHaveLength(1);
    const claims = await sql(`SELECT kind, period FROM notification_log WHERE user_id = $1 AND kind = 'DIGEST'`, [
      userId,
    ]);
    expect(claims).toHaveLength(1);
    expect(claims[0]!.period).toMatch(/^\d{4}-W\d{2}$/);
  });
});
