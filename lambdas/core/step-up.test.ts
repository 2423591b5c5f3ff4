import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { StepUpRequiredError, UnauthenticatedError, toResolverError } from './errors.ts';
import { callerFromClaims, type Caller } from './identity.ts';
import { STEP_UP_MAX_AGE_SECONDS, isStepUpRecent, requireRecentStepUp } from './step-up.ts';

const clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
const now = clock.nowSeconds();

function claims(extra: Record<string, unknown> = {}) {
  return {
    sub: 'usr_1',
    iss: 'https://auth.example',
    aud: 'rastup-api',
    exp: now + 900,
    iat: now,
    amr: ['pwd'],
    roles: ['client'],
    sid: 'ses_1',
    ...extra,
  };
}

describe('step_up_at claim', () => {
  it('is parsed into the caller', () => {
    expect(callerFromClaims(claims({ step_up_at: now - 5 }))).toMatchObject({ kind: 'user', stepUpAt: now - 5 });
    expect(callerFromClaims(claims())).toMatchObject({ kind: 'user', stepUpAt: undefined });
  });

  it('makes the token invalid when it is not an integer (a forged or broken claim is not ignored)', () => {
    expect(callerFromClaims(claims({ step_up_at: 'yesterday' }))).toEqual({ kind: 'anonymous' });
  });
});

describe('requireRecentStepUp', () => {
  it('accepts a second factor within the window, up to and including its last second', () => {
    for (const age of [0, 1, 300, STEP_UP_MAX_AGE_SECONDS]) {
      const caller = callerFromClaims(claims({ step_up_at: now - age }));
      expect(requireRecentStepUp(caller, clock).userId).toBe('usr_1');
    }
  });

  it('refuses a token without the claim, and one whose step-up is older than the window', () => {
    for (const caller of [
      callerFromClaims(claims()),
      callerFromClaims(claims({ step_up_at: now - STEP_UP_MAX_AGE_SECONDS - 1 })),
    ]) {
      expect(() => requireRecentStepUp(caller, clock)).toThrow(StepUpRequiredError);
    }
  });

  it('answers STEP_UP_REQUIRED with the window and the way out', () => {
    let thrown: unknown;
    try {
      requireRecentStepUp(callerFromClaims(claims()), clock);
    } catch (error) {
      thrown = error;
    }
    expect(toResolverError(thrown)).toEqual({
      error: {
        errorType: 'STEP_UP_REQUIRED',
        message: expect.any(String),
        errorInfo: { code: 'AUTH.STEP_UP_REQUIRED', windowSeconds: 600, stepUp: 'Mutation.stepUp' },
      },
    });
  });

  it('honours a shorter window chosen by the operation', () => {
    const caller = callerFromClaims(claims({ step_up_at: now - 120 }));
    expect(() => requireRecentStepUp(caller, clock, 60)).toThrow(StepUpRequiredError);
    expect(requireRecentStepUp(caller, clock, 180).userId).toBe('usr_1');
  });

  it('expires as time passes', () => {
    const moving = new ManualClock(clock.nowMs());
    const caller = callerFromClaims(claims({ step_up_at: now }));
    expect(() => requireRecentStepUp(caller, moving)).not.toThrow();
    moving.advance((STEP_UP_MAX_AGE_SECONDS + 1) * 1000);
    expect(() => requireRecentStepUp(caller, moving)).toThrow(StepUpRequiredError);
  });

  it('does not trust a step-up stamped far in the future', () => {
    expect(() => requireRecentStepUp(callerFromClaims(claims({ step_up_at: now + 3600 })), clock)).toThrow(
      StepUpRequiredError,
    );
    expect(isStepUpRecent(now + 30, now)).toBe(true); // ordinary clock skew between containers
  });

  it('asks anonymous and API-key callers to sign in first', () => {
    for (const caller of [{ kind: 'anonymous' }, { kind: 'apiKey' }] as Caller[]) {
      expect(() => requireRecentStepUp(caller, clock)).toThrow(UnauthenticatedError);
    }
  });
});
