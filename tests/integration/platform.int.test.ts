/** Feature-flag administration: admin only, audited, announced through the outbox. */
import { gql } from 'graphql-request';
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { postGraphql, publicClient, stackInfo, userClient } from '../support/clients.ts';
import { eventually, sql as query } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

const SET_FLAG = gql`
  mutation Set($input: SetFeatureFlagInput!) {
    setFeatureFlag(input: $input) {
      key
      enabled
      description
      updatedAt
    }
  }
`;

describe('setFeatureFlag', () => {
  it('lets an admin flip a flag; the change is audited and its event relayed', async () => {
    const adminId = newId('user');
    const token = await mintAccessToken({ userId: adminId, roles: ['admin'], stepUpAt: Math.floor(Date.now() / 1000) });
    const key = `test.flag_${Date.now()}`;
    const result = await userClient(token).request<{ setFeatureFlag: { key: string; enabled: boolean } }>(SET_FLAG, {
      input: { city: 'us-chi', key, enabled: true, description: 'integration test' },
    });
    expect(result.setFeatureFlag).toMatchObject({ key, enabled: true });

    const flags = await publicClient().request<{ featureFlags: { key: string; enabled: boolean }[] }>(gql`
      {
        featureFlags(city: "us-chi") {
          key
          enabled
        }
      }
    `);
    expect(flags.featureFlags).toContainEqual({ key, enabled: true });

    const audit = await query<{ actor: string; details: { key: string } }>(
      "SELECT actor, details FROM audit_log WHERE action = 'platform.feature_flag.changed' AND details->>'key' = $1",
      [key],
    );
    expect(audit).toEqual([expect.objectContaining({ actor: adminId })]);

    const published = await eventually(async () => {
      const rows = await query<{ published_at: Date | null }>(
        "SELECT published_at FROM outbox_events WHERE type = 'feature_flag.changed' AND payload->>'key' = $1",
        [key],
      );
      return rows[0]?.published_at ? rows[0] : undefined;
    });
    expect(published.published_at).toBeInstanceOf(Date);
  });

  it('refuses a non-admin with FORBIDDEN and changes nothing', async () => {
    const token = await mintAccessToken({ userId: newId('user'), roles: ['client', 'provider'] });
    const key = `test.denied_${Date.now()}`;
    const answer = await postGraphql(
      JSON.stringify({ query: SET_FLAG, variables: { input: { city: 'us-nyc', key, enabled: true } } }),
      { authorization: `Bearer ${token}` },
    );
    expect(answer.body.errors[0]).toMatchObject({ errorType: 'FORBIDDEN', path: ['setFeatureFlag'] });
    expect(await query('SELECT 1 FROM feature_flags WHERE flag_key = $1', [key])).toHaveLength(0);
    expect(await query("SELECT 1 FROM outbox_events WHERE payload->>'key' = $1", [key])).toHaveLength(0);
  });

  it('refuses the API key (mutation is OIDC only)', async () => {
    const answer = await postGraphql(
      JSON.stringify({ query: SET_FLAG, variables: { input: { city: 'us-nyc', key: 'x.y', enabled: true } } }),
      { 'x-api-key': stackInfo().endpoints.apiKey },
    );
    expect(answer.body.errors[0]).toMatchObject({ errorType: 'Unauthorized' });
  });

  it('refuses an admin without a recent second factor with STEP_UP_REQUIRED', async () => {
    const key = `test.nostepup_${Date.now()}`;
    const stale = Math.floor(Date.now() / 1000) - 11 * 60;
    for (const token of [
      await mintAccessToken({ userId: newId('user'), roles: ['admin'] }),
      await mintAccessToken({ userId: newId('user'), roles: ['admin'], stepUpAt: stale }),
    ]) {
      const answer = await postGraphql(
        JSON.stringify({ query: SET_FLAG, variables: { input: { city: 'us-nyc', key, enabled: true } } }),
        { authorization: `Bearer ${token}` },
      );
      expect(answer.body.errors[0]).toMatchObject({ errorType: 'STEP_UP_REQUIRED', path: ['setFeatureFlag'] });
    }
    expect(await query('SELECT 1 FROM feature_flags WHERE flag_key = $1', [key])).toHaveLength(0);
  });

  it('answers NOT_FOUND for an unknown city and writes nothing', async () => {
    const token = await mintAccessToken({
      userId: newId('user'),
      roles: ['admin'],
      stepUpAt: Math.floor(Date.now() / 1000),
    });
    const key = `test.nocity_${Date.now()}`;
    const answer = await postGraphql(
      JSON.stringify({ query: SET_FLAG, variables: { input: { city: 'us-zzz', key, enabled: true } } }),
      { authorization: `Bearer ${token}` },
    );
    expect(answer.body.errors[0]).toMatchObject({ errorType: 'NOT_FOUND' });
    expect(await query("SELECT 1 FROM audit_log WHERE details->>'key' = $1", [key])).toHaveLength(0);
  });
});
