/**
 * SMS through Twilio's Messages API (form-encoded POST, HTTP Basic with the account SID and auth
 * token). The base URL is configurable so the local stack points it at its loopback fake.
 */
import { DependencyError } from '../core/errors.ts';
import type { SmsMessage } from '../core/ports.ts';

export interface TwilioSettings {
  readonly apiUrl: string;
  readonly accountSid: string;
  readonly authToken: string;
  readonly from: string;
}

export class TwilioSmsSender {
  constructor(private readonly settings: TwilioSettings) {}

  async send(message: SmsMessage): Promise<void> {
    const { apiUrl, accountSid, authToken, from } = this.settings;
    const response = await fetch(
      `${apiUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ To: message.to, From: from, Body: message.text }),
        signal: AbortSignal.timeout(5000),
      },
    );
    if (response.status !== 201 && response.status !== 200)
      throw new DependencyError('SMS provider refused the message', { status: response.status });
  }
}
