/**
 * AppSync's AWS_IAM auth mode, locally: a request signed with Signature Version 4 (service
 * `appsync`) by credentials the local stack issued. The signature is recomputed with the AWS SDK's
 * own signer (@smithy/signature-v4) over exactly the headers the caller signed, and compared in
 * constant time; the date must be within AppSync's five minutes of skew. Anything else is refused
 * with AppSync's 401 (`UnauthorizedException`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Local credentials: access key id -> secret (the ones the stack hands its Lambdas). */
export type IamCredentials = Readonly<Record<string, string>>;

export interface IamIdentity {
  readonly accountId: string;
  readonly userArn: string;
  readonly username: string;
  readonly sourceIp: readonly string[];
}

const MAX_SKEW_MS = 5 * 60_000;
const LOCAL_ACCOUNT = '000000000000';
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** Whether an Authorization header is a SigV4 signature (rather than an OIDC token). */
export const isSigV4 = (authorization: string | undefined): boolean =>
  authorization?.startsWith('AWS4-HMAC-SHA256 ') ?? false;

function signingDate(amzDate: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

/**
 * The caller's identity (AppSync's IAM identity shape) when the request is signed correctly, or
 * undefined. `path` is the request path the caller signed (`/graphql`).
 */
export async function verifySigV4(
  request: { method: string; path: string; headers: Record<string, string | undefined>; body: string },
  credentials: IamCredentials,
  now: Date = new Date(),
): Promise<IamIdentity | undefined> {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (service !== 'appsync') return undefined;
  const secretAccessKey = Object.hasOwn(credentials, accessKeyId!) ? credentials[accessKeyId!] : undefined;
  if (!secretAccessKey) return undefined;
  const date = signingDate(request.headers['x-amz-date']);
  if (!date || Math.abs(now.getTime() - date.getTime()) > MAX_SKEW_MS) return undefined;
  if (request.headers['x-amz-date']!.slice(0, 8) !== day) return undefined;
  const signed = signedHeaderList!.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return undefined;
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = request.headers[name];
    if (value === undefined) return undefined;
    headers[name] = value;
  }
  // The signer trusts a declared payload hash; the body must be the one that was hashed.
  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(request.body).digest('hex'))
    return undefined;
  const signer = new SignatureV4({
    service: 'appsync',
    region: region!,
    credentials: {
      accessKeyId: accessKeyId!,
      secretAccessKey,
      ...(headers['x-amz-security-token'] ? { sessionToken: headers['x-amz-security-token'] } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
  });
  const [hostname, port] = headers.host!.split(':');
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: hostname!,
      ...(port ? { port: Number(port) } : {}),
      path: request.path,
      headers,
      body: request.body,
    },
    { signingDate: date },
  );
  const recomputed = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization))?.[1];
  if (!recomputed || !timingSafeEqual(Buffer.from(recomputed), Buffer.from(signature!))) return undefined;
  return {
    accountId: LOCAL_ACCOUNT,
    userArn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/${accessKeyId}`,
    username: accessKeyId!,
    sourceIp: request.headers['x-forwarded-for'] ? [request.headers['x-forwarded-for']] : [],
  };
}
