/**
 * The notifications domain on the local stack (NTB-NOTIF-001…003): a real account (auth sign-up →
 * user.registered → the notifications consumer), real unread messages (messaging over GraphQL,
 * DynamoDB Local), the digest job through /dev/jobs at chosen instants, email captured by the
 * stack's mail sink, SES bounce/complaint records in SES's own event format → suppression.
 * Acceptance: a digest is not sent during quiet hours and never to a suppressed address.
 */
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { notificationsRepositories } from '../../lambdas/notifications/notifications.repositories.ts';
import { SesFeedbackService } from '../../lambdas/notifications/ses-feedback.service.ts';
import { registeredUser } from '../support/auth-client.ts';
import { publishedProfile } from '../support/booking.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';
import { newId } from '../../lambdas/core/ids.ts';

const ZONE = 'America/New_York';

async function runDigest(at: Temporal.ZonedDateTime) {
  const response = await fetch(
    `${stackInfo().endpoints.restUrl}/dev/jobs/notification-digest?now=${encodeURIComponent(at.toInstant().toString())}`,
  );
  expect(response.status).toBe(200);
  return (await response.json()) as { accounts: number; withUnread: number; outcomes: Record<string, number> };
}

async function mailTo(address: string, template = 'message-digest') {
  const box = (await (await fetch(stackInfo().endpoints.mailboxUrl)).json()) as {
    messages: { to: string; subject: string; text: string; template: string }[];
  };
  return box.messages.filter((message) => message.to === address && message.template === template);
}

async function deliveries(userId: string) {
  return sql<{ channel: string; status: string; dedupe_key: string }>(
    'SELECT channel, status, dedupe_key FROM notification_deliveries WHERE user_id = $1 ORDER BY created_at',
    [userId],
  );
}

/** A real account with unread messages: signs up, owns a published profile, receives an inquiry. */
async function accountWithUnread(messages: number) {
  const user = await registeredUser({ role: 'provider' });
  await eventually(
    async () => (await sql('SELECT 1 FROM notification_settings WHERE user_id = $1', [user.userId])).length,
  );
  const profileId = await publishedProfile(user.userId);
  const senderId = newId('user');
  const sender = await mintAccessToken({ userId: senderId, roles: ['client'] });
  const started = (
    await gqlOk(
      sender,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
      { input: { profileId, body: 'Hello, are you free on Friday?' } },
    )
  ).startInquiry;
  for (let i = 1; i < messages; i++)
    await gqlOk(sender, `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`, {
      input: { threadId: started.thread.threadId, body: `follow-up ${i}`, clientToken: `tok-${i}-${senderId}` },
    });
  await gqlOk(
    user.accessToken,
    `mutation($input: NotificationSettingsInput!) { updateNotificationSettings(input: $input) { timeZone } }`,
    { input: { timeZone: ZONE, quietStartHour: 21, quietEndHour: 8 } },
  );
  return user;
}

function sesService() {
  const { endpoints } = stackInfo();
  const db = createDatabase({
    connectionString: (
      databaseConnection('notifications', { DATABASE_URL: endpoints.databaseUrl }) as { connectionString: string }
    ).connectionString,
    max: 2,
  });
  return { service: new SesFeedbackService(createUnitOfWork(db, notificationsRepositories)), close: () => db.close() };
}

/** SES's event record as a configuration set's EventBridge destination delivers it. */
function sesEvent(type: 'Bounce' | 'Complaint', address: string, bounceType = 'Permanent') {
  const mail = { timestamp: new Date().toISOString(), messageId: `0100${Date.now()}`, destination: [address] };
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': type === 'Bounce' ? 'Email Bounced' : 'Email Complaint Received',
    source: 'aws.ses',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail:
      type === 'Bounce'
        ? {
            eventType: 'Bounce',
            mail,
            bounce: {
              bounceType,
              bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
              bouncedRecipients: [{ emailAddress: address, action: 'failed', status: '5.1.1' }],
              timestamp: new Date().toISOString(),
              feedbackId: `fb-${Date.now()}`,
            },
          }
        : {
            eventType: 'Complaint',
            mail,
            complaint: {
              complainedRecipients: [{ emailAddress: address }],
              timestamp: new Date().toISOString(),
              feedbackId: `fb-${Date.now()}`,
              complaintFeedbackType: 'abuse',
            },
          },
  };
}

describe('the new-message digest', () => {
  it('is not emailed during quiet hours, goes out once after them; the in-app copy is silent', async () => {
    const user = await accountWithUnread(3);
    const day = Temporal.Now.zonedDateTimeISO(ZONE).add({ days: 1 }).startOfDay();

    // 06:00 and 07:59 New York time are inside 21→8: no email, nothing claimed for email.
    for (const at of [day.with({ hour: 6 }), day.with({ hour: 7, minute: 59 })]) {
      const run = await runDigest(at);
      expect(run.outcomes.QUIET_HOURS).toBeGreaterThanOrEqual(1);
      expect(await mailTo(user.email)).toEqual([]);
      expect((await deliveries(user.userId)).map((row) => [row.channel, row.status])).toEqual([['IN_APP', 'SENT']]);
    }

    // 08:00 the same morning: quiet hours are over.
    const morning = day.with({ hour: 8 });
    await runDigest(morning);
    const mails = await mailTo(user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('You have 3 unread messages');
    expect(mails[0]!.text).toContain('You have 3 unread messages in 1 conversations: http://localhost:3000/inbox');
    expect((await deliveries(user.userId)).map((row) => [row.channel, row.status])).toEqual([
      ['IN_APP', 'SENT'],
      ['EMAIL', 'SENT'],
    ]);

    // Later runs the same local day send nothing more.
    await runDigest(morning.add({ hours: 3 }));
    await Promise.all([runDigest(morning.add({ hours: 4 })), runDigest(morning.add({ hours: 4 }))]);
    expect(await mailTo(user.email)).toHaveLength(1);

    // The in-app inbox over GraphQL, with its unread count.
    const inbox = (
      await gqlOk(user.accessToken, `{ myNotifications { unreadCount items { id category title readAt } } }`)
    ).myNotifications;
    expect(inbox.unreadCount).toBe(1);
    expect(inbox.items[0]).toMatchObject({ category: 'MESSAGES', title: 'You have 3 unread messages', readAt: null });
    const left = (await gqlOk(user.accessToken, `mutation { markNotificationsRead }`)).markNotificationsRead;
    expect(left).toBe(0);
  });

  it('is never sent to an address SES reported as a permanent bounce or a complaint', async () => {
    const bounced = await accountWithUnread(1);
    const complained = await accountWithUnread(1);
    const transient = await accountWithUnread(1);
    const ses = sesService();
    try {
      expect(await ses.service.record(sesEvent('Bounce', bounced.email.toUpperCase()))).toEqual({
        suppressed: 1,
        ignored: false,
      });
      // SNS-wrapped, as an SNS destination delivers it.
      const complaint = sesEvent('Complaint', complained.email).detail;
      expect(await ses.service.record({ Type: 'Notification', Message: JSON.stringify(complaint) })).toEqual({
        suppressed: 1,
        ignored: false,
      });
      expect(await ses.service.record(sesEvent('Bounce', transient.email, 'Transient'))).toEqual({
        suppressed: 0,
        ignored: true,
      });
      // A redelivered event changes nothing.
      expect((await ses.service.record(sesEvent('Bounce', bounced.email))).suppressed).toBe(0);
    } finally {
      await ses.close();
    }
    const noon = Temporal.Now.zonedDateTimeISO(ZONE).add({ days: 3 }).with({ hour: 12, minute: 0 });
    await runDigest(noon);
    expect(await mailTo(bounced.email)).toEqual([]);
    expect(await mailTo(complained.email)).toEqual([]);
    expect(await mailTo(transient.email)).toHaveLength(1);
    expect((await deliveries(bounced.userId)).find((row) => row.channel === 'EMAIL')?.status).toBe('SUPPRESSED');
    expect((await deliveries(complained.userId)).find((row) => row.channel === 'EMAIL')?.status).toBe('SUPPRESSED');
    // Suppression stops email only: the in-app digest still arrives.
    expect((await deliveries(bounced.userId)).find((row) => row.channel === 'IN_APP')?.status).toBe('SENT');
  });

  it('honours withdrawn consent per channel and category; account emails cannot be switched off', async () => {
    const user = await accountWithUnread(1);
    const settings = (
      await gqlOk(
        user.accessToken,
        `mutation($input: NotificationSettingsInput!) { updateNotificationSettings(input: $input) {
          consents { channel category allowed locked } } }`,
        { input: { consents: [{ channel: 'EMAIL', category: 'MESSAGES', allowed: false }] } },
      )
    ).updateNotificationSettings;
    expect(settings.consents).toContainEqual({ channel: 'EMAIL', category: 'MESSAGES', allowed: false, locked: false });
    expect(settings.consents).toContainEqual({
      channel: 'EMAIL',
      category: 'MARKETING',
      allowed: false,
      locked: false,
    });
    const locked = await gqlAs(
      user.accessToken,
      `mutation($input: NotificationSettingsInput!) { updateNotificationSettings(input: $input) { timeZone } }`,
      { input: { consents: [{ channel: 'EMAIL', category: 'ACCOUNT', allowed: false }] } },
    );
    expect(locked.errors?.[0]?.errorType).toBe('BAD_REQUEST');
    const badZone = await gqlAs(
      user.accessToken,
      `mutation($input: NotificationSettingsInput!) { updateNotificationSettings(input: $input) { timeZone } }`,
      { input: { timeZone: 'Mars/Olympus' } },
    );
    expect(badZone.errors?.[0]?.errorType).toBe('BAD_REQUEST');

    await runDigest(Temporal.Now.zonedDateTimeISO(ZONE).add({ days: 5 }).with({ hour: 12 }));
    expect(await mailTo(user.email)).toEqual([]);
    expect((await deliveries(user.userId)).map((row) => [row.channel, row.status]).sort()).toEqual([
      ['EMAIL', 'NO_CONSENT'],
      ['IN_APP', 'SENT'],
    ]);
  });
});
