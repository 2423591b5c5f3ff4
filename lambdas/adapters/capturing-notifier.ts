/**
 * The local stand-in for SES and Twilio: messages are kept in memory (newest first) so a developer
 * reads them at GET /dev/mailbox and tests read the codes they contain. Never used in AWS stages.
 */
import type { EmailMessage, Notifier, SmsMessage } from '../core/ports.ts';

export interface CapturedMessage {
  readonly channel: 'email' | 'sms';
  readonly to: string;
  readonly subject: string | null;
  readonly text: string;
  readonly template: string;
  readonly sentAt: string;
}

const MAX_KEPT = 1_000;
// One mailbox per process, shared by every domain handler the local stack loads.
const globalMailbox = globalThis as typeof globalThis & { __rastupMailbox?: CapturedMessage[] };

export function capturedMessages(): readonly CapturedMessage[] {
  return globalMailbox.__rastupMailbox ?? [];
}

export class CapturingNotifier implements Notifier {
  private get box(): CapturedMessage[] {
    globalMailbox.__rastupMailbox ??= [];
    return globalMailbox.__rastupMailbox;
  }

  private keep(message: CapturedMessage): void {
    this.box.unshift(message);
    if (this.box.length > MAX_KEPT) this.box.length = MAX_KEPT;
  }

  async sendEmail(message: EmailMessage): Promise<void> {
    this.keep({
      channel: 'email',
      to: message.to,
      subject: message.subject,
      text: message.text,
      template: message.template,
      sentAt: new Date().toISOString(),
    });
  }

  async sendSms(message: SmsMessage): Promise<void> {
    this.keep({
      channel: 'sms',
      to: message.to,
      subject: null,
      text: message.text,
      template: message.template,
      sentAt: new Date().toISOString(),
    });
  }
}
