/**
 * Loopback stand-ins for the third parties the auth domain calls, speaking their real wire
 * formats so the production adapters run unchanged against them:
 *  - Have I Been Pwned range API   GET  /hibp/range/{5 hex}           (padded, `SUFFIX:COUNT` lines)
 *  - Cloudflare Turnstile          POST /turnstile/siteverify          (form: secret, response, remoteip)
 *  - Google / Apple ID tokens      GET  /google/certs, /apple/auth/keys (JWKS)
 *  - Twilio Messages API           POST /twilio/2010-04-01/Accounts/{sid}/Messages.json (Basic auth, form)
 * Local-only helpers: POST /google/dev/mint and /apple/dev/mint sign an ID token for the given
 * claims with the fake provider's key (tests use them as "the user signed in at Google").
 * Never part of any AWS stage.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { CapturingNotifier } from '../../../lambdas/adapters/capturing-notifier.ts';

/** Passwords the fake HIBP reports as breached (real HIBP knows them too). */
export const FAKE_BREACHED_PASSWORDS = [
  'correct horse battery staple',
  'Tr0ub4dor&3',
  'rastup-breached-passphrase-2019',
];
/** Cloudflare's documented dummy token and always-pass test keys (public values, not secrets). */
export const TURNSTILE_TEST_SECRET = '1x0000000000000000000000000000000AA';
export const TURNSTILE_TEST_SITE_KEY = '1x00000000000000000000AA';
export const TURNSTILE_PASSING_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';
export const FAKE_GOOGLE_CLIENT_ID = 'rastup-local.apps.googleusercontent.com';
export const FAKE_APPLE_CLIENT_ID = 'com.rastup.local.web';
export const FAKE_TWILIO_ACCOUNT_SID = `AC${'0'.repeat(32)}`;

export interface RunningFakes {
  readonly baseUrl: string;
  readonly twilioAuthToken: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

interface FakeProvider {
  readonly issuer: string;
  readonly kid: string;
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  readonly jwk: JWK;
}

async function provider(issuer: string): Promise<FakeProvider> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(8).toString('hex');
  return { issuer, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function breachedBySuffix(prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const password of FAKE_BREACHED_PASSWORDS) {
    const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    if (sha1.startsWith(prefix)) out.set(sha1.slice(5), 1_234);
  }
  return out;
}

export async function startThirdPartyFakes(port: number): Promise<RunningFakes> {
  const google = await provider('https://accounts.google.com');
  const apple = await provider('https://appleid.apple.com');
  const twilioAuthToken = randomBytes(16).toString('hex');
  const mailbox = new CapturingNotifier();

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    void (async () => {
      const hibp = /^\/hibp\/range\/([0-9A-Fa-f]{5})$/.exec(url.pathname);
      if (hibp && request.method === 'GET') {
        const prefix = hibp[1]!.toUpperCase();
        const lines = [...breachedBySuffix(prefix)].map(([suffix, count]) => `${suffix}:${count}`);
        // Add-Padding: real answers hold 800–1000 lines; pad with zero-count random suffixes.
        if (request.headers['add-padding'] === 'true')
          while (lines.length < 800) lines.push(`${randomBytes(18).toString('hex').slice(0, 35).toUpperCase()}:0`);
        response.writeHead(200, { 'content-type': 'text/plain' });
        return response.end(lines.join('\r\n'));
      }
      if (url.pathname === '/turnstile/siteverify' && request.method === 'POST') {
        const form = new URLSearchParams(await readBody(request));
        if (form.get('secret') !== TURNSTILE_TEST_SECRET)
          return json(200, { success: false, 'error-codes': ['invalid-input-secret'] });
        const token = form.get('response') ?? '';
        if (!token) return json(200, { success: false, 'error-codes': ['missing-input-response'] });
        if (token !== TURNSTILE_PASSING_TOKEN)
          return json(200, { success: false, 'error-codes': ['invalid-input-response'] });
        return json(200, {
          success: true,
          challenge_ts: new Date().toISOString(),
          hostname: 'localhost',
          'error-codes': [],
          action: 'login',
          cdata: '',
        });
      }
      if (url.pathname === '/google/certs') return json(200, { keys: [google.jwk] });
      if (url.pathname === '/apple/auth/keys') return json(200, { keys: [apple.jwk] });
      const mint = /^\/(google|apple)\/dev\/mint$/.exec(url.pathname);
      if (mint && request.method === 'POST') {
        const fake = mint[1] === 'google' ? google : apple;
        const claims = JSON.parse((await readBody(request)) || '{}') as Record<string, unknown> & {
          expiresIn?: number;
          issuer?: string;
        };
        const { expiresIn, issuer, ...rest } = claims;
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT(rest)
          .setProtectedHeader({ alg: 'RS256', kid: fake.kid, typ: 'JWT' })
          .setIssuer(issuer ?? fake.issuer)
          .setIssuedAt(now)
          .setExpirationTime(now + (expiresIn ?? 600))
          .sign(fake.privateKey);
        return json(200, { idToken });
      }
      const twilio = /^\/twilio\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      if (twilio && request.method === 'POST') {
        const expected = `Basic ${Buffer.from(`${FAKE_TWILIO_ACCOUNT_SID}:${twilioAuthToken}`).toString('base64')}`;
        if (twilio[1] !== FAKE_TWILIO_ACCOUNT_SID || request.headers.authorization !== expected)
          return json(401, { code: 20003, message: 'Authenticate', status: 401 });
        const form = new URLSearchParams(await readBody(request));
        const to = form.get('To');
        const body = form.get('Body');
        if (!to || !body || !form.get('From'))
          return json(400, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
        await mailbox.sendSms({ to, text: body, template: 'twilio' });
        return json(201, {
          sid: `SM${randomBytes(16).toString('hex')}`,
          status: 'queued',
          to,
          from: form.get('From'),
          body,
          account_sid: FAKE_TWILIO_ACCOUNT_SID,
        });
      }
      json(404, { message: 'not found' });
    })().catch(() => json(500, { message: 'fake failed' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  return {
    baseUrl,
    twilioAuthToken,
    env: {
      HIBP_RANGE_URL: `${baseUrl}/hibp/range`,
      CAPTCHA_VERIFY_URL: `${baseUrl}/turnstile/siteverify`,
      CAPTCHA_SECRET_KEY: TURNSTILE_TEST_SECRET,
      CAPTCHA_SITE_KEY: TURNSTILE_TEST_SITE_KEY,
      GOOGLE_CLIENT_IDS: FAKE_GOOGLE_CLIENT_ID,
      GOOGLE_JWKS_URL: `${baseUrl}/google/certs`,
      APPLE_CLIENT_IDS: FAKE_APPLE_CLIENT_ID,
      APPLE_JWKS_URL: `${baseUrl}/apple/auth/keys`,
      TWILIO_API_URL: `${baseUrl}/twilio`,
      TWILIO_ACCOUNT_SID: FAKE_TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: twilioAuthToken,
      TWILIO_FROM_NUMBER: '+15005550006',
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
