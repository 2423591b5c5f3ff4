import { describe, expect, it } from 'vitest';
import { SecretBox, normaliseRecoveryCode, opaqueToken, recoveryCode } from './secret-box.ts';

const box = new SecretBox(Buffer.alloc(32, 7).toString('base64'));
/** How MfaService keys a recovery code: per user, over the normalised spelling. */
const recoveryHash = (userId: string, code: string) => box.mac(`recovery:${userId}`, normaliseRecoveryCode(code));

describe('recovery codes', () => {
  it('are 10 unambiguous characters in two groups', () => {
    for (let i = 0; i < 50; i++) expect(recoveryCode()).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  });

  it('map every spelling of one code to one stored hash, so a used code cannot come back re-spelled', () => {
    const code = 'ABCDE-FGH23';
    const stored = recoveryHash('usr_1', code);
    for (const spelling of ['abcde-fgh23', 'ABCDEFGH23', ' abcde fgh23 ', 'AbCdE—FgH23'])
      expect(recoveryHash('usr_1', spelling)).toBe(stored);
    expect(recoveryHash('usr_1', 'ABCDE-FGH24')).not.toBe(stored);
  });

  it("hash per account, so one account's code is not another's", () => {
    expect(recoveryHash('usr_1', 'ABCDE-FGH23')).not.toBe(recoveryHash('usr_2', 'ABCDE-FGH23'));
  });
});

describe('sealed refresh successors', () => {
  it('open only for the session they were sealed for', () => {
    const token = opaqueToken();
    const sealed = box.encrypt(token, 'refresh:ses_a');
    expect(box.decrypt(sealed, 'refresh:ses_a')).toBe(token);
    expect(() => box.decrypt(sealed, 'refresh:ses_b')).toThrow();
    expect(() => box.decrypt(sealed)).toThrow();
  });

  it('leave sealing without a context (TOTP seeds) as it was', () => {
    expect(box.decrypt(box.encrypt('JBSWY3DPEHPK3PXP'))).toBe('JBSWY3DPEHPK3PXP');
  });
});
