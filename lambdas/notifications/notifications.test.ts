import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { EmailMessage, Notifier } from '../core/ports.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import { DigestService } from './digest.service.ts';
import { isQuietAt, localDate } from './notifications.policy.ts';
import type {
  ConsentRow,
  DeliveryStore,
  InboxStore,
  SettingsRow,
  SettingsStore,
  SuppressionStore,
} from './notifications.repository.ts';
import { NotificationService } from './notifications.service.ts';
import { SesFeedbackService } from './ses-feedback.service.ts';
import { compileLayout } from './templates/compile.ts';
import { renderTemplate } from './templates/render.ts';

describe('quiet hours in the recipient zone', () => {
  it('wraps midnight and follows DST', () => {
    // 21→8 in New York: 02:30 UTC on a summer day is 22:30 EDT; in winter 02:30 UTC is 21:30 EST.
    expect(isQuietAt(new Date('2026-07-01T02:30:00Z'), 'America/New_York', 21, 8)).toBe(true);
    expect(isQuietAt(new Date('2026-07-01T12:00:00Z'), 'America/New_York', 21, 8)).toBe(false);
    expect(isQuietAt(new Date('2026-07-01T12:00:00Z'), 'America/New_York', 8, 8)).toBe(false);
    // 00:30 UTC on 8 March 2026 is 19:30 EST (not quiet); on 9 March it is 20:30 EDT (still not);
    // 01:30 UTC on 9 March is 21:30 EDT (quiet) while the same UTC time on 7 March is 20:30 EST.
    expect(isQuietAt(new Date('2026-03-09T01:30:00Z'), 'America/New_York', 21, 8)).toBe(true);
    expect(isQuietAt(new Date('2026-03-07T01:30:00Z'), 'America/New_York', 21, 8)).toBe(false);
    // A half-hour zone: 16:00 UTC is 21:30 in Kolkata.
    expect(isQuietAt(new Date('2026-07-01T16:00:00Z'), 'Asia/Kolkata', 21, 8)).toBe(true);
    expect(localDate(new Date('2026-07-01T02:30:00Z'), 'America/New_York')).toBe('2026-06-30');
  });
});

describe('templates', () => {
  it('the compiled layout is what MJML makes of layout.mjml (run npm run notifications:templates)', async () => {
    const dir = join(import.meta.dirname, 'templates');
    expect(await compileLayout(readFileSync(join(dir, 'layout.mjml'), 'utf8'))).toBe(
      readFileSync(join(dir, 'layout.compiled.ts'), 'utf8'),
    );
  });

  it('renders HTML with escaped values and a text part', () => {
    const rendered = renderTemplate(
      'booking-confirmed',
      { bookingId: 'bkg_1/<x>', when: 'Fri <b>10:00</b> & later' },
      { webBaseUrl: 'https://rastup.com', footer: 'Footer' },
    );
    expect(rendered.subject).toBe('Booking confirmed');
    expect(rendered.html).toContain('Fri &lt;b&gt;10:00&lt;/b&gt; &amp; later');
    expect(rendered.html).not.toContain('<b>10:00');
    expect(rendered.html).toContain('href="https://rastup.com/bookings/bkg_1%2F%3Cx%3E"');
    expect(rendered.html).toMatch(/^<!doctype html>/);
    expect(rendered.text).toBe(
      'Your booking for Fri <b>10:00</b> & later is confirmed: https://rastup.com/bookings/bkg_1%2F%3Cx%3E\n\nFooter\n',
    );
  });
});

function setup(options: { consents?: ConsentRow[]; suppressed?: string[]; email?: string | null } = {}) {
  const clock = new ManualClock(Date.parse('2026-07-01T16:00:00Z')); // 12:00 in New York
  const settings: SettingsRow = {
    user_id: newId('user'),
    time_zone: 'America/New_York',
    quiet_start_hour: 21,
    quiet_end_hour: 8,
  };
  const claims = new Map<string, string>();
  const inbox: string[] = [];
  const sent: EmailMessage[] = [];
  const db = fakeUnitOfWork({
    settings: fake<SettingsStore>('settings', {
      get: async () => settings,
      consents: async () => options.consents ?? [],
      page: async (after: string) => (after === '' ? [settings] : []),
    }),
    suppressions: fake<SuppressionStore>('suppressions', {
      isSuppressed: async (_channel, address) => (options.suppressed ?? []).includes(address),
      suppress: async ({ address }) => {
        if ((options.suppressed ??= []).includes(address)) return false;
        options.suppressed.push(address);
        return true;
      },
    }),
    deliveries: fake<DeliveryStore>('deliveries', {
      claim: async (row) => {
        if (claims.has(row.dedupeKey)) return false;
        claims.set(row.dedupeKey, row.status);
        return true;
      },
      release: async (key) => void claims.delete(key),
    }),
    inbox: fake<InboxStore>('inbox', { add: async (row) => void inbox.push(row.title) }),
  });
  const notifier = fake<Notifier>('notifier', { sendEmail: async (message) => void sent.push(message) });
  const email = options.email === undefined ? 'pat@example.com' : options.email;
  const notifications = new NotificationService(db, { emailOf: async () => email }, notifier, clock, {
    webBaseUrl: 'https://rastup.com',
  });
  const digest = new DigestService(db, { summaryFor: async () => ({ messages: 4, threads: 2 }) }, notifications, clock);
  return { clock, claims, inbox, sent, digest, db, options };
}

describe('digest', () => {
  it('emails only after quiet hours (in-app is silent and goes at once), once per local day', async () => {
    const { digest, sent, inbox, claims } = setup();
    const night = new Date('2026-07-02T03:00:00Z'); // 23:00 EDT, local date 2026-07-01
    expect((await digest.run(night)).outcomes).toEqual({ QUIET_HOURS: 1, SENT: 1 });
    expect(sent).toEqual([]);
    expect([...claims.keys()]).toEqual([expect.stringMatching(/^digest:usr_\w+:2026-07-01:IN_APP$/)]);

    const morning = new Date('2026-07-02T12:00:00Z'); // 08:00 EDT, local date 2026-07-02
    expect((await digest.run(morning)).outcomes).toEqual({ SENT: 2 });
    expect(sent.map((m) => [m.to, m.subject, m.template])).toEqual([
      ['pat@example.com', 'You have 4 unread messages', 'message-digest'],
    ]);
    expect(sent[0]!.html).toContain('You have 4 unread messages in 2 conversations.');
    expect(inbox).toEqual(['You have 4 unread messages', 'You have 4 unread messages']);
    expect((await digest.run(new Date('2026-07-02T20:00:00Z'))).outcomes).toEqual({ DUPLICATE: 2 });
    expect(sent).toHaveLength(1);
  });

  it('never emails a suppressed address, and honours withdrawn consent per channel', async () => {
    const suppressed = setup({ suppressed: ['pat@example.com'] });
    expect((await suppressed.digest.run()).outcomes).toEqual({ SUPPRESSED: 1, SENT: 1 });
    expect(suppressed.sent).toEqual([]);

    const withdrawn = setup({ consents: [{ channel: 'IN_APP', category: 'MESSAGES', allowed: false }] });
    expect((await withdrawn.digest.run()).outcomes).toEqual({ SENT: 1, NO_CONSENT: 1 });
    expect(withdrawn.inbox).toEqual([]);
  });

  it('gives the claim back when the mail provider fails, so the next run retries', async () => {
    const { db, claims, clock } = setup();
    const failing = new NotificationService(
      db,
      { emailOf: async () => 'pat@example.com' },
      fake<Notifier>('notifier', {
        sendEmail: async () => {
          throw new Error('SES throttled');
        },
      }),
      clock,
      { webBaseUrl: 'https://rastup.com' },
    );
    await expect(
      failing.send({
        userId: 'usr_x',
        template: 'refund-issued',
        data: { amount: '$10.00' },
        channels: ['EMAIL'],
        dedupeKey: 'refund:re_1',
      }),
    ).rejects.toThrow('SES throttled');
    expect(claims.size).toBe(0);
  });
});

describe('SES feedback', () => {
  const mail = { messageId: '0100abc', destination: ['x@example.com'] };
  it('suppresses permanent bounces and complaints (EventBridge or SNS), ignores transient bounces and junk', async () => {
    const { db, options } = setup({ suppressed: [] });
    const service = new SesFeedbackService(db);
    const bounce = (bounceType: string) => ({
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      detail: {
        eventType: 'Bounce',
        mail,
        bounce: { bounceType, bouncedRecipients: [{ emailAddress: 'Hard@Example.com' }], feedbackId: 'f1' },
      },
    });
    expect(await service.record(bounce('Transient'))).toEqual({ suppressed: 0, ignored: true });
    expect(await service.record(bounce('Permanent'))).toEqual({ suppressed: 1, ignored: false });
    const complaint = {
      notificationType: 'Complaint',
      mail,
      complaint: { complainedRecipients: [{ emailAddress: 'angry@example.com' }] },
    };
    expect(await service.record({ Type: 'Notification', Message: JSON.stringify(complaint) })).toEqual({
      suppressed: 1,
      ignored: false,
    });
    expect(await service.record({ Type: 'Notification', Message: 'not json' })).toEqual({
      suppressed: 0,
      ignored: true,
    });
    expect(await service.record('meow')).toEqual({ suppressed: 0, ignored: true });
    expect(options.suppressed).toEqual(['Hard@Example.com', 'angry@example.com']);
  });
});
