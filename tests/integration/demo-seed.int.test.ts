/**
 * The `npm start` demo seed on its own stack (the shared test stack never seeds it): the demo
 * provider signs in through POST /auth/login, the public page shows the portfolio that went
 * through the real upload → moderation → publication pipeline, endpoints.json lists the logins,
 * and a second run duplicates nothing and leaves a developer's edit alone.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { verifyAuditChain } from '../../lambdas/core/db/audit-log.ts';
import { DEMO_ACCOUNTS, DEMO_STUDIO_SLUG, type DemoAccount } from '../../db/seeds/demo-seed.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-demo-'));
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    rootDir,
    stateDir,
    port: 0,
    ephemeral: true,
    demoSeed: true,
    logFile: join(stateDir, 'log'),
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function graphql(query: string, variables: Record<string, unknown>, auth: Record<string, string>) {
  const response = await fetch(stack.endpoints.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: any; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

const counts = async () => {
  const result = await stack.db.query<Record<string, number>>(`SELECT
    (SELECT count(*)::int FROM users WHERE email::text LIKE '%@rastup.test') AS users,
    (SELECT count(*)::int FROM service_profiles) AS profiles,
    (SELECT count(*)::int FROM studios) AS studios,
    (SELECT count(*)::int FROM media) AS media,
    (SELECT count(*)::int FROM consent_records) AS consents,
    (SELECT count(*)::int FROM audit_log) AS audit`);
  return result.rows[0]!;
};

describe('demo seed (npm start)', () => {
  it(
    'seeds signed-in-able accounts and published listings with their portfolio, idempotently',
    { timeout: 60_000 },
    async () => {
      const written = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as {
        demoAccounts: DemoAccount[];
        apiKey: string;
      };
      expect(written.demoAccounts.map((account) => account.key)).toEqual(['admin', 'provider', 'host', 'client']);
      expect(written.demoAccounts.every((account) => account.email.endsWith('@rastup.test'))).toBe(true);
      const provider = written.demoAccounts.find((account) => account.key === 'provider')!;
      expect(provider.password).toBe(DEMO_ACCOUNTS.find((spec) => spec.key === 'provider')!.password);

      // The demo provider signs in like anyone else: verified email, known local password.
      const login = await fetch(`${stack.endpoints.restUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: provider.email, password: provider.password }),
      });
      const session = (await login.json()) as { accessToken: string; roles: string[]; userId: string };
      expect(login.status).toBe(200);
      expect(session.roles).toEqual(['provider']);
      expect(session.userId).toBe(provider.userId);

      // Two published roles; the photographer's public page carries the moderated, published portfolio.
      expect(provider.listings.map((listing) => [listing.role, listing.status]).sort()).toEqual([
        ['MODEL', 'PUBLISHED'],
        ['PHOTOGRAPHER', 'PUBLISHED'],
      ]);
      const photographer = provider.listings.find((listing) => listing.role === 'PHOTOGRAPHER')!;
      const apiKey = { 'x-api-key': written.apiKey };
      const page = (
        await graphql(
          `
            query ($slug: String!) {
              publicProfile(slug: $slug) {
                slug
                roles
                displayName
                packages {
                  name
                  priceCents
                }
                cancellationPolicy
                reschedulePolicy
                avatar {
                  id
                }
                portfolio {
                  id
                  alt
                  variants {
                    name
                    url
                    width
                  }
                }
              }
            }
          `,
          { slug: photographer.slug },
          apiKey,
        )
      ).publicProfile;
      expect(page.roles.sort()).toEqual(['MODEL', 'PHOTOGRAPHER']);
      expect(page.packages).toHaveLength(2);
      expect(page.cancellationPolicy).toMatch(/48 hours/);
      expect(page.portfolio.length).toBeGreaterThanOrEqual(3);
      expect(page.avatar?.id).toBe(page.portfolio[0].id);
      const image = await fetch(
        page.portfolio[0].variants.find((variant: { name: string }) => variant.name === 'small').url,
      );
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toMatch(/image\/webp/);
      await image.arrayBuffer();

      const studio = (
        await graphql(
          `
            query ($slug: String!) {
              publicStudio(slug: $slug) {
                slug
                name
                photos {
                  id
                }
              }
            }
          `,
          { slug: DEMO_STUDIO_SLUG },
          apiKey,
        )
      ).publicStudio;
      expect(studio.photos).toHaveLength(3);

      // Availability for the provider and the studio, and one confirmed provider + studio booking.
      const booked = await stack.db.query<{ status: string; legs: number; settings: number }>(
        `SELECT g.status, (SELECT count(*)::int FROM booking_legs l WHERE l.group_id = g.id) AS legs,
                (SELECT count(*)::int FROM booking_settings) AS settings
           FROM booking_groups g WHERE g.client_user_id = $1`,
        [written.demoAccounts.find((account) => account.key === 'client')!.userId],
      );
      expect(booked.rows).toEqual([{ status: 'CONFIRMED', legs: 2, settings: 2 }]);

      // A developer edits the demo profile; the next start's seed must neither duplicate nor undo it.
      const auth = { authorization: `Bearer ${session.accessToken}` };
      const mine = (
        await graphql(
          `
            query ($id: ID!) {
              myProfile(id: $id) {
                id
                version
              }
            }
          `,
          { id: photographer.id },
          auth,
        )
      ).myProfile;
      await graphql(
        `
          mutation ($input: SaveProfileDraftInput!) {
            saveProfileDraft(input: $input) {
              version
            }
          }
        `,
        { input: { profileId: mine.id, expectedVersion: mine.version, patch: { headline: 'Edited by a developer' } } },
        auth,
      );
      await stack.drainOutbox();

      const before = await counts();
      const again = await stack.seedDemo();
      expect(again.created).toEqual([]);
      expect(await counts()).toEqual(before);
      expect(again.accounts.map((account) => account.userId)).toEqual(
        written.demoAccounts.map((account) => account.userId),
      );
      const headline = await stack.db.query<{ headline: string }>(
        'SELECT headline FROM service_profiles WHERE id = $1',
        [photographer.id],
      );
      expect(headline.rows[0]!.headline).toBe('Edited by a developer');
      expect((await verifyAuditChain(stack.db)).ok).toBe(true);
    },
  );
});
