/**
 * Onboarding nudges and the weekly digest: runs of the scheduled job (through the local /dev/jobs
 * route, at chosen times) against captured email, honouring caps, quiet hours and unsubscribe.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlOk } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

async function runJob(now: Date) {
  const response = await fetch(
    `${stackInfo().endpoints.restUrl}/dev/jobs/profile-nudges?now=${encodeURIComponent(now.toISOString())}`,
  );
  expect(response.status).toBe(200);
  return response.json();
}

async function mailTo(address: string): Promise<{ subject: string; text: string; template: string }[]> {
  const box = (await (await fetch(stackInfo().endpoints.mailboxUrl)).json()) as {
    messages: { to: string; subject: string; text: string; template: string }[];
  };
  return box.messages.filter((message) => message.to === address);
}

/** A UTC instant at `hour`:00 New York time, `days` from now (EST/EDT handled by trying offsets). */
function newYorkTime(days: number, hour: number): Date {
  const base = new Date(Date.now() + days * 86_400_000);
  for (const offset of [4, 5]) {
    const candidate = new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate(), hour + offset));
    const local = Number(
      new Intl.DateTimeFormat('en-US', { hour: 'numeric', hourCycle: 'h23', timeZone: 'America/New_York' }).format(
        candidate,
      ),
    );
    if (local === hour) return candidate;
  }
  throw new Error('no offset matched');
}

describe('nudges and digests', () => {
  it('nudges an idle draft once within the cap, not in quiet hours, and never after unsubscribe', async () => {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['provider'] });
    const email = `nudge.${userId.slice(-8).toLowerCase()}@example.com`;
    const created = (
      await gqlOk(
        token,
        `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id version } }`,
        { input: { role: 'MODEL', displayName: 'Nu Dge' } },
      )
    ).createServiceProfile;
    await gqlOk(token, `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { id } }`, {
      input: {
        profileId: created.id,
        expectedVersion: created.version,
        patch: { city: 'us-nyc', contactEmail: email },
      },
    });

    // Fresh drafts are not nudged; quiet hours (23:00 New York) hold the nudge back.
    await runJob(new Date());
    expect(await mailTo(email)).toHaveLength(0);
    await runJob(newYorkTime(2, 23));
    expect(await mailTo(email)).toHaveLength(0);

    // Daytime, two days idle: one nudge with an unsubscribe link; a second run the same day is capped.
    await runJob(newYorkTime(2, 11));
    await runJob(newYorkTime(2, 15));
    const nudges = await mailTo(email);
    expect(nudges).toHaveLength(1);
    expect(nudges[0]).toMatchObject({ template: 'profile.onboarding_nudge', subject: 'Finish your RastUp profile' });
    expect(nudges[0]!.text).toContain('next step BASICS');

    // Unsubscribe (no sign-in) stops further nudges, even past the cap window.
    const link = /Unsubscribe: (\S+)/.exec(nudges[0]!.text)![1]!;
    const unsubscribed = await fetch(link);
    expect(unsubscribed.status).toBe(200);
    await runJob(newYorkTime(6, 11));
    expect(await mailTo(email)).toHaveLength(1);
    const prefs = await gqlOk(token, '{ myNotificationPreferences { nudges digest } }');
    expect(prefs.myNotificationPreferences).toEqual({ nudges: false, digest: true });
  });

  it('sends at most one weekly digest to owners of published profiles, and honours the digest switch', async () => {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['provider'] });
    const email = `digest.${userId.slice(-8).toLowerCase()}@example.com`;
    const { seedPublishedProfile } = await import('../support/profiles.ts');
    await seedPublishedProfile(token, email);
    // Quiet hours off for this person: any time of day is fine.
    await gqlOk(
      token,
      `mutation { updateNotificationPreferences(input: { quietStartHour: 0, quietEndHour: 0 }) { quietStartHour } }`,
    );
    await runJob(new Date(Date.now() + 86_400_000));
    await runJob(new Date(Date.now() + 2 * 86_400_000));
    let digests = (await mailTo(email)).filter((message) => message.template === 'profile.weekly_digest');
    expect(digests).toHaveLength(1);
    await runJob(new Date(Date.now() + 8 * 86_400_000));
    digests = (await mailTo(email)).filter((message) => message.template === 'profile.weekly_digest');
    expect(digests).toHaveLength(2);
    await gqlOk(token, `mutation { updateNotificationPreferences(input: { digest: false }) { digest } }`);
    await runJob(new Date(Date.now() + 16 * 86_400_000));
    expect((await mailTo(email)).filter((message) => message.template === 'profile.weekly_digest')).toHaveLength(2);
  });
});
