/**
 * Chooses the Notifier from configuration, once per container:
 *  - email: NOTIFICATIONS_MODE=capture (local stack, tests) keeps messages in the dev mailbox;
 *    `ses` sends through SES from NOTIFICATIONS_FROM_EMAIL.
 *  - SMS: Twilio when TWILIO_ACCOUNT_SID is set (locally it points at the loopback fake, which
 *    drops the message into the same dev mailbox); otherwise captured, and refused in AWS stages.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { parseConfig } from '../core/config.ts';
import type { EmailMessage, Notifier, SmsMessage } from '../core/ports.ts';
import { CapturingNotifier } from './capturing-notifier.ts';
import { SesEmailSender } from './ses-email-sender.ts';
import { TwilioSmsSender } from './twilio-sms-sender.ts';
import { traced } from './tracing.ts';

export const notifierEnvSchema = z
  .object({
    STAGE: z.string(),
    NOTIFICATIONS_MODE: z.enum(['capture', 'ses']).default('ses'),
    NOTIFICATIONS_FROM_EMAIL: z.string().email().optional(),
    SES_CONFIGURATION_SET: z.string().optional(),
    TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
    TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_FROM_NUMBER: z.string().min(1).optional(),
  })
  .refine((env) => env.NOTIFICATIONS_MODE !== 'capture' || env.STAGE === 'local' || env.STAGE === 'test', {
    message: 'NOTIFICATIONS_MODE=capture is for the local stack only',
    path: ['NOTIFICATIONS_MODE'],
  })
  .refine((env) => env.NOTIFICATIONS_MODE !== 'ses' || env.NOTIFICATIONS_FROM_EMAIL, {
    message: 'required when NOTIFICATIONS_MODE=ses',
    path: ['NOTIFICATIONS_FROM_EMAIL'],
  });

class CompositeNotifier implements Notifier {
  constructor(
    private readonly email: (message: EmailMessage) => Promise<void>,
    private readonly sms: (message: SmsMessage) => Promise<void>,
  ) {}
  sendEmail(message: EmailMessage): Promise<void> {
    return this.email(message);
  }
  sendSms(message: SmsMessage): Promise<void> {
    return this.sms(message);
  }
}

let notifier: Notifier | undefined;

/**
 * One notifier per container, built on first use. `env` is the environment with secrets resolved
 * (the auth module passes Twilio values read from Secrets Manager; lambdas/adapters/secret-env.ts).
 */
export function notifierFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Notifier {
  notifier ??= buildNotifier(env);
  return notifier;
}

function buildNotifier(source: Readonly<Record<string, string | undefined>>): Notifier {
  const env = parseConfig(notifierEnvSchema, source);
  const capture = new CapturingNotifier();
  const email =
    env.NOTIFICATIONS_MODE === 'ses'
      ? (
          (sender) => (message: EmailMessage) =>
            sender.send(message)
        )(new SesEmailSender(traced(new SESv2Client({})), env.NOTIFICATIONS_FROM_EMAIL!, env.SES_CONFIGURATION_SET))
      : (message: EmailMessage) => capture.sendEmail(message);
  let sms: (message: SmsMessage) => Promise<void>;
  if (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM_NUMBER) {
    const sender = new TwilioSmsSender({
      apiUrl: env.TWILIO_API_URL,
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      from: env.TWILIO_FROM_NUMBER,
    });
    sms = (message) => sender.send(message);
  } else if (env.NOTIFICATIONS_MODE === 'capture') {
    sms = (message) => capture.sendSms(message);
  } else {
    sms = async () => {
      throw new Error('SMS is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)');
    };
  }
  return new CompositeNotifier(email, sms);
}
