import { describe, expect, it } from 'vitest';
import { decideRefresh, sessionLiveness, type SessionTimes, type TokenMatch } from './refresh-decision.ts';

const now = new Date(Date.UTC(2026, 2, 1, 12, 0, 0));
const limits = { idleSeconds: 7 * 86_400, absoluteSeconds: 30 * 86_400 };
const GRACE = 30;
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const ahead = (seconds: number) => new Date(now.getTime() + seconds * 1000);

/** A session signed in a day ago, last rotated `rotatedSecondsAgo` ago. */
function session(overrides: Partial<SessionTimes> = {}, rotatedSecondsAgo = 5): SessionTimes {
  return {
    revoked_at: null,
    created_at: ago(86_400),
    last_seen_at: ago(rotatedSecondsAgo),
    rotated_at: ago(rotatedSecondsAgo),
    idle_expires_at: ahead(limits.idleSeconds - rotatedSecondsAgo),
    absolute_expires_at: ahead(limits.absoluteSeconds - 86_400),
    ...overrides,
  };
}

const decide = (match: TokenMatch, s: SessionTimes | undefined, graceSeconds = GRACE) =>
  decideRefresh({ match, session: s, now, graceSeconds, limits }).kind;

describe('decideRefresh', () => {
  it('rotates the current token of a live session', () => {
    expect(decide('current', session())).toBe('rotate');
  });

  it('answers the just-rotated token within the grace window with the existing successor, up to its last second', () => {
    expect(decide('previous', session({}, 0))).toBe('grace');
    expect(decide('previous', session({}, GRACE))).toBe('grace');
  });

  it('treats the just-rotated token as reuse once the window has passed', () => {
    expect(decide('previous', session({}, GRACE + 1))).toBe('reuse');
  });

  it('treats every older retired token as reuse, even within the window and even on a dead session', () => {
    expect(decide('retired', session({}, 1))).toBe('reuse');
    expect(decide('retired', session({ revoked_at: ago(10) }))).toBe('reuse');
  });

  it('has no window when the grace is configured to 0', () => {
    expect(decide('previous', session({}, 0), 0)).toBe('reuse');
  });

  it('does not trust a rotation time in the future (clock trouble) as a reason for grace', () => {
    expect(decide('previous', session({ rotated_at: ahead(5) }))).toBe('reuse');
  });

  it('refuses unknown tokens and any token of a revoked or expired session without revoking anything', () => {
    expect(decideRefresh({ match: 'none', session: undefined, now, graceSeconds: GRACE, limits })).toEqual({
      kind: 'invalid',
      reason: 'unknown',
    });
    expect(
      decideRefresh({ match: 'current', session: session({ revoked_at: ago(1) }), now, graceSeconds: GRACE, limits }),
    ).toEqual({ kind: 'invalid', reason: 'revoked' });
    // The race loser of a session revoked meanwhile gets nothing either.
    expect(
      decideRefresh({ match: 'previous', session: session({ revoked_at: ago(1) }), now, graceSeconds: GRACE, limits }),
    ).toEqual({ kind: 'invalid', reason: 'revoked' });
    expect(
      decideRefresh({
        match: 'current',
        session: session({ idle_expires_at: ago(1) }),
        now,
        graceSeconds: GRACE,
        limits,
      }),
    ).toEqual({ kind: 'invalid', reason: 'idle' });
    expect(
      decideRefresh({
        match: 'previous',
        session: session({ absolute_expires_at: ago(1) }),
        now,
        graceSeconds: GRACE,
        limits,
      }),
    ).toEqual({ kind: 'invalid', reason: 'absolute' });
  });
});

describe('sessionLiveness', () => {
  it('is live inside both limits', () => {
    expect(sessionLiveness(session(), now, limits)).toBe('live');
  });

  it('ends at the stored idle and absolute expiry', () => {
    expect(sessionLiveness(session({ idle_expires_at: now }), now, limits)).toBe('idle');
    expect(sessionLiveness(session({ absolute_expires_at: now }), now, limits)).toBe('absolute');
  });

  it('applies lowered limits to sessions created under the old ones', () => {
    const underOldLimits = session({ last_seen_at: ago(3 * 3600) });
    expect(sessionLiveness(underOldLimits, now, limits)).toBe('live');
    expect(sessionLiveness(underOldLimits, now, { ...limits, idleSeconds: 3600 })).toBe('idle');
    expect(sessionLiveness(underOldLimits, now, { ...limits, absoluteSeconds: 3600 })).toBe('absolute');
  });

  it('reports revocation first', () => {
    expect(sessionLiveness(session({ revoked_at: ago(1), idle_expires_at: ago(1) }), now, limits)).toBe('revoked');
  });
});
