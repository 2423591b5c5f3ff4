/**
 * Links cannot carry contact details past Safe-Mode: refused on save with a typed validation error
 * (userinfo, non-https, messaging hosts, emails or phone numbers in the URL), and links stored before
 * the rule are left out of the public page and its JSON-LD sameAs.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { mintAccessToken } from '../support/tokens.ts';

const SAVE = `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { version links { label url } } }`;
const PUBLIC = `query($slug: String!) { publicProfile(slug: $slug) { links { label url } seo { jsonLd } } }`;

describe('profile links and Safe-Mode', () => {
  it('refuses links that carry contact details and accepts ordinary https links', async () => {
    const token = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const { profileId } = await seedPublishedProfile(token);
    let version = (await gqlOk(token, `query($id: ID!) { myProfile(id: $id) { version } }`, { id: profileId }))
      .myProfile.version as number;
    for (const url of [
      'https://pat.private@gmail.com/',
      'https://wa.me/15551234567',
      'https://t.me/patshutter',
      'http://example.com/',
      'mailto:pat@example.com',
      'https://example.com/pat@gmail.com',
      'https://example.com/call/+1-555-123-4567',
    ]) {
      const refused = await gqlAs(token, SAVE, {
        input: { profileId, expectedVersion: version, patch: { links: [{ label: 'Contact', url }] } },
      });
      expect(refused.errors?.[0], url).toMatchObject({ errorType: 'BAD_REQUEST' });
    }
    const saved = await gqlOk(token, SAVE, {
      input: {
        profileId,
        expectedVersion: version,
        patch: {
          links: [
            { label: 'Portfolio', url: 'https://example.com/portfolio' },
            { label: 'Vimeo', url: 'https://vimeo.com/123456789' },
          ],
        },
      },
    });
    version = saved.saveProfileDraft.version;
    expect(saved.saveProfileDraft.links).toHaveLength(2);
  });

  it('leaves stored links with contact details out of the public page and JSON-LD', async () => {
    const token = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const { profileId, slug } = await seedPublishedProfile(token);
    // Stored before the rule existed (written directly, as the old validation would have let through).
    const links = [
      { label: 'Portfolio', url: 'https://example.com/portfolio' },
      { label: 'Mail', url: 'https://pat.private@gmail.com/' },
      { label: 'WhatsApp', url: 'https://wa.me/15551234567' },
    ];
    await sql(`UPDATE service_profiles SET links = $2 WHERE id = $1`, [profileId, JSON.stringify(links)]);
    const page = await gqlAs(null, PUBLIC, { slug });
    expect(page.errors).toBeUndefined();
    expect(page.data.publicProfile.links).toEqual([{ label: 'Portfolio', url: 'https://example.com/portfolio' }]);
    expect(JSON.parse(page.data.publicProfile.seo.jsonLd).sameAs).toEqual(['https://example.com/portfolio']);
    for (const secret of ['pat.private', 'gmail.com', 'wa.me', '15551234567']) expect(page.text).not.toContain(secret);
  });
});
