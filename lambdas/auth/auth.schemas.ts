/** zod schemas: the only definition of each auth input (REST bodies and GraphQL arguments). */
import * as z from 'zod';
import { safeText } from '../core/text.ts';
import { ROLES } from '../core/identity.ts';
import { idSchema } from '../core/ids.ts';
import { PASSWORD_MAX_LENGTH } from './password-policy.ts';

const email = safeText().trim().max(254).email();
// Length rules live in PasswordPolicy (with feedback); here only a hard cap against huge bodies.
const password = z
  .string()
  .min(1)
  .max(PASSWORD_MAX_LENGTH * 4);
const code = safeText().trim().min(4).max(32);
const captchaToken = safeText().min(1).max(4096).optional();
const consents = z
  .object({
    terms: safeText().min(1).max(32),
    privacy: safeText().min(1).max(32),
    marketing: z.boolean().default(false),
  })
  .strict();

export const signUpBody = z
  .object({
    email,
    password,
    displayName: safeText().trim().min(1).max(80).optional(),
    role: z.enum(['client', 'provider', 'host']).default('client'),
    consents,
  })
  .strict();

export const emailCodeBody = z.object({ email, code }).strict();
/** The password of the sign-up being verified: the code alone proves the mailbox, not who set the password. */
export const verifyEmailBody = z.object({ email, code, password }).strict();
export const emailBody = z.object({ email }).strict();

export const loginBody = z.object({ email, password, captchaToken }).strict();

export const secondFactorMethod = z.enum(['totp', 'recovery_code', 'email_code', 'sms_code']);
export const mfaVerifyBody = z
  .object({ mfaToken: safeText().min(16).max(128), method: secondFactorMethod.default('totp'), code })
  .strict();

export const resetConfirmBody = z.object({ email, code, newPassword: password }).strict();

export const unlockQuery = z.object({ token: safeText().min(16).max(128) });

export const socialLoginBody = z
  .object({ idToken: safeText().min(20).max(8192), nonce: safeText().min(16).max(128), consents: consents.optional() })
  .strict();
export const socialProviderParam = z.enum(['google', 'apple']);

// GraphQL arguments -----------------------------------------------------------------------------

const graphqlMethod = z
  .enum(['TOTP', 'RECOVERY_CODE', 'EMAIL_CODE', 'SMS_CODE'])
  .transform((value) => value.toLowerCase() as z.infer<typeof secondFactorMethod>);

export const stepUpArgs = z.object({ input: z.object({ method: graphqlMethod, code }) });
export const sendStepUpCodeArgs = z.object({
  channel: z.enum(['EMAIL', 'SMS']).transform((value) => value.toLowerCase() as 'email' | 'sms'),
});
export const codeArgs = z.object({ code });
export const sessionIdArgs = z.object({ id: idSchema('session') });
export const deviceIdArgs = z.object({ id: idSchema('device') });
export const recordConsentArgs = z.object({
  input: z.object({
    kind: z
      .enum(['TERMS', 'PRIVACY', 'MARKETING'])
      .transform((value) => value.toLowerCase() as 'terms' | 'privacy' | 'marketing'),
    version: safeText().trim().min(1).max(32),
    granted: z.boolean(),
  }),
});
export const changePasswordArgs = z.object({
  input: z.object({
    currentPassword: password.nullish().transform((value) => value ?? undefined),
    newPassword: password,
  }),
});
export const changeEmailArgs = z.object({ newEmail: email });
// E.164: + and up to 15 digits.
export const phoneArgs = z.object({
  phone: z
    .string()
    .trim()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15551234567'),
});
export const deleteAccountArgs = z.object({
  input: z.object({ confirm: z.literal('DELETE'), declineExport: z.boolean().default(false) }),
});
export const setUserRolesArgs = z.object({
  userId: idSchema('user'),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
});
