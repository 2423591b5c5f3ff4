/**
 * The OpenAPI 3.1 description of the auth REST API, generated from the same zod schemas the
 * routes parse with (so the document cannot drift from the code). `npm run openapi:auth` writes
 * lambdas/auth/openapi.json; a unit test fails when the committed file is stale.
 */
import * as z from 'zod';
import {
  emailBody,
  loginBody,
  mfaVerifyBody,
  resetConfirmBody,
  signUpBody,
  socialLoginBody,
  verifyEmailBody,
} from './auth.schemas.ts';

const json = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return { content: { 'application/json': { schema: rest } } };
};
const ref = (name: string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
});
const error = (description: string) => ({ description, ...ref('Error') });
const cookieSet = {
  'Set-Cookie': {
    description:
      '`__Host-rastup_rt` (refresh token, 30 days) and, for a new device, `__Host-rastup_dev`; both HttpOnly; Secure; SameSite=Lax; Path=/',
    schema: { type: 'string' },
  },
};
const limited = {
  '429': {
    description: 'Rate limited (per IP and per identity)',
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
    ...ref('Error'),
  },
};

/** Every POST under /auth: JSON only, and a browser Origin must be on ALLOWED_WEB_ORIGINS (login CSRF). */
const browserPolicy = {
  '403': error('REQUEST.ORIGIN_NOT_ALLOWED: the request came from a browser origin outside ALLOWED_WEB_ORIGINS'),
  '415': error(
    'REQUEST.UNSUPPORTED_MEDIA_TYPE: the body must be sent as application/json (routes without fields may also be called with no body and no Content-Type)',
  ),
};
const emptyJsonBody = {
  required: false,
  description:
    'No fields: send no body and no Content-Type, or `{}` as `application/json`. Any other type, or a body of another type, is refused with 415.',
  content: { 'application/json': { schema: { type: 'object' } } },
};

function post(
  summary: string,
  body: z.ZodType | undefined,
  responses: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  const { '403': own403, ...rest } = responses as { '403'?: { description: string } };
  const forbidden = own403
    ? { '403': { ...ref('Error'), description: `${own403.description}; or ${browserPolicy['403'].description}` } }
    : { '403': browserPolicy['403'] };
  return {
    post: {
      summary,
      requestBody: body ? { required: true, ...json(body) } : emptyJsonBody,
      responses: { ...rest, '400': error('Invalid input'), ...browserPolicy, ...forbidden, ...limited },
      ...extra,
    },
  };
}

/**
 * operationId (SDK method names) and security of every operation. Sign-in flows are public
 * (`security: []`); refresh and logout present the refresh cookie; the bearer scheme is the one the
 * issued access token is used with (GraphQL and the other REST APIs).
 */
const OPERATIONS: Record<string, { operationId: string; security: Record<string, string[]>[] }> = {
  'get /.well-known/openid-configuration': { operationId: 'getOpenIdConfiguration', security: [] },
  'get /.well-known/jwks.json': { operationId: 'getJwks', security: [] },
  'get /auth/consents': { operationId: 'getConsents', security: [] },
  'post /auth/signup': { operationId: 'signUp', security: [] },
  'post /auth/verify-email': { operationId: 'verifyEmail', security: [] },
  'post /auth/verify-email/resend': { operationId: 'resendVerification', security: [] },
  'post /auth/login': { operationId: 'login', security: [] },
  'post /auth/mfa/verify': { operationId: 'verifyMfa', security: [] },
  'post /auth/token/refresh': { operationId: 'refreshToken', security: [{ refreshCookie: [] }] },
  'post /auth/logout': { operationId: 'logout', security: [{ refreshCookie: [] }] },
  'get /auth/unlock': { operationId: 'unlock', security: [] },
  'post /auth/password/reset/request': { operationId: 'requestPasswordReset', security: [] },
  'post /auth/password/reset/confirm': { operationId: 'confirmPasswordReset', security: [] },
  'post /auth/oauth/nonce': { operationId: 'createOAuthNonce', security: [] },
  'post /auth/oauth/{provider}': { operationId: 'socialLogin', security: [] },
};

/** GETs without input still answer 429 (per-IP limits at the gateway) with the error object. */
const getLimited = { '429': limited['429'] };

function decorate<T extends { paths: Record<string, Record<string, Record<string, unknown>>> }>(document: T): T {
  for (const [path, item] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(item)) {
      const declared = OPERATIONS[`${method} ${path}`];
      if (!declared) throw new Error(`auth OpenAPI: no operationId declared for ${method} ${path}`);
      const responses = operation.responses as Record<string, unknown>;
      item[method] = {
        operationId: declared.operationId,
        ...operation,
        security: declared.security,
        responses: Object.keys(responses).some((code) => code.startsWith('4'))
          ? responses
          : { ...responses, ...getLimited },
      };
    }
  return document;
}

export function authOpenApiDocument() {
  return decorate({
    openapi: '3.1.0',
    info: {
      title: 'RastUp auth REST API',
      version: '1.0.0',
      license: { name: 'Proprietary', identifier: 'LicenseRef-RastUp-Proprietary' },
      description:
        'Cookie-setting authentication flows (API Gateway → auth Lambda). Account reads and settings are GraphQL (graphql/auth.graphql). See docs/auth.md. Every POST takes `Content-Type: application/json` only (415 otherwise; routes without fields also take no body without a Content-Type) and refuses a browser `Origin` outside ALLOWED_WEB_ORIGINS (403); allowed origins get CORS answers with credentials.',
    },
    // The default for an operation that declares none: the access token as a bearer. Every operation
    // below declares its own (public sign-in flows, or the refresh cookie).
    security: [{ bearerAuth: [] }],
    servers: [{ url: '/', description: 'the API Gateway of the stage (locally http://localhost:4000, `npm start`)' }],
    paths: {
      '/.well-known/openid-configuration': {
        get: {
          summary: 'OIDC discovery (AppSync OPENID_CONNECT issuer)',
          responses: { '200': { description: 'Discovery document' } },
        },
      },
      '/.well-known/jwks.json': {
        get: { summary: 'Public signing keys (RS256, rotating kid)', responses: { '200': { description: 'JWK Set' } } },
      },
      '/auth/consents': {
        get: {
          summary:
            "The consent versions a sign-up must accept (public, cacheable 5 minutes). Send them back as the sign-up body's `consents` with `marketing: true|false`; any other version is refused with 400 VALIDATION.FAILED (details.fields[].path `consents`).",
          responses: {
            '200': {
              description: 'Current versions',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['terms', 'privacy'],
                    properties: {
                      terms: { type: 'string', description: 'Terms of service version, e.g. 2026-01-01' },
                      privacy: { type: 'string', description: 'Privacy policy version, e.g. 2026-01-01' },
                    },
                  },
                },
              },
            },
          },
        },
      },
      '/auth/signup': post(
        'Create an account; emails a verification code. Same answer whether or not the email is taken. A sign-up for an address nobody has verified yet replaces the earlier registration (password, roles, name, consents; its sessions and codes are discarded).',
        signUpBody,
        { '202': { description: 'Verification code sent', ...ref('Accepted') } },
      ),
      '/auth/verify-email': post(
        'Verify the email with the emailed code (single use, 15 minutes) and the password chosen at sign-up: the person proving the mailbox must also know the password the account will use (pre-registration takeover). Unknown email, wrong code and wrong password answer alike.',
        verifyEmailBody,
        { '200': { description: 'Verified' }, '400': error('AUTH.INVALID_CODE') },
      ),
      '/auth/verify-email/resend': post('Send a new verification code', emailBody, {
        '202': { description: 'Sent if the account exists and is unverified', ...ref('Accepted') },
      }),
      '/auth/login': post('Sign in with email and password', loginBody, {
        '200': {
          description: 'A session (access token + refresh cookie) or an MFA challenge',
          headers: cookieSet,
          content: {
            'application/json': {
              schema: {
                oneOf: [{ $ref: '#/components/schemas/Session' }, { $ref: '#/components/schemas/MfaChallenge' }],
              },
            },
          },
        },
        '401': error(
          'AUTH.INVALID_CREDENTIALS (same for unknown email and wrong password) or AUTH.CAPTCHA_REQUIRED (details.captcha.siteKey)',
        ),
        '403': error('AUTH.EMAIL_NOT_VERIFIED (a new code was sent)'),
        '423': {
          description:
            "AUTH.LOCKED after 5 failures; Retry-After; the owner got an unlock link. A browser with this account's device cookie has its own limits and lockout, so guesses from elsewhere do not lock it out.",
          headers: { 'Retry-After': { schema: { type: 'integer' } } },
          ...ref('Error'),
        },
      }),
      '/auth/mfa/verify': post('Second step of an MFA sign-in (TOTP or recovery code)', mfaVerifyBody, {
        '200': { description: 'Session', headers: cookieSet, ...ref('Session') },
        '400': error('AUTH.INVALID_CODE'),
      }),
      '/auth/token/refresh': post(
        'Rotate the refresh cookie and get a new access token. A rotated-away token revokes its whole session, except the one rotated away from within the last REFRESH_REUSE_GRACE_SECONDS (30 s; concurrent tabs), which is answered with the same successor cookie.',
        undefined,
        {
          '200': { description: 'Session', headers: cookieSet, ...ref('Session') },
          '401': error('No, expired or reused refresh token'),
        },
      ),
      '/auth/logout': post('Revoke the session of the refresh cookie and clear it', undefined, {
        '204': { description: 'Signed out' },
      }),
      '/auth/unlock': {
        get: {
          summary:
            'The emailed unlock link: ends a lockout and refills the sign-in rate limit of what was locked (single use)',
          parameters: [{ name: 'token', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'Unlocked' }, '400': error('AUTH.INVALID_CODE') },
        },
      },
      '/auth/password/reset/request': post(
        'Email a reset code (if the account exists; same answer otherwise)',
        emailBody,
        { '202': { description: 'Accepted', ...ref('Accepted') } },
      ),
      '/auth/password/reset/confirm': post(
        'Set a new password with the code (single use, 15 minutes). The code is checked first (an unknown email answers like a wrong code); the password rules apply only then, and a refused password does not spend the code. Revokes every session; never signs in (MFA is never bypassed).',
        resetConfirmBody,
        { '200': { description: 'Password reset; sign in again' } },
      ),
      '/auth/oauth/nonce': post('A single-use nonce to put in the Google/Apple sign-in request', undefined, {
        '200': { description: '{ nonce, expiresInSeconds }' },
      }),
      '/auth/oauth/{provider}': post(
        'Sign in with a Google or Apple ID token (iss, aud, exp, nonce verified against the provider JWKS)',
        socialLoginBody,
        {
          '200': {
            description: 'Session or MFA challenge',
            headers: cookieSet,
            content: {
              'application/json': {
                schema: {
                  oneOf: [{ $ref: '#/components/schemas/Session' }, { $ref: '#/components/schemas/MfaChallenge' }],
                },
              },
            },
          },
          '401': error('Invalid ID token or nonce'),
          '409': error('AUTH.LINK_REQUIRES_VERIFIED_EMAIL'),
        },
        {
          parameters: [
            { name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: ['google', 'apple'] } },
          ],
        },
      ),
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `accessToken` of a Session (RS256, 15 minutes): GraphQL (AppSync OIDC) and REST',
        },
        refreshCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-rastup_rt',
          description: 'The HttpOnly refresh cookie set by login, MFA verification, social login and refresh',
        },
      },
      schemas: {
        Session: {
          type: 'object',
          required: ['tokenType', 'accessToken', 'expiresAt', 'userId', 'sessionId', 'roles', 'amr'],
          properties: {
            tokenType: { const: 'Bearer' },
            accessToken: {
              type: 'string',
              description: 'RS256 JWT, 15 minutes; the bearer for GraphQL (AppSync OIDC) and REST',
            },
            expiresAt: { type: 'integer', description: 'epoch seconds' },
            userId: { type: 'string' },
            sessionId: { type: 'string' },
            roles: { type: 'array', items: { type: 'string' } },
            amr: { type: 'array', items: { type: 'string' } },
          },
        },
        MfaChallenge: {
          type: 'object',
          required: ['mfaRequired', 'mfaToken', 'methods', 'expiresIn'],
          properties: {
            mfaRequired: { const: true },
            mfaToken: { type: 'string' },
            methods: { type: 'array', items: { type: 'string' } },
            expiresIn: { type: 'integer' },
          },
        },
        Accepted: { type: 'object', properties: { status: { type: 'string' } } },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'object' },
                requestId: { type: 'string' },
              },
            },
          },
        },
      },
    },
  });
}

if (process.argv[1]?.endsWith('auth.openapi.ts')) {
  const { writeFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const target = fileURLToPath(new URL('./openapi.json', import.meta.url));
  writeFileSync(target, `${JSON.stringify(authOpenApiDocument(), null, 2)}\n`);
  console.log(`wrote ${target}`);
}
