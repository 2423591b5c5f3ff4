/**
 * Verification decisions are admin actions with a trust consequence (the verified badge): they need
 * a second factor within the last 10 minutes, and nobody decides their own request.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { gqlAs, gqlOk, sql, uploadImage, waitForMedia } from '../support/graphql.ts';
import { testPng } from '../support/images.ts';
import { mintAccessToken } from '../support/tokens.ts';

const DECIDE = `mutation($input: DecideVerificationInput!) { decideVerification(input: $input) { status } }`;

async function pendingIdentityRequest(userId: string, roles: ('provider' | 'admin' | 'trust')[] = ['provider']) {
  const token = await mintAccessToken({ userId, roles });
  const document = await uploadImage(token, {
    ownerType: 'VERIFICATION',
    ownerId: userId,
    body: await testPng(),
    contentType: 'image/png',
  });
  await waitForMedia(token, document.id, ['READY']);
  const requested = await gqlOk(
    token,
    `mutation($input: RequestVerificationInput!) { requestVerification(input: $input) { id status } }`,
    { input: { subject: 'IDENTITY', documentMediaId: document.id } },
  );
  const [row] = await sql<{ id: string }>(`SELECT id FROM verifications WHERE subject_id = $1 AND status = 'PENDING'`, [
    userId,
  ]);
  expect(requested.requestVerification.status).toBe('PENDING');
  return row!.id;
}

describe('verification decisions', () => {
  it('need a recent step-up', async () => {
    const verificationId = await pendingIdentityRequest(newId('user'));
    const noStepUp = await mintAccessToken({ userId: newId('user'), roles: ['admin'] });
    expect(
      (await gqlAs(noStepUp, DECIDE, { input: { verificationId, decision: 'VERIFIED' } })).errors?.[0],
    ).toMatchObject({ errorType: 'STEP_UP_REQUIRED', errorInfo: { code: 'AUTH.STEP_UP_REQUIRED' } });
    const stale = await mintAccessToken({
      userId: newId('user'),
      roles: ['trust'],
      stepUpAt: Math.floor(Date.now() / 1000) - 601,
    });
    expect(
      (await gqlAs(stale, DECIDE, { input: { verificationId, decision: 'VERIFIED' } })).errors?.[0]?.errorType,
    ).toBe('STEP_UP_REQUIRED');
    expect((await sql(`SELECT status FROM verifications WHERE id = $1`, [verificationId]))[0]).toEqual({
      status: 'PENDING',
    });
    const fresh = await mintAccessToken({ userId: newId('user'), roles: ['trust'], stepUpAt: true });
    expect(
      (await gqlOk(fresh, DECIDE, { input: { verificationId, decision: 'VERIFIED' } })).decideVerification.status,
    ).toBe('VERIFIED');
  });

  it('refuses an admin deciding their own request', async () => {
    const adminId = newId('user');
    const verificationId = await pendingIdentityRequest(adminId, ['provider', 'admin']);
    const self = await mintAccessToken({ userId: adminId, roles: ['provider', 'admin'], stepUpAt: true });
    expect((await gqlAs(self, DECIDE, { input: { verificationId, decision: 'VERIFIED' } })).errors?.[0]).toMatchObject({
      errorType: 'FORBIDDEN',
    });
    expect((await sql(`SELECT status, decided_by FROM verifications WHERE id = $1`, [verificationId]))[0]).toEqual({
      status: 'PENDING',
      decided_by: null,
    });
    const colleague = await mintAccessToken({ userId: newId('user'), roles: ['admin'], stepUpAt: true });
    expect(
      (await gqlOk(colleague, DECIDE, { input: { verificationId, decision: 'REJECTED', reason: 'blurry' } }))
        .decideVerification.status,
    ).toBe('REJECTED');
  });
});
