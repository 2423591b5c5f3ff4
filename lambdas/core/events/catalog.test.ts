import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import { buildEvent, eventCatalog, newDomainEvent } from './catalog.ts';
import { eventCatalogJsonSchema } from './catalog.json-schema.ts';
import { EventContractError } from './event-contract.ts';

describe('event catalog', () => {
  it('is committed as JSON Schema up to date (run `npm run events:schema`)', () => {
    const committed = JSON.parse(readFileSync(new URL('./catalog.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(eventCatalogJsonSchema())));
  });

  it('has one JSON Schema definition per type and version', () => {
    const defs = Object.keys(eventCatalogJsonSchema().$defs);
    const expected = eventCatalog.types.flatMap((type) =>
      eventCatalog.definition(type).versions.map(({ version }) => `${type}.v${version}`),
    );
    expect(defs.sort()).toEqual(expected.sort());
  });

  it('derives the aggregate (outbox columns, EventBridge source) from the payload', () => {
    const ownerId = newId('studio');
    expect(buildEvent('media.cover_changed', { mediaId: newId('media'), ownerType: 'STUDIO', ownerId })).toMatchObject({
      type: 'media.cover_changed',
      version: 1,
      aggregateType: 'studio',
      aggregateId: ownerId,
    });
    const userId = newId('user');
    // A verification document belongs to the person (or one of their studios).
    expect(
      buildEvent('media.processed', {
        mediaId: newId('media'),
        ownerType: 'VERIFICATION',
        ownerId: userId,
        status: 'READY',
      }),
    ).toMatchObject({ aggregateType: 'verification', aggregateId: userId });
    expect(buildEvent('user.deleted', { userId, deletedAt: new Date().toISOString() })).toMatchObject({
      aggregateType: 'user',
      aggregateId: userId,
    });
  });

  it('refuses an id of the wrong kind, and a status the contract does not name', () => {
    expect(() => buildEvent('user.deleted', { userId: newId('profile'), deletedAt: new Date().toISOString() })).toThrow(
      EventContractError,
    );
    expect(() =>
      buildEvent('media.processed', {
        mediaId: newId('media'),
        ownerType: 'PROFILE',
        ownerId: newId('profile'),
        status: 'PROCESSING' as never,
      }),
    ).toThrow(/media.processed v1 payload does not match the event catalog: status/);
  });

  it('round-trips: what a producer builds, a consumer parses to the same typed event', () => {
    const event = newDomainEvent('profile.updated', {
      profileId: newId('profile'),
      ownerUserId: newId('user'),
      role: 'MODEL',
      slug: 'ada-model',
      city: 'us-nyc',
      version: 3,
      reason: 'media.reordered',
    });
    expect(eventCatalog.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });
});
