/**
 * The DMCA store on the local stack's real PostgreSQL, logged in as the dmca role (its grants are
 * enough): the atomic rules the workflow relies on hold in the database under real concurrency, and
 * cases round-trip through the rows (validated as they leave).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { newId } from '../../lambdas/core/ids.ts';
import {
  dmcaCounterNoticeSchema,
  dmcaNoticeSchema,
  dmcaRepositories,
  noticeDedupeKey,
  type DmcaCase,
} from '../../lambdas/dmca/index.ts';
import { stackInfo } from '../support/clients.ts';

type MediaId = ReturnType<typeof newId<'media'>>;

let db: Database;
beforeAll(() => {
  const connection = databaseConnection('dmca', { DATABASE_URL: stackInfo().endpoints.databaseUrl });
  if (connection.kind !== 'url') throw new Error('expected a local URL connection');
  db = createDatabase({ connectionString: connection.connectionString, max: 10 });
});
afterAll(() => db.close());

const uow = () => createUnitOfWork(db, dmcaRepositories);

const notice = (email: string, mediaId: MediaId) =>
  dmcaNoticeSchema.parse({
    complainant: { name: 'Rights Holder', email, address: '1 Main St' },
    copyrightedWork: 'A photograph',
    targets: [{ kind: 'MEDIA', id: mediaId }],
    goodFaithBelief: true,
    accurateUnderPenaltyOfPerjury: true,
    signature: 'Rights Holder',
  });

const candidate = (mediaId: MediaId, noticeId: string, ownerUserId: string): DmcaCase => ({
  id: newId('dmcaCase'),
  target: { kind: 'MEDIA', id: mediaId },
  ownerUserId,
  status: 'TAKEN_DOWN',
  noticeIds: [noticeId],
  takenDownAt: new Date(),
  counterNoticedAt: null,
  counterNotice: null,
  restoreFrom: null,
  restoreBy: null,
  closedAt: null,
});

describe('dmca store (PostgreSQL)', () => {
  it('race: 20 identical notices at once insert one row; the notice round-trips whole', async () => {
    const input = notice('legal@rights.example', newId('media'));
    const dedupeKey = noticeDedupeKey(input);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        uow().transaction((tx) =>
          tx.dmca.insertNotice({
            id: newId('dmcaNotice'),
            dedupeKey,
            receivedAt: new Date(),
            notice: input,
            rejectedTargets: [],
          }),
        ),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await uow().dmca.noticeByKey(dedupeKey)).toMatchObject({ dedupeKey, notice: input, rejectedTargets: [] });
  });

  it('race: 20 notices about one photo at once open one case that holds all 20 notices', async () => {
    const mediaId = newId('media');
    const owner = newId('user');
    const noticeIds = Array.from({ length: 20 }, () => newId('dmcaNotice'));
    const outcomes = await Promise.all(
      noticeIds.map((noticeId) =>
        uow().transaction((tx) => tx.dmca.openCase(candidate(mediaId, noticeId, owner), noticeId)),
      ),
    );
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    const open = await uow().dmca.openCaseOf({ kind: 'MEDIA', id: mediaId });
    expect(new Set(outcomes.map((o) => o.case.id))).toEqual(new Set([open!.id]));
    expect([...open!.noticeIds].sort()).toEqual([...noticeIds].sort());
  });

  it('a counter-noticed case is due from restore_from, overdue after restore_by; a restored target opens a new case', async () => {
    const mediaId = newId('media');
    const owner = newId('user');
    const first = newId('dmcaNotice');
    const { case: opened } = await uow().transaction((tx) => tx.dmca.openCase(candidate(mediaId, first, owner), first));
    const restoreFrom = new Date('2030-01-10T05:00:00Z');
    const restoreBy = new Date('2030-01-14T04:59:59.999Z');
    const counterNotice = dmcaCounterNoticeSchema.parse({
      caseId: opened.id,
      name: 'Uploader',
      address: '2 Side St',
      mistakeUnderPenaltyOfPerjury: true,
      consentToJurisdiction: true,
      explanation: 'Mine.',
      signature: 'Uploader',
    });
    await uow().transaction(async (tx) => {
      const locked = await tx.dmca.caseForUpdate(opened.id);
      await tx.dmca.updateCase({
        ...locked!,
        status: 'COUNTER_NOTICED',
        counterNoticedAt: new Date(),
        counterNotice,
        restoreFrom,
        restoreBy,
      });
    });
    expect(await uow().dmca.caseForUpdate(opened.id)).toMatchObject({ status: 'COUNTER_NOTICED', counterNotice });
    expect(await uow().dmca.dueForRestore(new Date(restoreFrom.getTime() - 1))).not.toContain(opened.id);
    expect(await uow().dmca.dueForRestore(restoreFrom)).toContain(opened.id);
    expect((await uow().dmca.overdue(restoreBy)).map((c) => c.id)).not.toContain(opened.id);
    expect((await uow().dmca.overdue(new Date(restoreBy.getTime() + 1))).map((c) => c.id)).toContain(opened.id);
    expect((await uow().dmca.queue('COUNTER_NOTICED', 100)).map((c) => c.id)).toContain(opened.id);

    // A row that breaks the case's invariants is refused by the table, not half-written.
    await expect(
      uow().transaction((tx) => tx.dmca.updateCase({ ...opened, status: 'RESTORED', closedAt: null })),
    ).rejects.toThrow();

    await uow().transaction((tx) =>
      tx.dmca.updateCase({
        ...opened,
        status: 'RESTORED',
        counterNoticedAt: new Date(),
        counterNotice,
        restoreFrom,
        restoreBy,
        closedAt: new Date(),
      }),
    );
    expect(await uow().dmca.openCaseOf({ kind: 'MEDIA', id: mediaId })).toBeUndefined();
    const later = newId('dmcaNotice');
    const reopened = await uow().transaction((tx) => tx.dmca.openCase(candidate(mediaId, later, owner), later));
    expect(reopened.created).toBe(true);
    expect(reopened.case.id).not.toBe(opened.id);
  });
});
