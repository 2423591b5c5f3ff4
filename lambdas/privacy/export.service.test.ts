/** The DSAR export service with fakes of its ports: step-up, per-day limit, bundle, receipts, redaction, audit. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { canonicalJson } from '../core/db/audit-log.ts';
import type { Caller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import { fakeUnitOfWork } from '../core/testing/fakes.ts';
import { buildExportBundle, pseudonymiseOthers, sha256Hex, type ExportBundle } from './export-bundle.ts';
import { newDomainEvent } from '../core/events/catalog.ts';
import type { ExportRow, ExportStore } from './export.repository.ts';
import { ExportService, type ExportSection } from './export.service.ts';
import { EXPORT_BUNDLE_SECONDS } from './privacy.module.ts';
import { privacyExportsBucket } from '../../infra/definitions/buckets.ts';

const me = newId('user');
const other = newId('user');
const third = newId('user');

function caller(clock: ManualClock, stepUpAgoSeconds: number | undefined): Caller {
  return {
    kind: 'user',
    userId: me,
    roles: ['client'],
    amr: ['pwd'],
    authTime: clock.nowSeconds() - 100,
    sessionId: 'ses_x',
    expiresAt: clock.nowSeconds() + 900,
    stepUpAt: stepUpAgoSeconds === undefined ? undefined : clock.nowSeconds() - stepUpAgoSeconds,
  };
}

class MemoryExports implements ExportStore {
  readonly rows = new Map<string, ExportRow>();
  lockAccount() {
    return Promise.resolve();
  }
  abandonStale(userId: string, before: Date, at: Date) {
    let n = 0;
    for (const row of this.rows.values())
      if (row.user_id === userId && row.status === 'BUILDING' && row.created_at < before) {
        this.rows.set(row.id, { ...row, status: 'FAILED', completed_at: at });
        n++;
      }
    return Promise.resolve(n);
  }
  building(userId: string) {
    return Promise.resolve([...this.rows.values()].find((row) => row.user_id === userId && row.status === 'BUILDING'));
  }
  byId(exportId: string) {
    return Promise.resolve(this.rows.get(exportId));
  }
  reserve(userId: string, exportId: string, now: Date, perDay: number) {
    const recent = [...this.rows.values()].filter(
      (row) =>
        row.user_id === userId && row.status !== 'FAILED' && now.getTime() - row.created_at.getTime() < 86_400_000,
    );
    if (recent.length >= perDay) return Promise.resolve({ ok: false as const, retryAfterSeconds: 42 });
    this.rows.set(exportId, {
      id: exportId,
      user_id: userId,
      status: 'BUILDING',
      object_key: null,
      sha256: null,
      size_bytes: null,
      sections: null,
      created_at: now,
      completed_at: null,
    });
    return Promise.resolve({ ok: true as const });
  }
  complete(
    exportId: string,
    done: { objectKey: string; sha256: string; sizeBytes: number; sections: readonly string[]; at: Date },
  ) {
    const row = this.rows.get(exportId)!;
    if (row.status !== 'BUILDING') return Promise.resolve();
    this.rows.set(exportId, {
      ...row,
      status: 'READY',
      object_key: done.objectKey,
      sha256: done.sha256,
      size_bytes: done.sizeBytes,
      sections: [...done.sections],
      completed_at: done.at,
    });
    return Promise.resolve();
  }
  fail(exportId: string, at: Date) {
    const row = this.rows.get(exportId)!;
    if (row.status === 'BUILDING') this.rows.set(exportId, { ...row, status: 'FAILED', completed_at: at });
    return Promise.resolve();
  }
  deleteForUser(userId: string) {
    let n = 0;
    for (const [id, row] of this.rows) if (row.user_id === userId && this.rows.delete(id)) n++;
    return Promise.resolve(n);
  }
}

function setup(sections: ExportSection[], perDay = 2) {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const exports = new MemoryExports();
  const marked: string[] = [];
  const db = fakeUnitOfWork({
    exports,
    accounts: { markExported: (userId: string) => Promise.resolve(void marked.push(userId)) },
  });
  const objects = new Map<string, Buffer>();
  const service = new ExportService(
    db,
    sections,
    {
      write: (key, body) => Promise.resolve(void objects.set(key, body)),
      downloadUrl: (key, seconds) => Promise.resolve(`https://exports.example/${key}?X-Amz-Expires=${seconds}`),
      deleteUnder: (prefix) => {
        const keys = [...objects.keys()].filter((key) => key.startsWith(prefix));
        for (const key of keys) objects.delete(key);
        return Promise.resolve(keys.length);
      },
    },
    (ids) => Promise.resolve(new Map(ids.filter((id) => id === other).map((id) => [id, ['Thaddeus Orrin']]))),
    clock,
    {
      perDay,
      urlSeconds: 300,
      abandonAfterSeconds: 3 * 3600,
      bundleSeconds: 86_400,
      excluded: { 'public.audit_log': 'the platform-wide chain' },
    },
    createLogger({ service: 'privacy-test', level: 'error' }),
  );
  /** What the export worker does with the request's committed event (the relay delivers it). */
  const runWorker = async () => {
    for (const event of db.kernel.events.filter((built) => built.type === 'privacy.export.requested'))
      await service.build(
        newDomainEvent('privacy.export.requested', event.payload as { exportId: string; userId: string }),
      );
  };
  /** Request, build, read: the client's path. */
  const exportNow = async (who: Caller) => {
    const accepted = await service.requestExport(who);
    await runWorker();
    return service.exportStatus(who, accepted.id);
  };
  return { clock, exports, marked, db, objects, service, runWorker, exportNow };
}

const sections: ExportSection[] = [
  { name: 'auth', collect: (userId) => Promise.resolve({ account: [{ id: userId, email: 'me@example.com' }] }) },
  {
    name: 'booking',
    collect: () =>
      Promise.resolve({
        asProvider: [
          { id: 'bkl_1', client_user_id: other, note: `booked with ${other} (thaddeus orrin) and ${third}` },
          { id: 'bkl_2', client_user_id: other },
        ],
      }),
  },
];

describe('ExportService.requestExport', () => {
  it('needs a recent step-up and writes nothing without one', async () => {
    const { clock, service, objects, exports } = setup(sections);
    await expect(service.requestExport(caller(clock, undefined))).rejects.toMatchObject({
      code: 'AUTH.STEP_UP_REQUIRED',
    });
    await expect(service.requestExport(caller(clock, 3600))).rejects.toMatchObject({ errorType: 'STEP_UP_REQUIRED' });
    expect(objects.size).toBe(0);
    expect(exports.rows.size).toBe(0);
  });

  it('answers at once with the accepted request; asking again while it builds answers the same one', async () => {
    const { clock, service, objects, db } = setup(sections, 2);
    const accepted = await service.requestExport(caller(clock, 30));
    expect(accepted).toMatchObject({ status: 'BUILDING', downloadUrl: null, sha256: null });
    expect(objects.size).toBe(0);
    expect(db.kernel.eventTypes()).toEqual(['privacy.export.requested']);
    const again = await service.requestExport(caller(clock, 30));
    expect(again.id).toBe(accepted.id);
    expect(db.kernel.eventTypes()).toEqual(['privacy.export.requested']);
    // Someone else's export is not found.
    await expect(
      service.exportStatus({ ...caller(clock, 30), userId: other } as Caller, accepted.id),
    ).rejects.toMatchObject({ errorType: 'NOT_FOUND' });
  });

  it('stores one bundle with a manifest, per-section receipts and other people pseudonymised; audits it', async () => {
    const { clock, objects, exports, marked, db, exportNow, runWorker } = setup(sections);
    const view = await exportNow(caller(clock, 30));
    expect(view.status).toBe('READY');
    expect(view.sections).toEqual(['auth', 'booking']);
    expect(view.downloadUrl).toContain(`exports/${me}/${view.id}.json`);
    expect(view.expiresAt).toBe(new Date(clock.nowMs() + 300_000).toISOString());
    const bytes = objects.get(`exports/${me}/${view.id}.json`)!;
    expect(sha256Hex(bytes)).toBe(view.sha256);
    expect(view.sizeBytes).toBe(bytes.length);
    const bundle = JSON.parse(bytes.toString('utf8')) as ExportBundle;
    expect(bundle.manifest).toMatchObject({
      format: 'rastup-data-export/2',
      exportId: view.id,
      subjectUserId: me,
      sections: ['auth', 'booking'],
      excluded: { 'public.audit_log': 'the platform-wide chain' },
    });
    for (const receipt of bundle.receipts)
      expect(receipt.sha256).toBe(sha256Hex(canonicalJson(bundle.sections[receipt.section])));
    expect(bundle.receipts.find((receipt) => receipt.section === 'booking')!.records).toBe(2);
    const text = bytes.toString('utf8');
    expect(text).not.toContain(other);
    expect(text).not.toContain(third);
    expect(bundle.sections.booking!.asProvider).toEqual([
      { id: 'bkl_1', client_user_id: 'person-1', note: 'booked with person-1 (person-1) and person-2' },
      { id: 'bkl_2', client_user_id: 'person-1' },
    ]);
    expect(bundle.sections.auth!.account).toEqual([{ id: me, email: 'me@example.com' }]);
    expect(exports.rows.get(view.id)).toMatchObject({ status: 'READY', sha256: view.sha256 });
    expect(marked).toEqual([me]);
    // A redelivered event builds nothing again.
    await runWorker();
    expect(marked).toEqual([me]);
    expect(db.kernel.audit).toEqual([
      { actor: me, action: 'privacy.export.requested', subject: me, details: { exportId: view.id } },
      {
        actor: me,
        action: 'privacy.export.generated',
        subject: me,
        details: { exportId: view.id, sha256: view.sha256, sections: ['auth', 'booking'] },
      },
    ]);
  });

  it("refuses a deleted account's still-valid token (NOT_FOUND), before reading any domain", async () => {
    const { clock, service, objects, exports, db } = setup(sections);
    db.kernel.erased.add(me);
    await expect(service.requestExport(caller(clock, 30))).rejects.toMatchObject({ errorType: 'NOT_FOUND' });
    expect(objects.size).toBe(0);
    expect(exports.rows.size).toBe(0);
  });

  it('counts accepted requests that did not fail against the per-day limit, before reading any domain', async () => {
    let reads = 0;
    const counted = sections.map((section) => ({
      ...section,
      collect: (userId: string, now: Date) => {
        reads++;
        return section.collect(userId, now);
      },
    }));
    const { clock, service, exportNow } = setup(counted, 2);
    await exportNow(caller(clock, 30));
    await exportNow(caller(clock, 30));
    const before = reads;
    await expect(service.requestExport(caller(clock, 30))).rejects.toMatchObject({
      errorType: 'RATE_LIMITED',
      details: { retryAfterSeconds: 42 },
    });
    expect(reads).toBe(before);
  });

  it('marks the request failed when a domain cannot be read, stores nothing, and does not count it', async () => {
    const broken: ExportSection[] = [...sections, { name: 'media', collect: () => Promise.reject(new Error('down')) }];
    const { clock, service, objects, exports, db, exportNow } = setup(broken, 1);
    expect(await exportNow(caller(clock, 30))).toMatchObject({ status: 'FAILED', downloadUrl: null });
    expect(objects.size).toBe(0);
    expect([...exports.rows.values()].map((row) => row.status)).toEqual(['FAILED']);
    expect(db.kernel.auditActions()).toEqual(['privacy.export.requested']);
    // The failure was not the account's: with a limit of one a day, it may ask again.
    expect(await service.requestExport(caller(clock, 30))).toMatchObject({ status: 'BUILDING' });
  });
});

describe('ExportService: an abandoned build', () => {
  it('blocks nobody: past the bound it is failed under the lock, a new request is accepted, and it does not count', async () => {
    const { clock, service, exports, db } = setup(sections, 1);
    const first = await service.requestExport(caller(clock, 30));
    // The worker never finishes it (timeouts, then the DLQ). Within the bound a repeat still answers it.
    clock.advance(2.5 * 3600_000);
    expect((await service.requestExport(caller(clock, 30))).id).toBe(first.id);
    clock.advance(0.5 * 3600_000 + 1000);
    const second = await service.requestExport(caller(clock, 30));
    expect(second).toMatchObject({ status: 'BUILDING' });
    expect(second.id).not.toBe(first.id);
    expect(exports.rows.get(first.id)).toMatchObject({ status: 'FAILED' });
    expect(db.kernel.eventTypes()).toEqual(['privacy.export.requested', 'privacy.export.requested']);
    // A late delivery of the abandoned one builds nothing.
    await service.build(newDomainEvent('privacy.export.requested', { exportId: first.id, userId: me }));
    expect(exports.rows.get(first.id)).toMatchObject({ status: 'FAILED' });
  });
});

describe('ExportService.exportStatus: the link', () => {
  it("reports EXPIRED at the exports bucket's own lifecycle expiry", () => {
    const rule = privacyExportsBucket.expirations.find((expiry) => expiry.prefix === 'exports/')!;
    expect(rule.days * 86_400).toBe(EXPORT_BUNDLE_SECONDS);
  });

  it('is handed out only after a recent step-up (else stepUpRequired), and never once the bucket expired the bundle', async () => {
    const { clock, service, exportNow } = setup(sections);
    const built = await exportNow(caller(clock, 30));
    // The session alone (no step-up, or one older than the window) reads the status, not the link.
    for (const who of [caller(clock, undefined), caller(clock, 3600)])
      expect(await service.exportStatus(who, built.id)).toMatchObject({
        status: 'READY',
        downloadUrl: null,
        expiresAt: null,
        stepUpRequired: true,
        sha256: built.sha256,
      });
    expect(await service.exportStatus(caller(clock, 30), built.id)).toMatchObject({
      status: 'READY',
      downloadUrl: expect.stringContaining(built.id),
      stepUpRequired: false,
    });
    // A day after it was built the bucket has deleted it: EXPIRED, no link even after a step-up.
    clock.advance(86_400_000);
    expect(await service.exportStatus(caller(clock, 30), built.id)).toMatchObject({
      status: 'EXPIRED',
      downloadUrl: null,
      expiresAt: null,
      stepUpRequired: false,
    });
  });
});

describe('ExportService.onUserDeleted', () => {
  it("deletes the account's bundles and receipts once", async () => {
    const { clock, service, objects, exports, exportNow } = setup(sections);
    await exportNow(caller(clock, 30));
    objects.set(`exports/${other}/dsx_other.json`, Buffer.from('{}'));
    const event = {
      id: newId('event'),
      type: 'user.deleted' as const,
      version: 1,
      occurredAt: clock.now().toISOString(),
      aggregateType: 'user',
      aggregateId: me,
      payload: { userId: me, deletedAt: clock.now().toISOString() },
    };
    await service.onUserDeleted(event);
    expect([...objects.keys()]).toEqual([`exports/${other}/dsx_other.json`]);
    expect(exports.rows.size).toBe(0);
  });
});

describe('buildExportBundle', () => {
  it('gives the same receipts whatever the key order of a section', () => {
    const at = new Date(Date.UTC(2026, 0, 1));
    const a = buildExportBundle({
      exportId: 'dsx_1',
      subjectUserId: me,
      generatedAt: at,
      sections: { s: { rows: [{ a: 1, b: 2 }] } },
      excluded: {},
    });
    const b = buildExportBundle({
      exportId: 'dsx_1',
      subjectUserId: me,
      generatedAt: at,
      sections: { s: { rows: [{ b: 2, a: 1 }] } },
      excluded: {},
    });
    expect(a.bundle.receipts).toEqual(b.bundle.receipts);
  });
});

describe('pseudonymiseOthers', () => {
  const aliases = new Map([[other, 'person-1']]);
  const names = new Map([['person-1', ['Ann', 'Ann Lee']]]);

  it('replaces a name as a whole word, any case, the full name as one alias', () => {
    expect(pseudonymiseOthers({ body: 'Ann said: ann lee, ANN,  Ann\nLee — "Ann"! (Ann)' }, aliases, names)).toEqual({
      body: 'person-1 said: person-1, person-1,  person-1 — "person-1"! (person-1)',
    });
  });

  it('leaves words that merely contain the name alone (no substrings)', () => {
    const text = 'Annual planning with Joanna, Annabelle and Leeann; channel anna_ann ann2';
    expect(pseudonymiseOthers({ body: text }, aliases, names)).toEqual({ body: text });
  });

  it('touches free-text fields only: ids, slugs, keys, urls, codes and id-shaped values stay', () => {
    const row = {
      id: 'lst_ann',
      listingId: 'Ann',
      slug: 'ann-lee-photography',
      original_url: 'https://media.example/ann.jpg',
      objectKey: 'exports/ann.json',
      status: 'ann',
      reference: 'bkg_ANN0000000000',
      title: 'Shoot with Ann Lee',
      shotList: [{ title: 'Ann at the window', done: false }],
      note: 'ask Ann',
    };
    expect(pseudonymiseOthers(row, aliases, names)).toEqual({
      ...row,
      title: 'Shoot with person-1',
      shotList: [{ title: 'person-1 at the window', done: false }],
      note: 'ask person-1',
    });
  });

  it("replaces other people's user ids everywhere, ids included, and never rewrites an alias", () => {
    const tricky = new Map([['person-1', ['person', 'Ann']]]);
    expect(
      pseudonymiseOthers({ counterpartUserId: other, body: `${other} and Ann, a person` }, aliases, tricky),
    ).toEqual({ counterpartUserId: 'person-1', body: 'person-1 and person-1, a person-1' });
  });
});
