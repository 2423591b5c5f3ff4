/**
 * Public pages in one round trip (issue 17, "uncached public reads"): `findPublicPage` reads a
 * profile's or studio's page in one SQL statement (json_agg of media, city and verification as
 * columns). This file proves the answer is byte-identical to the one the former several-statement
 * read gave — the published row, then roles, city, latest verification and public media, each with
 * the repositories' own statements — on seeded data: the demo seed (real moderated images, covers,
 * a two-role provider, a studio with photos) and a batch of synthetic listings (covers, every fifth
 * owner verified). Both go through the same renderer the services use, so what is compared is the
 * JSON the API returns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedListingsBatch } from '../../db/seeds/synthetic-listings.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { databaseFromEnv } from '../../lambdas/adapters/database.ts';
import type { PublicProfilePage } from '../../lambdas/profiles/profile.repository.ts';
import { profilesRepositories, type ProfilesRepositories } from '../../lambdas/profiles/profiles.repositories.ts';
import { renderPublicProfile, renderPublicStudio } from '../../lambdas/profiles/public-page.render.ts';
import type { PublicStudioPage } from '../../lambdas/profiles/studio.repository.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-one-query-'));
let stack: LocalStack;
let repos: ProfilesRepositories;

beforeAll(async () => {
  stack = await startLocalStack({
    rootDir,
    stateDir,
    port: 0,
    ephemeral: true,
    demoSeed: true,
    logFile: join(stateDir, 'log'),
  });
  await seedListingsBatch(stack.db, 0, 300);
  // As the profiles Lambda reads: its own role, its own pool.
  repos = profilesRepositories(await databaseFromEnv('profiles'));
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** The former read of a profile page: the row, then four statements in parallel. */
async function profilePageInSeveralStatements(slug: string): Promise<PublicProfilePage | null> {
  const row = await repos.profiles.findPublishedBySlug(slug);
  if (!row) return null;
  const [roles, city, verification, media] = await Promise.all([
    repos.profiles.publishedRolesOf(row.owner_user_id),
    repos.cities.cityInfo(row.city_code),
    repos.verifications.latest('IDENTITY', row.owner_user_id),
    repos.media.listPublic('PROFILE', [row.id]),
  ]);
  return { row, roles, city, verified: verification?.status === 'VERIFIED', media };
}

/** The former read of a studio page. */
async function studioPageInSeveralStatements(slug: string): Promise<PublicStudioPage | null> {
  const row = await repos.studios.findPublishedBySlug(slug);
  if (!row) return null;
  const [city, verification, media] = await Promise.all([
    repos.cities.cityInfo(row.city_code),
    repos.verifications.latest('STUDIO', row.id),
    repos.media.listPublic('STUDIO', [row.id]),
  ]);
  return { row, city, verified: verification?.status === 'VERIFIED', media };
}

const options = (slug: string) => ({
  mediaPublicBaseUrl: process.env.MEDIA_PUBLIC_BASE_URL!,
  canonicalUrl: `http://localhost:3000/p/${slug}`,
});

describe('public pages read in one statement', () => {
  it('every published profile renders byte-identical to the several-statement read', { timeout: 120_000 }, async () => {
    const { rows } = await stack.db.query<{ slug: string }>(
      `SELECT slug FROM service_profiles WHERE status = 'PUBLISHED' ORDER BY slug`,
    );
    expect(rows.length).toBeGreaterThan(300);
    let withImages = 0;
    let verified = 0;
    let multiRole = 0;
    for (const { slug } of rows) {
      const single = await repos.profiles.findPublicPage(slug);
      const several = await profilePageInSeveralStatements(slug);
      expect(single, slug).not.toBeNull();
      const oneQuery = JSON.stringify(renderPublicProfile(single!, options(slug)));
      expect(oneQuery, slug).toBe(JSON.stringify(renderPublicProfile(several!, options(slug))));
      if (single!.media.length > 0) withImages += 1;
      if (single!.verified) verified += 1;
      if (single!.roles.length > 1) multiRole += 1;
    }
    // The seeded data exercised what the statement aggregates, not only empty pages.
    expect(withImages).toBeGreaterThan(100);
    expect(verified).toBeGreaterThan(10);
    expect(multiRole).toBeGreaterThanOrEqual(2);
  });

  it('every published studio renders byte-identical to the several-statement read', async () => {
    const { rows } = await stack.db.query<{ slug: string }>(
      `SELECT slug FROM studios WHERE status = 'PUBLISHED' ORDER BY slug`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const { slug } of rows) {
      const single = await repos.studios.findPublicPage(slug);
      const several = await studioPageInSeveralStatements(slug);
      expect(single!.media.length, slug).toBeGreaterThan(0);
      expect(JSON.stringify(renderPublicStudio(single!, options(slug))), slug).toBe(
        JSON.stringify(renderPublicStudio(several!, options(slug))),
      );
    }
  });

  it('an unknown slug is absent both ways', async () => {
    for (const slug of ['no-such-listing', 'rastup-unknown-0000']) {
      expect(await repos.profiles.findPublicPage(slug)).toBeNull();
      expect(await profilePageInSeveralStatements(slug)).toBeNull();
      expect(await repos.studios.findPublicPage(slug)).toBeNull();
      expect(await studioPageInSeveralStatements(slug)).toBeNull();
    }
  });

  // Last in this file: it takes a seeded profile and the seeded studio off the public pages.
  it('a profile and a studio unpublished by their owners are absent both ways', async () => {
    const { accounts } = await stack.seedDemo(); // idempotent: the accounts and listings seeded above
    const listing = (key: 'provider' | 'host', kind: 'profile' | 'studio') => {
      const account = accounts.find((a) => a.key === key)!;
      const found = account.listings.find((l) => l.kind === kind && l.status === 'PUBLISHED')!;
      return { account, listing: found };
    };
    // The real path: the owner signs in and calls the mutation through the gateway (profiles Lambda,
    // listing workflow, its own role), as the web app does.
    const unpublish = async (
      { account, listing: target }: ReturnType<typeof listing>,
      mutation: 'unpublishProfile' | 'unpublishStudio',
    ) => {
      const login = await fetch(`${stack.endpoints.restUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: account.email, password: account.password }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      const answer = await fetch(stack.endpoints.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: accessToken },
        body: JSON.stringify({
          query: `mutation ($id: ID!) { ${mutation}(id: $id) { id status } }`,
          variables: { id: target.id },
        }),
      });
      const body = (await answer.json()) as { data?: Record<string, { id: string; status: string }>; errors?: unknown };
      expect(body.errors, mutation).toBeUndefined();
      expect(body.data![mutation]).toEqual({ id: target.id, status: 'UNPUBLISHED' });
    };

    const profile = listing('provider', 'profile');
    const studio = listing('host', 'studio');
    // Both were on the public pages, both ways, before.
    expect(await repos.profiles.findPublicPage(profile.listing.slug)).not.toBeNull();
    expect(await profilePageInSeveralStatements(profile.listing.slug)).not.toBeNull();
    expect(await repos.studios.findPublicPage(studio.listing.slug)).not.toBeNull();
    expect(await studioPageInSeveralStatements(studio.listing.slug)).not.toBeNull();

    await unpublish(profile, 'unpublishProfile');
    await unpublish(studio, 'unpublishStudio');

    expect(await repos.profiles.findPublicPage(profile.listing.slug)).toBeNull();
    expect(await profilePageInSeveralStatements(profile.listing.slug)).toBeNull();
    expect(await repos.studios.findPublicPage(studio.listing.slug)).toBeNull();
    expect(await studioPageInSeveralStatements(studio.listing.slug)).toBeNull();
  });
});
