/**
 * Google / Apple sign-in through the fake providers' real JWKS (NTB-AUTH-003), SMS through the
 * Twilio adapter, roles, consent records, data export and account deletion (NTB-AUTH-009).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, sql } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { verifyAuditChain } from '../../lambdas/core/db/audit-log.ts';
import { newId } from '../../lambdas/core/ids.ts';
import {
  AuthClient,
  CONSENTS,
  gql,
  latestCode,
  latestMessage,
  registeredUser,
  stepUpByEmail,
  uniqueEmail,
} from '../support/auth-client.ts';

const GOOGLE_CLIENT_ID = 'rastup-local.apps.googleusercontent.com';
const APPLE_CLIENT_ID = 'com.rastup.local.web';

async function mint(provider: 'google' | 'apple', claims: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${stackInfo().endpoints.fakesUrl}/${provider}/dev/mint`, {
    method: 'POST',
    body: JSON.stringify(claims),
  });
  return ((await response.json()) as { idToken: string }).idToken;
}

async function nonce(client: AuthClient): Promise<string> {
  return (await client.post('/auth/oauth/nonce')).body.nonce;
}

describe('Sign in with Google and Apple', () => {
  it('creates an account from a verified Google identity and signs in again with it', async () => {
    const client = new AuthClient();
    const email = uniqueEmail('google');
    const sub = randomUUID();
    const n0 = await nonce(client);
    const first = await client.post('/auth/oauth/google', {
      idToken: await mint('google', { aud: GOOGLE_CLIENT_ID, sub, email, email_verified: true, nonce: n0 }),
      nonce: n0,
      consents: CONSENTS,
    });
    expect(first.status).toBe(200);
    expect(first.body.amr).toEqual(['fed']);
    const me = await gql(first.body.accessToken, '{ me { email emailVerified linkedProviders } }');
    expect(me.body.data.me).toEqual({ email, emailVerified: true, linkedProviders: ['google'] });
    const n = await nonce(client);
    const again = await client.post('/auth/oauth/google', {
      idToken: await mint('google', { aud: GOOGLE_CLIENT_ID, sub, email, email_verified: true, nonce: n }),
      nonce: n,
    });
    expect(again.body.userId).toBe(first.body.userId);
  });

  it('refuses an ID token with a wrong audience, a wrong nonce, an expired one, or a replayed nonce', async () => {
    const client = new AuthClient();
    const claims = { sub: randomUUID(), email: uniqueEmail('google'), email_verified: true };
    let n = await nonce(client);
    expect(
      (
        await client.post('/auth/oauth/google', {
          idToken: await mint('google', { ...claims, aud: 'someone-else', nonce: n }),
          nonce: n,
        })
      ).status,
    ).toBe(401);
    n = await nonce(client);
    const otherNonce = await nonce(client);
    expect(
      (
        await client.post('/auth/oauth/google', {
          idToken: await mint('google', { ...claims, aud: GOOGLE_CLIENT_ID, nonce: otherNonce }),
          nonce: n,
        })
      ).status,
    ).toBe(401);
    n = await nonce(client);
    expect(
      (
        await client.post('/auth/oauth/google', {
          idToken: await mint('google', { ...claims, aud: GOOGLE_CLIENT_ID, nonce: n, expiresIn: -120 }),
          nonce: n,
        })
      ).status,
    ).toBe(401);
    n = await nonce(client);
    expect(
      (
        await client.post('/auth/oauth/google', {
          idToken: await mint('google', { ...claims, aud: GOOGLE_CLIENT_ID, nonce: n, issuer: 'https://evil.example' }),
          nonce: n,
        })
      ).status,
    ).toBe(401);
    // A valid token works once; its nonce cannot be replayed.
    n = await nonce(client);
    const token = await mint('google', { ...claims, aud: GOOGLE_CLIENT_ID, nonce: n });
    expect((await client.post('/auth/oauth/google', { idToken: token, nonce: n })).status).toBe(200);
    expect((await client.post('/auth/oauth/google', { idToken: token, nonce: n })).status).toBe(401);
    // A Google token presented as Apple's is refused (other keys, issuer and audience).
    n = await nonce(client);
    expect(
      (
        await client.post('/auth/oauth/apple', {
          idToken: await mint('google', { ...claims, aud: APPLE_CLIENT_ID, nonce: n }),
          nonce: n,
        })
      ).status,
    ).toBe(401);
  });

  it('links to an existing account only through a verified email', async () => {
    const { email, userId } = await registeredUser();
    const client = new AuthClient();
    let n = await nonce(client);
    const unverified = await client.post('/auth/oauth/google', {
      idToken: await mint('google', {
        aud: GOOGLE_CLIENT_ID,
        sub: randomUUID(),
        email,
        email_verified: false,
        nonce: n,
      }),
      nonce: n,
    });
    expect(unverified.status).toBe(409);
    expect(unverified.body.error.code).toBe('AUTH.LINK_REQUIRES_VERIFIED_EMAIL');
    n = await nonce(client);
    const verified = await client.post('/auth/oauth/google', {
      idToken: await mint('google', {
        aud: GOOGLE_CLIENT_ID,
        sub: randomUUID(),
        email,
        email_verified: true,
        nonce: n,
      }),
      nonce: n,
    });
    expect(verified.status).toBe(200);
    expect(verified.body.userId).toBe(userId);
  });

  it("works with Apple's private relay email and Apple's string booleans and hashed nonce", async () => {
    const client = new AuthClient();
    const relay = `${randomUUID().slice(0, 10)}@privaterelay.appleid.com`;
    const n = await nonce(client);
    const { createHash } = await import('node:crypto');
    const idToken = await mint('apple', {
      aud: APPLE_CLIENT_ID,
      sub: `001234.${randomUUID()}`,
      email: relay,
      email_verified: 'true',
      is_private_email: 'true',
      nonce: createHash('sha256').update(n).digest('hex'),
    });
    const answer = await client.post('/auth/oauth/apple', { idToken, nonce: n, consents: CONSENTS });
    expect(answer.status).toBe(200);
    const me = await gql(answer.body.accessToken, '{ me { email emailVerified linkedProviders } }');
    expect(me.body.data.me).toEqual({ email: relay, emailVerified: true, linkedProviders: ['apple'] });
  });
});

describe('SMS through the Twilio adapter', () => {
  it('verifies a phone number by texted code (after a step-up) and uses SMS for step-up once the phone is a day old', async () => {
    const { accessToken, email, userId } = await registeredUser();
    await stepUpByEmail(accessToken, email);
    const phone = `+1555${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;
    expect(
      (await gql(accessToken, 'mutation($p: String!) { startPhoneVerification(phone: $p) }', { p: phone })).body.data
        .startPhoneVerification,
    ).toBe(true);
    const sms = await latestMessage(phone, 'twilio');
    expect(sms.channel).toBe('sms');
    const code = /\b(\d{6})\b/.exec(sms.text)![1]!;
    const confirmed = await gql(
      accessToken,
      'mutation($c: String!) { confirmPhone(code: $c) { phoneVerified phone } }',
      { c: code },
    );
    expect(confirmed.body.data.confirmPhone.phoneVerified).toBe(true);
    expect(confirmed.body.data.confirmPhone.phone).toMatch(/^•+\d{4}$/);

    // A phone verified a day ago (moved back in the database) serves for SMS step-up.
    const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
    try {
      await db.query(`UPDATE users SET phone_verified_at = phone_verified_at - interval '25 hours' WHERE id = $1`, [
        userId,
      ]);
    } finally {
      await db.close();
    }
    expect((await gql(accessToken, 'mutation { sendStepUpCode(channel: SMS) }')).body.errors).toBeUndefined();
    const stepUpSms = await latestMessage(phone, 'twilio');
    const stepUpCode = /\b(\d{6})\b/.exec(stepUpSms.text)![1]!;
    const stepped = await gql(
      accessToken,
      'mutation($c: String!) { stepUp(input: { method: SMS_CODE, code: $c }) { amr } }',
      { c: stepUpCode },
    );
    expect(stepped.body.data.stepUp.amr).toContain('sms');
  });
});

describe('roles, consents, export and deletion', () => {
  it('records consents with versions and keeps the history', async () => {
    const { accessToken } = await registeredUser();
    const recorded = await gql(
      accessToken,
      'mutation { recordConsent(input: { kind: MARKETING, version: "2026-01-01", granted: true }) { kind granted version } }',
    );
    expect(recorded.body.data.recordConsent).toEqual({ kind: 'marketing', granted: true, version: '2026-01-01' });
    const consents = (
      await gql(accessToken, '{ myConsents { current { kind version granted } history { kind granted } } }')
    ).body.data.myConsents;
    expect(consents.current).toEqual(
      expect.arrayContaining([
        { kind: 'terms', version: '2026-01-01', granted: true },
        { kind: 'privacy', version: '2026-01-01', granted: true },
        { kind: 'marketing', version: '2026-01-01', granted: true },
      ]),
    );
    expect(consents.history.filter((row: any) => row.kind === 'marketing')).toHaveLength(2);
  });

  it('lets only an admin (with step-up) change roles', async () => {
    const target = await registeredUser();
    const self = await gql(target.accessToken, 'mutation($id: ID!) { setUserRoles(userId: $id, roles: ["admin"]) }', {
      id: target.userId,
    });
    expect(self.body.errors[0].errorType).toBe('FORBIDDEN');
    // An admin session (minted for the test) without a live session row is refused.
    const adminToken = await mintAccessToken({ userId: target.userId, roles: ['admin'] });
    const noSession = await gql(adminToken, 'mutation($id: ID!) { setUserRoles(userId: $id, roles: ["provider"]) }', {
      id: target.userId,
    });
    expect(noSession.body.errors[0].errorType).toBe('UNAUTHENTICATED');

    // Bootstrap an admin the way operators do (SQL), then the admin changes roles with step-up.
    const admin = await registeredUser();
    const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
    try {
      await db.query(`UPDATE users SET roles = ARRAY['client','admin'] WHERE id = $1`, [admin.userId]);
    } finally {
      await db.close();
    }
    const login = await admin.client.post('/auth/login', { email: admin.email, password: admin.password });
    const token = login.body.accessToken as string;
    expect(login.body.roles).toContain('admin');
    const mutation = 'mutation($id: ID!, $roles: [String!]!) { setUserRoles(userId: $id, roles: $roles) }';
    expect((await gql(token, mutation, { id: target.userId, roles: ['provider'] })).body.errors[0].errorType).toBe(
      'STEP_UP_REQUIRED',
    );
    await gql(token, 'mutation { sendStepUpCode(channel: EMAIL) }');
    await gql(token, 'mutation($c: String!) { stepUp(input: { method: EMAIL_CODE, code: $c }) { validUntil } }', {
      c: await latestCode(admin.email, 'auth.step_up'),
    });
    const changed = await gql(token, mutation, { id: target.userId, roles: ['provider', 'host'] });
    expect(changed.body.data.setUserRoles).toEqual(['provider', 'host']);
    // Privileges shrank (client removed): the target's sessions were revoked; a new login carries the new roles.
    expect((await target.client.post('/auth/token/refresh')).status).toBe(401);
    expect(
      (await target.client.post('/auth/login', { email: target.email, password: target.password })).body.roles,
    ).toEqual(['provider', 'host']);
  });

  it('refuses standing role changes by an admin elevation, and self-changes of staff roles', async () => {
    // A member (real session, stepped up) gets a 30-minute admin elevation the staff domain's way:
    // one admin proposes, another approves.
    const member = await registeredUser();
    const memberToken = await stepUpByEmail(member.accessToken, member.email);
    const proposer = await mintAccessToken({ userId: newId('user'), roles: ['admin'], stepUpAt: true });
    const approver = await mintAccessToken({ userId: newId('user'), roles: ['admin'], stepUpAt: true });
    const proposed = await gqlAs(
      proposer,
      'mutation($input: ProposeRoleGrantInput!) { proposeRoleGrant(input: $input) { id } }',
      { input: { userId: member.userId, role: 'ADMIN', durationMinutes: 30, reason: 'Cover the admin queue' } },
    );
    expect(proposed.errors).toBeUndefined();
    const approved = await gqlAs(
      approver,
      'mutation($input: DecideStaffProposalInput!) { decideStaffProposal(input: $input) { status } }',
      { input: { proposalId: proposed.data!.proposeRoleGrant.id, approve: true } },
    );
    expect(approved.data?.decideStaffProposal.status).toBe('APPROVED');

    const mutation = 'mutation($id: ID!, $roles: [String!]!) { setUserRoles(userId: $id, roles: $roles) }';
    const selfAdmin = await gql(memberToken, mutation, { id: member.userId, roles: ['client', 'admin'] });
    expect(selfAdmin.body.errors[0].errorType).toBe('FORBIDDEN');
    const target = await registeredUser();
    const other = await gql(memberToken, mutation, { id: target.userId, roles: ['client', 'provider'] });
    expect(other.body.errors[0].errorType).toBe('FORBIDDEN');
    const roles = await sql<{ id: string; roles: string[] }>('SELECT id, roles FROM users WHERE id = ANY($1)', [
      [member.userId, target.userId],
    ]);
    expect(roles.map((row) => row.roles)).toEqual([['client'], ['client']]);

    // A standing admin may not change their own staff roles either (another admin does that).
    const admin = await registeredUser();
    await sql(`UPDATE users SET roles = ARRAY['client','admin'] WHERE id = $1`, [admin.userId]);
    const login = await admin.client.post('/auth/login', { email: admin.email, password: admin.password });
    const adminToken = await stepUpByEmail(login.body.accessToken as string, admin.email);
    const selfFinance = await gql(adminToken, mutation, { id: admin.userId, roles: ['client', 'admin', 'finance'] });
    expect(selfFinance.body.errors[0].errorType).toBe('FORBIDDEN');
    const granted = await gql(adminToken, mutation, { id: target.userId, roles: ['client', 'provider'] });
    expect(granted.body.data.setUserRoles).toEqual(['client', 'provider']);
  });

  it('writes security events to the hash-chained audit log', async () => {
    const { userId, email } = await registeredUser();
    await new AuthClient().post('/auth/login', { email, password: 'Wrong-password-xyz-123!' });
    const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
    try {
      const actions = (
        await db.query<{ action: string }>('SELECT action FROM audit_log WHERE subject = $1 ORDER BY seq', [userId])
      ).rows.map((row) => row.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'auth.signup',
          'auth.email.verified',
          'auth.device.new',
          'auth.login.succeeded',
          'auth.login.failed',
        ]),
      );
      const details = JSON.stringify(
        (await db.query('SELECT details FROM audit_log WHERE subject = $1', [userId])).rows,
      );
      expect(details).not.toContain(email);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('offers the export before deletion, then erases the account', async () => {
    const { accessToken, email, password } = await registeredUser();
    // The step-up marks the session (deletion's check) and its fresh token (the export's check).
    const stepped = await stepUpByEmail(accessToken, email);

    const early = await gql(accessToken, 'mutation { deleteAccount(input: { confirm: "DELETE" }) }');
    expect(early.body.errors[0]).toMatchObject({
      errorType: 'CONFLICT',
      errorInfo: { code: 'PRIVACY.EXPORT_NOT_OFFERED', exportMutation: 'requestDataExport' },
    });

    // The export (asynchronous: request, then read its status until READY) satisfies the gate.
    const requested = await gql(stepped, 'mutation { requestDataExport { id status } }');
    expect(requested.body.data.requestDataExport.status).toBe('BUILDING');
    const ready = await eventually(async () => {
      const status = await gql(stepped, 'query($id: ID!) { dataExport(id: $id) { status downloadUrl } }', {
        id: requested.body.data.requestDataExport.id,
      });
      return status.body.data?.dataExport?.status === 'READY' ? status.body.data.dataExport : undefined;
    }, 60_000);
    const exported = (await (await fetch(ready.downloadUrl)).json()) as { sections: { auth: { account: unknown[] } } };
    expect(exported.sections.auth.account).toMatchObject([{ email }]);
    // The auth section: no hashes or secrets (the manifest names excluded secrets by design, so not the whole bundle).
    expect(JSON.stringify(exported.sections.auth)).not.toMatch(/argon2|password_hash|code_hash|token_hash|secret/i);

    const deleted = await gql(accessToken, 'mutation { deleteAccount(input: { confirm: "DELETE" }) }');
    expect(deleted.body.data.deleteAccount).toBe(true);
    await latestMessage(email, 'auth.account_deleted');
    const client = new AuthClient();
    expect((await client.post('/auth/login', { email, password })).status).toBe(401);
    expect((await gql(accessToken, '{ me { id } }')).body.errors[0].errorType).toBe('UNAUTHENTICATED');
    // The email is free again.
    expect((await client.post('/auth/signup', { email, password: `${password}-new`, consents: CONSENTS })).status).toBe(
      202,
    );
  });
});
