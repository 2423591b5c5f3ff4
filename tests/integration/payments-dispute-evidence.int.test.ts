/**
 * Chargeback evidence packs (NTB-PAY-003) on the local stack: a dispute opened at the Stripe stand-in
 * gets a pack assembled from the order timeline, the policy the client accepted at confirmCheckout,
 * the legs and amounts and the booking's thread (contact details hidden); finance staff (only) review,
 * edit and approve it through GraphQL; it reaches Stripe's disputes API once, whatever the number of
 * concurrent approvals and job runs; an unreviewed pack goes out on its own the configured margin
 * before the deadline; Stripe's refusal past the deadline is recorded; a crash between the claim and
 * Stripe's answer is finished by the job with the same Idempotency-Key (one submission).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { messagingTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { threadPk } from '../../lambdas/messaging/thread.repository.ts';
import { DISPUTE_EVIDENCE_TEXT_FIELDS } from '../../lambdas/core/payment-provider.ts';
import { ACT, publishedProfile, REQUEST } from '../support/booking.ts';
import {
  CONFIRM_CHECKOUT,
  onboardPayee,
  openSoon,
  payWithCard,
  QUOTE,
  serverStripe,
  soon,
  withPackage,
} from '../support/checkout.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

const DISPUTE_FIELDS = `id bookingGroupId amountCents currency reason status evidenceDueBy autoSubmitAt packState
  packVersion approvedVersion approvedBy submittedVersion autoSubmitted submittedAt submitRefusal openedAt`;
const PACK_FIELDS = `disputeId version author note createdAt evidence { productDescription serviceDate
  cancellationPolicyDisclosure cancellationRebuttal refundPolicyDisclosure refundRefusalExplanation accessActivityLog
  uncategorizedText }`;
const QUEUE = `query($all: Boolean) { disputeQueue(all: $all) { ${DISPUTE_FIELDS} } }`;
const EVIDENCE = `query($id: ID!, $version: Int) { disputeEvidence(disputeId: $id, version: $version) {
  dispute { ${DISPUTE_FIELDS} } pack { ${PACK_FIELDS} } } }`;
const EDIT = `mutation($input: EditDisputeEvidenceInput!) { editDisputeEvidence(input: $input) {
  dispute { ${DISPUTE_FIELDS} } pack { ${PACK_FIELDS} } } }`;
const APPROVE = `mutation($input: ApproveDisputeEvidenceInput!) { approveDisputeEvidence(input: $input) { ${DISPUTE_FIELDS} } }`;

/** The auto-submit margin the local stack runs with (PAYMENTS_DISPUTE_AUTO_SUBMIT_HOURS default). */
const MARGIN_MS = 24 * 3_600_000;

const stripeUrl = () => stackInfo().endpoints.stripe!.apiUrl;

async function party(role: 'client' | 'provider') {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles: [role] }) };
}

const act = (token: string, groupId: string, action: string) =>
  gqlOk(token, ACT, { input: { idempotencyKey: newId('request'), groupId, action } });

const runJob = async (now?: Date) => {
  const answer = await fetch(
    `${stackInfo().endpoints.restUrl}/dev/jobs/dispute-evidence${now ? `?now=${now.toISOString()}` : ''}`,
  );
  expect(answer.status).toBe(200);
  return answer.json() as Promise<{ assembled: number; submitted: number; refused: number; failed: number }>;
};

/**
 * A started booking whose client and provider talked in the listing's thread first (the thread becomes
 * the booking's project thread at confirmation), then a chargeback on its charge. Answers the dispute.
 */
async function disputedBooking(messages: { client: string; provider: string }, options: { repeat?: boolean } = {}) {
  const provider = await party('provider');
  const profileId = await publishedProfile(provider.userId);
  await withPackage(profileId, 20_000);
  await openSoon(provider.token, profileId);
  await onboardPayee(provider.token);
  const client = await party('client');
  const threadId = (
    await gqlOk(
      client.token,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
      { input: { profileId, body: 'First contact' } },
    )
  ).startInquiry.thread.threadId as string;
  const say = async (token: string, body: string) =>
    gqlOk(token, `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`, {
      input: { threadId, body },
    });
  const legs = [{ legId: 'shoot', profileId, packageName: 'Headshots' }];
  const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
  const group = (
    await gqlOk(client.token, REQUEST, {
      input: { idempotencyKey: `req-${newId('request')}`, profileId, startsAt: soon(), durationMinutes: 60 },
    })
  ).requestBooking;
  // The pack quotes what was written between this booking's request and the dispute.
  await say(client.token, messages.client);
  await say(provider.token, messages.provider);
  const payment = (
    await gqlOk(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } })
  ).confirmCheckout;
  await payWithCard(payment.paymentRef, payment.clientSecret, 'pm_card_visa');
  expect((await act(provider.token, group.id, 'ACCEPT')).actOnBooking.status).toBe('CONFIRMED');
  await act(provider.token, group.id, 'START');
  if (options.repeat) {
    // The same pair books again: the shared thread's booking index key moves to this newer booking.
    const again = (
      await gqlOk(client.token, REQUEST, {
        input: { idempotencyKey: `req-${newId('request')}`, profileId, startsAt: soon(240), durationMinutes: 60 },
      })
    ).requestBooking;
    const quote2 = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
    const payment2 = (
      await gqlOk(client.token, CONFIRM_CHECKOUT, {
        input: { groupId: again.id, quoteToken: quote2.quoteToken, legs },
      })
    ).confirmCheckout;
    await payWithCard(payment2.paymentRef, payment2.clientSecret, 'pm_card_visa');
    expect((await act(provider.token, again.id, 'ACCEPT')).actOnBooking.status).toBe('CONFIRMED');
    await eventually(async () => (await threadIndexKeys(threadId)).includes(`LBG#${again.id}`));
  }
  // The thread is the booking's project thread once messaging consumed booking.confirmed.
  await eventually(
    async () =>
      (await gqlOk(client.token, `query($id: ID!) { thread(threadId: $id) { kind } }`, { id: threadId })).thread
        ?.kind === 'PROJECT',
  );
  const chargeId = (await serverStripe().paymentIntents.retrieve(payment.paymentRef)).latest_charge as string;
  const opened = await fetch(`${stripeUrl()}/dev/charges/${chargeId}/dispute`, { method: 'POST' });
  expect(opened.status).toBe(200);
  const dispute = (await opened.json()) as { id: string; evidence_details: { due_by: number } };
  return { groupId: group.id as string, disputeId: dispute.id, dueBy: dispute.evidence_details.due_by, quote };
}

/** The booking index keys (GSI2) of a thread's items in the messaging table. */
async function threadIndexKeys(threadId: string): Promise<string[]> {
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stackInfo().endpoints.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: physicalTableName('local', messagingTable),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': threadPk(threadId) },
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).map((item) => String(item.GSI2PK ?? ''));
  } finally {
    dynamo.destroy();
  }
}

const packState = async (disputeId: string) =>
  (await sql<{ pack_state: string }>('SELECT pack_state FROM payment_disputes WHERE id = $1', [disputeId]))[0]
    ?.pack_state;

describe('chargeback evidence packs', () => {
  it('assembled from timeline, accepted policy, legs and the redacted thread; finance edits and approves; submitted once under a race', async () => {
    const { groupId, disputeId, quote } = await disputedBooking({
      client: 'Hi! Can you shoot headshots next week? Mail me at jo.client@example.com or call +1 415 555 0134',
      provider: 'Yes, happy to. Studio at 10am, bring two shirts.',
    });
    const financeId = newId('user');
    const finance = await mintAccessToken({ userId: financeId, roles: ['finance'], stepUpAt: true });

    // Assembled after the webhook committed: version 1, a draft, in the finance queue with its deadline.
    await eventually(async () => (await packState(disputeId)) === 'DRAFT');
    const queue = (await gqlOk(finance, QUEUE)).disputeQueue as {
      id: string;
      packState: string;
      evidenceDueBy: string;
    }[];
    const queued = queue.find((row) => row.id === disputeId)!;
    expect(queued).toMatchObject({
      packState: 'DRAFT',
      bookingGroupId: groupId,
      status: 'needs_response',
      packVersion: 1,
    });
    expect(new Date(queued.evidenceDueBy).getTime()).toBeGreaterThan(Date.now());
    const first = (await gqlOk(finance, EVIDENCE, { id: disputeId })).disputeEvidence;
    const evidence = first.pack.evidence;
    expect(first.pack).toMatchObject({ version: 1, author: 'SYSTEM' });
    expect(evidence.productDescription).toContain(groupId);
    expect(evidence.productDescription).toMatch(/\$\d/);
    expect(evidence.serviceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(evidence.cancellationPolicyDisclosure).toContain('accepted');
    expect(evidence.cancellationPolicyDisclosure).toContain(quote.quoteId);
    expect(evidence.accessActivityLog).toMatch(/-> CONFIRMED/);
    expect(evidence.accessActivityLog).toMatch(/-> IN_PROGRESS/);
    expect(evidence.uncategorizedText).toContain('Can you shoot headshots next week?');
    expect(evidence.uncategorizedText).toContain('Provider/host: Yes, happy to.');
    expect(evidence.uncategorizedText).toContain('[contact hidden]');
    expect(JSON.stringify(evidence)).not.toMatch(/example\.com|555 0134|usr_/);

    // Least privilege: only finance. Admin, support, trust and the parties are refused.
    for (const roles of [['admin'], ['support'], ['trust'], ['client']] as const) {
      const token = await mintAccessToken({ userId: newId('user'), roles: [...roles], stepUpAt: true });
      for (const [query, variables] of [
        [QUEUE, {}],
        [EVIDENCE, { id: disputeId }],
        [EDIT, { input: { disputeId, baseVersion: 1, evidence: { cancellationRebuttal: 'x' } } }],
        [APPROVE, { input: { disputeId, version: 1 } }],
      ] as const) {
        const answer = await gqlAs(token, query, variables);
        expect(answer.errors?.[0]?.errorType, `${roles[0]} ${query.slice(0, 40)}`).toBe('FORBIDDEN');
      }
    }
    // Unknown dispute: NOT_FOUND; a bad id or version: a typed validation error.
    expect((await gqlAs(finance, EVIDENCE, { id: 'dp_doesnotexist1' })).errors?.[0]?.errorType).toBe('NOT_FOUND');
    expect((await gqlAs(finance, EVIDENCE, { id: 'nope' })).errors?.[0]?.errorInfo?.code).toBe('REQUEST.INVALID');
    expect((await gqlAs(finance, EVIDENCE, { id: disputeId, version: 0 })).errors?.[0]?.errorInfo?.code).toBe(
      'REQUEST.INVALID',
    );
    expect((await gqlAs(finance, EVIDENCE, { id: disputeId, version: 9 })).errors?.[0]?.errorType).toBe('NOT_FOUND');

    // An edit makes version 2 (Stripe's test evidence text decides the dispute at the stand-in).
    const edited = (
      await gqlOk(finance, EDIT, {
        input: {
          disputeId,
          baseVersion: 1,
          note: 'rebuttal added',
          evidence: {
            cancellationRebuttal: 'The session took place as booked.',
            uncategorizedText: 'winning_evidence',
          },
        },
      })
    ).editDisputeEvidence;
    expect(edited.pack).toMatchObject({ version: 2, author: financeId, note: 'rebuttal added' });
    expect(edited.pack.evidence.productDescription).toBe(evidence.productDescription);
    expect(edited.dispute).toMatchObject({ packState: 'DRAFT', packVersion: 2 });
    // A second edit from the old version, and approving the old version: stale.
    const stale = await gqlAs(finance, EDIT, {
      input: { disputeId, baseVersion: 1, evidence: { cancellationRebuttal: 'other' } },
    });
    expect(stale.errors?.[0]).toMatchObject({ errorType: 'CONFLICT' });
    expect(stale.errors?.[0]?.errorInfo?.code).toBe('PAYMENTS.STALE_EVIDENCE_VERSION');
    expect((await gqlAs(finance, APPROVE, { input: { disputeId, version: 1 } })).errors?.[0]?.errorInfo?.code).toBe(
      'PAYMENTS.STALE_EVIDENCE_VERSION',
    );
    // Approving needs a recent second factor.
    const noStepUp = await mintAccessToken({ userId: financeId, roles: ['finance'] });
    expect((await gqlAs(noStepUp, APPROVE, { input: { disputeId, version: 2 } })).errors?.[0]?.errorType).toBe(
      'STEP_UP_REQUIRED',
    );
    expect(await packState(disputeId)).toBe('DRAFT');

    // The race: 20 concurrent approvals of version 2 and 5 job runs. One submission reaches Stripe.
    const [approvals] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => gqlAs(finance, APPROVE, { input: { disputeId, version: 2 } }))),
      Promise.all(Array.from({ length: 5 }, () => runJob())),
    ]);
    for (const answer of approvals) expect(answer.errors, answer.text).toBeUndefined();
    await eventually(async () => (await packState(disputeId)) === 'SUBMITTED');
    const atStripe = await serverStripe().disputes.retrieve(disputeId);
    expect(atStripe.evidence_details.submission_count).toBe(1);
    expect(atStripe.evidence.cancellation_rebuttal).toBe('The session took place as booked.');
    expect(atStripe.evidence.product_description).toBe(evidence.productDescription);
    expect(atStripe.metadata).toMatchObject({ evidence_version: '2', auto_submitted: 'false' });
    // Stripe's charge.dispute.updated / closed come back through the webhook: won.
    await eventually(async () => {
      const row = (await gqlOk(finance, EVIDENCE, { id: disputeId })).disputeEvidence.dispute;
      return row.status === 'won' && row;
    });
    const done = (await gqlOk(finance, EVIDENCE, { id: disputeId })).disputeEvidence.dispute;
    expect(done).toMatchObject({
      packState: 'SUBMITTED',
      submittedVersion: 2,
      approvedBy: financeId,
      autoSubmitted: false,
    });
    // Settled: no more edits, the queue of open work no longer lists it, jobs submit nothing more.
    expect(
      (await gqlAs(finance, EDIT, { input: { disputeId, baseVersion: 2, evidence: { cancellationRebuttal: 'x' } } }))
        .errors?.[0]?.errorInfo?.code,
    ).toBe('PAYMENTS.DISPUTE_PACK_STATE');
    expect(((await gqlOk(finance, QUEUE)).disputeQueue as { id: string }[]).map((row) => row.id)).not.toContain(
      disputeId,
    );
    expect(
      ((await gqlOk(finance, QUEUE, { all: true })).disputeQueue as { id: string }[]).map((row) => row.id),
    ).toContain(disputeId);
    await runJob();
    expect((await serverStripe().disputes.retrieve(disputeId)).evidence_details.submission_count).toBe(1);
  }, 240_000);

  it('unreviewed: submitted on its own the margin before the deadline; past the deadline Stripe refuses and the queue shows why', async () => {
    const early = await disputedBooking({ client: 'Hello, is Saturday free?', provider: 'Saturday works.' });
    await eventually(async () => (await packState(early.disputeId)) === 'DRAFT');
    const due = early.dueBy * 1000;
    // Before the margin: nothing goes out.
    await runJob(new Date(due - MARGIN_MS - 3_600_000));
    expect(await packState(early.disputeId)).toBe('DRAFT');
    expect((await serverStripe().disputes.retrieve(early.disputeId)).evidence_details.submission_count).toBe(0);
    // Within the margin: the assembled pack (version 1) is submitted, marked as automatic.
    const report = await runJob(new Date(due - MARGIN_MS + 60_000));
    expect(report.submitted).toBeGreaterThanOrEqual(1);
    expect(await packState(early.disputeId)).toBe('SUBMITTED');
    const atStripe = await serverStripe().disputes.retrieve(early.disputeId);
    expect(atStripe.evidence_details.submission_count).toBe(1);
    expect(atStripe.status).toBe('under_review');
    expect(atStripe.metadata).toMatchObject({ evidence_version: '1', auto_submitted: 'true' });
    expect(atStripe.evidence.uncategorized_text).toContain('Saturday works.');

    // Past the deadline (moved at the stand-in): Stripe refuses; recorded, not retried.
    const late = await disputedBooking({ client: 'Hi there', provider: 'Hello' });
    await eventually(async () => (await packState(late.disputeId)) === 'DRAFT');
    const moved = await fetch(
      `${stripeUrl()}/dev/disputes/${late.disputeId}/due_by?at=${Math.floor(Date.now() / 1000) - 60}`,
      {
        method: 'POST',
      },
    );
    expect(moved.status).toBe(200);
    await eventually(async () => {
      const [row] = await sql<{ evidence_due_by: Date }>('SELECT evidence_due_by FROM payment_disputes WHERE id = $1', [
        late.disputeId,
      ]);
      return row && row.evidence_due_by.getTime() < Date.now();
    });
    await runJob();
    const finance = await mintAccessToken({ userId: newId('user'), roles: ['finance'] });
    const refused = (await gqlOk(finance, EVIDENCE, { id: late.disputeId })).disputeEvidence.dispute;
    expect(refused).toMatchObject({ packState: 'REFUSED', autoSubmitted: true });
    expect(refused.submitRefusal).toContain('past its evidence due date');
    expect((await serverStripe().disputes.retrieve(late.disputeId)).evidence_details.submission_count).toBe(0);
  }, 300_000);

  it('a crash between the committed claim and the recorded answer: the job resumes with the same key, one submission', async () => {
    const { disputeId } = await disputedBooking({ client: 'Ping', provider: 'Pong' });
    await eventually(async () => (await packState(disputeId)) === 'DRAFT');
    const [pack] = await sql<{ evidence: Record<string, string> }>(
      'SELECT evidence FROM payment_dispute_evidence WHERE dispute_id = $1 AND version = 1',
      [disputeId],
    );
    // What the service does before the crash: the claim committed, then Stripe called with its key ...
    const key = `rastup:dispute-evidence:${disputeId}:v1`;
    await sql(
      `UPDATE payment_disputes SET pack_state = 'SUBMITTING', submit_version = 1, submit_key = $2, submit_auto = true,
              submit_started_at = now() - interval '5 minutes' WHERE id = $1`,
      [disputeId, key],
    );
    // The same parameters in the same order as the service sends them (Stripe compares them for the key).
    const evidence = Object.fromEntries(
      DISPUTE_EVIDENCE_TEXT_FIELDS.filter((field) => field in pack!.evidence).map((field) => [
        field,
        pack!.evidence[field],
      ]),
    );
    await serverStripe().disputes.update(
      disputeId,
      { evidence, metadata: { evidence_version: '1', auto_submitted: 'true' }, submit: true },
      { idempotencyKey: key },
    );
    // ... and the process died before recording Stripe's answer. Stripe's under_review webhook lands
    // first (the dispute no longer open here); the job still finishes the claim.
    await eventually(
      async () =>
        (await sql<{ status: string }>('SELECT status FROM payment_disputes WHERE id = $1', [disputeId]))[0]?.status ===
        'under_review',
    );
    const report = await runJob();
    expect(report.failed).toBe(0);
    expect(await packState(disputeId)).toBe('SUBMITTED');
    expect((await serverStripe().disputes.retrieve(disputeId)).evidence_details.submission_count).toBe(1);
  }, 240_000);
  it('a repeat pair: the pack of the first booking quotes its own conversation from the pair thread', async () => {
    const { disputeId } = await disputedBooking(
      { client: 'About the first shoot', provider: 'First shoot confirmed' },
      { repeat: true },
    );
    await eventually(async () => (await packState(disputeId)) === 'DRAFT');
    const [pack] = await sql<{ evidence: Record<string, string> }>(
      'SELECT evidence FROM payment_dispute_evidence WHERE dispute_id = $1 AND version = 1',
      [disputeId],
    );
    const text = pack!.evidence.uncategorized_text!;
    expect(text).toContain('About the first shoot');
    expect(text).toContain('First shoot confirmed');
    // Written before this booking was requested: not part of its conversation.
    expect(text).not.toContain('First contact');
  }, 300_000);
});
