/**
 * The rate-limit matrix (Appendix R, NTB-RATE-001) is what runs: for every `enforced` row of
 * lambdas/core/rate-limit-matrix.ts this file spends the row's capacity through the real API and
 * expects the next attempt refused (429 + Retry-After; over GraphQL, errorType RATE_LIMITED with
 * errorInfo.retryAfterSeconds), or, for a `challenge` row, answered with a CAPTCHA demand. The
 * numbers come from the table, so changing a row changes what is expected here.
 * Each source IP is a fresh loopback address (AuthClient), so the probes do not share buckets.
 * Rows `planned` by another issue have no probe yet; a row turned `enforced` without a probe fails.
 * Rows enforced at the edge (infra/definitions/edge-rate-limits.ts: WAF rate-based rules, emulated by
 * the local gateway) are refused as AppSync answers a WAF block: 403 WAFForbiddenException, no Retry-After.
 */
import { describe, expect, it } from 'vitest';
import { rateLimitMatrix, type RateLimitName, type RateLimitRow } from '../../lambdas/core/rate-limit-matrix.ts';
import { newId } from '../../lambdas/core/ids.ts';
import {
  AuthClient,
  CONSENTS,
  gql,
  randomLoopbackIp,
  registeredUser,
  uniqueEmail,
  type HttpAnswer,
} from '../support/auth-client.ts';
import { gqlAs } from '../support/graphql.ts';
import { edgeRateLimits } from '../../infra/definitions/edge-rate-limits.ts';
import { mintAccessToken } from '../support/tokens.ts';

type Attempt = () => Promise<HttpAnswer>;

const WINDOW_SEARCH = `query($input: SearchListingsInput!) { searchListings(input: $input) { items { slug } nextCursor } }`;
let windowShift = 0;
/** A window search that no cache can answer (a new window each call), as the abuse it limits would. */
async function windowSearch(accessToken: string | null, ip: string): Promise<HttpAnswer> {
  windowShift += 1;
  const from = Date.UTC(2027, 5, 1) + windowShift * 60_000;
  const input = { available: { from: new Date(from).toISOString(), to: new Date(from + 86_400_000).toISOString() } };
  const answer = await gql(accessToken, WINDOW_SEARCH, { input }, ip);
  return { status: answer.status, headers: {}, setCookies: [], body: answer.body, text: JSON.stringify(answer.body) };
}

/** A GraphQL call from a given source address, as an HTTP-like answer for the checks below. */
async function gqlFrom(
  accessToken: string | null,
  query: string,
  variables: Record<string, unknown>,
  ip: string,
): Promise<HttpAnswer> {
  const answer = await gql(accessToken, query, variables, ip);
  return { status: answer.status, headers: {}, setCookies: [], body: answer.body, text: JSON.stringify(answer.body) };
}

const PLAIN_SEARCH = `query($input: SearchListingsInput!) { searchListings(input: $input) { items { slug } nextCursor } }`;
const SUGGEST = `query($p: String!) { searchSuggestions(prefix: $p, first: 3) { text } }`;

/**
 * A GraphQL call as an HTTP-like answer for the checks below: AppSync answers a resolver's refusal
 * with 200 and an error entry, so RATE_LIMITED reads as 429 with its Retry-After from errorInfo, and
 * an INTERNAL_ERROR (or no answer at all) as 500.
 */
async function graphqlAttempt(token: string, query: string, variables: Record<string, unknown>): Promise<HttpAnswer> {
  const answer = await gqlAs(token, query, variables);
  const error = answer.errors?.[0];
  const status =
    error?.errorType === 'RATE_LIMITED'
      ? 429
      : error?.errorType === 'INTERNAL_ERROR' || (!answer.errors && !answer.data)
        ? 500
        : 200;
  const retryAfter = error?.errorInfo?.retryAfterSeconds;
  return {
    status,
    headers: typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {},
    setCookies: [],
    body: answer.data ?? { errors: answer.errors },
    text: answer.text,
  };
}

/** A fresh signed-in user (its own per-user buckets). */
const freshUserToken = () => mintAccessToken({ userId: newId('user'), roles: ['client'] });

/**
 * How to spend one token of a row: returns the attempt to repeat. Attempts are cheap on purpose
 * (refused passwords, unknown emails, wrong codes): each row's limit is taken before that work.
 */
const probes: Partial<Record<RateLimitName, () => Promise<Attempt>>> = {
  'auth.signup.ip': async () => {
    const client = new AuthClient();
    return () => client.post('/auth/signup', { email: uniqueEmail(), password: 'short', consents: CONSENTS });
  },
  'auth.signup.email': async () => {
    const email = uniqueEmail();
    return () => new AuthClient().post('/auth/signup', { email, password: 'short', consents: CONSENTS });
  },
  'auth.login.ip': async () => {
    const client = new AuthClient();
    return () => client.post('/auth/login', { email: uniqueEmail(), password: 'Wrong-password-1234!' });
  },
  'auth.login.identity': async () => {
    const email = uniqueEmail();
    return () => new AuthClient().post('/auth/login', { email, password: 'Wrong-password-1234!' });
  },
  'auth.login.device': async () => {
    // The registered browser keeps its device cookie: its guesses spend the device bucket.
    const { client, email } = await registeredUser();
    return () => client.post('/auth/login', { email, password: 'Wrong-password-1234!' });
  },
  'auth.reset.ip': async () => {
    const client = new AuthClient();
    return () => client.post('/auth/password/reset/request', { email: uniqueEmail() });
  },
  'auth.reset.identity': async () => {
    const email = uniqueEmail();
    return () => new AuthClient().post('/auth/password/reset/request', { email });
  },
  'auth.code.ip': async () => {
    const client = new AuthClient();
    return () =>
      client.post('/auth/password/reset/confirm', {
        email: uniqueEmail(),
        code: '000000',
        newPassword: 'Velvet-Harbor-Lantern-93!',
      });
  },
  'auth.code.identity': async () => {
    const email = uniqueEmail();
    return () =>
      new AuthClient().post('/auth/password/reset/confirm', {
        email,
        code: '000000',
        newPassword: 'Velvet-Harbor-Lantern-93!',
      });
  },
  'auth.code_send.identity': async () => {
    const email = uniqueEmail();
    return () => new AuthClient().post('/auth/verify-email/resend', { email });
  },
  'auth.refresh.ip': async () => {
    const client = new AuthClient();
    return () => client.post('/auth/token/refresh');
  },
  'auth.login.velocity': async () => {
    const client = new AuthClient();
    return () => client.post('/auth/login', { email: uniqueEmail(), password: 'Wrong-password-1234!' });
  },
  // Message attachments: the limit is spent before membership is checked, so a thread the user is
  // not in (NOT_FOUND) spends a token as a real upload or scan would.
  'messages.attachment_upload.user': async () => {
    const token = await freshUserToken();
    return () =>
      graphqlAttempt(
        token,
        `mutation($input: RequestMessageAttachmentUploadInput!) { requestMessageAttachmentUpload(input: $input) { attachmentId } }`,
        { input: { threadId: newId('thread'), contentType: 'image/png', sizeBytes: 10 } },
      );
  },
  'messages.attachment_complete.user': async () => {
    const token = await freshUserToken();
    return () =>
      graphqlAttempt(
        token,
        `mutation($t: ID!, $a: ID!) { completeMessageAttachment(threadId: $t, attachmentId: $a) { status } }`,
        { t: newId('thread'), a: newId('attachment') },
      );
  },
  // Every search spends search.ip (the edge, public callers) or search.user (the Lambda, signed in),
  // the same query again included (both are spent before the hot-query cache answers).
  'search.ip': async () => {
    const ip = randomLoopbackIp();
    return () => gqlFrom(null, PLAIN_SEARCH, { input: { city: 'us-lax', first: 1 } }, ip);
  },
  'search.user': async () => {
    // Each call from another address: only the user's bucket is shared.
    const token = await freshUserToken();
    return () => gqlFrom(token, PLAIN_SEARCH, { input: { city: 'us-lax', first: 1 } }, randomLoopbackIp());
  },
  'suggestions.ip': async () => {
    const ip = randomLoopbackIp();
    return () => gqlFrom(null, SUGGEST, { p: 'pat' }, ip);
  },
  'search.available.ip': async () => {
    const ip = randomLoopbackIp();
    return () => windowSearch(null, ip);
  },
  'dmca.notice.ip': async () => {
    // Notices about ids that are not public material: each is stored and answers `rejected`, nothing is taken down.
    const ip = randomLoopbackIp();
    return async () => {
      const answer = await gql(
        null,
        `mutation($input: DmcaNoticeInput!) { submitDmcaNotice(input: $input) { noticeId } }`,
        {
          input: {
            complainant: { name: 'Rights Holder', email: uniqueEmail('dmca'), address: '1 Main St' },
            copyrightedWork: 'A photograph',
            targets: [{ kind: 'MEDIA', id: newId('media') }],
            goodFaithBelief: true,
            accurateUnderPenaltyOfPerjury: true,
            signature: 'Rights Holder',
          },
        },
        ip,
      );
      return {
        status: answer.status,
        headers: {},
        setCookies: [],
        body: answer.body,
        text: JSON.stringify(answer.body),
      };
    };
  },
  'search.available.user': async () => {
    // Each call from another address: only the user's bucket is shared.
    const { accessToken } = await registeredUser();
    return () => windowSearch(accessToken, randomLoopbackIp());
  },
};

const rows = Object.entries(rateLimitMatrix) as [RateLimitName, RateLimitRow][];
const enforced = rows.filter(([, row]) => row.status === 'enforced');

type GraphqlError = { errorType?: string; errorInfo?: { retryAfterSeconds?: number } };
const graphqlError = (answer: HttpAnswer): GraphqlError | undefined =>
  (answer.body as { errors?: GraphqlError[] } | undefined)?.errors?.[0];
/** REST says 429; GraphQL answers 200 with the typed error (AppSync has no per-field status). */
const refusedByLimit = (answer: HttpAnswer) =>
  answer.status === 429 || graphqlError(answer)?.errorType === 'RATE_LIMITED';
const atEdge = new Set<RateLimitName>(edgeRateLimits.map((edge) => edge.row));
/** What AppSync answers when the web ACL blocks a request. */
const blockedByWaf = (answer: HttpAnswer) =>
  answer.status === 403 && graphqlError(answer)?.errorType === 'WAFForbiddenException';
const retryAfterOf = (answer: HttpAnswer) =>
  answer.status === 429
    ? Number(answer.headers['retry-after'])
    : Number(graphqlError(answer)?.errorInfo?.retryAfterSeconds);
const challenged = (answer: HttpAnswer) =>
  answer.status === 401 && (answer.body as { error?: { code?: string } })?.error?.code === 'AUTH.CAPTCHA_REQUIRED';

/**
 * The answer a probe meets on purpose while it spends tokens: the attachment probes ask about a thread
 * the user is not in (NOT_FOUND), since their limit is spent before membership is checked.
 */
const expectedWithinCapacity: Partial<Record<RateLimitName, readonly string[]>> = {
  'messages.attachment_upload.user': ['NOT_FOUND'],
  'messages.attachment_complete.user': ['NOT_FOUND'],
};

describe('rate-limit matrix', () => {
  it('has a probe for every enforced row, and every planned row names its issue', () => {
    expect(enforced.map(([name]) => name).filter((name) => !probes[name])).toEqual([]);
    for (const [, row] of rows) if (row.status !== 'enforced') expect([12, 13, 14, 15]).toContain(row.status.planned);
    // Auth, message attachments, searches and suggestions are enforced today; each surface of Appendix R has its row.
    expect(new Set(rows.map(([, row]) => row.surface))).toEqual(
      new Set(['auth', 'search', 'suggestions', 'messages', 'checkout', 'partner-api', 'dmca']),
    );
  });

  it.each(enforced)(
    '%s: the capacity from the table passes, then the limit refuses',
    async (name, row) => {
      const attempt = await probes[name]!();
      const stopped = atEdge.has(name) ? blockedByWaf : row.action === 'refuse' ? refusedByLimit : challenged;
      const answers: HttpAnswer[] = [];
      const started = Date.now();
      for (let i = 0; i < row.capacity; i++) answers.push(await attempt());
      expect(answers.filter(stopped).map((a) => a.status)).toEqual([]);
      expect(answers.filter((a) => a.status >= 500).map((a) => a.status)).toEqual([]);
      // GraphQL probes do the real work within the capacity (no typed refusal of another kind than
      // the one the probe is built to meet).
      expect(
        answers
          .map(graphqlError)
          .filter((error) => error && !expectedWithinCapacity[name]?.includes(error.errorType ?? '')),
      ).toEqual([]);
      // The bucket refills while the probe runs (capacity / window per second): those tokens may
      // pass too, and no more.
      const refilled = Math.ceil(((Date.now() - started) / 1000) * (row.capacity / row.windowSeconds));
      let beyond = await attempt();
      for (let extra = 0; extra < refilled + 1 && !stopped(beyond); extra++) beyond = await attempt();
      expect(
        stopped(beyond),
        `after ${row.capacity}+${refilled} attempts: ${beyond.status} ${JSON.stringify(beyond.body)}`,
      ).toBe(true);
      if (row.action === 'refuse' && !atEdge.has(name)) {
        // The wait is about one token's refill time (window / capacity), never more than the window.
        const retryAfter = retryAfterOf(beyond);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(Math.ceil(row.windowSeconds / row.capacity) + 1);
      }
    },
    120_000,
  );
});
