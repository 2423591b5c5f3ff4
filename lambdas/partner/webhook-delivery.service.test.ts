import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createEventCatalog, EventDefinition } from '../core/events/event-contract.ts';
import { ManualClock } from '../core/clock.ts';
import type { DomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { BriefStore } from './brief.repository.ts';
import type { ClientStore } from './client.repository.ts';
import type { WebhookSender } from './http-webhook-sender.ts';
import {
  type EventVersions,
  backoffSeconds,
  partnerPayload,
  WebhookDeliveryService,
  type DeliverySettings,
} from './webhook-delivery.service.ts';
import type { EndpointRow, PartnerEventRow, TaskRow, WebhookStore } from './webhook.repository.ts';
import { newWebhookSecret } from './webhook-signing.ts';

const settings: DeliverySettings = {
  maxAttempts: 5,
  backoffBaseSeconds: 30,
  backoffCapSeconds: 3600,
  disableAfterSeconds: 3 * 86_400,
  timeoutMs: 1000,
};

/** An in-memory webhook store with the semantics the SQL has (claim due, idempotent inserts). */
function memoryStore(clock: ManualClock) {
  const endpoints = new Map<string, EndpointRow>();
  const events = new Map<string, PartnerEventRow>();
  const tasks: (TaskRow & { state: string; next: number; replay: boolean })[] = [];
  const log: { taskId: number; attempt: number; status: string; responseCode: number | null }[] = [];
  const store = fake<WebhookStore>('webhooks', {
    endpoint: async (id) => endpoints.get(id) ?? null,
    event: async (id) => events.get(id) ?? null,
    subscribers: async (type) =>
      [...endpoints.values()].filter((e) => e.status === 'active' && e.event_types.includes(type)),
    insertEvent: async (event) => {
      if (events.has(event.event_id)) return false;
      events.set(event.event_id, event);
      return true;
    },
    insertTask: async (task) => {
      if (
        !task.replay &&
        tasks.some((t) => !t.replay && t.endpoint_id === task.endpointId && t.event_id === task.eventId)
      )
        return;
      tasks.push({
        task_id: tasks.length + 1,
        message_id: task.messageId,
        endpoint_id: task.endpointId,
        event_id: task.eventId,
        attempts: 0,
        state: 'pending',
        next: clock.nowMs(),
        replay: task.replay,
      });
    },
    claimDue: async (now, limit, lease) => {
      const due = tasks.filter((t) => t.state === 'pending' && t.next <= now.getTime()).slice(0, limit);
      for (const task of due) {
        task.attempts++;
        task.next = now.getTime() + lease * 1000;
      }
      return due.map((t) => ({ ...t }));
    },
    finishTask: async (id, state) => void (tasks[id - 1]!.state = state),
    retryTaskAt: async (id, at) => void (tasks[id - 1]!.next = at.getTime()),
    logAttempt: async (entry) => void log.push(entry),
    recordSuccess: async (id) => {
      const e = endpoints.get(id)!;
      endpoints.set(id, { ...e, consecutive_failures: 0, failing_since: null });
    },
    recordFailure: async (id, at) => {
      const e = endpoints.get(id)!;
      const failingSince = e.failing_since ?? at;
      endpoints.set(id, { ...e, consecutive_failures: e.consecutive_failures + 1, failing_since: failingSince });
      return failingSince;
    },
    disable: async (id, reason) => {
      endpoints.set(id, { ...endpoints.get(id)!, status: 'disabled', disabled_reason: reason });
      for (const t of tasks) if (t.endpoint_id === id && t.state === 'pending') t.state = 'cancelled';
    },
  });
  const addEndpoint = (patch: Partial<EndpointRow> = {}) => {
    const row: EndpointRow = {
      endpoint_id: newId('webhook'),
      client_id: newId('partnerClient'),
      url: 'https://hooks.partner.example/rastup',
      secret: newWebhookSecret(),
      previous_secret: null,
      previous_secret_expires_at: null,
      version: '1',
      event_types: ['profile.published'],
      status: 'active',
      disabled_reason: null,
      consecutive_failures: 0,
      failing_since: null,
      created_at: clock.now(),
      ...patch,
    };
    endpoints.set(row.endpoint_id, row);
    return row;
  };
  return { store, endpoints, tasks, log, addEndpoint };
}

function profilePublished(): DomainEvent {
  const profileId = newId('profile');
  return {
    id: newId('event'),
    type: 'profile.published',
    version: 1,
    aggregateType: 'profile',
    aggregateId: profileId,
    occurredAt: new Date().toISOString(),
    payload: {
      profileId,
      ownerUserId: newId('user'),
      role: 'PHOTOGRAPHER',
      slug: 'pat-shutter',
      city: 'us-lax',
      version: 3,
      score: 90,
    },
  };
}

function setup(statuses: number[], versions?: EventVersions) {
  const clock = new ManualClock(Date.now());
  const memory = memoryStore(clock);
  const sent: { headers: Record<string, string>; body: string }[] = [];
  const sender: WebhookSender = {
    send: async (_url, headers, body) => {
      sent.push({ headers, body });
      return { status: statuses.shift() ?? 200, ms: 3, error: null };
    },
  };
  const db = fakeUnitOfWork({
    webhooks: memory.store,
    clients: fake<ClientStore>('clients'),
    briefs: fake<BriefStore>('briefs'),
  });
  const service = new WebhookDeliveryService(db, sender, clock, settings, createLogger({ service: 'test' }), versions);
  return { clock, service, sent, ...memory };
}

describe('webhook delivery', () => {
  it('fans an event out once per subscribed endpoint, signs it, and keeps owner account ids inside', async () => {
    const { service, sent, addEndpoint, tasks } = setup([200, 200]);
    const endpoint = addEndpoint();
    addEndpoint({ event_types: ['studio.published'] }); // not subscribed
    const event = profilePublished();
    await service.onEvent(event);
    await service.onEvent(event); // SQS redelivery adds nothing
    expect(tasks).toHaveLength(1);
    expect(sent).toHaveLength(1);
    const payload = new Webhook(endpoint.secret).verify(sent[0]!.body, sent[0]!.headers) as { data: object };
    expect(payload.data).toMatchObject({ eventId: event.id, profileId: event.aggregateId });
    expect(payload.data).not.toHaveProperty('ownerUserId');
    expect(sent[0]!.headers['x-rastup-event-version']).toBe('1');
  });

  it('retries with growing backoff until delivered, logging every attempt', async () => {
    const { clock, service, sent, addEndpoint, tasks, log } = setup([500, 502, 429]);
    addEndpoint();
    await service.onEvent(profilePublished());
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = clock.nowMs();
      const due = tasks[0]!.next;
      delays.push((due - before) / 1000);
      expect(await service.deliverDue()).toMatchObject({ attempted: 0 }); // not yet due
      clock.set(new Date(due));
      await service.deliverDue();
    }
    expect(sent).toHaveLength(4);
    expect(tasks[0]!.state).toBe('delivered');
    expect(log.map((entry) => [entry.attempt, entry.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
      [4, 'delivered'],
    ]);
    // Backoff within [half, all] of base * 2^(n-1): 15–30 s, 30–60 s, 60–120 s.
    expect(delays[0]).toBeGreaterThanOrEqual(15);
    expect(delays[0]).toBeLessThanOrEqual(30);
    expect(delays[2]).toBeGreaterThanOrEqual(60);
    expect(delays[2]).toBeLessThanOrEqual(120);
    expect(new Set(sent.map((s) => s.headers['webhook-id'])).size).toBe(1);
  });

  it('dead-letters a task after the last attempt, and disables an endpoint failing for days', async () => {
    const { clock, service, addEndpoint, tasks, endpoints } = setup(Array(20).fill(500));
    const endpoint = addEndpoint();
    await service.onEvent(profilePublished());
    for (let i = 0; i < 10; i++) {
      clock.advance(3600_000);
      await service.deliverDue();
    }
    expect(tasks[0]!.state).toBe('dead');
    expect(tasks[0]!.attempts).toBe(settings.maxAttempts);
    expect(endpoints.get(endpoint.endpoint_id)!.status).toBe('active');
    clock.advance(3 * 86_400_000);
    await service.onEvent(profilePublished());
    expect(endpoints.get(endpoint.endpoint_id)).toMatchObject({ status: 'disabled' });
    expect(endpoints.get(endpoint.endpoint_id)!.disabled_reason).toMatch(/too long/);
  });

  it('disables at once on 410 and cancels what was pending', async () => {
    const { service, addEndpoint, tasks, endpoints } = setup([410]);
    const endpoint = addEndpoint();
    await service.onEvent(profilePublished());
    expect(endpoints.get(endpoint.endpoint_id)).toMatchObject({ status: 'disabled' });
    expect(tasks[0]!.state).toBe('cancelled');
    await service.onEvent(profilePublished());
    expect(tasks).toHaveLength(1); // a disabled endpoint subscribes to nothing
  });

  it('signs with both secrets during a rotation overlap, and with the new one after', async () => {
    const { clock, service, sent, addEndpoint, endpoints } = setup([]);
    const old = newWebhookSecret();
    const endpoint = addEndpoint({
      previous_secret: old,
      previous_secret_expires_at: new Date(clock.nowMs() + 60_000),
    });
    await service.onEvent(profilePublished());
    expect(sent[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [old, endpoint.secret])
      expect(() => new Webhook(secret).verify(sent[0]!.body, sent[0]!.headers)).not.toThrow();
    clock.advance(120_000);
    endpoints.set(endpoint.endpoint_id, { ...endpoint });
    await service.onEvent(profilePublished());
    expect(sent[1]!.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(() => new Webhook(old).verify(sent[1]!.body, sent[1]!.headers)).toThrow();
  });

  it('computes jittered exponential backoff within its cap', () => {
    expect(backoffSeconds(1, settings, () => 0)).toBe(15);
    expect(backoffSeconds(1, settings, () => 1)).toBe(30);
    expect(backoffSeconds(20, settings, () => 1)).toBe(3600);
    expect(partnerPayload({ ownerUserId: 'usr_x', originalKeys: ['k'], slug: 's' })).toEqual({ slug: 's' });
  });
});

/**
 * A catalog of its own where `profile.updated` has two versions (the real catalog has only v1 of
 * every partner type so far): v1 `{ profileId, name }` became v2 `{ profileId, displayName, locale }`.
 */
const updatedV2 = EventDefinition.define({
  type: 'profile.updated',
  description: 'v1',
  payload: z.object({ profileId: z.string(), name: z.string(), ownerUserId: z.string() }),
  aggregate: (payload) => ({ type: 'profile', id: payload.profileId }),
}).evolve({
  description: 'v2: name became displayName; locale added',
  payload: z.object({ profileId: z.string(), displayName: z.string(), locale: z.string(), ownerUserId: z.string() }),
  upgrade: (v1) => ({ profileId: v1.profileId, displayName: v1.name, locale: 'en', ownerUserId: v1.ownerUserId }),
  downgrade: (v2) => ({ profileId: v2.profileId, name: v2.displayName, ownerUserId: v2.ownerUserId }),
  aggregate: (payload) => ({ type: 'profile', id: payload.profileId }),
});
const twoVersions = createEventCatalog([updatedV2]);
const testVersions: EventVersions = {
  previousVersion: (type, version) => twoVersions.previousVersion(type as 'profile.updated', version),
  toVersion: (event, version) => twoVersions.toVersion(event as Parameters<typeof twoVersions.toVersion>[0], version),
};

describe('compat payloads one version behind', () => {
  function profileUpdatedV2(): DomainEvent {
    const profileId = newId('profile');
    return {
      id: newId('event'),
      type: 'profile.updated',
      version: 2,
      aggregateType: 'profile',
      aggregateId: profileId,
      occurredAt: new Date().toISOString(),
      payload: { profileId, displayName: 'Pat Shutter', locale: 'fr', ownerUserId: newId('user') },
    } as unknown as DomainEvent;
  }

  it('sends v2 to endpoints on v2 and the downgraded v1 to endpoints registered on v1, each verifiable', async () => {
    const { service, sent, addEndpoint } = setup([], testVersions);
    const onV1 = addEndpoint({ event_types: ['profile.updated'], version: '1', url: 'https://v1.partner.example/h' });
    const onV2 = addEndpoint({ event_types: ['profile.updated'], version: '2', url: 'https://v2.partner.example/h' });
    const event = profileUpdatedV2();
    await service.onEvent(event);
    expect(sent).toHaveLength(2);
    const byVersion = new Map(sent.map((s) => [s.headers['x-rastup-event-version'], s]));
    const v1 = new Webhook(onV1.secret).verify(byVersion.get('1')!.body, byVersion.get('1')!.headers) as {
      data: Record<string, unknown>;
    };
    const v2 = new Webhook(onV2.secret).verify(byVersion.get('2')!.body, byVersion.get('2')!.headers) as {
      data: Record<string, unknown>;
    };
    expect(v1.data).toEqual({
      eventId: event.id,
      aggregateId: event.aggregateId,
      profileId: event.aggregateId,
      name: 'Pat Shutter',
    });
    expect(v2.data).toEqual({
      eventId: event.id,
      aggregateId: event.aggregateId,
      profileId: event.aggregateId,
      displayName: 'Pat Shutter',
      locale: 'fr',
    });
  });

  it('sends nothing to an endpoint two versions behind: the task is cancelled, not delivered unreadable', async () => {
    const { service, sent, addEndpoint, tasks } = setup([], testVersions);
    addEndpoint({ event_types: ['profile.updated'], version: '0' });
    await service.onEvent(profileUpdatedV2());
    expect(sent).toHaveLength(0);
    expect(tasks.map((t) => t.state)).toEqual(['cancelled']);
  });

  it('keeps no compat copy for a type at its first version (the real catalog today)', async () => {
    const { service, sent, addEndpoint } = setup([]);
    addEndpoint();
    await service.onEvent(profilePublished());
    expect(sent[0]!.headers['x-rastup-event-version']).toBe('1');
  });
});
