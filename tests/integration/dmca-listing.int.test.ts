/**
 * DMCA takedown of a whole listing on the local stack (NTB-HELP-002): a rights holder without an account
 * names a public profile by its public page URL (the web app's client, Amplify JS v6, API key); the
 * listing leaves its public page (AppSync's page cache evicted by profiles' own consumer) and search
 * within 5 s, its owner is told and keeps the listing (status TAKEN_DOWN, publishing refused). The owner
 * counter-notifies (Amplify, OIDC); the restore job run as if at an instant (`?now=`) restores nothing
 * before the window opens and the listing when it has. 12 identical notices at once, naming the
 * listing by id, slug and URL, make one notice and one takedown; unknown or malformed listing
 * references are typed errors that write nothing.
 */
import { generateClient } from 'aws-amplify/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { gql, mailbox, registeredUser } from '../support/auth-client.ts';
import { configureAmplify, resetAmplify } from '../support/amplify.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { seedPublishedProfile } from '../support/profiles.ts';

/** The stack's public web origin (infra/local/stack.ts PUBLIC_WEB_BASE_URL): listing page URLs live there. */
const WEB = process.env.PUBLIC_WEB_BASE_URL ?? 'http://localhost:3000';

const SUBMIT = `mutation($input: DmcaNoticeInput!) {
  submitDmcaNotice(input: $input) {
    noticeId duplicate takenDown { kind id } alreadyDown { kind id } rejected { kind id }
  }
}`;
const CASE_FIELDS = 'id status noticeCount target { kind id } restoreFrom restoreBy closedAt';
const COUNTER = `mutation($input: DmcaCounterNoticeInput!) { fileDmcaCounterNotice(input: $input) { ${CASE_FIELDS} } }`;
const PUBLIC = `query($slug: String!) { publicProfile(slug: $slug) { id } }`;

afterEach(resetAmplify);

const notice = (
  targets: { kind: string; id: string }[],
  email = `legal+${newId('event').toLowerCase()}@rights.example`,
) => ({
  complainant: { name: 'Rights Holder LLC', email, address: '1 Main St, Springfield' },
  copyrightedWork: 'The portfolio text and photographs of "Dawn over the bay", 2024',
  targets,
  goodFaithBelief: true,
  accurateUnderPenaltyOfPerjury: true,
  signature: 'Jane Counsel',
});

async function runRestore(now: string): Promise<{ restored: string[]; failed: string[] }> {
  const response = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/dmca-restore?now=${encodeURIComponent(now)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { restored: string[]; failed: string[] };
}

/** The public page as an anonymous visitor reads it (through AppSync's cache). */
async function pageIsPublic(slug: string): Promise<boolean> {
  const answer = await gqlAs(null, PUBLIC, { slug });
  if (answer.errors?.length) {
    expect(answer.errors[0]!.errorType).toBe('NOT_FOUND');
    return false;
  }
  return answer.data.publicProfile?.id !== undefined;
}

const inSearch = async (profileId: string) =>
  (await sql('SELECT 1 FROM search_documents WHERE id = $1', [profileId])).length === 1;

const mailFor = async (to: string, template: string) =>
  (await mailbox()).filter((message) => message.to === to && message.template === template);

let owner: Awaited<ReturnType<typeof registeredUser>>;
let listing: Awaited<ReturnType<typeof seedPublishedProfile>>;

beforeAll(async () => {
  owner = await registeredUser({ role: 'provider' });
  listing = await seedPublishedProfile(owner.accessToken);
}, 120_000);

describe('DMCA takedown of a listing', () => {
  it('notice by public URL → hidden from page and search → counter notice → restored by the job', async () => {
    const { slug, profileId } = listing;
    await eventually(() => inSearch(profileId));
    expect(await pageIsPublic(slug)).toBe(true);
    const { myProfile } = await gqlOk(owner.accessToken, `query($id: ID!) { myProfile(id: $id) { publicUrl } }`, {
      id: profileId,
    });

    // A rights holder without an account names the listing as they saw it: its public page URL.
    configureAmplify();
    const complainantEmail = `legal+${newId('event').toLowerCase()}@rights.example`;
    const filed = (await generateClient().graphql({
      query: SUBMIT,
      variables: { input: notice([{ kind: 'PROFILE', id: myProfile.publicUrl }], complainantEmail) },
    })) as { data: { submitDmcaNotice: Record<string, unknown> } };
    expect(filed.data.submitDmcaNotice).toMatchObject({
      duplicate: false,
      takenDown: [{ kind: 'PROFILE', id: profileId }],
      alreadyDown: [],
      rejected: [],
    });

    // Hidden from the (cached) public page and from search within 5 s.
    await eventually(async () => !(await pageIsPublic(slug)), 5_000);
    await eventually(async () => !(await inSearch(profileId)), 5_000);

    // The owner keeps the listing and its data, but cannot publish it back.
    const kept = await gqlOk(owner.accessToken, `query($id: ID!) { myProfile(id: $id) { status slug } }`, {
      id: profileId,
    });
    expect(kept.myProfile).toEqual({ status: 'TAKEN_DOWN', slug });
    const republish = await gqlAs(owner.accessToken, `mutation($id: ID!) { publishProfile(id: $id) { status } }`, {
      id: profileId,
    });
    expect(republish.errors?.[0]).toMatchObject({ errorType: 'PRECONDITION_FAILED' });
    expect(republish.errors?.[0]?.errorInfo?.code).toBe('LISTING.TAKEN_DOWN');
    await eventually(async () => (await mailFor(owner.email, 'dmca-taken-down')).length === 1, 10_000);

    // Another complainant naming it by its slug joins the case; a listing that does not exist, or a
    // reference that is no listing at all, is a typed error and writes nothing.
    const joined = await gqlOk(null, SUBMIT, { input: notice([{ kind: 'PROFILE', id: slug.toUpperCase() }]) });
    expect(joined.submitDmcaNotice).toMatchObject({ takenDown: [], alreadyDown: [{ kind: 'PROFILE', id: profileId }] });
    const noticesBefore = await sql('SELECT count(*)::int AS n FROM dmca_notices');
    const missing = await gql(null, SUBMIT, { input: notice([{ kind: 'PROFILE', id: `no-such-${Date.now()}` }]) });
    expect(missing.body.errors[0].errorType).toBe('NOT_FOUND');
    const missingStudio = await gql(null, SUBMIT, {
      input: notice([{ kind: 'STUDIO', id: `${WEB}/studios/no-such-${Date.now()}` }]),
    });
    expect(missingStudio.body.errors[0].errorType).toBe('NOT_FOUND');
    const malformed = await gql(null, SUBMIT, { input: notice([{ kind: 'PROFILE', id: 'https://x.example/a/b/c' }]) });
    expect(malformed.body.errors[0].errorType).toBe('BAD_REQUEST');
    // Its path on another site is another site's page, not this listing.
    const elsewhere = await gql(null, SUBMIT, {
      input: notice([{ kind: 'PROFILE', id: `https://other-site.example/p/${slug}` }]),
    });
    expect(elsewhere.body.errors[0].errorType).toBe('BAD_REQUEST');
    expect(await sql('SELECT count(*)::int AS n FROM dmca_notices')).toEqual(noticesBefore);

    // The owner's counter notice, through Amplify with their token.
    const mine = await gqlOk(owner.accessToken, `{ myDmcaCases { ${CASE_FIELDS} } }`);
    const dmcaCase = mine.myDmcaCases.find((item: { target: { id: string } }) => item.target.id === profileId);
    expect(dmcaCase).toMatchObject({ status: 'TAKEN_DOWN', noticeCount: 2 });
    configureAmplify({ token: () => owner.accessToken });
    const countered = (await generateClient().graphql({
      query: COUNTER,
      variables: {
        input: {
          caseId: dmcaCase.id,
          name: 'Pat Shutter',
          address: '2 Oak Ave, Springfield',
          mistakeUnderPenaltyOfPerjury: true,
          consentToJurisdiction: true,
          explanation: 'Every photograph on this profile is mine.',
          signature: 'Pat Shutter',
        },
      },
      authMode: 'oidc',
    })) as { data: { fileDmcaCounterNotice: Record<string, string> } };
    const window = countered.data.fileDmcaCounterNotice;
    expect(window).toMatchObject({ status: 'COUNTER_NOTICED' });
    await eventually(
      async () => (await mailFor(complainantEmail, 'dmca.counter_notice_forwarded')).length === 1,
      10_000,
    );

    // Before the window opens nothing comes back; at its opening the listing does, on its page and in search.
    const before = await runRestore(new Date(Date.parse(window.restoreFrom!) - 1000).toISOString());
    expect(before.restored).not.toContain(dmcaCase.id);
    expect(await pageIsPublic(slug)).toBe(false);
    const at = await runRestore(window.restoreFrom!);
    expect(at.restored).toContain(dmcaCase.id);
    expect(at.failed).toEqual([]);
    await eventually(() => pageIsPublic(slug), 10_000);
    await eventually(() => inSearch(profileId), 10_000);
    await eventually(async () => (await mailFor(owner.email, 'dmca-restored')).length === 1, 10_000);
    const restored = await gqlOk(owner.accessToken, `query($id: ID!) { myProfile(id: $id) { status } }`, {
      id: profileId,
    });
    expect(restored.myProfile.status).toBe('PUBLISHED');
    const steps = await sql<{ action: string }>(`SELECT action FROM audit_log WHERE subject = $1 ORDER BY seq`, [
      dmcaCase.id,
    ]);
    expect(steps.map((row) => row.action)).toEqual(['dmca.taken_down', 'dmca.counter_noticed', 'dmca.restored']);
  }, 180_000);

  it('race: 12 identical notices at once (the listing named by id, slug or URL) make one notice and one takedown', async () => {
    const other = await registeredUser({ role: 'provider' });
    const { profileId, slug } = await seedPublishedProfile(other.accessToken);
    const email = `legal+${newId('event').toLowerCase()}@rights.example`;
    const names = [profileId, slug, `${WEB}/p/${slug}`];
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        gql(null, SUBMIT, { input: notice([{ kind: 'PROFILE', id: names[i % names.length]! }], email) }),
      ),
    );
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    const receipts = answers.map((answer) => answer.body.data.submitDmcaNotice);
    expect(new Set(receipts.map((receipt) => receipt.noticeId)).size).toBe(1);
    expect(receipts.filter((receipt) => receipt.takenDown.length === 1)).toHaveLength(1);
    expect(await sql('SELECT 1 FROM dmca_cases WHERE target_id = $1', [profileId])).toHaveLength(1);
    const takedowns = await sql(
      `SELECT 1 FROM outbox_events WHERE type = 'profile.unpublished' AND aggregate_id = $1`,
      [profileId],
    );
    expect(takedowns).toHaveLength(1);
  }, 120_000);
});
