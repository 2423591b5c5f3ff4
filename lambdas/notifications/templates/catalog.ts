/**
 * The notification templates (NTB-NOTIF-001). Every email shares one MJML layout
 * (templates/layout.mjml, compiled to HTML by `npm run notifications:templates` into
 * layout.compiled.ts, so the Lambda carries no MJML compiler); a template fills its slots and
 * writes its own plain-text part. `{{name}}` is replaced by the data value, HTML-escaped in the
 * HTML part; a template may use only the data keys it declares.
 */
import type { Category } from '../notifications.policy.ts';

export interface TemplateDefinition {
  readonly category: Category;
  readonly keys: readonly string[];
  readonly subject: string;
  readonly heading: string;
  readonly body: string;
  readonly actionLabel: string;
  /** Path on the web app (joined to its base URL). */
  readonly actionPath: string;
  readonly text: string;
}

const define = <const K extends string>(
  keys: readonly K[],
  definition: Omit<TemplateDefinition, 'keys'>,
): TemplateDefinition & { readonly keys: readonly K[] } => ({ keys, ...definition });

export const TEMPLATES = {
  'signup-verify': define(['code'], {
    category: 'ACCOUNT',
    subject: 'Your RastUp verification code',
    heading: 'Confirm your email',
    body: 'Your verification code is {{code}}. It expires in 15 minutes.',
    actionLabel: 'Open RastUp',
    actionPath: '/verify',
    text: 'Your RastUp verification code is {{code}}. It expires in 15 minutes.',
  }),
  'booking-request': define(['bookingId', 'when'], {
    category: 'BOOKING',
    subject: 'New booking request',
    heading: 'You have a new booking request',
    body: 'A client asked to book you for {{when}}. Answer before the request expires.',
    actionLabel: 'Review the request',
    actionPath: '/bookings/{{bookingId}}',
    text: 'A client asked to book you for {{when}}. Answer before the request expires: {{actionUrl}}',
  }),
  'booking-confirmed': define(['bookingId', 'when'], {
    category: 'BOOKING',
    subject: 'Booking confirmed',
    heading: 'Your booking is confirmed',
    body: 'Your booking for {{when}} is confirmed.',
    actionLabel: 'View the booking',
    actionPath: '/bookings/{{bookingId}}',
    text: 'Your booking for {{when}} is confirmed: {{actionUrl}}',
  }),
  'booking-cancelled': define(['bookingId', 'when'], {
    category: 'BOOKING',
    subject: 'Booking cancelled',
    heading: 'A booking was cancelled',
    body: 'The booking for {{when}} was cancelled. Any refund follows the cancellation policy.',
    actionLabel: 'View the booking',
    actionPath: '/bookings/{{bookingId}}',
    text: 'The booking for {{when}} was cancelled: {{actionUrl}}',
  }),
  'refund-issued': define(['amount'], {
    category: 'PAYMENTS',
    subject: 'Your refund is on its way',
    heading: 'Refund issued',
    body: 'We refunded {{amount}}. It reaches your card in 5 to 10 business days.',
    actionLabel: 'See your payments',
    actionPath: '/payments',
    text: 'We refunded {{amount}}. It reaches your card in 5 to 10 business days. {{actionUrl}}',
  }),
  'payout-sent': define(['amount'], {
    category: 'PAYMENTS',
    subject: 'Payout sent',
    heading: 'Your payout is on its way',
    body: 'We sent {{amount}} to your payout account.',
    actionLabel: 'See your payouts',
    actionPath: '/payouts',
    text: 'We sent {{amount}} to your payout account. {{actionUrl}}',
  }),
  'message-digest': define(['messages', 'threads'], {
    category: 'MESSAGES',
    subject: 'You have {{messages}} unread messages',
    heading: 'Messages are waiting for you',
    body: 'You have {{messages}} unread messages in {{threads}} conversations.',
    actionLabel: 'Open your inbox',
    actionPath: '/inbox',
    text: 'You have {{messages}} unread messages in {{threads}} conversations: {{actionUrl}}',
  }),
  // DMCA (NTB-HELP-002): the uploader is told of each step. ACCOUNT: a legal notice, sent at once.
  'dmca-taken-down': define(['caseId', 'target'], {
    category: 'ACCOUNT',
    subject: 'Material was removed after a copyright notice',
    heading: 'We removed material after a DMCA notice',
    body: 'We received a copyright notice about your {{target}} and removed it from public view. If you believe this is a mistake, you may file a counter notice.',
    actionLabel: 'See the case',
    actionPath: '/account/dmca/{{caseId}}',
    text: 'We received a copyright notice about your {{target}} and removed it from public view. If you believe this is a mistake, you may file a counter notice: {{actionUrl}}',
  }),
  'dmca-counter-noticed': define(['caseId', 'target', 'restoreFrom', 'restoreBy'], {
    category: 'ACCOUNT',
    subject: 'We received your counter notice',
    heading: 'Your counter notice was received',
    body: 'Unless the complainant tells us they filed suit, your {{target}} will be public again between {{restoreFrom}} and {{restoreBy}}.',
    actionLabel: 'See the case',
    actionPath: '/account/dmca/{{caseId}}',
    text: 'Unless the complainant tells us they filed suit, your {{target}} will be public again between {{restoreFrom}} and {{restoreBy}}: {{actionUrl}}',
  }),
  'dmca-restored': define(['caseId', 'target'], {
    category: 'ACCOUNT',
    subject: 'Your material is public again',
    heading: 'Your material was restored',
    body: 'The counter-notice period passed without a lawsuit: your {{target}} is public again.',
    actionLabel: 'See the case',
    actionPath: '/account/dmca/{{caseId}}',
    text: 'The counter-notice period passed without a lawsuit: your {{target}} is public again. {{actionUrl}}',
  }),
};

export type TemplateName = keyof typeof TEMPLATES;
export type TemplateData<N extends TemplateName> = Record<(typeof TEMPLATES)[N]['keys'][number], string | number>;
