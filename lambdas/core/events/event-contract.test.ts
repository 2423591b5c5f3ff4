import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { newId } from '../ids.ts';
import { createEventCatalog, EventContractError, EventDefinition, eventEnvelopeSchema } from './event-contract.ts';
import { catalogJsonSchema } from './catalog.json-schema.ts';

/**
 * A catalog of its own, so version handling is proven on an event that has two versions:
 * v1 `{ userId, name }` became v2 `{ userId, displayName, locale }`.
 */
const renamed = EventDefinition.define({
  type: 'test.renamed',
  description: 'v1',
  payload: z.object({ userId: z.string().startsWith('usr_'), name: z.string() }),
  aggregate: (payload) => ({ type: 'user', id: payload.userId }),
}).evolve({
  description: 'v2: name became displayName; locale added',
  payload: z.object({ userId: z.string().startsWith('usr_'), displayName: z.string(), locale: z.string() }),
  upgrade: (v1) => ({ userId: v1.userId, displayName: v1.name, locale: 'en' }),
  downgrade: (v2) => ({ userId: v2.userId, name: v2.displayName }),
  aggregate: (payload) => ({ type: 'user', id: payload.userId }),
});
const once = EventDefinition.define({
  type: 'test.once',
  description: 'only v1',
  payload: z.object({ n: z.number().int() }),
  aggregate: () => ({ type: 'test', id: 'one' }),
});
const catalog = createEventCatalog([renamed, once]);

const envelope = (type: string, version: number | undefined, payload: unknown) =>
  eventEnvelopeSchema.parse({
    id: newId('event'),
    type,
    ...(version === undefined ? {} : { version }),
    aggregateType: 'user',
    aggregateId: 'usr_1',
    occurredAt: '2026-01-01T00:00:00.000Z',
    payload,
  });

function contractError(fn: () => unknown): EventContractError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EventContractError) return error;
    throw error;
  }
  throw new Error('expected an EventContractError');
}

describe('building (producers)', () => {
  it('emits the current version with the aggregate derived from the payload', () => {
    expect(catalog.build('test.renamed', { userId: 'usr_1', displayName: 'Ada', locale: 'en' })).toEqual({
      type: 'test.renamed',
      version: 2,
      aggregateType: 'user',
      aggregateId: 'usr_1',
      payload: { userId: 'usr_1', displayName: 'Ada', locale: 'en' },
    });
  });

  it('throws on a payload that does not parse, naming the field but not its value', () => {
    const wrongType = contractError(() =>
      catalog.build('test.renamed', { userId: 'usr_1', displayName: 42, locale: 'en' } as never),
    );
    expect(wrongType.code).toBe('EVENT.INVALID_PAYLOAD');
    expect(wrongType.message).toMatch(/^test.renamed v2 payload does not match the event catalog: displayName: /);
    expect(wrongType.message).not.toContain('42');
    // An undeclared field is refused too (a whitelist: nothing leaks into events by accident).
    const extra = contractError(() =>
      catalog.build('test.renamed', { userId: 'usr_1', displayName: 'Ada', locale: 'en', email: 'a@b.c' } as never),
    );
    expect(extra.message).toContain('email');
    expect(extra.message).not.toContain('a@b.c');
  });

  it('throws on a type that is not in the catalog', () => {
    expect(contractError(() => catalog.build('test.nope' as never, {} as never)).code).toBe('EVENT.UNKNOWN_TYPE');
  });

  it('refuses a definition list with a type twice', () => {
    expect(() => createEventCatalog([once, once])).toThrow('event type "test.once" is defined twice');
  });
});

describe('parsing (consumers)', () => {
  it('gives the current version unchanged, ignoring fields it does not know', () => {
    const event = catalog.parse(
      envelope('test.renamed', 2, { userId: 'usr_1', displayName: 'Ada', locale: 'fr', addedLater: true }),
    );
    expect(event).toMatchObject({ type: 'test.renamed', version: 2 });
    expect(event.payload).toEqual({ userId: 'usr_1', displayName: 'Ada', locale: 'fr' });
  });

  it('upgrades an older version (in flight during a deploy, or replayed from the archive) to the current one', () => {
    const event = catalog.parse(envelope('test.renamed', 1, { userId: 'usr_1', name: 'Ada' }));
    expect(event).toMatchObject({ type: 'test.renamed', version: 2 });
    expect(event.payload).toEqual({ userId: 'usr_1', displayName: 'Ada', locale: 'en' });
  });

  it('reads an envelope without a version (relayed before versioning) as version 1', () => {
    expect(envelope('test.renamed', undefined, {}).version).toBe(1);
    expect(catalog.parse(envelope('test.renamed', undefined, { userId: 'usr_1', name: 'Ada' })).payload).toEqual({
      userId: 'usr_1',
      displayName: 'Ada',
      locale: 'en',
    });
  });

  it('refuses an unknown type, a version this code does not know, and a payload off its version', () => {
    const unknown = contractError(() => catalog.parse(envelope('test.unheard_of', 1, {})));
    expect(unknown).toMatchObject({ code: 'EVENT.UNKNOWN_TYPE', details: { type: 'test.unheard_of' } });
    const future = contractError(() => catalog.parse(envelope('test.renamed', 3, {})));
    expect(future.code).toBe('EVENT.UNSUPPORTED_VERSION');
    expect(future.message).toBe('test.renamed v3 is not in the event catalog (known: v1..v2)');
    // A v2-shaped payload labelled v1 is checked against v1's schema.
    const mislabelled = contractError(() =>
      catalog.parse(envelope('test.renamed', 1, { userId: 'usr_1', displayName: 'Ada', locale: 'en' })),
    );
    expect(mislabelled).toMatchObject({ code: 'EVENT.INVALID_PAYLOAD', details: { version: 1 } });
    expect(mislabelled.message).toContain('name');
  });
});

describe('older versions (partner webhooks ship one version behind)', () => {
  it('names the previous version, and none before v1', () => {
    expect(catalog.previousVersion('test.renamed')).toBe(1);
    expect(catalog.previousVersion('test.once')).toBeNull();
  });

  it('down-converts a current event to its previous version, checked against that version’s schema', () => {
    const current = catalog.build('test.renamed', { userId: 'usr_1', displayName: 'Ada', locale: 'fr' });
    expect(catalog.toVersion(current, 1)).toEqual({ version: 1, payload: { userId: 'usr_1', name: 'Ada' } });
    expect(catalog.toVersion(current, 2)).toEqual({ version: 2, payload: current.payload });
    expect(contractError(() => catalog.toVersion(current, 3)).code).toBe('EVENT.UNSUPPORTED_VERSION');
  });

  it('keeps every version in the JSON Schema, the older ones deprecated', () => {
    const schema = catalogJsonSchema(catalog, { id: 'urn:test', title: 't', description: 'd' });
    expect(Object.keys(schema.$defs)).toEqual(['test.once.v1', 'test.renamed.v1', 'test.renamed.v2']);
    expect(schema.$defs['test.renamed.v1']).toMatchObject({ deprecated: true });
    expect(schema.$defs['test.renamed.v2']).not.toHaveProperty('deprecated');
    expect(schema.$defs['test.renamed.v2']).toMatchObject({
      properties: {
        type: { const: 'test.renamed' },
        version: { const: 2 },
        payload: { required: ['userId', 'displayName', 'locale'] },
      },
    });
  });
});
