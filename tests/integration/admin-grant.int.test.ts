/**
 * `npm run admin:grant`: the operators' way to make the first admin. Runs the real script against
 * the shared stack's DATABASE_URL and checks the role, the hash-chained audit entry written in the
 * same transaction, and the refusals (unknown account, unverified email, bad usage) with their exit codes.
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chainHash } from '../../lambdas/core/db/audit-log.ts';
import { AuthClient, CONSENTS, registeredUser, signIn, strongPassword, uniqueEmail } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';
import { sql } from '../support/graphql.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

async function adminGrant(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: stackInfo().endpoints.databaseUrl, RASTUP_OPERATOR: 'it-tests' };
  return run('npx', ['tsx', 'ops/scripts/admin-grant.ts', ...args], { cwd: rootDir, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

const grantRows = (userId: string) =>
  sql<{
    seq: number;
    occurred_at: Date;
    actor: string;
    action: string;
    subject: string;
    details: any;
    prev_hash: string;
    hash: string;
  }>(
    "SELECT seq, occurred_at, actor, action, subject, details, prev_hash, hash FROM audit_log WHERE actor = 'system:admin-grant' AND subject = $1 ORDER BY seq",
    [userId],
  );

describe('npm run admin:grant', () => {
  it(
    'grants admin to a verified account with a chained audit entry; a second run changes nothing',
    { timeout: 60_000 },
    async () => {
      const user = await registeredUser({ role: 'client' });
      const granted = await adminGrant('--email', user.email.toUpperCase(), '--reason', 'CHG-1 first admin');
      expect(granted.code).toBe(0);
      expect(granted.stdout).toMatch(new RegExp(`granted admin to ${user.userId}`));

      const [account] = await sql<{ roles: string[] }>('SELECT roles FROM users WHERE id = $1', [user.userId]);
      expect(account!.roles).toEqual(['client', 'admin']);

      const rows = await grantRows(user.userId);
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(row.action).toBe('auth.roles.changed');
      expect(row.details).toEqual({
        before: ['client'],
        after: ['client', 'admin'],
        via: 'admin-grant',
        reason: 'CHG-1 first admin',
        operator: 'it-tests',
      });
      expect(JSON.stringify(row.details)).not.toContain(user.email);
      // Linked into the chain: its hash covers its content and the previous row's hash.
      const [previous] = await sql<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [
        Number(row.seq) - 1,
      ]);
      expect(row.prev_hash).toBe(previous!.hash);
      expect(
        chainHash(row.prev_hash, {
          seq: Number(row.seq),
          occurredAt: row.occurred_at.toISOString(),
          actor: row.actor,
          action: row.action,
          subject: row.subject,
          details: row.details,
        }),
      ).toBe(row.hash);

      // The next sign-in carries the role.
      const session = await signIn(user.email, user.password);
      const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString('utf8')) as {
        roles: string[];
      };
      expect(claims.roles).toContain('admin');

      const again = await adminGrant('--email', user.email);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/already has the admin role; nothing changed/);
      expect(await grantRows(user.userId)).toHaveLength(1);
    },
  );

  it(
    'refuses an unknown email, an unverified account and bad usage with distinct exit codes',
    { timeout: 60_000 },
    async () => {
      const auditBefore = await sql<{ count: string }>(
        "SELECT count(*) FROM audit_log WHERE actor = 'system:admin-grant'",
      );

      const unverifiedEmail = uniqueEmail('unverified');
      const signUp = await new AuthClient().post('/auth/signup', {
        email: unverifiedEmail,
        password: strongPassword(),
        consents: CONSENTS,
      });
      expect(signUp.status).toBe(202);

      const [unknown, unverified, missing] = await Promise.all([
        adminGrant('--email', uniqueEmail('nobody')),
        adminGrant('--email', unverifiedEmail),
        adminGrant('--reason', 'no email given'),
      ]);
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toMatch(/refused: no active account has that email/);
      expect(unverified.code).toBe(4);
      expect(unverified.stderr).toMatch(/refused: the account usr_\w+ has not verified its email/);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--email is required/);

      const [row] = await sql<{ roles: string[] }>('SELECT roles FROM users WHERE email = $1', [unverifiedEmail]);
      expect(row!.roles).not.toContain('admin');
      const auditAfter = await sql<{ count: string }>(
        "SELECT count(*) FROM audit_log WHERE actor = 'system:admin-grant'",
      );
      // Other tests may grant concurrently, but none of these three runs wrote an entry for its target.
      expect(Number(auditAfter[0]!.count)).toBeGreaterThanOrEqual(Number(auditBefore[0]!.count));
      expect(
        await sql(
          "SELECT 1 FROM audit_log a JOIN users u ON u.id = a.subject WHERE a.actor = 'system:admin-grant' AND u.email = $1",
          [unverifiedEmail],
        ),
      ).toHaveLength(0);
    },
  );
});
