/**
 * Cloudflare Turnstile siteverify (also the wire format of hCaptcha/reCAPTCHA-compatible
 * endpoints): POST form `secret`, `response`, `remoteip`; answer `{ success, error-codes, … }`.
 * Fails closed: if the verifier cannot be reached the token is not accepted.
 */
import * as z from 'zod';
import type { Logger } from '../core/log.ts';

export interface CaptchaVerifier {
  verify(token: string, remoteIp: string): Promise<boolean>;
}

const answerSchema = z.object({ success: z.boolean(), 'error-codes': z.array(z.string()).optional() });

export class TurnstileCaptchaVerifier implements CaptchaVerifier {
  constructor(
    private readonly verifyUrl: string,
    private readonly secretKey: string,
    private readonly logger: Logger,
    private readonly timeoutMs = 3000,
  ) {}

  async verify(token: string, remoteIp: string): Promise<boolean> {
    try {
      const response = await fetch(this.verifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ secret: this.secretKey, response: token, remoteip: remoteIp }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const answer = answerSchema.safeParse(await response.json());
      if (!answer.success) return false;
      if (!answer.data.success) this.logger.info('captcha refused', { reasons: answer.data['error-codes'] ?? [] });
      return answer.data.success;
    } catch (error) {
      this.logger.warn('captcha verifier unavailable', { reason: (error as Error).name });
      return false;
    }
  }
}
