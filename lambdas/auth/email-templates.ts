/**
 * Email and SMS templates of the auth domain. Plain text first (deliverability, accessibility);
 * the template id travels with the message for analytics and tests and never carries PII.
 */
import type { EmailMessage, SmsMessage } from '../core/ports.ts';

const SIGNATURE = '\n\n— RastUp\nIf you did not request this, you can ignore this message; your account stays safe.';

export const emailTemplates = {
  verifyEmail: (to: string, code: string): EmailMessage => ({
    to,
    template: 'auth.verify_email',
    subject: 'Your RastUp verification code',
    text: `Your verification code is ${code}. It expires in 15 minutes.${SIGNATURE}`,
  }),
  signUpExisting: (to: string, resetUrl: string): EmailMessage => ({
    to,
    template: 'auth.sign_up_existing',
    subject: 'Someone tried to sign up with your email',
    text: `Someone (maybe you) tried to create a RastUp account with this email, which already has one. To sign in, use your password; if you forgot it, reset it at ${resetUrl}.${SIGNATURE}`,
  }),
  resetPassword: (to: string, code: string): EmailMessage => ({
    to,
    template: 'auth.reset_password',
    subject: 'Your RastUp password reset code',
    text: `Your password reset code is ${code}. It expires in 15 minutes and works once. Resetting signs you out everywhere.${SIGNATURE}`,
  }),
  passwordChanged: (to: string): EmailMessage => ({
    to,
    template: 'auth.password_changed',
    subject: 'Your RastUp password was changed',
    text: `Your password was just changed and every other session was signed out. If this was not you, reset your password now and contact support.${SIGNATURE}`,
  }),
  locked: (to: string, unlockUrl: string, minutes: number): EmailMessage => ({
    to,
    template: 'auth.locked',
    subject: 'Sign-in to your RastUp account was paused',
    text: `We paused sign-in to your account for ${minutes} minutes after several wrong passwords. If this was you, unlock it now: ${unlockUrl}\nIf it was not you, your password held; consider turning on two-step verification.${SIGNATURE}`,
  }),
  newDevice: (to: string, userAgent: string, when: string): EmailMessage => ({
    to,
    template: 'auth.new_device',
    subject: 'New sign-in to your RastUp account',
    text: `Your account was signed in from a new device (${userAgent.slice(0, 120)}) at ${when}. If this was not you, sign out that device in Settings → Security and change your password.${SIGNATURE}`,
  }),
  stepUpCode: (to: string, code: string): EmailMessage => ({
    to,
    template: 'auth.step_up',
    subject: 'Confirm a sensitive change',
    text: `Your confirmation code is ${code}. It expires in 10 minutes.${SIGNATURE}`,
  }),
  changeEmail: (to: string, code: string): EmailMessage => ({
    to,
    template: 'auth.change_email',
    subject: 'Confirm your new RastUp email',
    text: `Your code to confirm this email address is ${code}. It expires in 15 minutes.${SIGNATURE}`,
  }),
  emailChanged: (to: string): EmailMessage => ({
    to,
    template: 'auth.email_changed',
    subject: 'Your RastUp email was changed',
    text: `The sign-in email of your account was changed to another address. If this was not you, contact support immediately.${SIGNATURE}`,
  }),
  mfaChanged: (to: string, enabled: boolean): EmailMessage => ({
    to,
    template: enabled ? 'auth.mfa_enabled' : 'auth.mfa_disabled',
    subject: enabled ? 'Two-step verification is on' : 'Two-step verification was turned off',
    text: enabled
      ? `Two-step verification now protects your account.${SIGNATURE}`
      : `Two-step verification was turned off for your account. If this was not you, contact support.${SIGNATURE}`,
  }),
  phoneAdded: (to: string, lastDigits: string, replaced: boolean): EmailMessage => ({
    to,
    template: 'auth.phone_added',
    subject: replaced
      ? 'The phone number of your RastUp account was changed'
      : 'A phone number was added to your RastUp account',
    text: `${replaced ? 'Your account now uses' : 'Your account now has'} the phone number ending in ${lastDigits} for confirmation codes (from 24 hours on). If this was not you, sign out your other sessions in Settings → Security, change your password and contact support.${SIGNATURE}`,
  }),
  accountDeleted: (to: string): EmailMessage => ({
    to,
    template: 'auth.account_deleted',
    subject: 'Your RastUp account was deleted',
    text: `Your account and its personal data were deleted as you asked. Records we must keep by law are kept without your name or contact details.${SIGNATURE}`,
  }),
};

export const smsTemplates = {
  verifyPhone: (to: string, code: string): SmsMessage => ({
    to,
    template: 'auth.verify_phone',
    text: `RastUp code: ${code}. Expires in 10 minutes.`,
  }),
  stepUp: (to: string, code: string): SmsMessage => ({
    to,
    template: 'auth.step_up_sms',
    text: `RastUp confirmation code: ${code}. Expires in 10 minutes.`,
  }),
};
