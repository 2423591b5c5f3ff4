import { describe, expect, it } from 'vitest';
import { isConnectionFailure } from './database.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isConnectionFailure', () => {
  it('recognises what pg reports when the connection, not the statement, failed', () => {
    expect(isConnectionFailure(new Error('Query read timeout'))).toBe(true);
    expect(isConnectionFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionFailure(withCode('read ECONNRESET', 'ECONNRESET'))).toBe(true);
    expect(isConnectionFailure(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
  });

  it('leaves statement errors alone: their connection is healthy and they are not outages', () => {
    expect(isConnectionFailure(withCode('duplicate key value', '23505'))).toBe(false);
    expect(isConnectionFailure(withCode('canceling statement due to statement timeout', '57014'))).toBe(false);
    expect(isConnectionFailure(new Error('timeout exceeded when trying to connect'))).toBe(false);
    expect(isConnectionFailure('not an error')).toBe(false);
  });
});
