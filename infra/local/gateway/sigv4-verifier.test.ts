import { describe, expect, it } from 'vitest';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { isSigV4, verifySigV4 } from './sigv4-verifier.ts';

const credentials = { LOCALKEY: 'local-secret' };
const body = JSON.stringify({ query: 'mutation { publishThreadEvent(threadId: "t", messageId: "m") { messageId } }' });

/** Signs as a Lambda does: the AWS SDK's own signer, service appsync. */
async function signed(options: { secret?: string; service?: string; at?: Date; accessKeyId?: string } = {}) {
  const signer = new SignatureV4({
    service: options.service ?? 'appsync',
    region: 'us-east-1',
    credentials: { accessKeyId: options.accessKeyId ?? 'LOCALKEY', secretAccessKey: options.secret ?? 'local-secret' },
    sha256: Sha256,
  });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      port: 4000,
      path: '/graphql',
      headers: { host: 'localhost:4000', 'content-type': 'application/json' },
      body,
    },
    options.at ? { signingDate: options.at } : {},
  );
  return Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

describe('local AWS_IAM (SigV4) verification', () => {
  it('accepts a request signed with issued credentials and names the principal', async () => {
    const headers = await signed();
    expect(isSigV4(headers.authorization)).toBe(true);
    const identity = await verifySigV4({ method: 'POST', path: '/graphql', headers, body }, credentials);
    expect(identity).toMatchObject({ username: 'LOCALKEY', userArn: 'arn:aws:iam::000000000000:user/LOCALKEY' });
  });

  it('refuses a wrong secret, an unknown key, another service, a changed body or header, and a stale date', async () => {
    const verify = (headers: Record<string, string>, text = body) =>
      verifySigV4({ method: 'POST', path: '/graphql', headers, body: text }, credentials);
    expect(await verify(await signed({ secret: 'guessed' }))).toBeUndefined();
    expect(await verify(await signed({ accessKeyId: 'OTHER' }))).toBeUndefined();
    expect(await verify(await signed({ service: 'execute-api' }))).toBeUndefined();
    expect(await verify(await signed(), body.replace('threadId', 'threadid'))).toBeUndefined();
    expect(await verify({ ...(await signed()), host: 'evil.example:4000' })).toBeUndefined();
    expect(await verify(await signed({ at: new Date(Date.now() - 10 * 60_000) }))).toBeUndefined();
    expect(await verify({ authorization: 'AWS4-HMAC-SHA256 garbage' })).toBeUndefined();
    expect(isSigV4('eyJhbGciOiJSUzI1NiJ9.x.y')).toBe(false);
  });
});
