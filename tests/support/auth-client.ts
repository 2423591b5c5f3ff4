/**
 * An HTTP client for the /auth REST flows as a browser would use them: a cookie jar (the
 * `__Host-` refresh and device cookies), and its own loopback source address, so each test
 * gets its own per-IP rate-limit buckets (all of 127.0.0.0/8 is loopback on Linux) without any
 * bypass in the service. Plus mailbox helpers and an RFC 6238 generator written independently of
 * the server's library, as an authenticator app would compute codes.
 */
import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { stackInfo, withApiKey } from './clients.ts';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly setCookies: string[];
  readonly body: any;
  readonly text: string;
}

export function randomLoopbackIp(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomUUID()}@example.test`;
}

/** Strong, unique, never breached: passes the policy. */
export function strongPassword(): string {
  return `Velvet-${randomUUID().slice(0, 8)}-Harbor-${randomUUID().slice(0, 6)}!`;
}

export const CONSENTS = { terms: '2026-01-01', privacy: '2026-01-01', marketing: false };

export class AuthClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly ip: string = randomLoopbackIp()) {}

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const url = new URL(path, stackInfo().endpoints.restUrl);
    // The stack's endpoints name `localhost` (the web app's site); this client binds an IPv4 loopback
    // source address, so it dials the IPv4 side wherever `localhost` resolves to ::1 first.
    if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const answer = await new Promise<HttpAnswer>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method,
          localAddress: this.ip,
          headers: {
            ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}),
            'user-agent': 'rastup-tests/1.0',
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            const raw = res.headers['set-cookie'];
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              setCookies: Array.isArray(raw) ? raw : raw ? [raw] : [],
              body: parsed,
              text,
            });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    for (const line of answer.setCookies) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (/Max-Age=0\b/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return answer;
  }

  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.send('POST', path, body ?? {}, headers);
  }

  get(path: string) {
    return this.send('GET', path);
  }
}

export interface MailboxMessage {
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  text: string;
  template: string;
  sentAt: string;
}

export async function mailbox(): Promise<MailboxMessage[]> {
  const response = await fetch(stackInfo().endpoints.mailboxUrl);
  return ((await response.json()) as { messages: MailboxMessage[] }).messages;
}

/** The newest message to `to` with the template, waiting briefly (sending happens after commit). */
export async function latestMessage(to: string, template: string, timeoutMs = 3000): Promise<MailboxMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await mailbox()).find((message) => message.to === to && message.template === template);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${template} message to ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function latestCode(to: string, template: string): Promise<string> {
  const message = await latestMessage(to, template);
  const match = /\b(\d{6})\b/.exec(message.text);
  if (!match) throw new Error(`no code in ${template}`);
  return match[1]!;
}

export async function messagesTo(to: string, template?: string): Promise<MailboxMessage[]> {
  return (await mailbox()).filter((message) => message.to === to && (!template || message.template === template));
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as authenticator apps compute it. */
export function totp(base32Secret: string, atMs = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of base32Secret.replace(/=+$/, '').toUpperCase())
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => Number.parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const digest = createHmac('sha1', key).update(counter).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/** Signs up, verifies the email from the mailbox and signs in; returns the client and tokens. */
export async function registeredUser(options: { role?: 'client' | 'provider' | 'host' } = {}) {
  const client = new AuthClient();
  const email = uniqueEmail();
  const password = strongPassword();
  const signUp = await client.post('/auth/signup', {
    email,
    password,
    consents: CONSENTS,
    ...(options.role ? { role: options.role } : {}),
  });
  if (signUp.status !== 202) throw new Error(`signup failed: ${signUp.status} ${signUp.text}`);
  const code = await latestCode(email, 'auth.verify_email');
  const verified = await client.post('/auth/verify-email', { email, code, password });
  if (verified.status !== 200) throw new Error(`verify failed: ${verified.status} ${verified.text}`);
  const login = await client.post('/auth/login', { email, password });
  if (login.status !== 200 || !login.body.accessToken) throw new Error(`login failed: ${login.status} ${login.text}`);
  return {
    client,
    email,
    password,
    accessToken: login.body.accessToken as string,
    userId: login.body.userId as string,
    sessionId: login.body.sessionId as string,
  };
}

/**
 * A GraphQL call from its own loopback address (like AuthClient): the gateway appends the socket
 * address to X-Forwarded-For as CloudFront does, and that is the IP the auth domain rate-limits.
 * Pass `ip` to make several calls from one address; `headers` are sent as given (e.g. a forged
 * X-Forwarded-For, which must not matter). A null token calls with the public API key.
 */
export async function gql(
  accessToken: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  ip: string = randomLoopbackIp(),
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const url = new URL(stackInfo().endpoints.graphqlUrl);
    if (url.hostname === 'localhost') url.hostname = '127.0.0.1'; // IPv4 source address, as in AuthClient.send
    const req = httpRequest(
      url,
      {
        method: 'POST',
        localAddress: ip,
        headers: {
          'content-type': 'application/json',
          ...(accessToken === null ? withApiKey() : { authorization: `Bearer ${accessToken}` }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Mutation.stepUp with an emailed code on the session of `accessToken`; returns the fresh token. */
export async function stepUpByEmail(accessToken: string, email: string): Promise<string> {
  const sent = await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
  if (sent.body.errors) throw new Error(`sendStepUpCode failed: ${JSON.stringify(sent.body.errors)}`);
  const code = await latestCode(email, 'auth.step_up');
  const stepped = await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { accessToken } }', {
    input: { method: 'EMAIL_CODE', code },
  });
  if (stepped.body.errors) throw new Error(`stepUp failed: ${JSON.stringify(stepped.body.errors)}`);
  return stepped.body.data.stepUp.accessToken as string;
}

/**
 * Enrols TOTP the way the web app does: step up (email code) first, then start and confirm with a
 * code from the authenticator. Steps up the session of `accessToken`.
 */
export async function enrolTotp(
  accessToken: string,
  email: string,
): Promise<{ secret: string; otpauthUri: string; recoveryCodes: string[] }> {
  await stepUpByEmail(accessToken, email);
  const started = await gql(accessToken, 'mutation { startTotpEnrollment { secret otpauthUri } }');
  if (started.body.errors) throw new Error(`startTotpEnrollment failed: ${JSON.stringify(started.body.errors)}`);
  const { secret, otpauthUri } = started.body.data.startTotpEnrollment as { secret: string; otpauthUri: string };
  const confirmed = await gql(
    accessToken,
    'mutation($code: String!) { confirmTotpEnrollment(code: $code) { recoveryCodes } }',
    { code: totp(secret) },
  );
  if (confirmed.body.errors) throw new Error(`confirmTotpEnrollment failed: ${JSON.stringify(confirmed.body.errors)}`);
  return { secret, otpauthUri, recoveryCodes: confirmed.body.data.confirmTotpEnrollment.recoveryCodes as string[] };
}

/** A fresh password session for an existing account (a second browser); its own access token. */
export async function signIn(email: string, password: string): Promise<{ client: AuthClient; accessToken: string }> {
  const client = new AuthClient();
  const login = await client.post('/auth/login', { email, password });
  if (login.status !== 200 || !login.body.accessToken) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { client, accessToken: login.body.accessToken as string };
}
