/**
 * Password rules per OWASP ASVS 5.0 (V6.2): at least 8 characters (15 recommended), at least 64
 * allowed (we allow 128), no composition rules, any printable Unicode (NFC-normalised), the most
 * common passwords refused offline, a strength estimate (zxcvbn) with feedback the user can act
 * on, and a breach check (Have I Been Pwned, k-anonymity) with a timeout.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { ValidationError } from '../core/errors.ts';
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_RECOMMENDED_LENGTH = 15;
export const PASSWORD_MAX_LENGTH = 128;
/** zxcvbn score 3: "safely unguessable" (~10^10 guesses), enough against an offline attack on argon2id. */
export const MIN_STRENGTH_SCORE = 3;

/** Result of a breach lookup; `unknown` when the service could not be asked in time. */
export type BreachStatus = 'breached' | 'clean' | 'unknown';

export interface BreachChecker {
  check(password: string): Promise<BreachStatus>;
}

export interface PasswordAssessment {
  readonly score: number;
  readonly warning: string | null;
  readonly suggestions: readonly string[];
  readonly breach: BreachStatus;
}

interface Dictionaries {
  readonly common: Set<string>;
  readonly estimator: ZxcvbnFactory;
}

let dictionaries: Promise<Dictionaries> | undefined;

/**
 * The word lists (~1.6 MB) load on first use: only sign-up, reset and password change need them,
 * so a login cold start never parses them (they are also kept out of the Lambda bundle).
 */
function loadDictionaries(): Promise<Dictionaries> {
  dictionaries ??= Promise.all([import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]).then(
    ([common, english]) => ({
      // The offline common-password list ships with zxcvbn-ts (ranked; ~30k entries): a Set for O(1) checks.
      common: new Set(common.dictionary['passwords-common'].map((word: string) => word.toLowerCase())),
      estimator: new ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...english.dictionary },
        graphs: common.adjacencyGraphs,
        translations: english.translations,
      }),
    }),
  );
  dictionaries.catch(() => (dictionaries = undefined));
  return dictionaries;
}

export function normalisePassword(password: string): string {
  return password.normalize('NFC');
}

export class PasswordPolicy {
  constructor(private readonly breaches: BreachChecker) {}

  /**
   * Throws ValidationError (`issues` carry the feedback) when the password must be refused.
   * `userInputs` (email, name) lower the score of passwords built from them.
   */
  async assertAcceptable(password: string, userInputs: readonly string[] = []): Promise<PasswordAssessment> {
    const normalised = normalisePassword(password);
    const length = [...normalised].length;
    if (length < PASSWORD_MIN_LENGTH) {
      throw new ValidationError('Password is too short', [
        {
          path: 'password',
          message: `Use at least ${PASSWORD_MIN_LENGTH} characters; ${PASSWORD_RECOMMENDED_LENGTH} or more is better.`,
        },
      ]);
    }
    if (length > PASSWORD_MAX_LENGTH)
      throw new ValidationError('Password is too long', [
        { path: 'password', message: `Use at most ${PASSWORD_MAX_LENGTH} characters.` },
      ]);
    const { common, estimator } = await loadDictionaries();
    if (common.has(normalised.toLowerCase())) {
      throw new ValidationError('Password is too common', [
        { path: 'password', message: 'This is one of the most commonly used passwords. Choose another.' },
      ]);
    }
    const inputs = userInputs
      .flatMap((input) => [input, ...input.split(/[@._+-]/)])
      .filter((input) => input.length >= 3);
    const result = estimator.check(normalised, inputs);
    if (result.score < MIN_STRENGTH_SCORE) {
      const feedback = [result.feedback.warning, ...result.feedback.suggestions].filter((line): line is string =>
        Boolean(line),
      );
      throw new ValidationError('Password is too weak', [
        {
          path: 'password',
          message: feedback.length
            ? feedback.join(' ')
            : 'Add more words or characters; a longer passphrase is easiest.',
        },
      ]);
    }
    const breach = await this.breaches.check(normalised);
    if (breach === 'breached') {
      throw new ValidationError('Password has appeared in a data breach', [
        { path: 'password', message: 'This password appeared in a known data breach. Choose another.' },
      ]);
    }
    return { score: result.score, warning: result.feedback.warning, suggestions: result.feedback.suggestions, breach };
  }
}
