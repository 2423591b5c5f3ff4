/** Shared by the erasure tests: put a catalog event in the outbox, and delete an account as its owner would. */
import { expect } from 'vitest';
import type { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { gql, latestCode } from './auth-client.ts';
import { sql } from './graphql.ts';

/** Enqueues a built event as a producer's transaction would (the relay delivers it). */
export async function enqueue(event: ReturnType<typeof buildEvent>): Promise<void> {
  await sql(
    `INSERT INTO outbox_events (id, type, version, aggregate_type, aggregate_id, payload) VALUES ($1, $2, $3, $4, $5, $6)`,
    [newId('event'), event.type, event.version, event.aggregateType, event.aggregateId, JSON.stringify(event.payload)],
  );
}

/** Steps up with the emailed code and deletes the account; returns the stepped-up access token. */
export async function deleteAccount(accessToken: string, email: string): Promise<string> {
  await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
  const stepped = await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { accessToken } }', {
    input: { method: 'EMAIL_CODE', code: await latestCode(email, 'auth.step_up') },
  });
  expect(stepped.body.errors).toBeUndefined();
  const token = stepped.body.data.stepUp.accessToken as string;
  const deleted = await gql(token, 'mutation { deleteAccount(input: { confirm: "DELETE", declineExport: true }) }');
  expect(deleted.body.data?.deleteAccount, JSON.stringify(deleted.body)).toBe(true);
  return token;
}
