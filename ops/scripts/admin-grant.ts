/**
 * `npm run admin:grant -- --email someone@example.com [--reason "CHG-123"]`: grants the admin role
 * to an existing account whose email is verified, with a hash-chained audit entry (actor
 * `system:admin-grant`) in the same transaction. Reads DATABASE_URL, else the local stack's
 * endpoints.json (RASTUP_STATE_DIR or .local/). Runbook: ops/runbooks/admin-grant.md.
 *
 * Exit codes: 0 granted (or already an admin), 2 usage, 3 no such active account,
 * 4 email not verified, 1 anything else (database unreachable, …).
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { authRepositories, grantAdminRole } from '../../lambdas/auth/index.ts';

const EXIT = { ok: 0, failed: 1, usage: 2, unknownAccount: 3, unverified: 4 } as const;

const USAGE = 'usage: npm run admin:grant -- --email <address> [--reason <ticket or note>]';

function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const stateDir =
    process.env.RASTUP_STATE_DIR ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '.local');
  const endpoints = join(stateDir, 'endpoints.json');
  if (existsSync(endpoints))
    return (JSON.parse(readFileSync(endpoints, 'utf8')) as { databaseUrl: string }).databaseUrl;
  throw new Error('Set DATABASE_URL or start the local stack (npm start) first');
}

function operatorName(): string | undefined {
  try {
    return process.env.RASTUP_OPERATOR ?? userInfo().username;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  let values: { email?: string | undefined; reason?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      options: { email: { type: 'string' }, reason: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (!values.email || !/^[^\s@]+@[^\s@]+$/.test(values.email.trim())) {
    console.error(`--email is required and must be an email address\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.reason && values.reason.length > 200) {
    console.error('--reason is limited to 200 characters');
    return EXIT.usage;
  }

  const db = createDatabase({ connectionString: databaseUrl(), max: 1 });
  try {
    const outcome = await grantAdminRole(createUnitOfWork(db, authRepositories), {
      email: values.email,
      reason: values.reason,
      operator: operatorName(),
    });
    switch (outcome.kind) {
      case 'granted':
        console.log(
          `granted admin to ${outcome.userId} (roles ${outcome.before.join(', ') || 'none'} -> ${outcome.after.join(', ')}); audit entry #${outcome.auditSeq}`,
        );
        console.log(
          "The role reaches tokens at the account's next sign-in or refresh (at most 15 minutes). Admin operations also need a step-up.",
        );
        return EXIT.ok;
      case 'already-admin':
        console.log(`${outcome.userId} already has the admin role; nothing changed`);
        return EXIT.ok;
      case 'unverified-email':
        console.error(
          `refused: the account ${outcome.userId} has not verified its email; the owner must verify it (sign-in sends a new code) before it can be made an admin`,
        );
        return EXIT.unverified;
      case 'unknown-account':
        console.error(
          'refused: no active account has that email; the person must sign up (and verify the email) first',
        );
        return EXIT.unknownAccount;
    }
  } finally {
    await db.close();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((error: Error) => {
    console.error(`admin:grant failed: ${error.message}`);
    process.exit(EXIT.failed);
  });
