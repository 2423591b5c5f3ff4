/**
 * What to do with a presented refresh token, decided from the session it points to. Kept pure
 * (no I/O) so every branch is unit-tested; SessionService.refresh does the lookups and the writes.
 *
 * - `rotate`: the session's current token: issue a successor (the normal path).
 * - `grace`: the token the session rotated away from within the last few seconds, i.e. a second
 *   tab refreshing at the same moment. Answer with the successor already issued (never a new
 *   branch of the family), so both tabs end up holding the one live token.
 * - `reuse`: an older retired token, or the previous one after the grace window: someone holds a
 *   copy. The whole session (family) is revoked.
 * - `invalid`: unknown token, or a session that is revoked or past its idle or absolute limit.
 */

export interface SessionTimes {
  readonly revoked_at: Date | null;
  readonly created_at: Date;
  readonly last_seen_at: Date;
  readonly rotated_at: Date;
  readonly idle_expires_at: Date;
  readonly absolute_expires_at: Date;
}

export interface SessionLimits {
  readonly idleSeconds: number;
  readonly absoluteSeconds: number;
}

/** How the presented token relates to the session found for it. */
export type TokenMatch = 'current' | 'previous' | 'retired' | 'none';

export type RefreshDecision =
  | { readonly kind: 'rotate' }
  | { readonly kind: 'grace' }
  | { readonly kind: 'reuse' }
  | { readonly kind: 'invalid'; readonly reason: 'unknown' | 'revoked' | 'idle' | 'absolute' };

/**
 * Live means not revoked and inside both limits. The limits are checked twice on purpose: against
 * the stored expiry columns (set when the session was created or last rotated) and against the
 * current configuration, so lowering SESSION_IDLE_SECONDS / SESSION_ABSOLUTE_SECONDS (say, after
 * an incident) applies to existing sessions at once.
 */
export function sessionLiveness(
  session: SessionTimes,
  now: Date,
  limits: SessionLimits,
): 'live' | 'revoked' | 'idle' | 'absolute' {
  const t = now.getTime();
  if (session.revoked_at) return 'revoked';
  if (session.absolute_expires_at.getTime() <= t || session.created_at.getTime() + limits.absoluteSeconds * 1000 <= t)
    return 'absolute';
  if (session.idle_expires_at.getTime() <= t || session.last_seen_at.getTime() + limits.idleSeconds * 1000 <= t)
    return 'idle';
  return 'live';
}

export function decideRefresh(input: {
  match: TokenMatch;
  session: SessionTimes | undefined;
  now: Date;
  graceSeconds: number;
  limits: SessionLimits;
}): RefreshDecision {
  const { match, session, now } = input;
  if (match === 'none' || !session) return { kind: 'invalid', reason: 'unknown' };
  // A retired token means a copy exists, whatever state the session is in: revoking is idempotent
  // and the audit entry is the signal worth having.
  if (match === 'retired') return { kind: 'reuse' };
  if (match === 'previous') {
    const sinceRotation = now.getTime() - session.rotated_at.getTime();
    if (input.graceSeconds <= 0 || sinceRotation < 0 || sinceRotation > input.graceSeconds * 1000)
      return { kind: 'reuse' };
  }
  const liveness = sessionLiveness(session, now, input.limits);
  if (liveness !== 'live') return { kind: 'invalid', reason: liveness };
  return match === 'current' ? { kind: 'rotate' } : { kind: 'grace' };
}
