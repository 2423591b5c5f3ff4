/**
 * Who is calling, as the edge established it. AppSync hands Lambdas `identity: null` for API_KEY
 * calls and `{ sub, issuer, claims }` for OPENID_CONNECT; REST routes get the same shape from the
 * bearer token the auth service issued. Domain code asks these helpers, never the raw claims.
 */
import * as z from 'zod';
import { ForbiddenError, UnauthenticatedError } from './errors.ts';

export const ROLES = ['client', 'provider', 'host', 'admin', 'support', 'trust', 'finance'] as const;
export type Role = (typeof ROLES)[number];

export const accessClaimsSchema = z.object({
  sub: z.string().min(1),
  iss: z.string().min(1),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  iat: z.number(),
  auth_time: z.number().optional(),
  amr: z.array(z.string()).default([]),
  roles: z.array(z.enum(ROLES)).default([]),
  sid: z.string().optional(),
  /** When the session last proved a second factor (epoch seconds); see core/step-up.ts. */
  step_up_at: z.number().int().optional(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

export type Caller =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'apiKey' }
  | {
      readonly kind: 'user';
      readonly userId: string;
      readonly roles: readonly Role[];
      readonly amr: readonly string[];
      readonly authTime: number | undefined;
      readonly sessionId: string | undefined;
      readonly expiresAt: number;
      /** From the `step_up_at` claim; absent on tokens issued before any second factor. */
      readonly stepUpAt?: number | undefined;
    };

export type UserCaller = Extract<Caller, { kind: 'user' }>;

export function callerFromClaims(claims: unknown): Caller {
  const parsed = accessClaimsSchema.safeParse(claims);
  if (!parsed.success) return { kind: 'anonymous' };
  const c = parsed.data;
  return {
    kind: 'user',
    userId: c.sub,
    roles: c.roles,
    amr: c.amr,
    authTime: c.auth_time,
    sessionId: c.sid,
    expiresAt: c.exp,
    stepUpAt: c.step_up_at,
  };
}

export function requireUser(caller: Caller): UserCaller {
  if (caller.kind !== 'user') throw new UnauthenticatedError('Sign in required');
  return caller;
}

/**
 * Account roles only (client, provider, host): these are what the token says. A staff role is never
 * checked here but through the StaffAuthority port (core/staff-authority.ts), which also honours
 * just-in-time elevations granted after sign-in and drops them the moment they lapse.
 */
export type AccountRole = Exclude<Role, 'admin' | 'support' | 'trust' | 'finance'>;

export function hasRole(caller: Caller, ...roles: AccountRole[]): boolean {
  return caller.kind === 'user' && roles.some((role) => caller.roles.includes(role));
}

export function requireRole(caller: Caller, ...roles: AccountRole[]): UserCaller {
  const user = requireUser(caller);
  if (!hasRole(user, ...roles)) throw new ForbiddenError('Not allowed');
  return user;
}
