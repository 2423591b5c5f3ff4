/**
 * DMCA end to end on the local stack (NTB-HELP-002): a rights holder without an account files a notice
 * with the web app's own client (AWS Amplify JS v6, API key); the photo leaves the public page, its public
 * copy and the search document within 5 s, and its uploader is told (mailbox and in-app). The uploader
 * counter-notifies (Amplify, OIDC); the restore job run as if at an instant (the dev route's `?now=`, the
 * injected clock) restores nothing before the statutory window opens and the photo when it has. The
 * trust team's queue is least privilege and audited; 12 identical notices at once make one takedown.
 */
import { generateClient } from 'aws-amplify/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { gql, mailbox, randomLoopbackIp, registeredUser } from '../support/auth-client.ts';
import { configureAmplify, resetAmplify } from '../support/amplify.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { mintAccessToken } from '../support/tokens.ts';

const SUBMIT = `mutation($input: DmcaNoticeInput!) {
  submitDmcaNotice(input: $input) {
    noticeId duplicate takenDown { kind id } alreadyDown { kind id } rejected { kind id }
  }
}`;
const CASE_FIELDS =
  'id status noticeCount target { kind id } takenDownAt counterNoticedAt restoreFrom restoreBy closedAt';
const COUNTER = `mutation($input: DmcaCounterNoticeInput!) { fileDmcaCounterNotice(input: $input) { ${CASE_FIELDS} } }`;
const PUBLIC = `query($slug: String!) { publicProfile(slug: $slug) { id portfolio { id variants { url } } } }`;

afterEach(resetAmplify);

const notice = (targets: { kind: string; id: string }[], email = `legal+${newId('event')}@rights.example`) => ({
  complainant: { name: 'Rights Holder LLC', email, address: '1 Main St, Springfield' },
  copyrightedWork: 'The photograph "Dawn over the bay", 2024',
  targets,
  goodFaithBelief: true,
  accurateUnderPenaltyOfPerjury: true,
  signature: 'Jane Counsel',
});

const counterNotice = (caseId: string) => ({
  caseId,
  name: 'Pat Shutter',
  address: '2 Oak Ave, Springfield',
  mistakeUnderPenaltyOfPerjury: true,
  consentToJurisdiction: true,
  explanation: 'I took this photograph myself.',
  signature: 'Pat Shutter',
});

async function runRestore(now: string): Promise<{ restored: string[]; failed: string[]; overdue: string[] }> {
  const response = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/dmca-restore?now=${encodeURIComponent(now)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { restored: string[]; failed: string[]; overdue: string[] };
}

async function publicPortfolio(slug: string): Promise<string[]> {
  const data = await gqlOk(null, PUBLIC, { slug });
  return (data.publicProfile?.portfolio ?? []).map((image: { id: string }) => image.id);
}

async function coverUrlInSearch(profileId: string): Promise<string | null> {
  const rows = await sql<{ cover_url: string | null }>('SELECT cover_url FROM search_documents WHERE id = $1', [
    profileId,
  ]);
  return rows[0]?.cover_url ?? null;
}

const mailFor = async (to: string, template: string) =>
  (await mailbox()).filter((message) => message.to === to && message.template === template);

let provider: Awaited<ReturnType<typeof registeredUser>>;
let listing: Awaited<ReturnType<typeof seedPublishedProfile>>;

beforeAll(async () => {
  provider = await registeredUser({ role: 'provider' });
  listing = await seedPublishedProfile(provider.accessToken);
}, 120_000);

describe('DMCA notice → takedown → counter notice → restore', () => {
  it('runs end to end with the web app client; the staff queue is least privilege and audited', async () => {
    const { mediaId, slug, profileId } = listing;
    expect(await publicPortfolio(slug)).toEqual([mediaId]);
    const publicUrl = await eventually(() => coverUrlInSearch(profileId));
    expect((await fetch(publicUrl)).status).toBe(200);

    // A rights holder without an account: the API key, through Amplify.
    configureAmplify();
    const client = generateClient();
    const missing = newId('media');
    const complainantEmail = `legal+${newId('event').toLowerCase()}@rights.example`;
    const filed = (await client.graphql({
      query: SUBMIT,
      variables: {
        input: notice(
          [
            { kind: 'MEDIA', id: mediaId },
            { kind: 'MEDIA', id: missing },
          ],
          complainantEmail,
        ),
      },
    })) as { data: { submitDmcaNotice: Record<string, unknown> } };
    expect(filed.data.submitDmcaNotice).toMatchObject({
      duplicate: false,
      takenDown: [{ kind: 'MEDIA', id: mediaId }],
      alreadyDown: [],
      rejected: [{ kind: 'MEDIA', id: missing }],
    });

    // Hidden from every public read at the commit (they ask for READY), but the page is in AppSync's cache
    // (Query.publicProfile, 300 s), which only profiles evicts: media.processed → profile.updated →
    // profiles-public-cache, two relay passes after the commit. So the page, like search and the public
    // bucket, within 5 s. It was asserted "at once" and passed by timing alone: the read above cached the
    // page while the listing's own seeding evictions were still in flight, and one of them emptied it. A
    // slower cold start of the DMCA Lambda (a lazy import in dmca.module.ts) left time for that; a static
    // import did not, which looked like an import-order effect. Evidence: with the lazy import kept and
    // this test reading the page 1 s after the seeding settled, the old assertion failed every time.
    await eventually(async () => (await publicPortfolio(slug)).length === 0, 5_000);
    await eventually(async () => (await coverUrlInSearch(profileId)) === null, 5_000);
    await eventually(async () => (await fetch(publicUrl)).status === 404, 5_000);
    const owned = await gqlOk(provider.accessToken, `query($id: ID!) { myMedia(id: $id) { status } }`, { id: mediaId });
    expect(owned.myMedia.status).toBe('TAKEN_DOWN');

    // The uploader is told through the notification service (email and in-app).
    await eventually(async () => (await mailFor(provider.email, 'dmca-taken-down')).length === 1, 10_000);
    const inbox = await gqlOk(provider.accessToken, `{ myNotifications { items { title } } }`);
    expect(inbox.myNotifications.items.map((item: { title: string }) => item.title)).toContain(
      'Material was removed after a copyright notice',
    );

    // The uploader's cases; someone else cannot counter-notify it.
    const mine = await gqlOk(provider.accessToken, `{ myDmcaCases { ${CASE_FIELDS} } }`);
    expect(mine.myDmcaCases).toHaveLength(1);
    const dmcaCase = mine.myDmcaCases[0];
    expect(dmcaCase).toMatchObject({ status: 'TAKEN_DOWN', noticeCount: 1, target: { kind: 'MEDIA', id: mediaId } });
    const stranger = await mintAccessToken({ userId: newId('user') });
    const refused = await gqlAs(stranger, COUNTER, { input: counterNotice(dmcaCase.id) });
    expect(refused.errors?.[0]?.errorType).toBe('NOT_FOUND');

    // The counter notice, through Amplify with the uploader's token.
    configureAmplify({ token: () => provider.accessToken });
    const countered = (await generateClient().graphql({
      query: COUNTER,
      variables: { input: counterNotice(dmcaCase.id) },
      authMode: 'oidc',
    })) as { data: { fileDmcaCounterNotice: Record<string, string> } };
    const window = countered.data.fileDmcaCounterNotice;
    expect(window).toMatchObject({ status: 'COUNTER_NOTICED' });
    expect(Date.parse(window.restoreBy!)).toBeGreaterThan(Date.parse(window.restoreFrom!));
    await eventually(async () => (await mailFor(provider.email, 'dmca-counter-noticed')).length === 1, 10_000);
    // The complainant (no account) gets a copy of the counter notice, once (§512(g)(2)(B)).
    const copies = await eventually(async () => {
      const sent = await mailFor(complainantEmail, 'dmca.counter_notice_forwarded');
      return sent.length > 0 ? sent : undefined;
    }, 10_000);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.text).toContain('I took this photograph myself.');
    expect(copies[0]!.text).toContain(window.restoreFrom!.slice(0, 10));
    // A complainant whose notice joins the case after the counter notice gets the same copy; the first one no second.
    configureAmplify();
    const lateEmail = `late+${newId('event').toLowerCase()}@rights.example`;
    const late = (await generateClient().graphql({
      query: SUBMIT,
      variables: { input: notice([{ kind: 'MEDIA', id: mediaId }], lateEmail) },
    })) as { data: { submitDmcaNotice: Record<string, unknown> } };
    expect(late.data.submitDmcaNotice).toMatchObject({ takenDown: [], alreadyDown: [{ kind: 'MEDIA', id: mediaId }] });
    const lateCopies = await eventually(async () => {
      const sent = await mailFor(lateEmail, 'dmca.counter_notice_forwarded');
      return sent.length > 0 ? sent : undefined;
    }, 10_000);
    expect(lateCopies).toHaveLength(1);
    expect(lateCopies[0]!.text).toContain('I took this photograph myself.');
    expect(lateCopies[0]!.text).toContain(window.restoreFrom!.slice(0, 10));
    expect(await mailFor(complainantEmail, 'dmca.counter_notice_forwarded')).toHaveLength(1);

    // The trust queue: trust staff read it (audited); a client is not told it exists.
    const trustId = newId('user');
    const trust = await mintAccessToken({ userId: trustId, roles: ['trust'] });
    const queue = await gqlOk(trust, `{ dmcaQueue(status: COUNTER_NOTICED, first: 100) { id status } }`);
    expect(queue.dmcaQueue.map((item: { id: string }) => item.id)).toContain(dmcaCase.id);
    const audited = await sql('SELECT 1 FROM audit_log WHERE actor = $1 AND action = $2', [trustId, 'dmca.queue.read']);
    expect(audited).toHaveLength(1);
    const asClient = await gqlAs(provider.accessToken, `{ dmcaQueue { id } }`);
    expect(asClient.errors?.[0]?.errorType).toBe('NOT_FOUND');
    // Recording a suit needs a recent second factor.
    const noStepUp = await gqlAs(trust, `mutation($id: ID!) { recordDmcaSuit(caseId: $id, reference: "x") { id } }`, {
      id: dmcaCase.id,
    });
    expect(noStepUp.errors?.[0]?.errorType).toBe('STEP_UP_REQUIRED');

    // Before the window opens nothing comes back; at its opening the photo does.
    const before = await runRestore(new Date(Date.parse(window.restoreFrom!) - 1000).toISOString());
    expect(before.restored).not.toContain(dmcaCase.id);
    expect(await publicPortfolio(slug)).toEqual([]);
    const at = await runRestore(window.restoreFrom!);
    expect(at.restored).toContain(dmcaCase.id);
    expect(at.failed).toEqual([]);
    await eventually(async () => (await publicPortfolio(slug)).includes(mediaId), 10_000);
    await eventually(async () => (await coverUrlInSearch(profileId)) !== null, 10_000);
    await eventually(async () => (await mailFor(provider.email, 'dmca-restored')).length === 1, 10_000);
    const closed = await gqlOk(provider.accessToken, `{ myDmcaCases { ${CASE_FIELDS} } }`);
    expect(closed.myDmcaCases[0]).toMatchObject({ status: 'RESTORED' });
    expect(closed.myDmcaCases[0].closedAt).toBe(window.restoreFrom);
    // Every step is in the audit chain.
    const steps = await sql<{ action: string }>(`SELECT action FROM audit_log WHERE subject = $1 ORDER BY seq`, [
      dmcaCase.id,
    ]);
    expect(steps.map((row) => row.action)).toEqual(['dmca.taken_down', 'dmca.counter_noticed', 'dmca.restored']);
  }, 180_000);

  it('race: 12 identical notices at once make one notice and one takedown; bad input is a typed error', async () => {
    const other = await registeredUser({ role: 'provider' });
    const { mediaId } = await seedPublishedProfile(other.accessToken);
    const input = notice([{ kind: 'MEDIA', id: mediaId }]);
    const answers = await Promise.all(Array.from({ length: 12 }, () => gql(null, SUBMIT, { input })));
    const receipts = answers.map((answer) => answer.body.data.submitDmcaNotice);
    expect(new Set(receipts.map((receipt) => receipt.noticeId)).size).toBe(1);
    expect(receipts.filter((receipt) => receipt.takenDown.length === 1)).toHaveLength(1);
    expect(await sql('SELECT 1 FROM dmca_cases WHERE target_id = $1', [mediaId])).toHaveLength(1);

    const invalid = await gql(null, SUBMIT, { input: { ...input, goodFaithBelief: false } });
    expect(invalid.body.errors[0].errorType).toBe('BAD_REQUEST');
    expect(await sql('SELECT 1 FROM dmca_cases WHERE target_id = $1', [mediaId])).toHaveLength(1);
  }, 120_000);

  it('a source IP names 20 targets an hour (a notice costs one token per target), then RATE_LIMITED with a retry time', async () => {
    const ip = randomLoopbackIp();
    const many = Array.from({ length: 19 }, () => ({ kind: 'MEDIA', id: newId('media') }));
    for (const targets of [many, [{ kind: 'MEDIA', id: newId('media') }]]) {
      const answer = await gql(null, SUBMIT, { input: notice(targets) }, ip);
      expect(answer.body.errors).toBeUndefined();
    }
    const refused = await gql(null, SUBMIT, { input: notice([{ kind: 'MEDIA', id: newId('media') }]) }, ip);
    expect(refused.body.errors[0]).toMatchObject({ errorType: 'RATE_LIMITED' });
    expect(refused.body.errors[0].errorInfo.retryAfterSeconds).toBeGreaterThan(0);
  });
});
