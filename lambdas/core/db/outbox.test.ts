import { describe, expect, it, vi } from 'vitest';
import { buildEvent } from '../events/catalog.ts';
import { EventContractError } from '../events/event-contract.ts';
import { newId } from '../ids.ts';
import { withLogContext } from '../log.ts';
import type { Transaction } from './database.ts';
import { enqueueEvent } from './outbox.ts';

function fakeTransaction() {
  const query = vi.fn(async () => ({ rows: [], rowCount: 1, command: 'INSERT', oid: 0, fields: [] }));
  return { tx: { query, inTransaction: true } as unknown as Transaction, query };
}

describe('enqueueEvent (the producers’ one door to the outbox)', () => {
  it('writes a catalog event with its version, aggregate and the request’s correlation id', async () => {
    const { tx, query } = fakeTransaction();
    const mediaId = newId('media');
    const id = await withLogContext({ correlationId: 'req_1' }, () =>
      enqueueEvent(tx, buildEvent('media.uploaded', { mediaId })),
    );
    expect(id).toMatch(/^evt_/);
    expect(query).toHaveBeenCalledTimes(1);
    expect(query.mock.calls[0]).toEqual([
      expect.stringContaining('INSERT INTO outbox_events'),
      [id, 'media.uploaded', 1, 'media', mediaId, JSON.stringify({ mediaId }), 'req_1'],
    ]);
  });

  it('fails a producer whose payload does not parse with its catalog schema, writing nothing', async () => {
    const { tx, query } = fakeTransaction();
    // The builder refuses it...
    expect(() => buildEvent('user.deleted', { userId: 'not-a-user-id', deletedAt: 'yesterday' })).toThrow(
      EventContractError,
    );
    // ...and an event assembled by hand past the types is refused by the outbox itself.
    const forged = { ...buildEvent('media.uploaded', { mediaId: newId('media') }), payload: { mediaId: 42 } };
    await expect(enqueueEvent(tx, forged as never)).rejects.toMatchObject({
      code: 'EVENT.INVALID_PAYLOAD',
      message: expect.stringContaining('media.uploaded v1 payload does not match the event catalog: mediaId'),
    });
    const unknown = { type: 'booking.created', version: 1, aggregateType: 'booking', aggregateId: 'b', payload: {} };
    await expect(enqueueEvent(tx, unknown as never)).rejects.toMatchObject({ code: 'EVENT.UNKNOWN_TYPE' });
    expect(query).not.toHaveBeenCalled();
  });
});
