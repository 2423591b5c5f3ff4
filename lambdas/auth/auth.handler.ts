/**
 * Auth domain Lambda. REST (`/auth/*`, cookie-setting flows; `/.well-known/*` discovery is the
 * discovery function's, discovery.handler.ts) and
 * GraphQL (account reads and settings). Each entry parses, calls one service method, shapes the
 * answer; cookies are built here because they are HTTP, not domain.
 */
import { createFieldRouter, field, noArgs, type FieldContext } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { headerValue } from '../core/events.ts';
import { requireUser } from '../core/identity.ts';
import { createLogger } from '../core/log.ts';
import { allowedWebOriginsFromEnv } from '../core/config.ts';
import { createRouteRouter, route, type HttpResult, type RouteContext } from '../core/route-router.ts';
import { CURRENT_PRIVACY_VERSION, CURRENT_TERMS_VERSION, type RequestMeta } from './auth-deps.ts';
import { authModule } from './auth.module.ts';
import type { LoginOutcome } from './login.service.ts';
import type { IssuedSession } from './session.service.ts';
import {
  changeEmailArgs,
  changePasswordArgs,
  codeArgs,
  deleteAccountArgs,
  deviceIdArgs,
  emailBody,
  loginBody,
  mfaVerifyBody,
  phoneArgs,
  recordConsentArgs,
  resetConfirmBody,
  sendStepUpCodeArgs,
  sessionIdArgs,
  setUserRolesArgs,
  signUpBody,
  socialLoginBody,
  socialProviderParam,
  stepUpArgs,
  unlockQuery,
  verifyEmailBody,
} from './auth.schemas.ts';
import { ValidationError } from '../core/errors.ts';
import { withIdempotency } from '../core/idempotency.ts';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

/**
 * Routes that send mail honour an `Idempotency-Key` header (allowed by CORS in both APIs): a retry
 * with the same key and body gets the first answer back and sends nothing; the same key with another
 * body is a CONFLICT (IDEMPOTENCY.KEY_REUSED). No header, no record: the route behaves as before.
 * Keys are scoped by route; records live 24 h in the control table (core/idempotency.ts).
 */
async function idempotentRoute(
  ctx: RouteContext<unknown, unknown>,
  path: string,
  run: () => Promise<HttpResult>,
): Promise<HttpResult> {
  const key = headerValue(ctx.headers, 'idempotency-key');
  if (key === undefined) return run();
  if (!IDEMPOTENCY_KEY.test(key))
    throw new ValidationError('Invalid Idempotency-Key', [
      { path: 'Idempotency-Key', message: 'must be 8-128 characters of A-Z a-z 0-9 _ . : -' },
    ]);
  const { idempotency } = await authModule();
  return withIdempotency(idempotency, { key: `auth:${path}:${key}`, request: { path, body: ctx.body } }, run);
}

const logger = createLogger({ service: 'auth' });

/** `__Host-`: Secure, Path=/, no Domain, so no subdomain can set or read it (NTB-AUTH-008). */
export const REFRESH_COOKIE = '__Host-rastup_rt';
export const DEVICE_COOKIE = '__Host-rastup_dev';
const DEVICE_COOKIE_MAX_AGE = 400 * 86_400; // browsers cap cookie lifetime at 400 days

function cookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`;
}

function restMeta(ctx: RouteContext<unknown, unknown>): RequestMeta {
  return { ip: ctx.sourceIp, userAgent: ctx.userAgent };
}

function fieldMeta(ctx: FieldContext): RequestMeta {
  return { ip: ctx.sourceIp, userAgent: headerValue(ctx.event.request?.headers, 'user-agent') };
}

function sessionResult(session: IssuedSession, status = 200): HttpResult {
  const cookies = [cookie(REFRESH_COOKIE, session.refreshToken, session.refreshTokenMaxAgeSeconds)];
  if (session.deviceToken) cookies.push(cookie(DEVICE_COOKIE, session.deviceToken, DEVICE_COOKIE_MAX_AGE));
  return {
    status,
    body: {
      tokenType: 'Bearer',
      accessToken: session.accessToken,
      expiresAt: session.accessTokenExpiresAt,
      userId: session.userId,
      sessionId: session.sessionId,
      roles: session.roles,
      amr: session.amr,
    },
    cookies,
  };
}

function loginResult(outcome: LoginOutcome): HttpResult {
  if (outcome.kind === 'session') return sessionResult(outcome.session);
  return {
    status: 200,
    body: {
      mfaRequired: true,
      mfaToken: outcome.mfaToken,
      methods: outcome.methods,
      expiresIn: outcome.expiresInSeconds,
    },
  };
}

/** Public documents any page may read: cached briefly by browsers and CDNs. */
const PUBLIC_CACHE = { 'cache-control': 'public, max-age=300' };

const accepted = (status: string): HttpResult => ({ status: 202, body: { status } });

export const handler = createDomainHandler({
  logger,
  rest: createRouteRouter(
    [
      route({
        method: 'GET',
        path: '/auth/consents',
        // Public: the versions a sign-up must accept, in the shape of the sign-up body's `consents`
        // (add `marketing: true|false`). No cookies read or set.
        checkOrigin: false,
        handle: () =>
          Promise.resolve({
            status: 200,
            headers: PUBLIC_CACHE,
            body: { terms: CURRENT_TERMS_VERSION, privacy: CURRENT_PRIVACY_VERSION },
          }),
      }),
      route({
        method: 'POST',
        path: '/auth/signup',
        body: signUpBody,
        handle: async (ctx) => {
          await (await authModule()).accounts.signUp(ctx.body, restMeta(ctx));
          return accepted('verification_sent');
        },
      }),
      route({
        method: 'POST',
        path: '/auth/verify-email',
        body: verifyEmailBody,
        handle: async (ctx) => {
          await (await authModule()).accounts.verifyEmail(ctx.body, restMeta(ctx));
          return { status: 200, body: { verified: true } };
        },
      }),
      route({
        method: 'POST',
        path: '/auth/verify-email/resend',
        body: emailBody,
        handle: (ctx) =>
          idempotentRoute(ctx, '/auth/verify-email/resend', async () => {
            await (await authModule()).accounts.resendVerification(ctx.body.email, restMeta(ctx));
            return accepted('verification_sent');
          }),
      }),
      route({
        method: 'POST',
        path: '/auth/login',
        body: loginBody,
        handle: async (ctx) =>
          loginResult(
            await (
              await authModule()
            ).login.login({ ...ctx.body, deviceToken: ctx.cookies[DEVICE_COOKIE] }, restMeta(ctx)),
          ),
      }),
      route({
        method: 'POST',
        path: '/auth/mfa/verify',
        body: mfaVerifyBody,
        handle: async (ctx) =>
          sessionResult(
            await (
              await authModule()
            ).login.completeMfa({ ...ctx.body, deviceToken: ctx.cookies[DEVICE_COOKIE] }, restMeta(ctx)),
          ),
      }),
      route({
        method: 'POST',
        path: '/auth/token/refresh',
        handle: async (ctx) =>
          sessionResult(await (await authModule()).sessions.refresh(ctx.cookies[REFRESH_COOKIE], restMeta(ctx))),
      }),
      route({
        method: 'POST',
        path: '/auth/logout',
        handle: async (ctx) => {
          await (await authModule()).sessions.logout(ctx.cookies[REFRESH_COOKIE]);
          return { status: 204, cookies: [cookie(REFRESH_COOKIE, '', 0)] };
        },
      }),
      route({
        method: 'GET',
        path: '/auth/unlock',
        query: unlockQuery,
        handle: async (ctx) => {
          await (await authModule()).login.unlock(ctx.query.token, restMeta(ctx));
          return { status: 200, body: { unlocked: true } };
        },
      }),
      route({
        method: 'POST',
        path: '/auth/password/reset/request',
        body: emailBody,
        handle: (ctx) =>
          idempotentRoute(ctx, '/auth/password/reset/request', async () => {
            await (await authModule()).login.requestPasswordReset(ctx.body.email, restMeta(ctx));
            return accepted('reset_code_sent_if_account_exists');
          }),
      }),
      route({
        method: 'POST',
        path: '/auth/password/reset/confirm',
        body: resetConfirmBody,
        handle: async (ctx) => {
          await (await authModule()).login.confirmPasswordReset(ctx.body, restMeta(ctx));
          return { status: 200, body: { reset: true, signInRequired: true }, cookies: [cookie(REFRESH_COOKIE, '', 0)] };
        },
      }),
      route({
        method: 'POST',
        path: '/auth/oauth/nonce',
        handle: async (ctx) => ({ status: 200, body: await (await authModule()).login.issueNonce(restMeta(ctx)) }),
      }),
      route({
        method: 'POST',
        path: '/auth/oauth/{provider}',
        body: socialLoginBody,
        handle: async (ctx) => {
          const provider = socialProviderParam.safeParse(ctx.params.provider);
          if (!provider.success)
            throw new ValidationError('Unknown provider', [{ path: 'provider', message: 'must be google or apple' }]);
          return loginResult(
            await (
              await authModule()
            ).login.socialLogin(provider.data, { ...ctx.body, deviceToken: ctx.cookies[DEVICE_COOKIE] }, restMeta(ctx)),
          );
        },
      }),
    ],
    {
      logger,
      // Login CSRF: every /auth route sets or reads the session cookies (or spends a code for
      // someone), so JSON bodies only (no cross-site HTML form can send one without a preflight)
      // and the browser's Origin must be the web app's.
      accepts: ['application/json'],
      allowedOrigins: allowedWebOriginsFromEnv,
    },
  ),
  appsync: createFieldRouter(
    {
      'Query.viewer': field(noArgs, (_args, ctx) => {
        const user = requireUser(ctx.caller);
        return {
          sub: user.userId,
          roles: user.roles,
          amr: user.amr,
          authTime: user.authTime ?? null,
          stepUpAt: user.stepUpAt ?? null,
          expiresAt: user.expiresAt,
        };
      }),
      'Query.me': field(noArgs, async (_args, ctx) => (await authModule()).accounts.me(ctx.caller)),
      'Query.mySessions': field(noArgs, async (_args, ctx) => (await authModule()).sessions.list(ctx.caller)),
      'Query.myDevices': field(noArgs, async (_args, ctx) => (await authModule()).sessions.devices(ctx.caller)),
      'Query.myConsents': field(noArgs, async (_args, ctx) => (await authModule()).accounts.consents(ctx.caller)),
      'Mutation.revokeSession': field(sessionIdArgs, async ({ id }, ctx) =>
        (await authModule()).sessions.revoke(ctx.caller, id),
      ),
      'Mutation.revokeOtherSessions': field(noArgs, async (_args, ctx) =>
        (await authModule()).sessions.revokeOthers(ctx.caller),
      ),
      'Mutation.removeDevice': field(deviceIdArgs, async ({ id }, ctx) =>
        (await authModule()).sessions.removeDevice(ctx.caller, id),
      ),
      'Mutation.recordConsent': field(recordConsentArgs, async ({ input }, ctx) =>
        (await authModule()).accounts.recordConsent(ctx.caller, input, fieldMeta(ctx)),
      ),
      'Mutation.startTotpEnrollment': field(noArgs, async (_args, ctx) =>
        (await authModule()).mfa.startEnrollment(ctx.caller),
      ),
      'Mutation.confirmTotpEnrollment': field(codeArgs, async ({ code }, ctx) =>
        (await authModule()).mfa.confirmEnrollment(ctx.caller, code, fieldMeta(ctx)),
      ),
      'Mutation.disableMfa': field(noArgs, async (_args, ctx) => (await authModule()).mfa.disable(ctx.caller)),
      'Mutation.regenerateRecoveryCodes': field(noArgs, async (_args, ctx) =>
        (await authModule()).mfa.regenerateRecoveryCodes(ctx.caller),
      ),
      'Mutation.sendStepUpCode': field(sendStepUpCodeArgs, async ({ channel }, ctx) =>
        (await authModule()).mfa.sendStepUpCode(ctx.caller, channel, fieldMeta(ctx)),
      ),
      'Mutation.stepUp': field(stepUpArgs, async ({ input }, ctx) =>
        (await authModule()).mfa.stepUp(ctx.caller, input.method, input.code, fieldMeta(ctx)),
      ),
      'Mutation.changePassword': field(changePasswordArgs, async ({ input }, ctx) =>
        (await authModule()).accounts.changePassword(ctx.caller, input),
      ),
      'Mutation.changeEmail': field(changeEmailArgs, async ({ newEmail }, ctx) =>
        (await authModule()).accounts.changeEmail(ctx.caller, newEmail, fieldMeta(ctx)),
      ),
      'Mutation.confirmEmailChange': field(codeArgs, async ({ code }, ctx) =>
        (await authModule()).accounts.confirmEmailChange(ctx.caller, code, fieldMeta(ctx)),
      ),
      'Mutation.startPhoneVerification': field(phoneArgs, async ({ phone }, ctx) =>
        (await authModule()).accounts.startPhoneVerification(ctx.caller, phone, fieldMeta(ctx)),
      ),
      'Mutation.confirmPhone': field(codeArgs, async ({ code }, ctx) =>
        (await authModule()).accounts.confirmPhone(ctx.caller, code, fieldMeta(ctx)),
      ),
      'Mutation.deleteAccount': field(deleteAccountArgs, async ({ input }, ctx) =>
        (await authModule()).accounts.deleteAccount(ctx.caller, input),
      ),
      'Mutation.setUserRoles': field(setUserRolesArgs, async ({ userId, roles }, ctx) =>
        (await authModule()).accounts.setRoles(ctx.caller, userId, roles),
      ),
    },
    logger,
  ),
});
