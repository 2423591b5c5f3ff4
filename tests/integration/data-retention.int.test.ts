/**
 * Retention per data class (issue 17; lambdas/privacy/retention-policy.ts) on the shared stack: for
 * every expiring class, a row just past its period and one just inside it are written (dated back
 * from an injected `now`), the job runs twice at once through `GET /dev/jobs/data-retention?now=`,
 * and exactly the expired rows are gone (or pseudonymised) while the fresh ones, unread
 * notifications, pending webhook tasks (and the partner events they deliver), unpublished events,
 * running lockouts, authorised groups' intent requests, exports still building and the audit log stay.
 * A third run finds nothing left: the job is idempotent.
 *
 * The injected `now` is the real present: the shared stack holds other files' rows, which must meet
 * the policy as they would in production (they are fresh), not a clock years ahead.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { retentionPolicy, type ExpiringClassName } from '../../lambdas/privacy/retention-policy.ts';
import { registeredUser } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';
import { sql } from '../support/graphql.ts';

const DAY = 86_400_000;
const now = new Date();
/** `days` (fractional allowed) before the injected now. */
const ago = (days: number) => new Date(now.getTime() - days * DAY);
/** Just past and just inside a class's period. */
const expired = (name: ExpiringClassName) => ago(retentionPolicy[name].days + 1);
const fresh = (name: ExpiringClassName) => ago(retentionPolicy[name].days - 1);

async function runJob(): Promise<Record<ExpiringClassName, number>> {
  const response = await fetch(
    `${stackInfo().endpoints.restUrl}/dev/jobs/data-retention?now=${encodeURIComponent(now.toISOString())}`,
  );
  expect(response.status).toBe(200);
  return (await response.json()) as Record<ExpiringClassName, number>;
}

const exists = async (query: string, values: unknown[]) => (await sql(query, values)).length > 0;

describe('data retention job', () => {
  it('expires each class past its period only, concurrently and idempotently', { timeout: 120_000 }, async () => {
    const { userId } = await registeredUser();
    const tag = randomUUID().slice(0, 8);
    const id = (prefix: string, name: string) => `${prefix}_rtn${tag}${name}`;

    // auth.verification_codes: counted from expiry.
    for (const [name, at] of [
      ['old', expired('auth.verification_codes')],
      ['new', fresh('auth.verification_codes')],
    ] as const)
      await sql(
        `INSERT INTO auth_codes (id, purpose, user_id, code_hash, expires_at, created_at)
         VALUES ($1, 'verify_email', $2, 'hash', $3, $3::timestamptz - interval '1 day')`,
        [id('cod', name), userId, at],
      );

    // auth.sessions: counted from the end (revocation or the earlier expiry); the retired tokens go with it.
    const session = async (name: string, end: { revoked?: Date; idle: Date; absolute: Date }) =>
      sql(
        `INSERT INTO auth_sessions (id, user_id, amr, auth_time, current_token_hash, idle_expires_at,
                                    absolute_expires_at, revoked_at, ip, user_agent, created_at)
         VALUES ($1, $2, '{pwd}', $3, $4, $5, $6, $7, '203.0.113.7', 'retention-test', $3)`,
        [id('ses', name), userId, ago(200), `hash-${tag}-${name}`, end.idle, end.absolute, end.revoked ?? null],
      );
    await session('revoked', { revoked: expired('auth.sessions'), idle: ago(-10), absolute: ago(-10) });
    await session('idled', { idle: expired('auth.sessions'), absolute: ago(-10) });
    await session('recent', { revoked: fresh('auth.sessions'), idle: ago(-10), absolute: ago(-10) });
    await session('live', { idle: ago(-1), absolute: ago(-20) });
    await sql('INSERT INTO auth_retired_refresh_tokens (token_hash, session_id, retired_at) VALUES ($1, $2, $3)', [
      `retired-${tag}`,
      id('ses', 'revoked'),
      ago(100),
    ]);

    // auth.login_throttle: never while a lockout runs.
    const throttle = (name: string, lastFailure: Date, lockedUntil: Date | null) =>
      sql(
        `INSERT INTO auth_login_throttle (identifier_hash, failures, lockout_level, locked_until, last_failure_at)
         VALUES ($1, 3, 1, $2, $3)`,
        [`rtn-${tag}-${name}`, lockedUntil, lastFailure],
      );
    await throttle('old', expired('auth.login_throttle'), null);
    await throttle('locked', expired('auth.login_throttle'), ago(-1));
    await throttle('new', fresh('auth.login_throttle'), null);

    // auth.device_first_ip: pseudonymised, the device stays.
    for (const [name, at] of [
      ['old', expired('auth.device_first_ip')],
      ['new', fresh('auth.device_first_ip')],
    ] as const)
      await sql(
        `INSERT INTO auth_devices (id, user_id, token_hash, user_agent, first_ip, first_seen_at, last_seen_at)
         VALUES ($1, $2, $3, 'retention-test', '203.0.113.9', $4, $4)`,
        [id('dev', name), userId, `device-${tag}-${name}`, at],
      );

    // notifications.read_inbox: read ones only.
    const inbox = (name: string, readAt: Date | null) =>
      sql(
        `INSERT INTO notification_inbox (id, user_id, category, title, body, created_at, read_at)
         VALUES ($1, $2, 'SYSTEM', 'Title', 'Body', $3, $4)`,
        [id('ntf', `in${name}`), userId, ago(400), readAt],
      );
    await inbox('old', expired('notifications.read_inbox'));
    await inbox('new', fresh('notifications.read_inbox'));
    await inbox('unread', null);

    // notifications.delivery_log and notifications.send_log.
    for (const [name, at] of [
      ['old', expired('notifications.delivery_log')],
      ['new', fresh('notifications.delivery_log')],
    ] as const) {
      await sql(
        `INSERT INTO notification_deliveries (id, user_id, channel, category, template, dedupe_key, status, created_at)
         VALUES ($1, $2, 'EMAIL', 'SYSTEM', 'retention-test', $3, 'SENT', $4)`,
        [id('ntf', `dl${name}`), userId, `rtn-${tag}-${name}`, at],
      );
      await sql(`INSERT INTO notification_log (user_id, kind, period, sent_at) VALUES ($1, 'NUDGE', $2, $3)`, [
        userId,
        `retention-${name}`,
        name === 'old' ? expired('notifications.send_log') : fresh('notifications.send_log'),
      ]);
    }

    // partner.webhook_delivery_log: old attempts go, then finished tasks left without attempts.
    const client = id('prt', 'client');
    const endpoint = id('whk', 'endpoint');
    const event = id('evt', 'partner');
    await sql(
      `INSERT INTO partner.client (client_id, name, contact_email, status, scopes, secret_hash)
       VALUES ($1, 'Retention test', 'dpa@example.test', 'active', '{}', 'hash')`,
      [client],
    );
    await sql(
      `INSERT INTO partner.webhook_endpoint (endpoint_id, client_id, url, secret, event_types)
       VALUES ($1, $2, 'https://partner.example.test/hook', 'whsec_test', '{}')`,
      [endpoint, client],
    );
    await sql(
      `INSERT INTO partner.event (event_id, type, version, aggregate_type, aggregate_id, occurred_at, payload)
       VALUES ($1, 'listing.published', 1, 'listing', 'lst_x', $2, '{}')`,
      [event, ago(200)],
    );
    const webhookTask = async (name: string, state: string, at: Date, attemptAt: Date) => {
      const [task] = await sql<{ task_id: number }>(
        `INSERT INTO partner.delivery_task (message_id, endpoint_id, event_id, replay, state, created_at, updated_at)
         VALUES ($1, $2, $3, true, $4, $5, $5) RETURNING task_id`,
        [`msg_rtn${tag}${name}`, endpoint, event, state, at],
      );
      const [attempt] = await sql<{ delivery_id: number }>(
        `INSERT INTO partner.delivery (endpoint_id, event_id, task_id, status, response_code, created_at)
         VALUES ($1, $2, $3, 'failed', 500, $4) RETURNING delivery_id`,
        [endpoint, event, task!.task_id, attemptAt],
      );
      return { task: task!.task_id, attempt: attempt!.delivery_id };
    };
    const doneOld = await webhookTask(
      'done',
      'delivered',
      expired('partner.webhook_delivery_log'),
      expired('partner.webhook_delivery_log'),
    );
    const pendingOld = await webhookTask(
      'pending',
      'pending',
      expired('partner.webhook_delivery_log'),
      expired('partner.webhook_delivery_log'),
    );
    const doneNew = await webhookTask(
      'recent',
      'dead',
      fresh('partner.webhook_delivery_log'),
      fresh('partner.webhook_delivery_log'),
    );

    // events.outbox_published: relayed ones only (an unpublished one, however old, waits for the relay;
    // this one is parked with available_at = infinity so the relay leaves it alone).
    const outbox = (name: string, publishedAt: Date | null) =>
      sql(
        `INSERT INTO outbox_events (id, type, aggregate_type, aggregate_id, payload, created_at, available_at, published_at)
         VALUES ($1, 'test.retention_probe', 'test', 'x', '{}', $2, $3, $4)`,
        [id('evt', `ob${name}`), ago(400), publishedAt ?? 'infinity', publishedAt],
      );
    await outbox('old', expired('events.outbox_published'));
    await outbox('new', fresh('events.outbox_published'));
    await outbox('unpublished', null);

    // events.consumer_dedupe.
    for (const [name, at] of [
      ['old', expired('events.consumer_dedupe')],
      ['new', fresh('events.consumer_dedupe')],
    ] as const)
      await sql(`INSERT INTO consumer_inbox (consumer, event_id, processed_at) VALUES ('retention-test', $1, $2)`, [
        id('evt', `ci${name}`),
        at,
      ]);

    // partner.events: old events go once no task refers to them (the `event` above keeps its pending task).
    const partnerEvent = (name: string, receivedAt: Date) =>
      sql(
        `INSERT INTO partner.event (event_id, type, version, aggregate_type, aggregate_id, occurred_at, payload, received_at)
         VALUES ($1, 'listing.published', 1, 'listing', 'lst_x', $2, '{}', $2)`,
        [id('evt', `pe${name}`), receivedAt],
      );
    await partnerEvent('old', expired('partner.events'));
    await partnerEvent('new', fresh('partner.events'));
    await partnerEvent('tasked', expired('partner.events'));
    // Its only task finished long ago: the delivery log class removes it first, then the event goes.
    const [finishedTask] = await sql<{ task_id: number }>(
      `INSERT INTO partner.delivery_task (message_id, endpoint_id, event_id, replay, state, created_at, updated_at)
       VALUES ($1, $2, $3, true, 'delivered', $4, $4) RETURNING task_id`,
      [`msg_rtn${tag}pe`, endpoint, id('evt', 'petasked'), expired('partner.webhook_delivery_log')],
    );
    await partnerEvent('pending', expired('partner.events'));
    await sql(
      `INSERT INTO partner.delivery_task (message_id, endpoint_id, event_id, replay, state, created_at, updated_at)
       VALUES ($1, $2, $3, true, 'pending', $4, $4)`,
      [`msg_rtn${tag}pp`, endpoint, id('evt', 'pepending'), expired('partner.webhook_delivery_log')],
    );

    // payments.stripe_events.
    for (const [name, at] of [
      ['old', expired('payments.stripe_events')],
      ['new', fresh('payments.stripe_events')],
    ] as const)
      await sql(
        `INSERT INTO stripe_events (id, type, object_id, stripe_created, payload, received_at)
         VALUES ($1, 'charge.updated', 'ch_x', 1, '{"billing_details":{"email":"a@example.test"}}', $2)`,
        [id('evt', `st${name}`), at],
      );

    // payments.abandoned_intent_requests: never-authorised groups only.
    const intentRequest = (name: string, at: Date) =>
      sql(
        `INSERT INTO payment_intent_requests (group_id, client_user_id, amount_cents, currency, created_at)
         VALUES ($1, $2, 1000, 'usd', $3)`,
        [id('grp', `pi${name}`), userId, at],
      );
    await intentRequest('old', expired('payments.abandoned_intent_requests'));
    await intentRequest('new', fresh('payments.abandoned_intent_requests'));
    await intentRequest('authorised', expired('payments.abandoned_intent_requests'));
    await sql(
      `INSERT INTO payment_authorizations (group_id, client_user_id, amount_cents, currency, payment_intent_id, status, void_reason, created_at)
       VALUES ($1, $2, 1000, 'usd', $3, 'voided', 'expired', $4)`,
      [id('grp', 'piauthorised'), userId, `pi_rtn${tag}`, expired('payments.abandoned_intent_requests')],
    );

    // privacy.exports: finished receipts only; a request still building stays however old.
    const exportRow = (name: string, status: string, completedAt: Date | null) =>
      sql(
        `INSERT INTO privacy_exports (id, user_id, status, object_key, sha256, size_bytes, created_at, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id('dsx', name),
          userId,
          status,
          status === 'READY' ? `exports/${userId}/${name}.json` : null,
          status === 'READY' ? 'a'.repeat(64) : null,
          status === 'READY' ? 2 : null,
          ago(400),
          completedAt,
        ],
      );
    await exportRow('ready', 'READY', expired('privacy.exports'));
    await exportRow('failed', 'FAILED', expired('privacy.exports'));
    await exportRow('recent', 'READY', fresh('privacy.exports'));
    await exportRow('building', 'BUILDING', null);

    const [auditBefore] = await sql<{ count: number; first: string }>(
      'SELECT count(*)::int AS count, min(seq)::text AS first FROM audit_log',
    );

    // Two runs at once: both succeed, and between them each expired row is counted once.
    const [first, second] = await Promise.all([runJob(), runJob()]);
    const total = (name: ExpiringClassName) => first[name] + second[name];
    expect(total('auth.verification_codes')).toBeGreaterThanOrEqual(1);
    expect(total('auth.sessions')).toBeGreaterThanOrEqual(2);
    expect(total('auth.login_throttle')).toBeGreaterThanOrEqual(1);
    expect(total('auth.device_first_ip')).toBeGreaterThanOrEqual(1);
    expect(total('notifications.read_inbox')).toBeGreaterThanOrEqual(1);
    expect(total('notifications.delivery_log')).toBeGreaterThanOrEqual(1);
    expect(total('notifications.send_log')).toBeGreaterThanOrEqual(1);
    expect(total('partner.webhook_delivery_log')).toBeGreaterThanOrEqual(3); // two attempts, one task
    expect(total('events.outbox_published')).toBeGreaterThanOrEqual(1);
    expect(total('events.consumer_dedupe')).toBeGreaterThanOrEqual(1);
    expect(total('partner.events')).toBeGreaterThanOrEqual(2);
    expect(total('payments.stripe_events')).toBeGreaterThanOrEqual(1);
    expect(total('payments.abandoned_intent_requests')).toBeGreaterThanOrEqual(1);
    expect(total('privacy.exports')).toBeGreaterThanOrEqual(2);

    const byId =
      (table: string, column = 'id') =>
      (value: string) =>
        exists(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [value]);
    const code = byId('auth_codes');
    expect([await code(id('cod', 'old')), await code(id('cod', 'new'))]).toEqual([false, true]);

    const sessionRow = byId('auth_sessions');
    expect(await sessionRow(id('ses', 'revoked'))).toBe(false);
    expect(await sessionRow(id('ses', 'idled'))).toBe(false);
    expect(await sessionRow(id('ses', 'recent'))).toBe(true);
    expect(await sessionRow(id('ses', 'live'))).toBe(true);
    expect(await byId('auth_retired_refresh_tokens', 'token_hash')(`retired-${tag}`)).toBe(false);

    const throttleRow = byId('auth_login_throttle', 'identifier_hash');
    expect(await throttleRow(`rtn-${tag}-old`)).toBe(false);
    expect(await throttleRow(`rtn-${tag}-locked`)).toBe(true);
    expect(await throttleRow(`rtn-${tag}-new`)).toBe(true);

    const devices = await sql<{ id: string; first_ip: string | null }>(
      'SELECT id, first_ip FROM auth_devices WHERE id = ANY($1) ORDER BY id DESC',
      [[id('dev', 'old'), id('dev', 'new')]],
    );
    expect(devices).toEqual([
      { id: id('dev', 'old'), first_ip: null },
      { id: id('dev', 'new'), first_ip: '203.0.113.9' },
    ]);

    const inboxRow = byId('notification_inbox');
    expect(await inboxRow(id('ntf', 'inold'))).toBe(false);
    expect(await inboxRow(id('ntf', 'innew'))).toBe(true);
    expect(await inboxRow(id('ntf', 'inunread'))).toBe(true);
    const deliveryRow = byId('notification_deliveries');
    expect([await deliveryRow(id('ntf', 'dlold')), await deliveryRow(id('ntf', 'dlnew'))]).toEqual([false, true]);
    const sendLog = await sql<{ sent_at: Date }>('SELECT sent_at FROM notification_log WHERE user_id = $1', [userId]);
    expect(sendLog.map((row) => row.sent_at.getTime())).toEqual([fresh('notifications.send_log').getTime()]);

    const taskRow = byId('partner.delivery_task', 'task_id');
    const attemptRow = byId('partner.delivery', 'delivery_id');
    expect([await taskRow(String(doneOld.task)), await attemptRow(String(doneOld.attempt))]).toEqual([false, false]);
    expect([await taskRow(String(pendingOld.task)), await attemptRow(String(pendingOld.attempt))]).toEqual([
      true,
      false,
    ]);
    expect([await taskRow(String(doneNew.task)), await attemptRow(String(doneNew.attempt))]).toEqual([true, true]);

    const outboxRow = byId('outbox_events');
    expect(await outboxRow(id('evt', 'obold'))).toBe(false);
    expect(await outboxRow(id('evt', 'obnew'))).toBe(true);
    expect(await outboxRow(id('evt', 'obunpublished'))).toBe(true);
    const dedupe = byId('consumer_inbox', 'event_id');
    expect([await dedupe(id('evt', 'ciold')), await dedupe(id('evt', 'cinew'))]).toEqual([false, true]);

    const partnerEventRow = byId('partner.event', 'event_id');
    expect(await taskRow(String(finishedTask!.task_id))).toBe(false);
    expect(
      await Promise.all(['peold', 'penew', 'petasked', 'pepending'].map((name) => partnerEventRow(id('evt', name)))),
    ).toEqual([false, true, false, true]);
    // The first event keeps its old pending task (pendingOld above), so it stays too.
    expect(await partnerEventRow(event)).toBe(true);

    const stripeRow = byId('stripe_events');
    expect([await stripeRow(id('evt', 'stold')), await stripeRow(id('evt', 'stnew'))]).toEqual([false, true]);

    const intentRow = byId('payment_intent_requests', 'group_id');
    expect(await Promise.all(['piold', 'pinew', 'piauthorised'].map((name) => intentRow(id('grp', name))))).toEqual([
      false,
      true,
      true,
    ]);

    const receipt = byId('privacy_exports');
    expect(
      await Promise.all(['ready', 'failed', 'recent', 'building'].map((name) => receipt(id('dsx', name)))),
    ).toEqual([false, false, true, true]);

    // The audit log is kept whole (other files may append meanwhile, never remove).
    const [auditAfter] = await sql<{ count: number; first: string }>(
      'SELECT count(*)::int AS count, min(seq)::text AS first FROM audit_log',
    );
    expect(auditAfter!.first).toBe(auditBefore!.first);
    expect(auditAfter!.count).toBeGreaterThanOrEqual(auditBefore!.count);

    // Nothing left to do at the same instant.
    const again = await runJob();
    expect(Object.values(again).every((count) => count === 0)).toBe(true);
    // Every class the policy expires is in the report (a class without a statement cannot compile).
    expect(Object.keys(again).sort()).toEqual(
      Object.entries(retentionPolicy)
        .filter(([, spec]) => spec.action !== 'keep')
        .map(([name]) => name)
        .sort(),
    );
  });
});
