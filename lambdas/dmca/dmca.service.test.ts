/**
 * The DMCA workflow with in-memory ports: the store's atomic rules (one notice per dedupe key, one
 * open case per target) are what a unique index gives in PostgreSQL, so concurrent calls here
 * interleave at every await as they would against the database.
 */
import { describe, expect, it } from 'vitest';
import { newDomainEvent } from '../core/events/catalog.ts';
import type { Notifier } from '../core/ports.ts';
import { ComplainantMailer } from './complainant-mailer.ts';
import { ManualClock } from '../core/clock.ts';
import type { Caller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { rateLimitMatrix } from '../core/rate-limit-matrix.ts';
import { fakeUnitOfWork, MemoryStaffGrants } from '../core/testing/fakes.ts';
import { MemoryRateLimiter } from '../core/testing/memory-rate-limiter.ts';
import { dmcaCounterNoticeSchema, dmcaNoticeSchema, type DmcaNoticeInput, type DmcaTarget } from './dmca.schemas.ts';
import {
  DmcaService,
  noticeDedupeKey,
  type DmcaCase,
  type DmcaContent,
  type DmcaNoticeRecord,
  type DmcaNotifier,
  type DmcaStore,
} from './dmca.service.ts';
import { GrantStaffAuthority } from '../staff/index.ts';

const OPEN = new Set(['TAKEN_DOWN', 'COUNTER_NOTICED', 'SUIT_FILED']);
const key = (target: DmcaTarget) => `${target.kind}:${target.id}`;

class MemoryDmca implements DmcaStore {
  readonly notices = new Map<string, DmcaNoticeRecord>();
  readonly cases = new Map<string, DmcaCase>();
  noticeByKey(dedupeKey: string) {
    return Promise.resolve([...this.notices.values()].find((notice) => notice.dedupeKey === dedupeKey));
  }
  insertNotice(notice: DmcaNoticeRecord) {
    if ([...this.notices.values()].some((other) => other.dedupeKey === notice.dedupeKey)) return Promise.resolve(false);
    this.notices.set(notice.id, notice);
    return Promise.resolve(true);
  }
  openCase(candidate: DmcaCase, noticeId: string) {
    const open = [...this.cases.values()].find((c) => key(c.target) === key(candidate.target) && OPEN.has(c.status));
    if (open) {
      const joined = { ...open, noticeIds: [...open.noticeIds, noticeId] };
      this.cases.set(open.id, joined);
      return Promise.resolve({ created: false, case: joined });
    }
    this.cases.set(candidate.id, candidate);
    return Promise.resolve({ created: true, case: candidate });
  }
  openCaseOf(target: DmcaTarget) {
    return Promise.resolve([...this.cases.values()].find((c) => key(c.target) === key(target) && OPEN.has(c.status)));
  }
  caseForUpdate(caseId: string) {
    return Promise.resolve(this.cases.get(caseId));
  }
  updateCase(next: DmcaCase) {
    this.cases.set(next.id, next);
    return Promise.resolve();
  }
  dueForRestore(now: Date) {
    return Promise.resolve(
      [...this.cases.values()]
        .filter((c) => c.status === 'COUNTER_NOTICED' && c.restoreFrom && c.restoreFrom <= now)
        .map((c) => c.id),
    );
  }
  overdue(now: Date) {
    return Promise.resolve(
      [...this.cases.values()].filter((c) => c.status === 'COUNTER_NOTICED' && c.restoreBy && c.restoreBy < now),
    );
  }
  queue(status: DmcaCase['status'] | undefined, limit: number) {
    return Promise.resolve([...this.cases.values()].filter((c) => !status || c.status === status).slice(0, limit));
  }
  noticesByIds(ids: readonly string[]) {
    return Promise.resolve(ids.flatMap((id) => this.notices.get(id) ?? []));
  }
  casesOf(ownerUserId: string, limit: number) {
    return Promise.resolve([...this.cases.values()].filter((c) => c.ownerUserId === ownerUserId).slice(0, limit));
  }
}

const uploader = newId('user');
const media = newId('media');
const profile = newId('profile');
const missing = newId('media');

function setup() {
  const clock = new ManualClock(Date.parse('2026-12-01T15:00:00Z'));
  const store = new MemoryDmca();
  const db = fakeUnitOfWork({ dmca: store });
  const hidden = new Set<string>();
  const log: string[] = [];
  const owners = new Map([
    [key({ kind: 'MEDIA', id: media }), uploader],
    [key({ kind: 'PROFILE', id: profile }), uploader],
  ]);
  const content: DmcaContent = {
    // Listings named by slug resolve to their id (the adapter's job); ids name themselves.
    resolve: (_tx, ref) =>
      Promise.resolve(
        ref.kind === 'PROFILE' && ref.id === 'a-slug' ? { kind: 'PROFILE', id: profile } : (ref as DmcaTarget),
      ),
    publicOwnerOf: (_tx, target) => Promise.resolve(hidden.has(key(target)) ? undefined : owners.get(key(target))),
    takeDown: (_tx, target) => {
      log.push(`down ${key(target)}`);
      hidden.add(key(target));
      return Promise.resolve();
    },
    restore: (_tx, target) => {
      log.push(`up ${key(target)}`);
      hidden.delete(key(target));
      return Promise.resolve();
    },
  };
  const notifier: DmcaNotifier = {
    takenDown: (_tx, c) => Promise.resolve(void log.push(`tell uploader ${c.id}`)),
    counterNoticed: (_tx, c, noticeIds) =>
      Promise.resolve(void log.push(`tell complainant ${c.id}`, ...noticeIds.map((id) => `tell notice ${id}`))),
    noticeJoined: (_tx, c, noticeId) => Promise.resolve(void log.push(`tell joined ${c.id} ${noticeId}`)),
    restored: (_tx, c) => Promise.resolve(void log.push(`restored ${c.id}`)),
  };
  const counted: string[] = [];
  const metrics = { count: (name: string, value = 1) => void counted.push(`${name}=${value}`) };
  const grants = new MemoryStaffGrants();
  const staff = new GrantStaffAuthority(grants, clock);
  const service = new DmcaService(db, content, notifier, clock, staff, new MemoryRateLimiter(clock), metrics);
  return { clock, grants, store, db, hidden, log, counted, content, service };
}

/** A notice from a caller without a known address (no per-IP bucket): the workflow tests below. */
const anywhere = { ip: undefined };

const notice = (over: Partial<DmcaNoticeInput> = {}): DmcaNoticeInput =>
  dmcaNoticeSchema.parse({
    complainant: { name: 'Rights Holder LLC', email: 'legal@rights.example', address: '1 Main St, Springfield' },
    copyrightedWork: 'The photograph "Dawn over the bay", 2024',
    targets: [{ kind: 'MEDIA', id: media }],
    goodFaithBelief: true,
    accurateUnderPenaltyOfPerjury: true,
    signature: 'Jane Counsel',
    ...over,
  });

const user = (userId: string, roles: ('client' | 'trust' | 'admin')[] = ['client'], stepUpAt?: number): Caller => ({
  kind: 'user',
  userId,
  roles,
  amr: ['pwd'],
  authTime: 0,
  sessionId: 'ses_x',
  expiresAt: Number.MAX_SAFE_INTEGER,
  ...(stepUpAt === undefined ? {} : { stepUpAt }),
});

const counter = (caseId: string) =>
  dmcaCounterNoticeSchema.parse({
    caseId,
    name: 'Uploader Person',
    address: '2 Side St',
    mistakeUnderPenaltyOfPerjury: true,
    consentToJurisdiction: true,
    explanation: 'I took this photograph myself.',
    signature: 'Uploader Person',
  });

describe('notice intake', () => {
  it('refuses a notice without the statutory statements or with a malformed target', () => {
    const base = { ...notice() } as Record<string, unknown>;
    expect(dmcaNoticeSchema.safeParse({ ...base, goodFaithBelief: false }).success).toBe(false);
    expect(dmcaNoticeSchema.safeParse({ ...base, accurateUnderPenaltyOfPerjury: undefined }).success).toBe(false);
    expect(dmcaNoticeSchema.safeParse({ ...base, targets: [] }).success).toBe(false);
    expect(dmcaNoticeSchema.safeParse({ ...base, targets: [{ kind: 'MEDIA', id: profile }] }).success).toBe(false);
    expect(dmcaNoticeSchema.safeParse({ ...base, signature: '   ' }).success).toBe(false);
  });

  it('takes the material down, tells the uploader, audits; a target that is not public is rejected', async () => {
    const { service, log, hidden, db, store } = setup();
    const outcome = await service.submitNotice(
      notice({
        targets: [
          { kind: 'MEDIA', id: media },
          { kind: 'MEDIA', id: missing },
        ],
      }),
      anywhere,
    );
    expect(outcome).toMatchObject({ duplicate: false, takenDown: [{ id: media }], rejected: [{ id: missing }] });
    expect(hidden).toEqual(new Set([`MEDIA:${media}`]));
    const [opened] = [...store.cases.values()];
    expect(log).toEqual([`down MEDIA:${media}`, `tell uploader ${opened!.id}`]);
    expect(db.kernel.auditActions()).toEqual(['dmca.notice.received', 'dmca.taken_down']);
  });

  it('a repeated notice (other case and spacing) answers the first one and changes nothing', async () => {
    const { service, log } = setup();
    const first = await service.submitNotice(notice(), anywhere);
    const again = await service.submitNotice(
      notice({
        complainant: { name: 'x', email: 'LEGAL@rights.example', address: 'y' },
        copyrightedWork: 'the photograph  "Dawn over the bay", 2024',
      }),
      anywhere,
    );
    expect(again).toMatchObject({ noticeId: first.noticeId, duplicate: true });
    expect(log.filter((line) => line.startsWith('down'))).toHaveLength(1);
    expect(noticeDedupeKey(notice())).not.toBe(noticeDedupeKey(notice({ copyrightedWork: 'another work' })));
  });

  it('a listing named by its slug is the listing: one target, and the same notice as naming it by id', async () => {
    const { service, log } = setup();
    const bySlug = await service.submitNotice(notice({ targets: [{ kind: 'PROFILE', id: 'a-slug' }] }), anywhere);
    expect(bySlug).toMatchObject({ duplicate: false, takenDown: [{ kind: 'PROFILE', id: profile }] });
    const byId = await service.submitNotice(notice({ targets: [{ kind: 'PROFILE', id: profile }] }), anywhere);
    expect(byId).toMatchObject({ noticeId: bySlug.noticeId, duplicate: true });
    expect(log.filter((line) => line.startsWith('down'))).toEqual([`down PROFILE:${profile}`]);
  });

  it('race: 20 identical notices at once make one notice and one takedown', async () => {
    const { service, log, store } = setup();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => service.submitNotice(notice(), anywhere)));
    expect(new Set(outcomes.map((o) => o.noticeId)).size).toBe(1);
    expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    expect(store.notices.size).toBe(1);
    expect(log.filter((line) => line.startsWith('down'))).toEqual([`down MEDIA:${media}`]);
  });

  it('race: 20 different complainants about one photo at once: one takedown, one case holding every notice', async () => {
    const { service, log, store } = setup();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        service.submitNotice(
          notice({ complainant: { name: `C ${i}`, email: `c${i}@x.example`, address: 'a' } }),
          anywhere,
        ),
      ),
    );
    expect(log.filter((line) => line.startsWith('down'))).toHaveLength(1);
    expect(outcomes.filter((o) => o.takenDown.length === 1)).toHaveLength(1);
    expect(store.cases.size).toBe(1);
    expect([...store.cases.values()][0]!.noticeIds).toHaveLength(20);
  });

  it('a later notice from another complainant about material already down joins its case', async () => {
    const { service, log, store } = setup();
    const first = await service.submitNotice(notice(), anywhere);
    const second = await service.submitNotice(
      notice({ complainant: { name: 'Other Owner', email: 'other@owner.example', address: '3 Elm St' } }),
      anywhere,
    );
    expect(second).toMatchObject({ duplicate: false, takenDown: [], alreadyDown: [{ id: media }], rejected: [] });
    const [opened] = [...store.cases.values()];
    expect(store.cases.size).toBe(1);
    expect(opened!.noticeIds).toEqual([first.noticeId, second.noticeId]);
    expect(log.filter((line) => line.startsWith('down'))).toHaveLength(1);
    await service.fileCounterNotice(user(uploader), counter(opened!.id));
    expect(log).toEqual(expect.arrayContaining([`tell notice ${first.noticeId}`, `tell notice ${second.noticeId}`]));
    // Joining before the counter notice owed nothing extra: the counter notice told everyone.
    expect(log.filter((line) => line.startsWith('tell joined'))).toEqual([]);
  });

  it('a notice joining a case after its counter notice sends its complainant the copy (§512(g)(2)(B))', async () => {
    const { service, log, store } = setup();
    await service.submitNotice(notice(), anywhere);
    const [opened] = [...store.cases.values()];
    await service.fileCounterNotice(user(uploader), counter(opened!.id));
    const late = await service.submitNotice(
      notice({ complainant: { name: 'Late Owner', email: 'late@owner.example', address: '4 Oak St' } }),
      anywhere,
    );
    expect(late).toMatchObject({ takenDown: [], alreadyDown: [{ id: media }] });
    expect(log.filter((line) => line.startsWith('tell joined'))).toEqual([
      `tell joined ${opened!.id} ${late.noticeId}`,
    ]);
  });
});

describe('counter notice and restore', () => {
  async function takenDown() {
    const context = setup();
    await context.service.submitNotice(notice(), anywhere);
    const [opened] = [...context.store.cases.values()];
    return { ...context, caseId: opened!.id };
  }

  it("only the uploader may counter-notify (someone else's case is not found), once", async () => {
    const { service, caseId } = await takenDown();
    await expect(service.fileCounterNotice(user(newId('user')), counter(caseId))).rejects.toMatchObject({
      errorType: 'NOT_FOUND',
    });
    const filed = await service.fileCounterNotice(user(uploader), counter(caseId));
    expect(filed).toMatchObject({
      status: 'COUNTER_NOTICED',
      restoreFrom: new Date('2026-12-16T05:00:00.000Z'),
      restoreBy: new Date('2026-12-22T04:59:59.999Z'),
    });
    await expect(service.fileCounterNotice(user(uploader), counter(caseId))).rejects.toMatchObject({
      code: 'DMCA.CASE_NOT_OPEN',
    });
  });

  it('restores from business day 11, not before; tells both sides; audits every step', async () => {
    const { service, clock, hidden, log, db, caseId } = await takenDown();
    await service.fileCounterNotice(user(uploader), counter(caseId));
    expect(log).toContain(`tell complainant ${caseId}`);
    clock.set(new Date('2026-12-16T04:59:59Z'));
    expect(await service.restoreDue()).toEqual({ restored: [], failed: [], overdue: [] });
    expect(hidden.size).toBe(1);
    clock.set(new Date('2026-12-16T05:00:00Z'));
    expect(await service.restoreDue()).toEqual({ restored: [caseId], failed: [], overdue: [] });
    expect(hidden.size).toBe(0);
    expect(log.at(-1)).toBe(`restored ${caseId}`);
    expect(await service.restoreDue()).toEqual({ restored: [], failed: [], overdue: [] });
    expect(db.kernel.auditActions()).toEqual([
      'dmca.notice.received',
      'dmca.taken_down',
      'dmca.counter_noticed',
      'dmca.restored',
    ]);
  });

  it('a suit recorded by staff keeps it down; only trust/admin staff may record it or read the queue', async () => {
    const { service, clock, hidden, caseId } = await takenDown();
    await service.fileCounterNotice(user(uploader), counter(caseId));
    await expect(service.recordSuitFiled(user(newId('user')), caseId, 'case 1:26-cv-1')).rejects.toMatchObject({
      errorType: 'NOT_FOUND',
    });
    await expect(service.queue(user(uploader))).rejects.toMatchObject({ errorType: 'NOT_FOUND' });
    const staffId = newId('user');
    expect(await service.queue(user(staffId, ['trust']), 'COUNTER_NOTICED')).toHaveLength(1);
    // Overriding a statutory restore needs a recent second factor.
    await expect(service.recordSuitFiled(user(staffId, ['trust']), caseId, 'case 1:26-cv-1')).rejects.toMatchObject({
      errorType: 'STEP_UP_REQUIRED',
    });
    await service.recordSuitFiled(user(staffId, ['trust'], clock.nowSeconds()), caseId, 'case 1:26-cv-1');
    clock.set(new Date('2027-01-30T00:00:00Z'));
    expect(await service.restoreDue()).toEqual({ restored: [], failed: [], overdue: [] });
    expect(hidden.size).toBe(1);
  });

  it('reports a counter-noticed case past its restore-by instant as overdue (the SLA alarm)', async () => {
    const { service, store, clock, caseId } = await takenDown();
    const filed = await service.fileCounterNotice(user(uploader), counter(caseId));
    // The job did not run through the window (say it was failing): the case is late.
    store.dueForRestore = () => Promise.resolve([]);
    clock.set(new Date(filed.restoreBy!.getTime() + 1));
    expect(await service.restoreDue()).toEqual({ restored: [], failed: [], overdue: [caseId] });
  });

  it('the job counts late and failed restores for their alarms; one failing case does not stop the others', async () => {
    const { service, store, clock, counted, content, caseId } = await takenDown();
    const filed = await service.fileCounterNotice(user(uploader), counter(caseId));
    const brokenTarget = newId('media');
    const broken: DmcaCase = { ...filed, id: newId('dmcaCase'), target: { kind: 'MEDIA', id: brokenTarget } };
    store.cases.set(broken.id, broken);
    const restore = content.restore.bind(content);
    content.restore = (tx, target) =>
      target.id === brokenTarget ? Promise.reject(new Error('media row locked out')) : restore(tx, target);
    clock.set(new Date(filed.restoreBy!.getTime() + 1));
    expect(await service.restoreDue()).toEqual({ restored: [caseId], failed: [broken.id], overdue: [broken.id] });
    expect(counted).toEqual(['DmcaRestoreFailed=1', 'DmcaRestoreOverdue=1']);
  });
});

describe('intake limits and reads', () => {
  it('a source IP files as many notices as its bucket holds, then RATE_LIMITED with nothing stored', async () => {
    const { service, store } = setup();
    const capacity = rateLimitMatrix['dmca.notice.ip'].capacity;
    const source = { ip: '198.51.100.7' };
    for (let i = 0; i < capacity; i++)
      await service.submitNotice(
        notice({ copyrightedWork: `work ${i}`, targets: [{ kind: 'MEDIA', id: missing }] }),
        source,
      );
    await expect(
      service.submitNotice(notice({ copyrightedWork: 'one more', targets: [{ kind: 'MEDIA', id: missing }] }), source),
    ).rejects.toMatchObject({ errorType: 'RATE_LIMITED' });
    expect(store.notices.size).toBe(capacity);
    // Another address has its own bucket.
    await service.submitNotice(notice({ copyrightedWork: 'one more' }), { ip: '198.51.100.8' });
    expect(store.notices.size).toBe(capacity + 1);
  });

  it('callers without an address are not unlimited: they share one bucket, then RATE_LIMITED', async () => {
    const { service, store } = setup();
    const capacity = rateLimitMatrix['dmca.notice.ip'].capacity;
    for (let i = 0; i < capacity; i++)
      await service.submitNotice(notice({ copyrightedWork: `work ${i}`, targets: [{ kind: 'MEDIA', id: missing }] }), {
        ip: i % 2 ? undefined : '',
      });
    await expect(
      service.submitNotice(
        notice({ copyrightedWork: 'one more', targets: [{ kind: 'MEDIA', id: missing }] }),
        anywhere,
      ),
    ).rejects.toMatchObject({ errorType: 'RATE_LIMITED' });
    expect(store.notices.size).toBe(capacity);
  });

  it('a notice costs one token per distinct target: a full notice spends the bucket, nothing taken down beyond it', async () => {
    const { service, store, log } = setup();
    const capacity = rateLimitMatrix['dmca.notice.ip'].capacity;
    const source = { ip: '198.51.100.9' };
    const many = Array.from({ length: capacity }, () => ({ kind: 'MEDIA' as const, id: newId('media') }));
    // A repeated target costs once: capacity - 1 tokens, then one more target fits, then nothing.
    await service.submitNotice(notice({ targets: [...many.slice(0, capacity - 1), many[0]!] }), source);
    await service.submitNotice(
      notice({ copyrightedWork: 'one more', targets: [{ kind: 'MEDIA', id: missing }] }),
      source,
    );
    await expect(service.submitNotice(notice({ copyrightedWork: 'again' }), source)).rejects.toMatchObject({
      errorType: 'RATE_LIMITED',
    });
    // A notice naming the most targets allowed spends a fresh address's whole bucket.
    const other = { ip: '198.51.100.10' };
    await service.submitNotice(notice({ copyrightedWork: 'full', targets: many }), other);
    await expect(service.submitNotice(notice({ copyrightedWork: 'after full' }), other)).rejects.toMatchObject({
      errorType: 'RATE_LIMITED',
    });
    expect(store.notices.size).toBe(3);
    expect(log).toEqual([]);
  });

  it('the uploader reads their own cases only; the staff queue read is audited', async () => {
    const { service, db } = setup();
    await service.submitNotice(notice(), anywhere);
    expect(await service.myCases(user(uploader))).toHaveLength(1);
    expect(await service.myCases(user(newId('user')))).toEqual([]);
    await service.queue(user(newId('user'), ['admin']));
    expect(db.kernel.auditActions()).toContain('dmca.queue.read');
  });
});

describe('ComplainantMailer', () => {
  it('copies the counter notice to each complainant except an address on the suppression list', async () => {
    const { service, store, db, clock } = setup();
    await service.submitNotice(notice(), anywhere);
    await service.submitNotice(
      notice({ complainant: { name: 'Bounced', email: 'Bounced@Owner.example', address: '5 Pine St' } }),
      anywhere,
    );
    const [opened] = [...store.cases.values()];
    const filed = await service.fileCounterNotice(user(uploader), counter(opened!.id));
    const sent: string[] = [];
    const suppressed = new Set(['bounced@owner.example']);
    const mailer = new ComplainantMailer(
      db,
      { sendEmail: (message) => Promise.resolve(void sent.push(message.to)) } as Notifier,
      (address) => Promise.resolve(suppressed.has(address)),
    );
    const event = newDomainEvent('dmca.counter_noticed', {
      caseId: filed.id,
      ownerUserId: uploader,
      targetKind: 'MEDIA',
      targetId: media,
      restoreFrom: filed.restoreFrom!.toISOString(),
      restoreBy: filed.restoreBy!.toISOString(),
    });
    await mailer.onCounterNoticed(event);
    expect(sent).toEqual(['legal@rights.example']);
    // A late notice from a suppressed address: its copy is not sent either.
    const late = await service.submitNotice(
      notice({
        complainant: { name: 'Bounced', email: 'bounced@owner.example', address: '5 Pine St' },
        copyrightedWork: 'x',
      }),
      anywhere,
    );
    clock.advance(1000);
    await mailer.onNoticeJoined(
      newDomainEvent('dmca.notice_joined', {
        caseId: filed.id,
        ownerUserId: uploader,
        targetKind: 'MEDIA',
        targetId: media,
        noticeId: late.noticeId,
        restoreFrom: filed.restoreFrom!.toISOString(),
      }),
    );
    expect(sent).toEqual(['legal@rights.example']);
  });
});
