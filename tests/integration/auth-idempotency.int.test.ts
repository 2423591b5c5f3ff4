/**
 * Idempotency-Key on the mail-sending REST routes: the same key and body replay the first answer
 * and send one message; the same key with another body is a CONFLICT; a malformed key is refused.
 */
import { describe, expect, it } from 'vitest';
import { AuthClient, CONSENTS, messagesTo, strongPassword, uniqueEmail } from '../support/auth-client.ts';

describe('Idempotency-Key on mail-sending auth routes', () => {
  it('a retried resend with the same key answers the same and sends one message', async () => {
    const client = new AuthClient();
    const email = uniqueEmail('idem');
    expect((await client.post('/auth/signup', { email, password: strongPassword(), consents: CONSENTS })).status).toBe(
      202,
    );
    const before = (await messagesTo(email, 'auth.verify_email')).length;
    expect(before).toBe(1);

    const key = `resend-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const first = await client.post('/auth/verify-email/resend', { email }, { 'idempotency-key': key });
    const retry = await client.post('/auth/verify-email/resend', { email }, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(retry.status).toBe(first.status);
    expect(retry.body).toEqual(first.body);
    // Give a (wrongly) repeated send the time to land before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await messagesTo(email, 'auth.verify_email')).length).toBe(before + 1);

    // Same key, another body: refused, nothing sent.
    const reused = await client.post(
      '/auth/verify-email/resend',
      { email: uniqueEmail('other') },
      { 'idempotency-key': key },
    );
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ error: { code: 'IDEMPOTENCY.KEY_REUSED' } });

    // A new key is a new request: a second message.
    const fresh = await client.post('/auth/verify-email/resend', { email }, { 'idempotency-key': `${key}-2` });
    expect(fresh.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await messagesTo(email, 'auth.verify_email')).length).toBe(before + 2);
  });

  it('refuses a malformed key with a validation error naming the header', async () => {
    const answer = await new AuthClient().post(
      '/auth/password/reset/request',
      { email: uniqueEmail('idem') },
      { 'idempotency-key': 'short' },
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('Idempotency-Key');
  });
});
